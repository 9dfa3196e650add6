import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Api, type Health } from './api.js';
import type { Cart } from './cart.js';
import { itemCount } from './cart.js';
import { AuthPage } from './pages/Auth.js';
import { LabPage } from './pages/Lab.js';
import { OrderPage } from './pages/Order.js';
import { OrdersPage } from './pages/Orders.js';
import { ShopPage } from './pages/Shop.js';
import { loadSession, saveSession, type Session } from './session.js';
import { ShopEventTracker, shopSessionId } from './shop-events.js';

function useHashRoute(): string {
  const [route, setRoute] = useState(() => window.location.hash.slice(1) || '/');
  useEffect(() => {
    const onChange = () => setRoute(window.location.hash.slice(1) || '/');
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

const go = (path: string) => {
  window.location.hash = path;
};

const CART_KEY = 'refarch.cart';

export function App() {
  const route = useHashRoute();
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const [health, setHealth] = useState<{ state: Health; detail?: string }>({ state: 'ok' });
  const [cart, setCartState] = useState<Cart>(() => {
    try {
      return JSON.parse(sessionStorage.getItem(CART_KEY) ?? '[]') as Cart;
    } catch {
      return [];
    }
  });
  const setCart = useCallback((next: Cart) => {
    setCartState(next);
    sessionStorage.setItem(CART_KEY, JSON.stringify(next));
  }, []);

  const api = useMemo(
    () =>
      new Api(
        () => session?.token,
        (state, detail) =>
          setHealth((h) => (h.state === state && h.detail === detail ? h : { state, ...(detail ? { detail } : {}) })),
      ),
    [session],
  );

  // The shop's events, batched to the gateway in the background (best-effort; the latest token is used).
  const apiRef = useRef(api);
  apiRef.current = api;
  const tracker = useMemo(
    () => new ShopEventTracker({ sessionId: shopSessionId(), send: (events) => apiRef.current.sendEvents(events) }),
    [],
  );
  useEffect(() => {
    tracker.start();
    const flush = () => void tracker.flush();
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      tracker.stop();
    };
  }, [tracker]);

  const signIn = (s: Session) => {
    saveSession(s);
    setSession(s);
    go('/');
  };
  const signOut = () => {
    saveSession(undefined);
    setSession(undefined);
    go('/');
  };

  let page;
  const orderMatch = /^\/orders\/([A-Za-z0-9._:-]{1,128})$/.exec(route);
  if (route === '/signin' || route === '/signup')
    page = <AuthPage api={api} mode={route === '/signup' ? 'signup' : 'signin'} onSignedIn={signIn} />;
  else if (!session && (route.startsWith('/orders') || route === '/lab'))
    page = <AuthPage api={api} mode="signin" onSignedIn={signIn} />;
  else if (orderMatch) page = <OrderPage key={orderMatch[1]} api={api} orderId={orderMatch[1]!} />;
  else if (route === '/orders') page = <OrdersPage api={api} />;
  else if (route === '/lab')
    page =
      session?.role === 'admin' ? (
        <LabPage api={api} />
      ) : (
        <main>
          <h1>Lab</h1>
          <p>The lab is for administrators.</p>
        </main>
      );
  else
    page = (
      <ShopPage
        api={api}
        tracker={tracker}
        cart={cart}
        setCart={setCart}
        signedIn={!!session}
        onOrdered={(id) => go(`/orders/${id}`)}
      />
    );

  return (
    <>
      <header className="top">
        <a href="#/" className="brand">
          RefArch shop
        </a>
        <nav aria-label="Main">
          <a href="#/">Shop ({itemCount(cart)})</a>
          {session ? <a href="#/orders">My orders</a> : null}
          {session?.role === 'admin' ? <a href="#/lab">Lab</a> : null}
          {session ? (
            <button type="button" className="link" onClick={signOut}>
              Sign out <span className="muted">{session.email}</span>
            </button>
          ) : (
            <a href="#/signin">Sign in</a>
          )}
        </nav>
      </header>
      {health.state !== 'ok' ? (
        <div role="alert" className={`banner banner-${health.state}`} data-testid="gateway-banner">
          {health.state === 'unreachable' ? 'The gateway is unreachable. ' : 'The gateway answers degraded. '}
          {health.detail}
        </div>
      ) : null}
      {page}
    </>
  );
}
