// Each conformance check fails on a service that breaks it: a deliberately broken stand-in (a plain node:http server
// in this process, and small scripts for start-up and shutdown), checked by the same functions as the real services.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createEnvelope, MESSAGE_EXAMPLES } from '@refarch/contracts';
import { requireInfra } from '@refarch/testing';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { render } from '../../k8s/test/policy.js';
import { root } from '../catalog.mjs';
import * as checks from '../conformance/checks.js';

describe('each conformance check fails on a service that breaks it', () => {
  let server: http.Server;
  let service: checks.ServiceUnderCheck;
  let cut = false;

  beforeAll(async () => {
    // Ready whatever its store does, live only while the store is up, 500s on bad input, no correlation id, an
    // admin API without a token whose faults do nothing, and metrics promtool rejects.
    server = http.createServer((req, res) => {
      const send = (status: number, body: unknown, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (req.url === '/health/live') return send(cut ? 500 : 200, { status: 'ok' });
      if (req.url === '/health/ready') return send(200, { status: 'ok', details: {} });
      if (req.url === '/metrics')
        return send(200, '# TYPE queue_depth_total gauge\nqueue_depth_total 3\n', 'text/plain');
      if (req.url === '/admin/faults') return send(200, { mode: 'off' });
      return send(500, 'Internal Server Error', 'text/plain');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    service = {
      name: 'broken',
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      adminToken: 'conformance-admin-token',
      required: ['postgres'],
      optional: [],
      cut: () => (cut = true),
      restore: () => (cut = false),
    };
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('health semantics', async () => {
    expect(await checks.healthSemantics(service)).toEqual([
      '/health/live is 500 while postgres is cut (must be 200)',
      '/health/ready does not answer 503 naming postgres while it is cut',
    ]);
  }, 30_000);

  it('metrics', async () => {
    const problems = await checks.metrics(service);
    expect(problems).toEqual(
      expect.arrayContaining([
        '/metrics has no http_server_request_duration_seconds',
        '/metrics has no process_cpu_seconds_total',
        '/metrics has no request histogram labelled by route template (route="/health/ready")',
      ]),
    );
    if (problems.length > 4) expect(problems.at(-1)).toMatch(/^promtool check metrics: .*queue_depth_total/);
  });

  it('bad input', async () => {
    const problems = await checks.badInput(service);
    expect(problems).toContain('an unknown route gets 500 without a problem+json code, not a 4xx problem');
    expect(problems).toHaveLength(5);
  });

  it('correlation', async () => {
    expect(await checks.correlation(service)).toEqual(['x-correlation-id is not echoed']);
  });

  it('admin faults', async () => {
    expect(await checks.adminFaults(service)).toEqual([
      '/admin/faults without the token is not 401',
      '/admin/faults with a wrong token is not 401',
      'mode error: a request gets 500, not 503 FAULT.INJECTED',
      expect.stringMatching(/^mode latency 400 ms: a request answered in \d+ ms$/),
      'mode hang: a request was answered',
    ]);
  });

  it('a bad environment', async () => {
    // Starts anyway (exit 0) and says nothing useful.
    const lenient = { args: ['-e', 'process.exit(0)'], cwd: root, env: {} };
    expect(await checks.badEnvironment(lenient, { PORT: 'x', LOG_LEVEL: 'y' })).toEqual([
      'a bad environment does not exit non-zero (0)',
      'the start-up error does not name PORT, LOG_LEVEL',
    ]);
    // Fails, but with a stack trace that names one variable of two.
    const crashing = { args: ['-e', "throw new Error('bad PORT')"], cwd: root, env: {} };
    expect(await checks.badEnvironment(crashing, { PORT: 'x', LOG_LEVEL: 'y' })).toEqual([
      'the start-up error does not name LOG_LEVEL',
      'the start-up error is a stack trace',
    ]);
  });

  it('graceful shutdown', async () => {
    // Exits 1 at once on SIGTERM, dropping what is in flight.
    const script = `
      const http = require('node:http');
      const s = http.createServer((req, res) => setTimeout(() => res.end('ok'), 1000));
      s.listen(0, '127.0.0.1', () => console.log(s.address().port));
      process.on('SIGTERM', () => process.exit(1));`;
    const child = spawn(process.execPath, ['-e', script]);
    const port = await new Promise<string>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())),
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const problems = await checks.gracefulShutdown(
      { ...service, url: `http://127.0.0.1:${port}` },
      {
        kill: (signal) => child.kill(signal),
        exited,
      },
    );
    expect(problems).toEqual([
      '20 of 20 requests in flight at SIGTERM got no answer',
      'the process exited 1 after SIGTERM (must be 0)',
    ]);
  });

  it('kubernetes entry', () => {
    const broken = render(path.join(root, 'k8s/test/fixtures/broken'));
    expect(checks.kubernetesEntry('broken', broken)).toEqual([
      'livenessProbe does not GET /health/live',
      'livenessProbe port undefined is not a port of the container',
      'readinessProbe does not GET /health/ready',
      'readinessProbe port undefined is not a port of the container',
    ]);
    expect(checks.kubernetesEntry('no-such-service', broken)).toEqual([
      'k8s/base renders no Deployment no-such-service',
    ]);
  });
});

const broker = await requireInfra('conformance trace check on a broken consumer', 'rabbitmq');

(broker ? describe : describe.skip)('the trace check fails on a consumer that starts new traces', () => {
  it('names each HTTP call and published message that did not continue the trace', async () => {
    // The broken consumer: for each message on its queue it calls a dependency and publishes an event, both with a
    // trace of their own (what a relay without the outbox's headers, or a driver without the saga's trace, does).
    const namespace = `conf-broken-${randomBytes(3).toString('hex')}`;
    const exchange = `${namespace}.refarch.events`;
    const outbound: string[] = [];
    const connection = await amqp.connect(broker!.rabbitmq);
    try {
      const channel = await connection.createChannel();
      await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: true });
      const queue = `${namespace}.broken`;
      await channel.assertQueue(queue, { exclusive: true });
      await channel.bindQueue(queue, exchange, 'orders.order-created.v1');
      await channel.consume(queue, (msg) => {
        if (!msg) return;
        channel.ack(msg);
        outbound.push(randomBytes(16).toString('hex'));
        const reply = createEnvelope('orders.order-rejected.v1', MESSAGE_EXAMPLES['orders.order-rejected.v1'], {
          correlationId: 'broken',
        });
        channel.publish(exchange, reply.type, Buffer.from(JSON.stringify(reply)), {
          headers: { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` },
        });
      });
      const problems = await checks.traceContinuation(
        { rabbitmqUrl: broker!.rabbitmq, namespace, queue: 'broken', outboundTraceIds: () => outbound },
        1_500,
      );
      expect(problems[0]).toMatch(/^(\d+) of \1 outbound HTTP calls did not continue the message's trace$/);
      expect(problems.slice(1).length).toBeGreaterThan(0);
      for (const problem of problems.slice(1))
        expect(problem).toMatch(
          /^published orders\.order-rejected\.v1 did not continue the message's trace \([0-9a-f]{32}\)$/,
        );
    } finally {
      await connection.close();
    }
  });
});

(broker ? describe : describe.skip)('the HTTP trace check fails on a service that starts new traces', () => {
  it('names each call and message of a request that did not continue its trace, and a probe that causes nothing', async () => {
    // The broken service: POST /work calls a dependency and publishes an event, both with a trace of their own.
    const namespace = `conf-broken-${randomBytes(3).toString('hex')}`;
    const exchange = `${namespace}.refarch.events`;
    const outbound: string[] = [];
    const connection = await amqp.connect(broker!.rabbitmq);
    const channel = await connection.createChannel();
    // Not auto-deleted: each check's tap binds and unbinds.
    await channel.assertExchange(exchange, 'topic', { durable: false });
    const server = http.createServer((req, res) => {
      if (req.url === '/work') {
        outbound.push(randomBytes(16).toString('hex'));
        const event = createEnvelope('orders.order-rejected.v1', MESSAGE_EXAMPLES['orders.order-rejected.v1'], {
          correlationId: 'broken',
        });
        channel.publish(exchange, event.type, Buffer.from(JSON.stringify(event)), {
          headers: { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` },
        });
      }
      res.writeHead(req.url === '/work' ? 202 : 404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const service = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } as checks.ServiceUnderCheck;
    const messaging = { rabbitmqUrl: broker!.rabbitmq, namespace, outboundTraceIds: () => outbound };
    try {
      const problems = await checks.httpTraceContinuation(service, { method: 'POST', path: '/work' }, messaging, 1_000);
      expect(problems).toEqual([
        "1 of 1 outbound HTTP calls did not continue the request's trace",
        expect.stringMatching(
          /^published orders\.order-rejected\.v1 did not continue the request's trace \([0-9a-f]{32}\)$/,
        ),
      ]);
      expect(await checks.httpTraceContinuation(service, { method: 'GET', path: '/idle' }, messaging, 500)).toEqual([
        'GET /idle (answered 404) made no HTTP call and published nothing',
      ]);
    } finally {
      server.close();
      await channel.deleteExchange(exchange);
      await connection.close();
    }
  });
});
