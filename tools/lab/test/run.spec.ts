// A whole run of the shopper scenario against a stand-in of the gateway's public API (node:http, on loopback): what
// is counted, what a threshold says, and that iterations cut by the run's own stop are neither failed checks nor
// time-outs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Profile } from '../src/profiles.js';
import { runProfile } from '../src/run.js';

/** The stand-in: sign-up, sign-in, one product, orders; an order's stream says APPROVED, or stays open (`hang`). */
function gateway(mode: { hang: boolean; restocked: unknown[] }) {
  let orders = 0;
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const json = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      const url = req.url ?? '';
      if (url === '/api/auth/register') return json(201, { id: 'u' });
      if (url === '/api/auth/login') return json(200, { accessToken: 'token' });
      if (url === '/api/lab/restock') {
        mode.restocked.push(JSON.parse(body));
        return json(200, { added: { 'MUG-CLASSIC': 5 } });
      }
      if (url === '/api/products') return json(200, [{ sku: 'MUG-CLASSIC', stock: 10 }]);
      // A placement takes at least 5 ms, so `place p99 < 1ms` fails however fast the machine is.
      if (url === '/api/orders' && req.method === 'POST') {
        const orderId = `o-${++orders}`;
        return void setTimeout(() => json(202, { orderId }), 5);
      }
      if (/^\/api\/orders\/[^/]+\/events$/.test(url)) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: status\ndata: {"status":"PENDING"}\n\n');
        if (!mode.hang) res.end('event: status\ndata: {"status":"APPROVED"}\n\n');
        return;
      }
      json(404, { status: 404 });
    });
  });
}

const profile = (thresholds: Profile['thresholds']): Profile => ({
  name: 'test',
  description: 'test',
  scenario: 'shopper',
  users: 2,
  load: { executor: 'constant-arrival-rate', rate: 20, duration: '1s' },
  thresholds,
});

describe('runProfile against a stand-in gateway', () => {
  const mode = { hang: false, restocked: [] as unknown[] };
  const server = gateway(mode);
  let baseUrl: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('places and follows every order, restocks first, and judges the thresholds', async () => {
    mode.hang = false;
    const result = await runProfile(profile(['orders completed rate > 99%', 'place p99 < 1ms']), {
      baseUrl,
      admin: { email: 'admin@x', password: 'p' },
      restockTo: 500,
    });
    expect(mode.restocked).toEqual([{ to: 500 }]);
    expect(result.executor.started).toBe(20);
    expect(result.recorder.countOf('orders placed')).toBe(20);
    expect(result.recorder.countOf('orders approved')).toBe(20);
    expect(result.verdicts.map((v) => [v.threshold.source, v.ok])).toEqual([
      ['orders completed rate > 99%', true],
      ['place p99 < 1ms', false],
    ]);
  });

  it('an abort (a threshold that aborts) leaves open orders abandoned: no failed check, no time-out', async () => {
    mode.hang = true;
    const result = await runProfile(
      profile([{ threshold: 'orders placed count < 3', abortOnFail: true }, 'errors rate < 1%']),
      { baseUrl },
    );
    expect(result.abortedBy?.threshold.source).toBe('orders placed count < 3');
    expect(result.executor.aborted).toBe(true);
    const abandoned = result.recorder.countOf('orders abandoned');
    expect(abandoned).toBe(result.recorder.countOf('orders placed'));
    expect(abandoned).toBeGreaterThanOrEqual(3);
    expect(result.recorder.countOf('orders timed out')).toBe(0);
    expect(result.recorder.rateOf('errors')).toMatchObject({ passes: 0 });
  });
});
