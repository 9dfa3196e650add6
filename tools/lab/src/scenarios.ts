// Scenarios as code, with a check on every response. `shopper`: a pool of shoppers the tool registers itself browse
// the products, place an order with an Idempotency-Key, and follow it to APPROVED or REJECTED over SSE (or by
// polling). `browse`: the catalog only. `lab`: the Lab's admin reads (breakers, faults).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import type { IterationContext } from './executors.js';
import { field, type Http } from './http.js';
import type { Recorder } from './recorder.js';

export type ScenarioName = 'shopper' | 'browse' | 'lab';
export const SCENARIOS: ScenarioName[] = ['shopper', 'browse', 'lab'];

const TERMINAL = new Set(['APPROVED', 'REJECTED']);

export interface ScenarioOptions {
  users: number;
  follow: 'sse' | 'poll';
  orderTimeoutMs: number;
  /** `who`: where the credentials came from, for the error when they are refused. */
  admin?: { email: string; password: string; who?: string };
  /** Progress of the set-up (creating shoppers), one line each. */
  log: (line: string) => void;
}

export interface Scenario {
  iteration(context: IterationContext): Promise<void>;
}

interface Shopper {
  auth: Record<string, string>;
}

/** Signs `who` in: the bearer header of its access token, or an error saying what the gateway answered. */
export async function signIn(http: Http, credentials: { email: string; password: string }, who: string) {
  const login = await http.send('POST', '/api/auth/login', {
    body: { email: credentials.email, password: credentials.password },
  });
  const token = field(login, 'accessToken');
  if (login.status !== 200 || !token) {
    throw new Error(
      `${who} could not sign in: POST /api/auth/login answered ${login.status} ${login.text.slice(0, 200)}`,
    );
  }
  return { authorization: `Bearer ${token}` };
}

/** Signs up and in `count` shoppers (`lab-<run>-<n>@example.com`), waiting out 429s as `Retry-After` says. */
async function createShoppers(
  http: Http,
  clock: Clock,
  count: number,
  log: (line: string) => void,
): Promise<Shopper[]> {
  const run = randomBytes(3).toString('hex');
  const shoppers: Shopper[] = [];
  const retrying = async (send: () => ReturnType<Http['send']>) => {
    for (let attempt = 0; ; attempt++) {
      const res = await send();
      if (res.status !== 429 || attempt >= 5) return res;
      const wait = Number(res.headers['retry-after'] ?? 1) * 1_000;
      log(`rate-limited while creating shoppers: waiting ${Math.round(wait / 1_000)} s (Retry-After)`);
      await clock.sleep(wait);
    }
  };
  for (let i = 0; i < count; i++) {
    const email = `lab-${run}-${i}@example.com`;
    const password = randomBytes(12).toString('base64url');
    const registered = await retrying(() =>
      http.send('POST', '/api/auth/register', { body: { email, password, name: `Lab shopper ${i}` } }),
    );
    if (registered.status !== 201) {
      throw new Error(
        `could not register a shopper: POST /api/auth/register answered ${registered.status} ${registered.text.slice(0, 200)}`,
      );
    }
    const login = await retrying(() => http.send('POST', '/api/auth/login', { body: { email, password } }));
    if (login.status !== 200)
      throw new Error(`could not sign a shopper in: POST /api/auth/login answered ${login.status}`);
    shoppers.push({ auth: { authorization: `Bearer ${field(login, 'accessToken') ?? ''}` } });
  }
  log(`${count} shoppers signed up and in`);
  return shoppers;
}

/** `setup`: the client for signing up and in (not measured); `http`: the measured one, for the iterations. */
export async function prepareScenario(
  name: ScenarioName,
  { setup, http }: { setup: Http; http: Http },
  recorder: Recorder,
  clock: Clock,
  options: ScenarioOptions,
): Promise<Scenario> {
  const check = (what: string, ok: boolean) => recorder.check(what, ok, clock.now());

  if (name === 'lab') {
    if (!options.admin) throw new Error('the lab scenario needs an admin: --admin-email and --admin-password');
    const auth = await signIn(setup, options.admin, options.admin.who ?? 'the admin');
    return {
      async iteration({ intendedStart, signal }) {
        for (const path of ['/api/lab/breakers', '/api/lab/faults']) {
          const res = await http.send('GET', path, { metric: 'lab', intendedStart, headers: auth, signal });
          if (res.aborted) return;
          check(`${path} 200`, res.status === 200);
        }
      },
    };
  }

  const shoppers = await createShoppers(setup, clock, Math.max(1, options.users), options.log);
  /** The products listed, or undefined when the run stopped meanwhile. */
  const browse = async (shopper: Shopper, intendedStart: number, signal: AbortSignal) => {
    const res = await http.send('GET', '/api/products', {
      metric: 'browse',
      intendedStart,
      headers: shopper.auth,
      signal,
    });
    if (res.aborted) return undefined;
    const ok = check('products 200', res.status === 200 && Array.isArray(res.json));
    return ok ? (res.json as { sku: string; stock: number }[]) : [];
  };

  if (name === 'browse') {
    return {
      async iteration({ intendedStart, index, signal }) {
        await browse(shoppers[index % shoppers.length]!, intendedStart, signal);
      },
    };
  }

  return {
    async iteration({ intendedStart, index, signal }) {
      const shopper = shoppers[index % shoppers.length]!;
      const listed = await browse(shopper, intendedStart, signal);
      if (!listed) return;
      const products = listed.filter((p) => p.stock > 0);
      if (!check('a product in stock', products.length > 0)) return;
      const product = products[index % products.length]!;
      const placedAt = clock.now();
      const placed = await http.send('POST', '/api/orders', {
        metric: 'place',
        intendedStart: placedAt,
        body: { items: [{ sku: product.sku, quantity: 1 }] },
        headers: { ...shopper.auth, 'idempotency-key': randomUUID() },
        signal,
      });
      if (placed.aborted) return;
      const orderId = field(placed, 'orderId');
      if (!check('order accepted 202', placed.status === 202 && orderId !== undefined) || !orderId) return;
      recorder.count('orders placed', clock.now());
      let status: string | undefined;
      if (options.follow === 'sse') {
        const followed = await http.followStream(
          `/api/orders/${orderId}/events`,
          shopper.auth,
          (s) => TERMINAL.has(s),
          options.orderTimeoutMs,
          signal,
        );
        // Stopped by the run (not by the stack): neither a completion nor a time-out.
        if (followed.aborted) return recorder.count('orders abandoned', clock.now());
        check('order stream 200', followed.httpStatus === 200);
        status = followed.status;
      } else {
        const end = placedAt + options.orderTimeoutMs;
        while (clock.now() < end) {
          if (signal.aborted) return recorder.count('orders abandoned', clock.now());
          const res = await http.send('GET', `/api/orders/${orderId}`, {
            metric: 'poll',
            headers: shopper.auth,
            signal,
          });
          if (res.aborted) return recorder.count('orders abandoned', clock.now());
          check('order 200', res.status === 200);
          status = field(res, 'status');
          if (status && TERMINAL.has(status)) break;
          await clock.sleep(250, signal);
        }
      }
      const now = clock.now();
      const completed = status !== undefined && TERMINAL.has(status);
      recorder.rate('orders completed', completed, now);
      if (completed) {
        // From the moment the shopper clicked "place" to the terminal status on their screen.
        recorder.latency('saga completion', placedAt, placedAt, now, false, { id: orderId });
        recorder.count(status === 'APPROVED' ? 'orders approved' : 'orders rejected', now);
      } else recorder.count('orders timed out', now);
    },
  };
}
