// `@refarch/testing/s3`: a real S3-compatible server for tests — s3rver, the same one `npm run stack` starts for the
// data lake — as a child process on a free loopback port, its data in a temporary folder.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

export interface S3Sink {
  /** `http://127.0.0.1:<port>`, path-style; credentials `S3RVER` / `S3RVER`. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** s3rver's command, found in the node_modules above this file (the workspace's). */
export function s3rverBin(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const bin = path.join(dir, 'node_modules/s3rver/bin/s3rver.js');
    if (existsSync(bin)) return bin;
    if (path.dirname(dir) === dir) throw new Error('s3rver is not installed (npm ci installs it)');
  }
}

export async function startS3Sink(timeoutMs = 15_000): Promise<S3Sink> {
  const port = await freePort();
  const directory = mkdtempSync(path.join(tmpdir(), 'refarch-s3-'));
  const child = spawn(
    process.execPath,
    [s3rverBin(), '-d', directory, '-a', '127.0.0.1', '-p', String(port), '--silent'],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const endpoint = `http://127.0.0.1:${port}`;
  const end = Date.now() + timeoutMs;
  // Any HTTP answer (s3rver answers an unsigned request with an S3 error document) means it listens.
  while (
    !(await fetch(endpoint).then(
      () => true,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`s3rver did not start on ${endpoint} (exit ${child.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
