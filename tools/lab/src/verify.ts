// The saga invariants (docs/architecture.md §3), judged on the ledgers the services keep (`GET /api/lab/ledger`,
// the gateway's collection of every `GET /admin/ledger`). `npm run verify` and every experiment end with it.
import type { Clock } from './clock.js';
import type { Http } from './http.js';
import { signIn } from './scenarios.js';

export interface Ledger {
  orders: { orderId: string; status: string; totalCents: number }[];
  payments: { orderId: string; status: string; amountCents: number }[];
  reservations: { orderId: string; status: string; items: { sku: string; quantity: number }[] }[];
  shipments: { orderId: string; status: string }[];
  stock: { sku: string; putIn: number; stock: number; held: number; committed: number }[];
}

export interface Violation {
  invariant: string;
  /** The order (or product) it is about. */
  id: string;
  detail: string;
}

export const INVARIANTS = [
  'every order is terminal',
  'money captured = approved totals',
  'nothing held for a rejected order',
  'one payment, reservation and shipment per order',
  'stock + held + committed = put in',
] as const;

function byOrder<T extends { orderId: string }>(rows: T[]) {
  const map = new Map<string, T[]>();
  for (const row of rows) map.set(row.orderId, [...(map.get(row.orderId) ?? []), row]);
  return map;
}

/** Every violation of the invariants in one ledger, each with the id it is about. */
export function violations(ledger: Ledger): Violation[] {
  const found: Violation[] = [];
  const add = (invariant: (typeof INVARIANTS)[number], id: string, detail: string) =>
    found.push({ invariant, id, detail });
  const payments = byOrder(ledger.payments);
  const reservations = byOrder(ledger.reservations);
  const shipments = byOrder(ledger.shipments);
  const orders = new Map(ledger.orders.map((o) => [o.orderId, o]));

  for (const [name, rows] of [
    ['payments', payments],
    ['reservations', reservations],
    ['shipments', shipments],
  ] as const) {
    for (const [orderId, list] of rows) {
      if (list.length > 1) add(INVARIANTS[3], orderId, `${list.length} ${name}`);
      if (!orders.has(orderId)) add(INVARIANTS[3], orderId, `${name} for an order that does not exist`);
    }
  }
  let captured = 0;
  let approvedTotal = 0;
  for (const p of ledger.payments) if (p.status === 'CAPTURED') captured += p.amountCents;
  for (const order of ledger.orders) {
    const payment = payments.get(order.orderId)?.[0];
    const reservation = reservations.get(order.orderId)?.[0];
    const shipment = shipments.get(order.orderId)?.[0];
    if (order.status === 'APPROVED') {
      approvedTotal += order.totalCents;
      if (payment?.status !== 'CAPTURED') {
        add(INVARIANTS[1], order.orderId, `approved, but its payment is ${payment?.status ?? 'missing'}`);
      } else if (payment.amountCents !== order.totalCents) {
        add(INVARIANTS[1], order.orderId, `approved for ${order.totalCents}, captured ${payment.amountCents}`);
      }
      if (reservation?.status !== 'COMMITTED') {
        add(INVARIANTS[4], order.orderId, `approved, but its reservation is ${reservation?.status ?? 'missing'}`);
      }
      if (shipment?.status !== 'CREATED') {
        add(INVARIANTS[3], order.orderId, `approved, but its shipment is ${shipment?.status ?? 'missing'}`);
      }
    } else if (order.status === 'REJECTED') {
      if (payment && ['AUTHORIZED', 'CAPTURED'].includes(payment.status)) {
        add(INVARIANTS[2], order.orderId, `rejected, but its payment is ${payment.status}`);
      }
      if (reservation && ['HELD', 'COMMITTED'].includes(reservation.status)) {
        add(INVARIANTS[2], order.orderId, `rejected, but its reservation is ${reservation.status}`);
      }
      if (shipment && shipment.status !== 'CANCELLED') {
        add(INVARIANTS[2], order.orderId, `rejected, but its shipment is ${shipment.status}`);
      }
    } else {
      add(INVARIANTS[0], order.orderId, `still ${order.status}`);
    }
  }
  if (captured !== approvedTotal) {
    add(
      INVARIANTS[1],
      'all orders',
      `captured ${(captured / 100).toFixed(2)}, approved orders total ${(approvedTotal / 100).toFixed(2)}`,
    );
  }
  for (const line of ledger.stock) {
    const accounted = line.stock + line.held + line.committed;
    if (accounted !== line.putIn) {
      add(
        INVARIANTS[4],
        line.sku,
        `${line.putIn} put in, but ${line.stock} in stock + ${line.held} held + ${line.committed} committed = ${accounted}`,
      );
    }
  }
  return found;
}

