import { createServer, type Server } from 'node:http';
import { httpJson } from './test-service.js';
import type { AddressInfo } from 'node:net';
import { DEVELOPMENT_SERVICE_TOKEN_SECRET } from '@refarch/config';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

/**
 * Credentials for calling a service under test on its own port (libs/bootstrap identity.ts): a service credential
 * signed with the development secret every test process shares, or a user token of a test issuer.
 */
export async function serviceAuth(
  audience: string,
  options: { caller?: string; secret?: string; expiresInSeconds?: number } = {},
): Promise<Record<string, string>> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('refarch-services')
    .setSubject(options.caller ?? 'test')
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 120))
    .sign(new TextEncoder().encode(options.secret ?? DEVELOPMENT_SERVICE_TOKEN_SECRET));
  return { authorization: `Bearer ${token}` };
}

export interface UserTokenOptions {
  role?: 'user' | 'admin';
  /** Negative: already expired. */
  expiresInSeconds?: number;
  audience?: string;
  issuer?: string;
}

export interface TestIssuer {
  /** Set as the service's JWKS_URL. */
  jwksUrl: string;
  /** An ES256 access token for `userId`, as the user-service signs them (iss refarch-user-service, aud refarch). */
  token(userId: string, options?: UserTokenOptions): Promise<string>;
  /** `{ authorization: 'Bearer …' }` of {@link token}. */
  auth(userId: string, options?: UserTokenOptions): Promise<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * A stand-in for the user-service's signing side: a fresh P-256 key, its JWKS served on a loopback port (a real
 * HTTP server, fetched the way services fetch the user-service's), and tokens signed with it.
 */
export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-1', alg: 'ES256', use: 'sig' };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const token = (userId: string, options: UserTokenOptions = {}) => sign(privateKey, userId, options);
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    token,
    auth: async (userId, options) => ({ authorization: `Bearer ${await token(userId, options)}` }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sign(key: CryptoKey, userId: string, options: UserTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: options.role ?? 'user' })
    .setProtectedHeader({ alg: 'ES256', kid: 'test-1', typ: 'JWT' })
    .setIssuer(options.issuer ?? 'refarch-user-service')
    .setAudience(options.audience ?? 'refarch')
    .setSubject(userId)
    .setIssuedAt(now - 1)
    .setExpirationTime(now + (options.expiresInSeconds ?? 300))
    .sign(key);
}

/**
 * `httpJson` as another service calls `audience` (the saga, the gateway): with a service credential, unless the
 * request sets its own `authorization` (an admin token, a user's token).
 */
export function callAs(audience: string, options: { caller?: string } = {}) {
  return async (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    httpJson(
      base,
      method,
      path,
      body,
      headers['authorization'] === undefined ? { ...(await serviceAuth(audience, options)), ...headers } : headers,
    );
}
