import { useCallback, useEffect, useMemo, useRef } from 'react';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { AnalyticsSummary, Api } from '../api.js';
import { formatCents } from '../cart.js';
import { usePolling } from '../polling.js';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
);

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const REASONS: Record<string, string> = {
  payment_declined: 'payment declined',
  out_of_stock: 'out of stock',
  shipping_failed: 'shipping failed',
  timed_out: 'timed out',
  other: 'other',
};

/** A Chart.js chart on a canvas, updated in place when `config` changes (no flicker while polling). */
function useChart(
  canvas: React.RefObject<HTMLCanvasElement | null>,
  data: Chart['data'] | undefined,
  type: 'line' | 'bar',
) {
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current || !data) return;
    if (!chart.current) {
      chart.current = new Chart(canvas.current, {
        type,
        data,
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: { ticks: { maxTicksLimit: 12, maxRotation: 0 } },
            y: { beginAtZero: true, ticks: { precision: 0 } },
          },
          plugins: { legend: { position: 'bottom' } },
        },
      });
    } else {
      chart.current.data = data;
      chart.current.update();
    }
  }, [canvas, data, type]);
  useEffect(() => () => chart.current?.destroy(), []);
}

/** The analytics worker's last hour: orders per minute by outcome, rejections by reason, saga durations, funnel. */
export function AnalyticsPanel({ api }: { api: Api }) {
  const load = useCallback(() => api.analyticsSummary(), [api]);
  const { value, error } = usePolling(load, 5_000);
  const perMinute = useRef<HTMLCanvasElement>(null);
  const reasons = useRef<HTMLCanvasElement>(null);
  // The charts' data change with each poll's answer only, not on every render of the page.
  const perMinuteData = useMemo(() => value && ordersPerMinute(value), [value]);
  const reasonsData = useMemo(() => value && rejectionReasons(value), [value]);
  useChart(perMinute, perMinuteData, 'line');
  useChart(reasons, reasonsData, 'bar');
  const d = value?.sagaDurationMs;
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v / 1000).toFixed(2)} s`);
  return (
    <section aria-labelledby="analytics-title">
      <h2 id="analytics-title">Analytics (last hour)</h2>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {value ? (
        <p className="analytics-totals" data-testid="analytics-totals">
          {value.totals.placed} placed · {value.totals.approved} approved · {value.totals.rejected} rejected ·{' '}
          {formatCents(value.totals.revenueCents)} revenue · saga p50 {ms(d?.p50)}, p95 {ms(d?.p95)}, p99 {ms(d?.p99)} ·
          funnel {value.funnel.viewed} viewed → {value.funnel.carted} carted → {value.funnel.checkout} checkout →{' '}
          {value.funnel.ordered} orders
        </p>
      ) : null}
      <div className="analytics-charts">
        <figure className="analytics-chart">
          <canvas ref={perMinute} aria-label="Orders per minute" role="img" />
          <figcaption>Orders per minute</figcaption>
        </figure>
        <figure className="analytics-chart">
          <canvas ref={reasons} aria-label="Rejections by reason" role="img" />
          <figcaption>Rejections by reason</figcaption>
        </figure>
      </div>
    </section>
  );
}

/** Every minute of the window, a quiet one as zeros (the summary lists only minutes with counts). */
export function everyMinute(s: AnalyticsSummary): AnalyticsSummary['minutes'] {
  const byMinute = new Map(s.minutes.map((m) => [Date.parse(m.minute), m]));
  const minutes: AnalyticsSummary['minutes'] = [];
  const first = Math.floor(Date.parse(s.from) / 60_000) * 60_000;
  for (let t = first; t < Date.parse(s.to); t += 60_000) {
    minutes.push(
      byMinute.get(t) ?? { minute: new Date(t).toISOString(), placed: 0, approved: 0, rejected: 0, revenueCents: 0 },
    );
  }
  return minutes;
}

export function ordersPerMinute(s: AnalyticsSummary): Chart['data'] {
  const minutes = everyMinute(s);
  const line = (label: string, color: string, value: (m: AnalyticsSummary['minutes'][number]) => number) => ({
    label,
    data: minutes.map(value),
    borderColor: color,
    backgroundColor: color,
    pointRadius: 0,
  });
  return {
    labels: minutes.map((m) => time(m.minute)),
    datasets: [
      line('placed', '#1d4ed8', (m) => m.placed),
      line('approved', '#15803d', (m) => m.approved),
      line('rejected', '#b91c1c', (m) => m.rejected),
    ],
  };
}

export function rejectionReasons(s: AnalyticsSummary): Chart['data'] {
  const kinds = Object.keys(s.rejectedBy);
  return {
    labels: kinds.map((k) => REASONS[k] ?? k),
    datasets: [{ label: 'rejected orders', data: kinds.map((k) => s.rejectedBy[k] ?? 0), backgroundColor: '#b91c1c' }],
  };
}
