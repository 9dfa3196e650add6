#!/usr/bin/env node
// `npm run k8s:smoke -- --base-url http://<node>`: after `kubectl apply -k`, waits for every catalog workload's
// rollout, then runs the public API's scenarios through the cluster's ingress, as a shopper would: the shop page,
// sign-up and sign-in, the catalog, an order placed with an Idempotency-Key (and retried), followed over SSE to its
// terminal status, the order list, and a bad request and a missing token answered with problems. One line per
// check, then `k8s:smoke: N passed, N failed`; exit 1 when anything failed.
//
//   --base-url URL      the ingress (`/` the frontend, `/api` the gateway); required
//   --api-url URL       where `/api` is when it is not on the base URL (the local stack: http://127.0.0.1:8080)
//   --kubectl CMD       the kubectl to wait with (default `kubectl`; MicroK8s: 'microk8s kubectl')
//   --namespace NS      default refarch
//   --timeout SECONDS   for each rollout and for the order to settle (default 300 and 60)
//   --no-wait           skip the rollout wait (the stack is up already)
//   --lab               then the lab's payment-errors experiment through the same ingress (docs/lab.md): the breaker
//                       opens and closes, every order ends, every invariant holds; needs --admin-email and
//                       --admin-password (an account of ADMIN_EMAILS) and --prometheus URL (the services' metrics;
//                       the observability addon's Prometheus) or --state-dir (a local stack)
//   --lab-duration D    the experiment's load (default 20s)
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadCatalog, root } from './catalog.mjs';

const USAGE =
  'usage: npm run k8s:smoke -- --base-url http://<node> [--api-url URL] [--kubectl CMD] [--no-wait]\n' +
  '         [--lab --admin-email E --admin-password P (--prometheus URL | --state-dir DIR) [--lab-duration 20s]]';
const TERMINAL = new Set(['APPROVED', 'REJECTED']);

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'base-url': { type: 'string' },
        'api-url': { type: 'string' },
        kubectl: { type: 'string', default: 'kubectl' },
        namespace: { type: 'string', default: 'refarch' },
        timeout: { type: 'string', default: '300' },
        'settle-timeout': { type: 'string', default: '60' },
        'no-wait': { type: 'boolean', default: false },
        lab: { type: 'boolean', default: false },
        'lab-duration': { type: 'string', default: '20s' },
        'admin-email': { type: 'string' },
        'admin-password': { type: 'string' },
        prometheus: { type: 'string' },
        'state-dir': { type: 'string' },
      },
    }));
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
  const url = (name, value) => {
    if (!/^https?:\/\/[^\s/]+/.test(value ?? ''))
      fail(`--${name} must be an http(s) URL, got ${value ?? 'nothing'}\n${USAGE}`);
    return value.replace(/\/+$/, '');
  };
  const seconds = (name, value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a whole number of seconds, got ${value}`);
    return n;
  };
  const base = url('base-url', values['base-url']);
  if (values.lab) {
    if (!values['admin-email'] || !values['admin-password'])
      fail(`--lab needs --admin-email and --admin-password (an account of ADMIN_EMAILS)\n${USAGE}`);
    if (!values.prometheus && !values['state-dir'])
      fail(`--lab needs --prometheus URL (where the services' metrics are) or --state-dir of a local stack\n${USAGE}`);
  }
  return {
    base,
    api: values['api-url'] ? url('api-url', values['api-url']) : base,
    kubectl: values.kubectl.split(' ').filter(Boolean),
    namespace: values.namespace,
    timeout: seconds('timeout', values.timeout),
    settle: seconds('settle-timeout', values['settle-timeout']),
    wait: !values['no-wait'],
    lab: values.lab
      ? {
          duration: values['lab-duration'],
          admin: [values['admin-email'], values['admin-password']],
          // On a cluster the metrics come from Prometheus (and a kill fault would delete pods); locally, the stack's.
          where: values.prometheus
            ? ['--prometheus', values.prometheus, '--kubernetes', values.namespace]
            : ['--state-dir', values['state-dir']],
        }
      : undefined,
  };
}