/** The ledgers through the gateway, as the admin; an error when a service that keeps one did not answer. */
export async function readLedger(http: Http, auth: Record<string, string>): Promise<Ledger> {
  const res = await http.send('GET', '/api/lab/ledger', { headers: auth, timeoutMs: 60_000 });
  if (res.status !== 200) {
    throw new Error(`GET /api/lab/ledger answered ${res.status} ${res.text.slice(0, 300)}`);
  }
  const body = res.json as { services: Record<string, Partial<Ledger>>; degraded: string[] };
  if (body.degraded.length) {
    throw new Error(`cannot verify: ${body.degraded.join(', ')} did not answer GET /admin/ledger`);
  }
  const ledger: Ledger = { orders: [], payments: [], reservations: [], shipments: [], stock: [] };
  for (const part of Object.values(body.services)) {
    for (const key of Object.keys(ledger) as (keyof Ledger)[]) {
      if (Array.isArray(part[key])) (ledger[key] as unknown[]).push(...part[key]);
    }
  }
  if (!body.services['order-service'] && ledger.orders.length === 0) {
    throw new Error('cannot verify: no service answered with a ledger of orders');
  }
  return ledger;
}

export interface VerifyResult {
  ledger: Ledger;
  violations: Violation[];
  /** How long it waited for orders still PENDING to finish. */
  waitedMs: number;
}

/**
 * Reads the ledgers and judges them; while orders are still PENDING (a run just ended), reads again every second
 * for up to `waitMs`. Other violations do not heal by waiting, but a PENDING order's payment may still be held.
 */
export async function verify(
  http: Http,
  admin: { email: string; password: string; who?: string },
  options: { waitMs: number; clock: Clock; log?: (line: string) => void },
): Promise<VerifyResult> {
  const auth = await signIn(http, admin, admin.who ?? 'the admin');
  const start = options.clock.now();
  for (;;) {
    const ledger = await readLedger(http, auth);
    const found = violations(ledger);
    const waitedMs = options.clock.now() - start;
    const pending = found.filter((v) => v.invariant === INVARIANTS[0]).length;
    if (!pending || waitedMs >= options.waitMs) return { ledger, violations: found, waitedMs };
    options.log?.(`${pending} orders still PENDING: reading again in 1 s`);
    await options.clock.sleep(1_000);
  }
}

/** The verdict as lines: one per invariant, then every violation with its id. */
export function describe(result: VerifyResult): string[] {
  const { ledger } = result;
  const approved = ledger.orders.filter((o) => o.status === 'APPROVED').length;
  const lines = [
    `verify: ${ledger.orders.length} orders (${approved} approved, ${ledger.orders.length - approved} not), ${ledger.payments.length} payments, ${ledger.reservations.length} reservations, ${ledger.shipments.length} shipments, ${ledger.stock.length} products`,
  ];
  for (const invariant of INVARIANTS) {
    const broken = result.violations.filter((v) => v.invariant === invariant);
    lines.push(`  ${broken.length ? '✗' : '✓'} ${invariant}${broken.length ? ` (${broken.length} violations)` : ''}`);
    for (const v of broken.slice(0, 20)) lines.push(`      ${v.id}: ${v.detail}`);
    if (broken.length > 20) lines.push(`      … and ${broken.length - 20} more`);
  }
  lines.push(
    result.violations.length ? `verify: ${result.violations.length} violations` : 'verify: every invariant holds',
  );
  return lines;
}
