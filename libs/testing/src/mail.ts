// `@refarch/testing/mail`: a real SMTP server for tests — maildev, the same sink `npm run stack` starts — as a child
// process on free loopback ports, with its REST API for reading what arrived. (A child process, not in-process:
// maildev's web server loads ESM-only packages through require, which Node runs and Jest's module system does not.)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

/** One email as maildev received it. */
export interface ReceivedMail {
  id: string;
  time: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
  headers: Record<string, string>;
}

export interface MailSink {
  /** `smtp://127.0.0.1:<port>`: give it to the service as its SMTP server. */
  smtpUrl: string;
  smtpPort: number;
  /** maildev's web UI and API. */
  webUrl: string;
  /** Every email received so far, oldest first. */
  emails(): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

/** maildev's command, found in the node_modules above this file (the workspace's). */
export function maildevBin(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const bin = path.join(dir, 'node_modules/maildev/dist/bin/maildev.js');
    if (existsSync(bin)) return bin;
    if (path.dirname(dir) === dir) throw new Error('maildev is not installed (npm ci installs it)');
  }
}

export async function startMailSink(timeoutMs = 15_000): Promise<MailSink> {
  const smtpPort = await freePort();
  const webPort = await freePort();
  const args = ['--smtp', String(smtpPort), '--ip', '127.0.0.1', '--web', String(webPort), '--web-ip', '127.0.0.1'];
  const child: ChildProcess = spawn(process.execPath, [maildevBin(), ...args, '--silent'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const webUrl = `http://127.0.0.1:${webPort}`;
  const end = Date.now() + timeoutMs;
  while (
    !(await fetch(`${webUrl}/api/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`maildev did not start on ${webUrl} (exit ${child.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    smtpPort,
    webUrl,
    async emails() {
      const res = await fetch(`${webUrl}/api/email`);
      if (!res.ok) throw new Error(`maildev answered ${res.status}`);
      const emails = (await res.json()) as ReceivedMail[];
      return emails.sort((a, b) => a.time.localeCompare(b.time));
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
