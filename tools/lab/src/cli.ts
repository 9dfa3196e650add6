import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface AdminCredentials {
  email: string;
  password: string;
  /** Where the credentials came from, for the error when they are refused. */
  who: string;
}

/**
 * The admin of a command: `--admin-email` and `--admin-password` when given, otherwise the local stack's demo admin
 * (`npm run stack` writes .stack/demo-accounts.json), when there is one.
 */
export function adminFrom(values: {
  'admin-email'?: string;
  'admin-password'?: string;
  'state-dir'?: string;
}): AdminCredentials | undefined {
  if (values['admin-email'] && values['admin-password']) {
    return { email: values['admin-email'], password: values['admin-password'], who: values['admin-email'] };
  }
  const file = path.join(values['state-dir'] ?? '.stack', 'demo-accounts.json');
  if (!existsSync(file)) return undefined;
  const accounts = JSON.parse(readFileSync(file, 'utf8')) as { admin?: { email: string; password: string } };
  if (!accounts.admin) return undefined;
  const who = `the demo admin of ${file} (${accounts.admin.email}; --admin-email and --admin-password choose another)`;
  return { email: accounts.admin.email, password: accounts.admin.password, who };
}

/** The options every lab command shares. */
export const COMMON_OPTIONS = {
  'base-url': { type: 'string', default: 'http://127.0.0.1:8080' },
  'admin-email': { type: 'string' },
  'admin-password': { type: 'string' },
  /** The local stack's state directory (demo-accounts.json, services.json, pids.json, fault-proxy.json). */
  'state-dir': { type: 'string', default: '.stack' },
} as const;

/** `--base-url` without its trailing slashes, or an error when it is not an http(s) origin. */
export function baseUrlFrom(value: string): string {
  const baseUrl = value.replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+$/.test(baseUrl)) throw new Error(`--base-url must be an http(s) origin, got ${baseUrl}`);
  return baseUrl;
}

/**
 * The terminal side of a long command: `progress` redraws one line in a terminal (a line every 5 s in a log), `log`
 * prints a line above it, and `done()` ends the progress line.
 */
export function terminal(stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY;
  let lastLine = 0;
  return {
    log: (line: string) => stream.write(`${tty ? '\r\u001b[K' : ''}${line}\n`),
    progress: (line: string) => {
      if (tty) stream.write(`\r${line}\u001b[K`);
      else if (Date.now() - lastLine >= 5_000) {
        lastLine = Date.now();
        stream.write(`${line}\n`);
      }
    },
    done: () => tty && stream.write('\n'),
  };
}
