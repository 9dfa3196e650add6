import { useEffect, useState } from 'react';
import type { Api, OrderView } from '../api.js';
import { formatCents } from '../cart.js';

export function OrdersPage({ api }: { api: Api }) {
  const [orders, setOrders] = useState<OrderView[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stop = false;
    const refresh = () =>
      api.orders().then(
        (list) => !stop && setOrders(list),
        (e: unknown) => !stop && setError(e instanceof Error ? e.message : String(e)),
      );
    void refresh();
    const timer = setInterval(() => void refresh(), 3_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [api]);
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
