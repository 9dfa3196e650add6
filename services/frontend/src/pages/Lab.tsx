import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, type Api, type FaultSettings } from '../api.js';
import { Burst, type BurstPoint } from '../burst.js';
import type { Product } from '../cart.js';
import { usePolling } from '../polling.js';
import { AnalyticsPanel } from './AnalyticsPanel.js';

/**
 * The resilience lab (admin): the breaker board, the analytics charts (orders per minute, rejections by reason), fault
 * switches per service, and a burst with a live chart.
 */
export function LabPage({ api }: { api: Api }) {
  return (
    <main className="lab">
      <h1>Resilience lab</h1>
      <BreakerBoard api={api} />
      <AnalyticsPanel api={api} />
      <FaultSwitches api={api} />
      <BurstPanel api={api} />
    </main>
  );
}

function BreakerBoard({ api }: { api: Api }) {
  const load = useCallback(() => api.breakers(), [api]);
  const { value, error } = usePolling(load, 1_000);
  const services = value?.services ?? {};
  return (
    <section aria-labelledby="breakers-title">
      <h2 id="breakers-title">Circuit breakers</h2>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      <div className="board">
        {Object.entries(services).map(([service, breakers]) => (
          <div key={service} className="board-service">
            <h3>{service}</h3>
            {breakers === null ? <p className="muted">not answering</p> : null}
            {breakers?.length === 0 ? <p className="muted">no calls yet</p> : null}
            <ul>
              {breakers?.map((b) => (
                <li key={b.name} className={`breaker breaker-${b.state}`} data-breaker={b.name} data-state={b.state}>
                  <span>→ {b.dependency}</span>
                  <strong>{b.state === 'halfOpen' ? 'half-open' : b.state}</strong>
                  {b.stats ? (
                    <span className="muted">
                      {b.stats.failures + b.stats.timeouts} failed / {b.stats.fires}
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}

function FaultSwitches({ api }: { api: Api }) {
  // The services are the gateway's (GET /api/lab/faults lists every one it routes to), not a list of the page's own.
  const [current, setCurrent] = useState<Record<string, FaultSettings | null>>({});
  const [loaded, setLoaded] = useState(false);
  const services = Object.keys(current);
  const [message, setMessage] = useState<string>();
  // The switches appear once they can show the services' settings (found by the browser test: a choice made
  // earlier was overwritten by the late answer).
  useEffect(() => {
    void api
      .faults()
      .then(
        (r) => setCurrent(r.services),
        () => undefined,
      )
      .finally(() => setLoaded(true));
  }, [api]);
  const apply = async (service: string, settings: FaultSettings) => {
    try {
      const { faults } = await api.setFaults(service, settings);
      setCurrent((c) => ({ ...c, [service]: faults }));
      setMessage(
        `${service}: ${faults.mode === 'off' ? 'faults off' : `${faults.mode} on ${Math.round(faults.errorRate * 100)} %`}`,
      );
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <section aria-labelledby="faults-title">
      <h2 id="faults-title">Fault injection</h2>
      <p role="status" className="muted">
        {message ?? 'Break a service on purpose, then watch the breakers and the orders.'}
      </p>
      {loaded ? null : <p className="muted">Reading the services' settings…</p>}
      {loaded && services.length === 0 ? (
        <p className="muted">The gateway listed no service: is it reachable? Reload to try again.</p>
      ) : null}
      <div className="faults">
        {(loaded ? services : []).map((service) => (
          <FaultForm
            key={service}
            service={service}
            current={current[service] ?? undefined}
            onApply={(s) => void apply(service, s)}
          />
        ))}
      </div>
    </section>
  );
}

function FaultForm({
  service,
  current,
  onApply,
}: {
  service: string;
  current?: FaultSettings;
  onApply: (s: FaultSettings) => void;
}) {
  // Starts from the service's settings and is the user's from then on: the form is only rendered once they are
  // known, so no late answer can overwrite a choice (a sync effect did, between enabling the form and running).
  const [mode, setMode] = useState<FaultSettings['mode']>(current?.mode ?? 'off');
  const [rate, setRate] = useState(Math.round((current?.errorRate ?? 1) * 100));
  const [latency, setLatency] = useState(current?.latencyMs ?? 1000);
  const id = `fault-${service}`;
  return (
    <form
      className="fault"
      aria-label={`Faults of ${service}`}
      data-service={service}
      onSubmit={(e) => {
        e.preventDefault();
        onApply({ mode, errorRate: rate / 100, latencyMs: latency });
      }}
    >
      <h3>{service}</h3>
      <fieldset className="plain">
        <label htmlFor={`${id}-mode`}>Mode</label>
        <select
          id={`${id}-mode`}
          name="mode"
          value={mode}
          onChange={(e) => setMode(e.target.value as FaultSettings['mode'])}
        >
          <option value="off">off</option>
          <option value="error">error (503)</option>
          <option value="latency">latency</option>
          <option value="hang">hang</option>
        </select>
        <label htmlFor={`${id}-rate`}>Affected requests (%)</label>
        <input
          id={`${id}-rate`}
          name="errorRate"
          type="number"
          min={0}
          max={100}
          value={rate}
          onChange={(e) => setRate(Number(e.target.value))}
        />
        <label htmlFor={`${id}-latency`}>Latency (ms)</label>
        <input
          id={`${id}-latency`}
          name="latencyMs"
          type="number"
          min={0}
          max={120000}
          step={100}
          value={latency}
          onChange={(e) => setLatency(Number(e.target.value))}
        />
        <button type="submit">Apply</button>
      </fieldset>
    </form>
  );
}

function BurstPanel({ api }: { api: Api }) {
  const [size, setSize] = useState(20);
  const [running, setRunning] = useState(false);
  const [points, setPoints] = useState<BurstPoint[]>([]);
  const [finished, setFinished] = useState<ReturnType<Burst['finished']>>([]);
  const [summary, setSummary] = useState<string>();
  const burstRef = useRef<Burst | undefined>(undefined);

  const start = async () => {
    setRunning(true);
    const products: Product[] = (await api.products().catch(() => [])).filter(
      (p) => p.stock > 0 && p.priceCents < 10_000,
    );
    const burst = new Burst(Date.now());
    burstRef.current = burst;
    await Promise.all(
      Array.from({ length: size }, async (_, i) => {
        const order = burst.place(Date.now());
        const product = products[i % Math.max(1, products.length)];
        try {
          const { orderId } = await api.placeOrder(
            [{ sku: product?.sku ?? 'MUG-CLASSIC', quantity: 1 }],
            crypto.randomUUID(),
          );
          order.orderId = orderId;
          order.status = 'PENDING';
        } catch {
          order.status = 'FAILED';
          order.endedAt = Date.now();
        }
      }),
    );
    const deadline = Date.now() + 120_000;
    while (!burst.done && Date.now() < deadline && burstRef.current === burst) {
      const list = await api.orders().catch(() => []);
      burst.update(new Map(list.map((o) => [o.orderId, o.status])), Date.now());
      setPoints([...burst.points]);
      setFinished(burst.finished());
      const latency = burst.latency();
      setSummary(
        `${burst.orders.filter((o) => o.status === 'APPROVED').length} approved, ` +
          `${burst.orders.filter((o) => o.status === 'REJECTED' || o.status === 'FAILED').length} rejected or failed, ` +
          `${burst.orders.filter((o) => o.endedAt === undefined).length} waiting` +
          (latency
            ? ` · latency median ${(latency.median / 1000).toFixed(1)} s, p90 ${(latency.p90 / 1000).toFixed(1)} s`
            : ''),
      );
      await new Promise((r) => setTimeout(r, 500));
    }
    setRunning(false);
  };

  return (
    <section aria-labelledby="burst-title">
      <h2 id="burst-title">Burst</h2>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label htmlFor="burst-size">Orders</label>
        <input
          id="burst-size"
          type="number"
          min={1}
          max={200}
          value={size}
          onChange={(e) => setSize(Number(e.target.value))}
        />
        <button type="submit" disabled={running}>
          {running ? 'Running…' : 'Place burst'}
        </button>
      </form>
      <p role="status" data-testid="burst-summary">
        {summary ?? 'Places N orders at once and follows them to the end.'}
      </p>
      <BurstChart points={points} finished={finished} />
    </section>
  );
}

/**
 * Completions, rejections and waiting orders over time (seconds since the burst), and a dot per ended order at its
 * latency (right-hand scale).
 */
export function BurstChart({
  points,
  finished,
}: {
  points: readonly BurstPoint[];
  finished: readonly { t: number; latencyMs: number; status: string }[];
}) {
  const width = 600;
  const height = 200;
  const maxT = Math.max(5, ...points.map((p) => p.t));
  const maxN = Math.max(1, ...points.map((p) => p.approved + p.rejected + p.pending));
  const maxLatency = Math.max(1_000, ...finished.map((f) => f.latencyMs));
  const line = (key: 'approved' | 'rejected' | 'pending') =>
    points
      .map((p) => `${((p.t / maxT) * width).toFixed(1)},${(height - (p[key] / maxN) * height).toFixed(1)}`)
      .join(' ');
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label="Burst progress: approved, rejected and waiting orders over time"
      >
        <rect x="0" y="0" width={width} height={height} className="chart-bg" />
        <polyline points={line('pending')} className="line pending" />
        <polyline points={line('approved')} className="line approved" />
        <polyline points={line('rejected')} className="line rejected" />
        {finished.map((f, i) => (
          <circle
            key={i}
            cx={((f.t / maxT) * width).toFixed(1)}
            cy={(height - (f.latencyMs / maxLatency) * height).toFixed(1)}
            r="4"
            className={`dot ${f.status === 'APPROVED' ? 'approved' : 'rejected'}`}
          />
        ))}
      </svg>
      <figcaption>
        <span className="key approved">approved</span> <span className="key rejected">rejected</span>{' '}
        <span className="key pending">waiting</span> (lines: count, up to {maxN}) · dots: latency, up to{' '}
        {(maxLatency / 1000).toFixed(1)} s · {maxT.toFixed(0)} s
      </figcaption>
    </figure>
  );
}
