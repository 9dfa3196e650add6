// A service's spans over OTLP/HTTP, as a user with a tracing backend configures it (OTEL_EXPORTER_OTLP_ENDPOINT):
// inventory-service started as its image starts it (`--import @refarch/observability/register`), one request with a
// caller's traceparent, then SIGTERM. An OTLP/HTTP receiver of this test's own stands in for the collector (none is
// installable here): the batched spans arrive at the graceful stop at the latest, under the service's name, the
// server span continuing the caller's trace with the database spans under it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTestDatabase,
  eventually,
  freePort,
  requireInfra,
  serviceAuth,
  type TestDatabase,
} from '@refarch/testing';
import { loadCatalog, root, serviceEnvironment } from '../catalog.mjs';

const infra = await requireInfra('OTLP export of a service', 'postgres', 'rabbitmq');
const entry = loadCatalog().find((e) => e.name === 'inventory-service')!;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

(infra ? describe : describe.skip)('OTLP/HTTP export (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  const received: { path: string; contentType: string; body: OtlpRequest }[] = [];
  let receiver: http.Server;
  let db: TestDatabase;
  let child: ChildProcess;
  let output = '';
  const namespace = `otlp-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          contentType: String(req.headers['content-type']),
          body: JSON.parse(body) as OtlpRequest,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    db = await createTestDatabase(infra!.postgres, 'otlp_inventory');
  });
  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await new Promise((r) => receiver.close(r));
    await db.drop();
  });

  it('sends the spans of a request under the service name, continuing the caller’s trace, by the graceful stop', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', '@refarch/observability/register', 'dist/main.js'], {
      cwd: path.join(root, 'services', entry.dir),
      env: {
        ...(process.env as Record<string, string>),
        ...serviceEnvironment(entry, {
          databaseUrl: () => db.url,
          rabbitmqUrl: infra!.rabbitmq,
          redisUrl: '',
          urlOf: () => 'http://127.0.0.1:9',
          jwtPrivateKey: '',
          namespace,
        }),
        PORT: String(port),
        MESSAGING_NAMESPACE: namespace,
        LOG_LEVEL: 'warn',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}`,
        OTEL_SERVICE_NAME: 'inventory-service',
        // Batched as in production (no export before the stop): what arrives comes with the graceful stop's flush.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      },
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    await eventually(
      () =>
        fetch(`${url}/health/ready`).then(
          (r) => r.ok,
          () => false,
        ),
      20_000,
      `ready:\n${output}`,
    );
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const res = await fetch(`${url}/products`, {
      headers: { ...(await serviceAuth('inventory-service')), traceparent: `00-${callerTrace}-${callerSpan}-01` },
    });
    expect(res.status).toBe(200);
    expect(received).toEqual([]);

    const exited = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(received.map((r) => [r.path, r.contentType])).toContainEqual(['/v1/traces', 'application/json']);
    const resources = received.flatMap((r) => r.body.resourceSpans);
    const names = new Set(
      resources.map((rs) => rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue),
    );
    expect(names).toEqual(new Set(['inventory-service']));
    const spans = resources.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    const server = spans.find((s) => s.name === 'GET /products')!;
    expect(server).toMatchObject({ traceId: callerTrace, parentSpanId: callerSpan, kind: 2 });
    const queries = spans.filter((s) => s.parentSpanId === server.spanId && s.name.startsWith('pg.query'));
    expect(queries.length).toBeGreaterThan(0);
    // Probes are not traced.
    expect(spans.some((s) => s.name.includes('/health'))).toBe(false);
  }, 60_000);
});
