// report.html: one self-contained file per run (no network needed to open it). The charts are uPlot's, its script
// and stylesheet inlined; the run's data is embedded as JSON and drawn in the browser: throughput, latency
// percentiles with their thresholds, error rate, order outcomes, a lane per breaker, the services' backlogs, the
// fault windows shaded on every chart, the verdicts, and the slowest requests of each fault window.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TimelineSecond } from './recorder.js';

export interface ReportVerdict {
  /** `threshold`, `steady state before`, `assertion`, `invariant`… */
  kind: string;
  name: string;
  ok: boolean;
  detail: string;
}

export interface ReportData {
  title: string;
  subtitle: string;
  ok: boolean;
  headline: { label: string; value: string }[];
  timeline: TimelineSecond[];
  /** Latency thresholds to draw: metric, percentile (p99…), value in ms. */
  latencyThresholds: { metric: string; stat: string; ms: number; source: string }[];
  errorThresholds: { percent: number; source: string }[];
  windows: { fault: string; from: number; to: number }[];
  /** Metric series from the services: `[second, value]` points. */
  series: { service: string; name: string; labels: Record<string, string>; points: [number, number][] }[];
  verdicts: ReportVerdict[];
  slowest: {
    window: string;
    requests: { second: number; metric: string; ms: number; id: string; status?: number }[];
  }[];
}

const require = createRequire(import.meta.url);
const asset = (file: string) => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');

