import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createService, type Service } from '@refarch/bootstrap';
import type { Envelope } from '@refarch/contracts';
import { connectBroker, MessagePublisher } from '@refarch/messaging';
import { deleteMessagingNamespace, httpJson, startTestService, type TestService } from '@refarch/testing';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { AppModule } from '../src/app.module.js';
import { loadGatewayConfig, UPSTREAMS } from '../src/config.js';
import { OrderEvents } from '../src/orders/order-events.js';
import { webSecurity } from '../src/web-security.js';

export { httpJson as call } from '@refarch/testing';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const ISSUER = 'refarch-user-service';
export const AUDIENCE = 'refarch';

export interface StubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}
export type StubReply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';
export type StubHandler = (request: StubRequest) => StubReply | undefined | Promise<StubReply | undefined>;

/**
 * A stand-in for one service behind the gateway (a real HTTP server on loopback): scripted answers, every call
 * recorded, and `hang` to never answer. The gateway's own logic is under test here; the real services are exercised
 * through it in the e2e suite.
 */
export class StubService {
  readonly calls: StubRequest[] = [];
  private readonly handlers: StubHandler[] = [];
  private readonly hung = new Set<http.ServerResponse>();
  private server!: http.Server;
  url = '';

  constructor(readonly name: string) {}

  /** Handlers are tried newest first; the first that answers wins. */
  on(handler: StubHandler): this {
    this.handlers.unshift(handler);
    return this;
  }

  callsTo(method: string, path: string) {
    return this.calls.filter((c) => c.method === method && c.path === path);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, text: string) {
    const url = new URL(req.url ?? '/', 'http://stub');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the text
    }
    const request: StubRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    this.calls.push(request);
    for (const handler of this.handlers) {
      const reply = await handler(request);
      if (reply === undefined) continue;
      if (reply === 'hang') {
        this.hung.add(res);
        return;
      }
      const problem = reply.status >= 400;
      res.writeHead(reply.status, {
        'content-type': problem ? 'application/problem+json' : 'application/json',
        ...reply.headers,
      });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end(
      JSON.stringify({
        type: 'x',
        title: 'Not Found',
        status: 404,
        detail: `stub: no route ${request.method} ${request.path}`,
        code: 'HTTP.NOT_FOUND',
      }),
    );
  }
}

export const problem = (status: number, code: string, detail: string) => ({
  status,
  body: {
    type: `urn:refarch:problem:${code.toLowerCase()}`,
    title: 'Problem',
    status,
    detail,
    code,
    instance: '/internal/path',
  },
});

/** Signs tokens like the user-service does; `jwks` is what it publishes. */
export class TokenIssuer {
  private constructor(
    readonly privateKey: SigningKey,
    readonly jwks: { keys: JWK[] },
  ) {}

  static async create(kid = 'test-1'): Promise<TokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return new TokenIssuer(privateKey, { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
  }

  sign(
    userId: string,
    role: 'user' | 'admin' = 'user',
    options: { expiresIn?: string | number; issuer?: string; audience?: string; key?: SigningKey; kid?: string } = {},
  ): Promise<string> {
    return new SignJWT({ role })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? this.jwks.keys[0]!.kid!, typ: 'JWT' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .sign(options.key ?? this.privateKey);
  }
}

/** The services the tests script (the catalog's calls of the gateway: a stub for each, under its name). */
type StubbedName =
  | 'user-service'
  | 'order-service'
  | 'payment-service'
  | 'inventory-service'
  | 'saga-orchestrator'
  | 'shipping-worker'
  | 'notification-worker'
  | 'analytics-worker';
export type Stubs = Record<StubbedName, StubService>;

/** One stub per upstream of the catalog; the user-service stub publishes `issuer`'s keys. */
export async function startStubs(issuer: TokenIssuer): Promise<Stubs> {
  const names = UPSTREAMS.map((u) => u.name);
  const stubs = Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await new StubService(n).start()])),
  ) as Stubs;
  stubs['user-service'].on((r) =>
    r.path === '/.well-known/jwks.json' ? { status: 200, body: issuer.jwks } : undefined,
  );
  for (const stub of Object.values(stubs)) {
    stub.on((r) =>
      r.path === '/admin/breakers' && r.headers.authorization === `Bearer ${ADMIN_TOKEN}`
        ? { status: 200, body: { breakers: [{ name: `${stub.name}->x`, state: 'closed' }] } }
        : undefined,
    );
  }
  return stubs;
}

export const stopStubs = (stubs: Stubs) => Promise.all(Object.values(stubs).map((s) => s.stop()));

export interface GatewayUnderTest extends TestService<Service> {
  namespace: string;
  events: OrderEvents;
}

/** The gateway as main.ts builds it, against the stubs, the real Redis and RabbitMQ, in its own namespace. */
export async function startGateway(
  infra: { redis: string; rabbitmq: string },
  stubs: Stubs,
  env: Record<string, string> = {},
): Promise<GatewayUnderTest> {
  const namespace = env['MESSAGING_NAMESPACE'] ?? `test-gw-${randomBytes(4).toString('hex')}`;
  const config = loadGatewayConfig({
    REDIS_URL: infra.redis,
    RABBITMQ_URL: infra.rabbitmq,
    ADMIN_TOKEN,
    MESSAGING_NAMESPACE: namespace,
    REDIS_KEY_PREFIX: `${namespace}:`,
    ...Object.fromEntries(UPSTREAMS.map((u) => [u.variable, (stubs as Record<string, StubService>)[u.name]!.url])),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const svc = await startTestService((o) =>
    createService(AppModule.forRoot(config), {
      name: 'api-gateway',
      config: { ...config, ...o.config },
      logDestination: o.logDestination,
      configure: (app) => webSecurity(app, config),
    }),
  );
  const events = svc.service.app.get(OrderEvents);
  await events.ready();
  return { ...svc, namespace, events };
}

/** Removes a test namespace's exchanges and Redis keys. */
export async function cleanNamespace(infra: { redis: string; rabbitmq: string }, namespace: string): Promise<void> {
  await deleteMessagingNamespace(infra.rabbitmq, namespace);
  const redis = new Redis(infra.redis);
  const keys = await redis.keys(`${namespace}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Who a stubbed service was called as: the user of a forwarded access token, or the service of a credential
 * (`service:<name>→<audience>`), from the JWT's claims — the stubs stand for services that verify them.
 */
export function callerOf(authorization: string | string[] | undefined): string | undefined {
  const token = typeof authorization === 'string' ? /^Bearer (.+)$/.exec(authorization)?.[1] : undefined;
  if (!token) return undefined;
  const [header, payload] = token.split('.').map((part) => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  });
  return header?.['alg'] === 'HS256' ? `service:${payload?.['sub']}→${payload?.['aud']}` : payload?.['sub'];
}

/** Publishes events into a gateway's messaging namespace, as the services would (through a confirm publisher). */
export function eventPublisher(infra: { rabbitmq: string }, namespace: string) {
  const connection = connectBroker(infra.rabbitmq, { name: 'gateway-test' });
  const publisher = new MessagePublisher(connection, new Registry(), 5_000, namespace);
  return {
    publish: (envelope: Envelope) => publisher.publish(envelope),
    async close() {
      await publisher.close();
      await connection.close();
    },
  };
}

/** One sample of a gateway metric: `metric(gw, 'cache_requests_total', 'result="hit"')`; 0 when absent. */
export async function metric(gateway: { url: string }, name: string, labels = ''): Promise<number> {
  const text = (await httpJson(gateway.url, 'GET', '/metrics')).body as string;
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}
