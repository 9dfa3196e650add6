// `@refarch/testing/s3`: a real S3-compatible server for tests — s3rver, the same one `npm run stack` starts for the
// data lake — as a child process on a free loopback port, its data in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChildServer } from './child-server.js';
import { freePort } from './ports.js';

export interface S3Sink {
  /** `http://127.0.0.1:<port>`, path-style; credentials `S3RVER` / `S3RVER`. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

export async function startS3Sink(timeoutMs = 15_000): Promise<S3Sink> {
  const port = await freePort();
  const directory = mkdtempSync(path.join(tmpdir(), 'refarch-s3-'));
  const endpoint = `http://127.0.0.1:${port}`;
  // Any HTTP answer (s3rver answers an unsigned request with an S3 error document) means it listens.
  const server = await startChildServer(
    's3rver',
    's3rver/bin/s3rver.js',
    ['-d', directory, '-a', '127.0.0.1', '-p', String(port), '--silent'],
    endpoint,
    { timeoutMs },
  );
  return {
    endpoint,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