/** `</script>` inside embedded JSON would end the script element early. */
const embed = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderReport(data: ReportData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(data.title)}</title>
<style>${asset('uPlot.min.css')}</style>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #1b1f24; padding: 0 16px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
  .sub { color: #57606a; margin-bottom: 16px; }
  .verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; color: #fff; }
  .pass { background: #1a7f37; } .fail { background: #cf222e; }
  .headline { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
  .headline div { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; min-width: 120px; }
  .headline b { display: block; font-size: 18px; }
  table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
  th { color: #57606a; font-weight: 600; } td.ok { color: #1a7f37; } td.bad { color: #cf222e; font-weight: 600; }
  .chart { margin: 8px 0 4px; } .note { color: #57606a; font-size: 13px; }
  code { font-size: 12px; }
</style>
</head>
<body>
<h1>${escapeHtml(data.title)} <span class="verdict ${data.ok ? 'pass' : 'fail'}">${data.ok ? 'PASS' : 'FAIL'}</span></h1>
<div class="sub">${escapeHtml(data.subtitle)}</div>
<div class="headline">${data.headline.map((h) => `<div>${escapeHtml(h.label)}<b>${escapeHtml(h.value)}</b></div>`).join('')}</div>
<div id="charts"></div>
<h2>Verdicts</h2>
<table><tr><th></th><th>kind</th><th>check</th><th>detail</th></tr>
${data.verdicts.map((v) => `<tr><td class="${v.ok ? 'ok' : 'bad'}">${v.ok ? '✓' : '✗'}</td><td>${escapeHtml(v.kind)}</td><td>${escapeHtml(v.name)}</td><td>${escapeHtml(v.detail)}</td></tr>`).join('\n')}
</table>
${
  data.slowest.length
    ? `<h2>Slowest requests of each fault window</h2>
<p class="note">Each id is the request's <code>x-correlation-id</code> (for a saga completion, the order id): <code>npm run trace -- &lt;id&gt;</code> with a stack started with <code>--traces</code>, or grep the services' logs.</p>
<table><tr><th>window</th><th>second</th><th>metric</th><th>latency</th><th>status</th><th>id</th></tr>
${data.slowest
  .flatMap((w) =>
    w.requests.map(
      (r) =>
        `<tr><td>${escapeHtml(w.window)}</td><td>${r.second} s</td><td>${escapeHtml(r.metric)}</td><td>${r.ms.toFixed(0)} ms</td><td>${r.status ?? ''}</td><td><code>${escapeHtml(r.id)}</code></td></tr>`,
    ),
  )
  .join('\n')}
</table>`
    : ''
}
<script>${asset('uPlot.iife.min.js')}</script>
<script id="data" type="application/json">${embed(data)}</script>
<script>
${CLIENT}
</script>
</body>
</html>
`;
}

/** The browser side: builds the charts from the embedded data with uPlot. */
const CLIENT = String.raw`
const data = JSON.parse(document.getElementById('data').textContent);
const seconds = data.timeline.map((s) => s.second);
const extraSeconds = data.series.flatMap((s) => s.points.map((p) => p[0]));
const lastSecond = Math.max(0, ...seconds, ...extraSeconds);
const xs = Array.from({ length: lastSecond + 1 }, (_, i) => i);
const at = (second) => data.timeline[second];
const palette = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#57606a', '#e16f24', '#0a7e8c'];
const root = document.getElementById('charts');

// The fault windows, shaded on every chart (a draw hook: uPlot's way to paint behind the series).
const shade = {
  hooks: {
    drawClear: [
      (u) => {
        const { ctx } = u;
        ctx.save();
        for (const w of data.windows) {
          const x0 = u.valToPos(w.from, 'x', true);
          const x1 = u.valToPos(Math.max(w.to, w.from + 0.5), 'x', true);
          ctx.fillStyle = 'rgba(207, 34, 46, 0.10)';
          ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
          ctx.fillStyle = '#cf222e';
          ctx.font = '11px system-ui';
          ctx.fillText(w.fault, x0 + 3, u.bbox.top + 12);
        }
        ctx.restore();
      },
    ],
  },
};

function chart(title, series, { yLabel = '', note = '', stepped = false, yRange } = {}) {
  if (!series.length) return;
  const box = document.createElement('div');
  box.className = 'chart';
  const h = document.createElement('h2');
  h.textContent = title;
  root.appendChild(h);
  if (note) {
    const p = document.createElement('div');
    p.className = 'note';
    p.textContent = note;
    root.appendChild(p);
  }
  root.appendChild(box);
  const opts = {
    width: Math.min(1068, window.innerWidth - 40),
    height: 220,
    plugins: [shade],
    scales: { x: { time: false }, ...(yRange ? { y: { range: yRange } } : {}) },
    axes: [{ label: 'second of the run' }, { label: yLabel, size: 60 }],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? palette[i % palette.length],
        width: s.dash ? 1.5 : 2,
        dash: s.dash ? [6, 4] : undefined,
        spanGaps: s.spanGaps ?? false,
        paths: stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
        points: { show: false },
      })),
    ],
  };
  new uPlot(opts, [xs, ...series.map((s) => s.values)], box);
}

const perSecond = (f) => xs.map((x) => (at(x) ? f(at(x)) : null));

chart('Throughput', [
  { label: 'requests/s', values: perSecond((s) => s.requests) },
  { label: 'orders placed/s', values: perSecond((s) => s.counts['orders placed'] ?? 0) },
], { yLabel: 'per second' });

const latencyMetrics = [...new Set(data.timeline.flatMap((s) => Object.keys(s.latencies)))].filter((m) => m !== 'http');
for (const metric of latencyMetrics) {
  const lines = ['p50', 'p90', 'p99'].map((p) => ({
    label: metric + ' ' + p,
    values: perSecond((s) => (s.latencies[metric] ? s.latencies[metric][p] : null)),
  }));
  for (const t of data.latencyThresholds.filter((t) => t.metric === metric)) {
    lines.push({ label: 'threshold: ' + t.source, values: xs.map(() => t.ms), dash: true, color: '#cf222e', spanGaps: true });
  }
  chart('Latency: ' + metric, lines, { yLabel: 'ms', note: 'from each request’s intended start (coordinated omission corrected), per second' });
}

chart('Error rate', [
  { label: 'failed checks %', values: perSecond((s) => (s.checks ? (100 * s.errors) / s.checks : 0)) },
  ...data.errorThresholds.map((t) => ({ label: 'threshold: ' + t.source, values: xs.map(() => t.percent), dash: true, color: '#cf222e', spanGaps: true })),
], { yLabel: '%' });

chart('Order outcomes', [
  { label: 'approved/s', values: perSecond((s) => s.counts['orders approved'] ?? 0), color: '#1a7f37' },
  { label: 'rejected/s', values: perSecond((s) => s.counts['orders rejected'] ?? 0), color: '#bf8700' },
  { label: 'timed out/s', values: perSecond((s) => s.counts['orders timed out'] ?? 0), color: '#cf222e' },
], { yLabel: 'per second' });

const valuesOf = (s) => {
  const v = xs.map(() => null);
  for (const [x, y] of s.points) v[x] = y;
  return v;
};
const breakers = data.series.filter((s) => s.name === 'circuit_breaker_state');
const moved = breakers.filter((s) => s.points.some((p) => p[1] !== 0));
chart(
  'Breakers',
  (moved.length ? moved : breakers.slice(0, 1)).map((s) => ({ label: s.labels.breaker, values: valuesOf(s) })),
  {
    stepped: true,
    yRange: [0, 2.2],
    yLabel: 'state',
    note: '0 closed · 1 half-open · 2 open' + (moved.length ? '' : ' — every one of the ' + breakers.length + ' breakers stayed closed'),
  },
);

const backlog = [
  ...data.series.filter((s) => s.name === 'outbox_pending').map((s) => ({ label: 'outbox ' + s.service, values: valuesOf(s) })),
  ...data.series
    .filter((s) => s.name === 'sagas_in_state' && !['APPROVED', 'REJECTED'].includes(s.labels.state))
    .map((s) => ({ label: 'sagas ' + s.labels.state, values: valuesOf(s) })),
  ...data.series.filter((s) => s.name === 'dlq_messages').map((s) => ({ label: 'DLQ ' + (s.labels.queue || s.service), values: valuesOf(s) })),
].filter((s) => s.values.some((v) => v));
chart('Backlogs: outbox, open sagas, DLQs', backlog, { yLabel: 'messages', note: backlog.length ? '' : 'all empty throughout' });

const lag = data.series.filter((s) => s.name === 'nodejs_eventloop_lag_p99_seconds');
chart('Event-loop lag p99', lag.map((s) => ({ label: s.service, values: valuesOf(s).map((v) => (v === null ? null : v * 1000)) })), { yLabel: 'ms' });

const up = data.series.filter((s) => s.name === 'up' && s.points.some((p) => p[1] === 0));
chart('Processes not answering their /metrics', up.map((s) => ({ label: s.service, values: valuesOf(s).map((v) => (v === null ? null : 1 - v)) })), { stepped: true, yRange: [0, 1.2], yLabel: 'down' });
`;
