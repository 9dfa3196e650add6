// The frontend's server: the built SPA (dist/) as static files (sirv), plus what a platform needs around it —
// `GET /health` (the process answers) and `GET /ready` (the bundle is there), `GET /config.js` with the deploy-time
// settings (API_BASE_URL: not baked into the bundle, so one image serves every environment), security headers, and
// graceful shutdown. Runs as a non-root user in the image; no write access needed.
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const root = process.env.STATIC_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist');
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';
const apiBaseUrl = process.env.API_BASE_URL ?? '';

if (apiBaseUrl && !/^https?:\/\/[^\s"'<>]+$/.test(apiBaseUrl)) {
  process.stderr.write(`frontend: API_BASE_URL must be an http(s) URL, got ${JSON.stringify(apiBaseUrl)}\n`);
  process.exit(1);
}

const configJs = `window.__REFARCH__ = ${JSON.stringify({ apiBaseUrl })};\n`;
// The app talks to the gateway only: connect-src names it when it lives on another origin (local runs).
const connectSrc = ["'self'", ...(apiBaseUrl ? [new URL(apiBaseUrl).origin] : [])].join(' ');
const securityHeaders = {
  'content-security-policy': `default-src 'self'; connect-src ${connectSrc}; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const assets = existsSync(root)
  ? sirv(root, {
      single: true, // unknown paths get index.html (the app routes by hash, but deep links stay safe)
      etag: true,
      setHeaders: (res, pathname) => {
        // Hashed bundle files never change; index.html must always be fresh.
        res.setHeader(
          'cache-control',
          pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    })
  : undefined;

let draining = false;
const server = http.createServer((req, res) => {
  for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
  const url = (req.url ?? '/').split('?')[0];
  if (url === '/health') return json(res, 200, { status: 'ok' });
  if (url === '/ready') {
    if (draining) return json(res, 503, { status: 'draining' });
    return assets ? json(res, 200, { status: 'ok' }) : json(res, 503, { status: 'no bundle: run npm run build' });
  }
  if (url === '/config.js') {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
    return res.end(configJs);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return json(res, 405, { status: 405, title: 'Method Not Allowed' });
  if (!assets)
    return json(res, 503, { status: 503, title: 'The bundle is missing: run npm run build -w services/frontend' });
  assets(req, res, () => json(res, 404, { status: 404, title: 'Not Found' }));
});

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

server.listen(port, host, () => {
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${server.address().port}`;
  process.stdout.write(
    `${JSON.stringify({ level: 'info', service: 'frontend', msg: 'frontend listening', url, apiBaseUrl })}\n`,
  );
});

const stop = () => {
  draining = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
