// A server of an npm package run as a child process for tests (maildev, s3rver): its command found in the
// workspace's node_modules, started, and awaited until it answers HTTP.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

/** `<package>/<script>` in the node_modules above this file (the workspace's). */
function workspaceBin(script: string): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const bin = path.join(dir, 'node_modules', script);
    if (existsSync(bin)) return bin;
    if (path.dirname(dir) === dir) throw new Error(`${script.split('/')[0]} is not installed (npm ci installs it)`);
  }
}

/**
 * Runs `node <script> <args>` and resolves once `readyUrl` answers (`ready(response)` true; any HTTP answer by
 * default); throws naming `name` when it exits or has not answered within `timeoutMs`.
 */
export async function startChildServer(
  name: string,
  script: string,
  args: string[],
  readyUrl: string,
  { ready = () => true, timeoutMs = 15_000 }: { ready?: (res: Response) => boolean; timeoutMs?: number } = {},
): Promise<ChildServer> {
  const child = spawn(process.execPath, [workspaceBin(script), ...args], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const end = Date.now() + timeoutMs;
  while (!(await fetch(readyUrl).then(ready, () => false))) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start on ${readyUrl} (exit ${child.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
