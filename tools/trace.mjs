#!/usr/bin/env node
// `npm run trace -- <orderId|traceId>`: one trace recorded by `npm run stack -- --traces`, as a waterfall in the
// terminal — service, span, start offset, duration, status, in tree order, links shown. Reads the OTLP JSON lines the
// services append under <state-dir>/traces/ (docs/observability.md, "Reading a waterfall").
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = `usage: npm run trace -- <orderId|traceId>… [--state-dir <dir>] [--json] [--no-db] [--width <columns>]
  orderId    an order's id: its saga's trace (the one from POST /api/orders to the approval)
  traceId    32 hex digits (a log line's trace_id)
  --state-dir the stack's state directory (default .stack); spans are read from <dir>/traces/*.jsonl
  --json     the trace as JSON (spans in tree order, with depth, parent and links) instead of the waterfall;
             several ids: a JSON array, one trace each
  --no-db    leave out the database calls (pg, Redis, MongoDB spans) from the waterfall; the header still counts them`;

function parseArgs(argv) {
  const options = { stateDir: path.join(root, '.stack'), json: false, db: true, width: process.stdout.columns || 120 };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (!argv[i + 1]) fail(`${arg} needs a value\n${USAGE}`, 2);
      return argv[++i];
    };
    if (arg === '--state-dir') options.stateDir = path.resolve(value());
    else if (arg === '--json') options.json = true;
    else if (arg === '--no-db') options.db = false;
    else if (arg === '--width') options.width = Number(value());
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg.startsWith('--')) fail(`unknown option ${arg}\n${USAGE}`, 2);
    else rest.push(arg);
  }
  // Several ids with --json: each trace, from one reading of the files (the e2e suite asks for 50 at once).
  if (rest.length === 0 || (rest.length > 1 && !options.json)) fail(USAGE, 2);
  options.ids = rest.map((id) => id.toLowerCase());
  return options;
}

function fail(message, code = 1) {
  console.error(message);
  process.exit(code);
}

/** An OTLP AnyValue as a plain value. */
function valueOf(v) {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

const attributesOf = (list = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** Every span in the files, flattened (a line is one ExportTraceServiceRequest; a torn last line is skipped). */
export function readSpans(dir) {
  const spans = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let request;
      try {
        request = JSON.parse(line);
      } catch {
        continue; // a process killed mid-write leaves a partial line; the spans before it are whole
      }
      for (const rs of request.resourceSpans ?? []) {
        const resource = attributesOf(rs.resource?.attributes);
        const service = resource['service.name'] ?? file.replace(/\.jsonl$/, '');
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              service,
              pid: resource['process.pid'],
              name: s.name,
              kind: KINDS[s.kind] ?? String(s.kind),
              start: BigInt(s.startTimeUnixNano),
              end: BigInt(s.endTimeUnixNano),
              status: s.status?.code === 2 ? 'ERROR' : 'OK',
              statusMessage: s.status?.message,
              attributes: attributesOf(s.attributes),
              links: (s.links ?? []).map((l) => ({
                traceId: l.traceId,
                spanId: l.spanId,
                attributes: attributesOf(l.attributes),
              })),
            });
          }
        }
      }
    }
  }
  return spans;
}

/** The trace of an order: the one whose saga spans carry its id (else any span naming it). */
export function findTrace(spans, id) {
  if (/^[0-9a-f]{32}$/.test(id)) return spans.some((s) => s.traceId === id) ? id : undefined;
  const bySaga = spans.find((s) => s.attributes['saga.order_id'] === id);
  if (bySaga) return bySaga.traceId;
  const mentions = spans.find((s) => Object.values(s.attributes).some((v) => typeof v === 'string' && v.includes(id)));
  return mentions?.traceId;
}

/**
 * The spans of one trace in tree order: roots (spans without a parent, or whose parent was never recorded — a process
 * killed before its span ended) by start time, each followed by its children by start time.
 */
