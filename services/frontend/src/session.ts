/**
 * The signed-in user's access token: kept in sessionStorage (this tab only, gone when it closes) — never a cookie,
 * so no other site can make the browser send it. The claims are read for display only; the gateway verifies them.
 */
export interface Session {
  token: string;
  userId: string;
  role: 'user' | 'admin';
  email: string;
  expiresAt: number;
}

const KEY = 'refarch.session';

export function decodeClaims(token: string): { sub?: string; role?: string; exp?: number } {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json) as { sub?: string; role?: string; exp?: number };
  } catch {
    return {};
  }
}

export function sessionFromToken(token: string, email: string): Session {
  const claims = decodeClaims(token);
  return {
    token,
    userId: claims.sub ?? '',
    role: claims.role === 'admin' ? 'admin' : 'user',
    email,
    expiresAt: (claims.exp ?? 0) * 1000,
  };
}

export function loadSession(storage: Storage | undefined = globalThis.sessionStorage): Session | undefined {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    return session.expiresAt > Date.now() ? session : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined, storage: Storage | undefined = globalThis.sessionStorage) {
  if (session) storage?.setItem(KEY, JSON.stringify(session));
  else storage?.removeItem(KEY);
}
