// The fault proxy in front of the real Redis (a raw RESP PING over TCP): each mode as a client sees it, the heal,
// and the control API's answers to bad input.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { Agent, request } from 'undici';
import { startFaultProxy, type FaultProxy } from '../src/fault-proxy.js';

const REDIS = { host: '127.0.0.1', port: 6379 };

/** PING through `port`: `PONG` and the time it took, or the socket error's code, or `silent` after `waitMs`. */
function ping(port: number, waitMs = 1_000): Promise<{ answer: string; ms: number }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (answer: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, ms: performance.now() - start });
    };
    const timer = setTimeout(() => done('silent'), waitMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().trim()));
    socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    socket.on('close', () => done('closed'));
  });
}

describe('the fault proxy (a link in front of the real Redis)', () => {
  let proxy: FaultProxy;
  let port: number;
  const agent = new Agent();
  const put = async (body: unknown, link = 'svc->redis') => {
    const res = await request(`${proxy.url}/links/${encodeURIComponent(link)}`, {
      method: 'PUT',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.statusCode, type: res.headers['content-type'], body: (await res.body.json()) as never };
  };

  beforeAll(async () => {
    proxy = await startFaultProxy(0);
    port = await proxy.add('svc->redis', REDIS);
  });
  afterAll(async () => {
    await agent.close();
    await proxy.close();
  });

  it('passes traffic through untouched', async () => {
    expect((await ping(port)).answer).toBe('+PONG');
  });

  it('adds latency each way', async () => {
    expect((await put({ mode: 'latency', latencyMs: 150 })).status).toBe(200);
    const { answer, ms } = await ping(port);
    expect(answer).toBe('+PONG');
    expect(ms).toBeGreaterThanOrEqual(290);
  });

  it('swallows everything in timeout mode (a black hole), then heals', async () => {
    await put({ mode: 'timeout' });
    expect((await ping(port, 400)).answer).toBe('silent');
    await put({ mode: 'none' });
    expect((await ping(port)).answer).toBe('+PONG');
  });

  it('resets connections in reset mode, and refuses them in down mode', async () => {
    await put({ mode: 'reset' });
    expect(['ECONNRESET', 'closed']).toContain((await ping(port)).answer);
    await put({ mode: 'down' });
    expect((await ping(port)).answer).toBe('ECONNREFUSED');
    await put({ mode: 'none' });
    expect((await ping(port)).answer).toBe('+PONG');
  });

  it('resets a connection that was open when the link went down', async () => {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const ended = new Promise<string>((resolve) => {
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      socket.on('close', () => resolve('closed'));
    });
    await put({ mode: 'down' });
    expect(['ECONNRESET', 'closed']).toContain(await ended);
    await put({ mode: 'none' });
  });

  it('heals every link with DELETE /links', async () => {
    await put({ mode: 'down' });
    const res = await request(`${proxy.url}/links`, { method: 'DELETE', dispatcher: agent });
    const { links } = (await res.body.json()) as { links: { name: string; fault: { mode: string } }[] };
    expect(links).toEqual([expect.objectContaining({ name: 'svc->redis', fault: { mode: 'none' } })]);
    expect((await ping(port)).answer).toBe('+PONG');
  });

  it('answers a bad fault or an unknown link with a problem+json 4xx', async () => {
    const bad = await put({ mode: 'sideways' });
    expect(bad.status).toBe(400);
    expect(bad.type).toBe('application/problem+json');
    expect(bad.body).toMatchObject({ detail: 'mode must be one of none, latency, timeout, reset, down' });
    expect((await put({ mode: 'latency' })).body).toMatchObject({ detail: expect.stringContaining('latencyMs') });
    const unknown = await put({ mode: 'down' }, 'svc->postgres');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ detail: 'no link svc->postgres; the links are svc->redis' });
  });
});