export function treeOf(spans, traceId) {
  const inTrace = spans.filter((s) => s.traceId === traceId);
  const byId = new Map(inTrace.map((s) => [s.spanId, s]));
  const children = new Map();
  for (const s of inTrace) {
    const parent = s.parentSpanId && byId.has(s.parentSpanId) ? s.parentSpanId : undefined;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(s);
  }
  for (const list of children.values()) list.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const ordered = [];
  const walk = (parent, depth) => {
    for (const s of children.get(parent) ?? []) {
      ordered.push({ ...s, depth, orphan: depth === 0 && s.parentSpanId !== undefined });
      walk(s.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return ordered;
}

const ms = (ns) => Number(ns) / 1e6;

/** A tree of `treeOf` as `--json` prints it: times in ms from the first root, no bigints. */
export function asJson(tree) {
  return tree.map(({ start, end, ...s }) => ({
    ...s,
    startMs: ms(start - tree[0].start),
    durationMs: ms(end - start),
  }));
}
const fmt = (n) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

function describeLink(link, all) {
  const target = all.find((s) => s.spanId === link.spanId && s.traceId === link.traceId);
  const kind = Object.values(link.attributes)[0] ?? 'link';
  return target
    ? `${kind} → ${target.service}: ${target.name}`
    : `${kind} → ${link.traceId}/${link.spanId} (not recorded)`;
}

/** HTTP client spans are named by their method alone (semantic conventions): the waterfall adds host and path. */
function displayName(s) {
  const url =
    s.kind === 'client' && typeof s.attributes['url.full'] === 'string' ? s.attributes['url.full'] : undefined;
  if (!url) return s.name;
  const { host, pathname } = new URL(url);
  return `${s.name} ${host}${pathname}`;
}

const isDb = (s) => s.attributes['db.system.name'] !== undefined || s.attributes['db.system'] !== undefined;

function waterfall(tree, all, width, { db = true } = {}) {
  const t0 = tree.reduce((m, s) => (s.start < m ? s.start : m), tree[0].start);
  const t1 = tree.reduce((m, s) => (s.end > m ? s.end : m), tree[0].end);
  const total = Math.max(ms(t1 - t0), 0.001);
  const services = [...new Set(tree.map((s) => s.service))];
  const roots = tree.filter((s) => s.depth === 0);
  const serviceWidth = Math.max(7, ...services.map((s) => s.length));
  const barWidth = Math.max(20, Math.min(50, width - serviceWidth - 70));
  const nameWidth = Math.max(20, width - serviceWidth - barWidth - 30);
  const lines = [
    `trace ${tree[0].traceId}: ${tree.length} spans, ${services.length} services, ${fmt(total)} ms` +
      (roots.length === 1 ? ', connected' : `, ${roots.length} roots (not connected)`),
    `${'start ms'.padStart(9)} ${'dur ms'.padStart(8)}  ${'service'.padEnd(serviceWidth)}  ${'span'.padEnd(nameWidth)}  timeline`,
  ];
  for (const s of tree) {
    if (!db && isDb(s)) continue;
    const offset = ms(s.start - t0);
    const duration = ms(s.end - s.start);
    const from = Math.min(barWidth - 1, Math.floor((offset / total) * barWidth));
    const length = Math.max(1, Math.round((duration / total) * barWidth));
    const bar = `${' '.repeat(from)}${(s.status === 'ERROR' ? '!' : '█').repeat(Math.min(length, barWidth - from))}`;
    const label = `${'  '.repeat(s.depth)}${displayName(s)}${s.status === 'ERROR' ? ' [ERROR]' : ''}${s.orphan ? ' (parent not recorded)' : ''}`;
    const name = label.length > nameWidth ? `${label.slice(0, nameWidth - 1)}…` : label.padEnd(nameWidth);
    lines.push(
      `${fmt(offset).padStart(9)} ${fmt(duration).padStart(8)}  ${s.service.padEnd(serviceWidth)}  ${name}  ${bar}`,
    );
    for (const link of s.links)
      lines.push(
        `${''.padStart(20)}${' '.repeat(serviceWidth)}  ${'  '.repeat(s.depth)}  ↳ ${describeLink(link, all)}`,
      );
  }
  return lines.join('\n');
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const options = parseArgs(process.argv.slice(2));
  const dir = path.join(options.stateDir, 'traces');
  if (!existsSync(dir))
    fail(
      `no traces in ${path.relative(process.cwd(), dir) || dir}: start the stack with \`npm run stack -- --traces\``,
    );
  const spans = readSpans(dir);
  const found = options.ids.map((id) => {
    const traceId = findTrace(spans, id);
    if (!traceId) fail(`no span of ${id} among ${spans.length} spans in ${path.relative(process.cwd(), dir) || dir}`);
    return { traceId, tree: treeOf(spans, traceId) };
  });
  if (options.json) {
    const json = found.map(({ traceId, tree }) => ({ traceId, spans: asJson(tree) }));
    console.log(JSON.stringify(json.length === 1 ? json[0] : json, null, 2));
  } else console.log(waterfall(found[0].tree, spans, options.width, { db: options.db }));
}
