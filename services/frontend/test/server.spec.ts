import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const server = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'server.mjs');

function start(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [server], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env } });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`exited ${code}: ${output}`));
    });
    const timer = setInterval(() => {
      const url = /"url":"([^"]+)"/.exec(output)?.[1];
      if (url) {
        clearInterval(timer);
        resolve({ child, url, output: () => output });
      }
    }, 20);
  });
}

describe('the frontend server', () => {
  let bundle: string;
  let app: Awaited<ReturnType<typeof start>>;

  beforeAll(async () => {
    bundle = mkdtempSync(path.join(tmpdir(), 'refarch-frontend-'));
    mkdirSync(path.join(bundle, 'assets'));
    writeFileSync(path.join(bundle, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(path.join(bundle, 'assets', 'index-abc.js'), 'console.log(1)');
    app = await start({ STATIC_ROOT: bundle, API_BASE_URL: 'http://localhost:8080' });
  });
  afterAll(async () => {
    const exited = new Promise((resolve) => app.child.once('exit', resolve));
    app.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('serves /health, /ready and the deploy-time config (not baked into the bundle)', async () => {
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/ready`)).status).toBe(200);
    const config = await fetch(`${app.url}/config.js`);
    expect(await config.text()).toBe('window.__REFARCH__ = {"apiBaseUrl":"http://localhost:8080"};\n');
    expect(config.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves the app for unknown paths, caches hashed assets for good, and sends a CSP allowing the gateway', async () => {
    const page = await fetch(`${app.url}/orders/123`);
    expect(await page.text()).toContain('<div id="root">');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("connect-src 'self' http://localhost:8080");
    expect(csp).toContain("frame-ancestors 'none'");
    const asset = await fetch(`${app.url}/assets/index-abc.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${app.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('is not ready without a bundle, and refuses a malformed API_BASE_URL at start', async () => {
    const empty = await start({ STATIC_ROOT: path.join(bundle, 'missing') });
    try {
      expect((await fetch(`${empty.url}/ready`)).status).toBe(503);
      expect((await fetch(`${empty.url}/health`)).status).toBe(200);
    } finally {
      const exited = new Promise((resolve) => empty.child.once('exit', resolve));
      empty.child.kill('SIGTERM');
      await exited;
    }
    await expect(start({ API_BASE_URL: 'javascript:alert(1)' })).rejects.toThrow(
      /API_BASE_URL must be an http\(s\) URL/,
    );
  });
});
