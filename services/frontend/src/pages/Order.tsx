import { useEffect, useState } from 'react';
import type { Api, FullOrder } from '../api.js';
import { TimelineView } from '../components/TimelineView.js';
import { formatCents } from '../cart.js';
import { applyStreamEvent, fromHistory, isTerminal, type Timeline } from '../timeline.js';

/** One order: its composed view, then the live timeline from the SSE stream until a terminal status. */
export function OrderPage({ api, orderId }: { api: Api; orderId: string }) {
  const [timeline, setTimeline] = useState<Timeline>();
  const [summary, setSummary] = useState<{ totalCents: number; items: { sku: string; quantity: number }[] }>();
  const [degraded, setDegraded] = useState<string[]>([]);
  const [error, setError] = useState<string>();

  useEffect(() => {
    const abort = new AbortController();
    let stop = false;
    const show = (full: FullOrder) => {
      setSummary({ totalCents: full.order.totalCents, items: full.order.items });
      setDegraded(full.degraded);
      setTimeline(fromHistory(full.order, full.saga));
    };
    const load = async () => {
      try {
        const full = await api.fullOrder(orderId);
        if (stop) return;
        show(full);
        if (isTerminal(full.order.status)) return;
        // Live: the stream starts with the current status, then each step as it happens, and ends after the last.
        await api.orderEvents(orderId, (event) => setTimeline((t) => t && applyStreamEvent(t, event)), abort.signal);
        // Then the recorded history is complete: show it as the saga wrote it.
        if (!stop) show(await api.fullOrder(orderId));
      } catch (e) {
        if (!stop) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    // While waiting (a breaker open, a saga parked), refresh the saga's own note now and then.
    const poll = setInterval(() => {
      void api.fullOrder(orderId).then(
        (full) =>
          setTimeline((t) => {
            if (!t || isTerminal(t.status)) return t;
            const { waiting: _w, ...rest } = t;
            return full.saga?.waiting ? { ...rest, waiting: full.saga.waiting } : rest;
          }),
        () => undefined,
      );
    }, 2_000);
    return () => {
      stop = true;
      abort.abort();
      clearInterval(poll);
    };
  }, [api, orderId]);

  return (
    <main>
      <h1>Order</h1>
      <p className="muted">
        <code>{orderId}</code>
      </p>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {degraded.length ? <p className="notice">Partly shown: {degraded.join(', ')} did not answer.</p> : null}
      {summary ? (
        <p>
          {summary.items.map((i) => `${i.quantity} × ${i.sku}`).join(', ')} —{' '}
          <strong>{formatCents(summary.totalCents)}</strong>
        </p>
      ) : null}
      {timeline ? <TimelineView timeline={timeline} /> : <p>Loading…</p>}
    </main>
  );
}
