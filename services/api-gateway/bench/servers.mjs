// The servers of gateway.bench.mjs, in a process of their own (so the load generator does not share their event
// loop): a raw node:http baseline, the built gateway, and a stand-in upstream. Prints one JSON line, then serves
// until stdin closes.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createService } from '@refarch/bootstrap';
import { AppModule } from '../dist/app.module.js';
import { loadGatewayConfig } from '../dist/config.js';
import { webSecurity } from '../dist/web-security.js';

const products = JSON.stringify(
  Array.from({ length: 12 }, (_, i) => ({ sku: `SKU-${i}`, name: `Product ${i}`, priceCents: 1000 + i, stock: 10 })),
);

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));

// Upstream stand-in: the user-service's JWKS and the inventory's products (only hit on a cache miss).
const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] });
const upstream = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(req.url === '/.well-known/jwks.json' ? jwks : products);
});
const upstreamUrl = await listen(upstream);

// The baseline: the least a Node HTTP server can do for the same answers.
const raw = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(req.url === '/health/live' ? '{"status":"ok"}' : products);
});
const rawUrl = await listen(raw);

const namespace = `bench-${randomBytes(3).toString('hex')}`;
const config = loadGatewayConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  RABBITMQ_URL: process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  MESSAGING_NAMESPACE: namespace,
  REDIS_KEY_PREFIX: `${namespace}:`,
  USER_SERVICE_URL: upstreamUrl,
  INVENTORY_SERVICE_URL: upstreamUrl,
  RATE_LIMIT_POINTS: '100000000',
  PRODUCTS_CACHE_TTL_SECONDS: '3600',
});
const gateway = await createService(AppModule.forRoot(config), {
  name: 'api-gateway',
  config,
  ...(process.env.BENCH_NO_WEB ? {} : { configure: (app) => webSecurity(app, config) }),
});
const gatewayUrl = await gateway.listen();

const token = await new SignJWT({ role: 'user' })
  .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
  .setIssuer(config.JWT_ISSUER)
  .setAudience(config.JWT_AUDIENCE)
  .setSubject('bench-user')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(privateKey);

process.stdout.write(`${JSON.stringify({ rawUrl, gatewayUrl, token })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await gateway.close();
  raw.close();
  upstream.close();
  const { Redis } = await import('ioredis');
  const redis = new Redis(config.REDIS_URL);
  const keys = await redis.keys(`${namespace}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  const amqp = (await import('amqplib')).default;
  const connection = await amqp.connect(config.RABBITMQ_URL);
  const channel = await connection.createChannel();
  await channel.deleteExchange(`${namespace}.refarch.events`);
  await channel.deleteQueue(`${namespace}.refarch.unrouted`);
  await channel.deleteExchange(`${namespace}.refarch.unrouted`);
  await connection.close();
  process.exit(0);
});
