import { describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { startTcpProxy } from '../src/index.js';

function echoServer(): Promise<net.Server> {
  const server = net.createServer((s) => s.pipe(s));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString());
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed')));
  });
}

describe('startTcpProxy', () => {
  it('passes traffic, cuts open connections and refuses new ones, then restores', async () => {
    const server = await echoServer();
    const proxy = await startTcpProxy('127.0.0.1', (server.address() as net.AddressInfo).port);
    expect(await roundTrip(proxy.port, 'hello')).toBe('hello');

    const open = net.connect(proxy.port, '127.0.0.1');
    await new Promise((r) => open.once('connect', r));
    const closed = new Promise((r) => open.once('close', r));
    proxy.cut();
    await closed;
    await expect(roundTrip(proxy.port, 'x')).rejects.toThrow();

    proxy.restore();
    expect(await roundTrip(proxy.port, 'again')).toBe('again');
    await proxy.close();
    await new Promise((r) => server.close(r));
  });
});