function fail(message) {
  process.stderr.write(`k8s:smoke: ${message}\n`);
  process.exit(2);
}

/** `kubectl rollout status` of every Deployment of the catalog, one line each. */
function waitForRollout({ kubectl, namespace, timeout }) {
  const [command, ...prefix] = kubectl;
  for (const entry of loadCatalog()) {
    process.stdout.write(`waiting for deployment/${entry.name} … `);
    const started = Date.now();
    try {
      execFileSync(
        command,
        [...prefix, '-n', namespace, 'rollout', 'status', `deployment/${entry.name}`, `--timeout=${timeout}s`],
        { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
      );
    } catch (error) {
      process.stdout.write('\n');
      const why =
        error.code === 'ENOENT' ? `${command} not found (MicroK8s: --kubectl 'microk8s kubectl')` : error.stderr;
      fail(`deployment/${entry.name} did not roll out: ${String(why ?? error.message).trim()}`);
    }
    process.stdout.write(`ready (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
}

async function request(method, url, { body, headers = {}, timeoutMs = 10_000 } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  let json;
  if (/json/.test(type)) json = JSON.parse(text);
  return { status: res.status, type, text, json };
}

/** The `status` events of an order's stream, read until the gateway ends it (it does at a terminal status). */
async function statusEvents(api, orderId, auth, timeoutMs) {
  const res = await request('GET', `${api}/api/orders/${orderId}/events`, {
    headers: { ...auth, accept: 'text/event-stream' },
    timeoutMs,
  });
  if (res.status !== 200) throw new Error(`the stream answered ${res.status}: ${res.text.slice(0, 200)}`);
  return res.text
    .split(/\n\n/)
    .map((block) =>
      Object.fromEntries(
        block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
      ),
    )
    .filter((event) => event.event === 'status')
    .map((event) => JSON.parse(event.data).status);
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}
const problem = (res, status) =>
  res.status === status && /application\/problem\+json/.test(res.type) && typeof res.json?.code === 'string';

async function main() {
  const o = options();
  if (o.wait) waitForRollout(o);
  const context = {};
  const email = `smoke-${randomUUID().slice(0, 8)}@example.com`;
  const checks = [
    [
      'the shop page is served at /',
      async () => {
        const res = await request('GET', `${o.base}/`);
        expect(res.status === 200 && /text\/html/.test(res.type), `GET / answered ${res.status} ${res.type}`);
      },
    ],
    [
      'a new shopper signs up and signs in',
      async () => {
        const password = 'smoke test password';
        const registered = await request('POST', `${o.api}/api/auth/register`, {
          body: { email, password, name: 'Smoke' },
        });
        const hint = [404, 405].includes(registered.status) ? ' — is /api routed to the gateway? (--api-url)' : '';
        expect(
          registered.status === 201,
          `register answered ${registered.status}${hint}: ${registered.text.slice(0, 200)}`,
        );
        const login = await request('POST', `${o.api}/api/auth/login`, { body: { email, password } });
        expect(login.status === 200 && login.json?.accessToken, `login answered ${login.status}`);
        context.auth = { authorization: `Bearer ${login.json.accessToken}` };
        const me = await request('GET', `${o.api}/api/users/me`, { headers: context.auth });
        expect(me.status === 200 && me.json?.email === email, `GET /api/users/me answered ${me.status}`);
      },
    ],
    [
      'the catalog lists products in stock',
      async () => {
        const res = await request('GET', `${o.api}/api/products`);
        expect(res.status === 200 && Array.isArray(res.json), `GET /api/products answered ${res.status}`);
        context.product = [...res.json].sort((a, b) => b.stock - a.stock)[0];
        expect(context.product?.stock > 0, 'no product has stock left');
      },
    ],
    [
      'an order is accepted once per Idempotency-Key',
      async () => {
        const key = randomUUID();
        const place = () =>
          request('POST', `${o.api}/api/orders`, {
            body: { items: [{ sku: context.product.sku, quantity: 1 }] },
            headers: { ...context.auth, 'idempotency-key': key },
          });
        const first = await place();
        expect(
          first.status === 202 && first.json?.orderId,
          `POST /api/orders answered ${first.status}: ${first.text.slice(0, 200)}`,
        );
        const again = await place();
        expect(again.json?.orderId === first.json.orderId, `the retry made another order (${again.json?.orderId})`);
        context.orderId = first.json.orderId;
      },
    ],
    [
      'the order streams to APPROVED over SSE',
      async () => {
        const statuses = await statusEvents(o.api, context.orderId, context.auth, o.settle * 1000);
        expect(statuses.at(-1) === 'APPROVED', `statuses ${statuses.join(' → ') || '(none)'}`);
        expect(TERMINAL.has(statuses.at(-1)), 'the stream ended before a terminal status');
      },
    ],
    [
      "the shopper's orders list it, approved",
      async () => {
        const res = await request('GET', `${o.api}/api/orders`, { headers: context.auth });
        const items = Array.isArray(res.json) ? res.json : (res.json?.items ?? []);
        const order = items.find((item) => (item.orderId ?? item.id) === context.orderId);
        expect(order?.status === 'APPROVED', `GET /api/orders answered ${res.status} without the approved order`);
      },
    ],
    [
      'a bad order is a 400 problem, and no token a 401',
      async () => {
        const bad = await request('POST', `${o.api}/api/orders`, { body: { items: 'x' }, headers: context.auth });
        expect(problem(bad, 400), `a bad order answered ${bad.status} ${bad.type}`);
        const anonymous = await request('GET', `${o.api}/api/orders`);
        expect(problem(anonymous, 401), `no token answered ${anonymous.status} ${anonymous.type}`);
      },
    ],
  ];
  if (o.lab)
    checks.push([
      "the lab's payment-errors experiment holds every assertion",
      async () => {
        const build = spawnSync(process.execPath, [path.join(root, 'tools/build.mjs'), 'tools/lab'], { cwd: root });
        expect(build.status === 0, `building the lab failed: ${String(build.stderr).slice(-300)}`);
        const run = spawnSync(
          process.execPath,
          [
            path.join(root, 'tools/lab/dist/experiment-cli.js'),
            'payment-errors',
            ...['--base-url', o.api, '--duration', o.lab.duration, ...o.lab.where],
            ...['--admin-email', o.lab.admin[0], '--admin-password', o.lab.admin[1]],
            ...['--out', path.join(root, '.lab', `k8s-smoke-${Date.now()}`)],
          ],
          { cwd: root, encoding: 'utf8', timeout: 300_000 },
        );
        const verdict = /experiment: .*/.exec(run.stdout)?.[0] ?? run.stderr.trim().split('\n').at(-1);
        expect(run.status === 0, verdict ?? `the experiment exited ${run.status}`);
      },
    ]);
  let passed = 0;
  let failed = 0;
  // Each check builds on the ones before it (a shopper, a product, an order): after a failure the rest do not run.
  for (const [name, check] of checks) {
    if (failed) {
      failed += 1;
      process.stdout.write(`✗ ${name}: not run (an earlier check failed)\n`);
      continue;
    }
    const started = Date.now();
    try {
      await check();
      passed += 1;
      process.stdout.write(`✓ ${name} (${Date.now() - started} ms)\n`);
    } catch (error) {
      failed += 1;
      const cause = error.cause ? ` (${error.cause.code ?? error.cause.message})` : '';
      process.stdout.write(`✗ ${name}: ${error.message}${cause}\n`);
    }
  }
  process.stdout.write(`k8s:smoke: ${passed} passed, ${failed} failed (${o.base})\n`);
  process.exit(failed ? 1 : 0);
}

await main();
