// `@refarch/testing/mail`: a real SMTP server for tests — maildev, the same sink `npm run stack` starts — as a child
// process on free loopback ports, with its REST API for reading what arrived. (A child process, not in-process:
// maildev's web server loads ESM-only packages through require, which Node runs and Jest's module system does not.)
import { startChildServer } from './child-server.js';
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

export async function startMailSink(timeoutMs = 15_000): Promise<MailSink> {
  const smtpPort = await freePort();
  const webPort = await freePort();
  const webUrl = `http://127.0.0.1:${webPort}`;
  const server = await startChildServer(
    'maildev',
    'maildev/dist/bin/maildev.js',
    ['--smtp', String(smtpPort), '--ip', '127.0.0.1', '--web', String(webPort), '--web-ip', '127.0.0.1', '--silent'],
    `${webUrl}/api/healthz`,
    { ready: (r) => r.ok, timeoutMs },
  );
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
    stop: () => server.stop(),
  };
}
