import { useCallback } from 'react';
import type { Api } from '../api.js';
import { formatCents } from '../cart.js';
import { usePolling } from '../polling.js';

export function OrdersPage({ api }: { api: Api }) {
  const load = useCallback(() => api.orders(), [api]);
  const { value: orders, error } = usePolling(load, 3_000);
  return (
    <main>
      <h1>My orders</h1>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
      {orders?.length === 0 ? <p className="muted">No orders yet.</p> : null}
      <table className="orders">
        <thead>
          <tr>
            <th scope="col">Placed</th>
            <th scope="col">Status</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {orders?.map((o) => (
            <tr key={o.orderId}>
              <td>
                <a href={`#/orders/${o.orderId}`}>{new Date(o.createdAt).toLocaleString()}</a>
              </td>
              <td className={`status-${o.status.toLowerCase()}`}>
                {o.status}
                {o.reason ? ` — ${o.reason}` : ''}
              </td>
              <td>{formatCents(o.totalCents)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
