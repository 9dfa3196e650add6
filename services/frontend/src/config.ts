/**
 * Deploy-time settings, not baked into the bundle: the server serves `/config.js`, which sets
 * `window.__REFARCH__` from its environment (API_BASE_URL). Empty = the gateway on this origin (the ingress).
 */
interface RuntimeConfig {
  apiBaseUrl: string;
}

declare global {
  interface Window {
    __REFARCH__?: Partial<RuntimeConfig>;
  }
}

export function runtimeConfig(): RuntimeConfig {
  const base = typeof window === 'undefined' ? '' : (window.__REFARCH__?.apiBaseUrl ?? '');
  return { apiBaseUrl: base.replace(/\/$/, '') };
}
