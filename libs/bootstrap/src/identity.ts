import { createSecretKey, type KeyObject } from 'node:crypto';
import {
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { DEVELOPMENT_SERVICE_TOKEN_SECRET, ConfigError } from '@refarch/config';
import { AppError, ForbiddenError, UnauthorizedError } from '@refarch/errors';
import { HttpClients } from '@refarch/resilience';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { LRUCache } from 'lru-cache';

/**
 * Who is calling a service (docs/architecture.md §6, "Identity behind the gateway"). Nothing is taken from a header a
 * caller could simply set: a signed-in user is an access token of the user-service (ES256, checked against its
 * JWKS), forwarded by the gateway; another service acting for no user (the saga) is a service credential, a
 * short-lived HS256 token for exactly the called service, signed with SERVICE_TOKEN_SECRET. A request with neither
 * is 401 on every route but `@Access('public')` ones and the platform's own (`/health*`, `/metrics`, `/admin/*`,
 * which has the admin token).
 */
export type Role = 'user' | 'admin';
export type Caller = { kind: 'user'; userId: string; role: Role } | { kind: 'service'; service: string };

/** Who may call a route: anyone, a signed-in user, another service, or either of the two. */
export type AccessLevel = 'public' | 'user' | 'service' | 'user-or-service';
const ACCESS = Symbol('ACCESS');
/** On a controller or a handler; routes without it are `service`. */
export const Access = (level: AccessLevel) => SetMetadata(ACCESS, level);

/** Only the user-service's algorithm is accepted for user tokens: never `none`, never an HMAC. */
export const USER_TOKEN_ALGORITHMS = ['ES256'];
const SERVICE_TOKEN_ALGORITHM = 'HS256';
const SERVICE_TOKEN_ISSUER = 'refarch-services';
/** A service credential lives this long; the caller reuses it until it has a quarter left. */
const SERVICE_TOKEN_TTL_SECONDS = 120;

export interface IdentitySettings {
  NODE_ENV?: string;
  SERVICE_TOKEN_SECRET?: string | undefined;
  JWKS_URL?: string | undefined;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_CLOCK_SKEW_SECONDS: number;
}

export const IDENTITY_SETTINGS = Symbol('IDENTITY_SETTINGS');
/**
 * Provided (`useValue: true`) by the one service that authenticates its callers itself: the gateway, whose `/api`
 * is public with a guard of its own. CallerGuard then leaves its routes alone.
 */
export const AUTHENTICATES_ITS_CALLERS = Symbol('AUTHENTICATES_ITS_CALLERS');
/** A service's own user-token verifier (the user-service checks its own tokens with its own keys); else JWKS. */
export const USER_TOKEN_VERIFIER = Symbol('USER_TOKEN_VERIFIER');

export interface UserTokenVerifier {
  verify(token: string): Promise<{ userId: string; role: Role }>;
}

export class InvalidTokenError extends AppError {
  constructor() {
    super('AUTH.INVALID_TOKEN', 401, 'Unauthorized', {
      detail: 'The access token is missing, invalid or expired',
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    });
  }
}

export class KeysUnavailableError extends AppError {
  constructor() {
    super('AUTH.KEYS_UNAVAILABLE', 503, 'Service Unavailable', {
      detail: 'Access tokens cannot be verified right now; try again shortly',
      headers: { 'retry-after': '5' },
    });
  }
}

/** The secret of the service credential: SERVICE_TOKEN_SECRET, or the development one outside production. */
export function serviceTokenSecret(settings: Pick<IdentitySettings, 'NODE_ENV' | 'SERVICE_TOKEN_SECRET'>): string {
  if (settings.SERVICE_TOKEN_SECRET) return settings.SERVICE_TOKEN_SECRET;
  if (settings.NODE_ENV === 'production') {
    throw new ConfigError([
      { variable: 'SERVICE_TOKEN_SECRET', message: 'required in production (the service credential; 32+ characters)' },
    ]);
  }
  return DEVELOPMENT_SERVICE_TOKEN_SECRET;
}

/** Issues this service's credentials for the services it calls, and checks the ones it is called with. */
export class ServiceCredentials {
  private readonly key: KeyObject;
  private readonly issued = new Map<string, { token: Promise<string>; renewAt: number }>();
  /** Credentials already verified, until their `exp`: callers reuse one for 90 s, so most calls skip the HMAC. */
  private readonly verified = new LRUCache<string, { service: string; validUntil: number }>({ max: 1_000 });

  constructor(
    secret: string,
    private readonly self: string,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** A credential for calling `audience` (its catalog name), reused until it has a quarter of its life left. */
  issue(audience: string, now = Date.now()): Promise<string> {
    const cached = this.issued.get(audience);
    if (cached && now < cached.renewAt) return cached.token;
    const token = new SignJWT({})
      .setProtectedHeader({ alg: SERVICE_TOKEN_ALGORITHM, typ: 'JWT' })
      .setIssuer(SERVICE_TOKEN_ISSUER)
      .setSubject(this.self)
      .setAudience(audience)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + SERVICE_TOKEN_TTL_SECONDS)
      .sign(this.key);
    this.issued.set(audience, { token, renewAt: now + SERVICE_TOKEN_TTL_SECONDS * 750 });
    return token;
  }

  /** The calling service's name, if `token` is a credential for this service; 401 otherwise. */
  async verify(token: string, clockToleranceSeconds: number): Promise<string> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.validUntil) return known.service;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [SERVICE_TOKEN_ALGORITHM],
        issuer: SERVICE_TOKEN_ISSUER,
        audience: this.self,
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      if (typeof payload.sub !== 'string' || !payload.sub) throw new Error('no subject');
      const validUntil = (payload.exp! + clockToleranceSeconds) * 1000;
      if (validUntil > Date.now()) {
        this.verified.set(token, { service: payload.sub, validUntil }, { ttl: validUntil - Date.now() });
      }
      return payload.sub;
    } catch {
      throw new InvalidTokenError();
    }
  }
}

/** Unknown `kid`: fetch the key set again at most this often (a rotation is picked up; junk kids cannot flood). */
const REFRESH_COOLDOWN_MS = 30_000;
/** Keys are re-read this often anyway, so a retired key stops being accepted. */
const MAX_AGE_MS = 10 * 60_000;

/**
 * Verifies the user-service's access tokens against its JWKS (fetched by `fetchKeys`, in services through the
 * resilient client: the same breaker, timeout and metrics as every other call) and kept in memory. Pinned to
 * ES256, the issuer and audience; `sub` and `role` required.
 */
export class JwksUserTokenVerifier implements UserTokenVerifier {
  private keys: ReturnType<typeof createLocalJWKSet> | undefined;
  private kids = new Set<string>();
  private fetchedAt = 0;
  private refreshing: Promise<void> | undefined;
  /**
   * Tokens already verified, until their own `exp`: an ES256 verification is the largest cost of an authenticated
   * request (the gateway's benchmark). Bounded; a token is as valid on its second use as on its first.
   */
  private readonly verified = new LRUCache<string, { caller: { userId: string; role: Role }; validUntil: number }>({
    max: 20_000,
  });

  constructor(
    private readonly fetchKeys: () => Promise<JSONWebKeySet>,
    private readonly claims: Pick<IdentitySettings, 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_CLOCK_SKEW_SECONDS'>,
  ) {}

  async verify(token: string): Promise<{ userId: string; role: Role }> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.validUntil) return known.caller;
    const kid = kidOf(token);
    const stale = Date.now() - this.fetchedAt > MAX_AGE_MS;
    const unknownKid = kid !== undefined && !this.kids.has(kid) && Date.now() - this.fetchedAt > REFRESH_COOLDOWN_MS;
    if (!this.keys || stale || unknownKid) await this.refresh(!this.keys);
    try {
      const { payload } = await jwtVerify(token, this.keys!, {
        algorithms: USER_TOKEN_ALGORITHMS,
        issuer: this.claims.JWT_ISSUER,
        audience: this.claims.JWT_AUDIENCE,
        clockTolerance: this.claims.JWT_CLOCK_SKEW_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const role = payload['role'];
      if (typeof payload.sub !== 'string' || !payload.sub || (role !== 'user' && role !== 'admin')) {
        throw new Error('unexpected claims');
      }
      const caller: { userId: string; role: Role } = { userId: payload.sub, role };
      const validUntil = (payload.exp! + this.claims.JWT_CLOCK_SKEW_SECONDS) * 1000;
      if (validUntil > Date.now()) this.verified.set(token, { caller, validUntil }, { ttl: validUntil - Date.now() });
      return caller;
    } catch {
      throw new InvalidTokenError();
    }
  }

  /** A failed refresh keeps the keys we have; with none at all, verification is impossible (503, not 401). */
  private async refresh(required: boolean): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const body = await this.fetchKeys();
        this.keys = createLocalJWKSet(body);
        this.kids = new Set(body.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
      } finally {
        // Cool down after failures too: a down user-service is not asked once per request.
        this.fetchedAt = Date.now();
        this.refreshing = undefined;
      }
    })();
    try {
      await this.refreshing;
    } catch {
      if (required || !this.keys) throw new KeysUnavailableError();
    }
  }
}

function kidOf(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
}

/** `Authorization: Bearer <token>`: the token, `undefined` without the header, 401 when it is malformed. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const token = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/i.exec(header)?.[1] : undefined;
  if (!token) throw new InvalidTokenError();
  return token;
}

interface IdentifiedRequest {
  url: string;
  headers: Record<string, string | string[] | undefined>;
  caller?: Caller;
}

/** The platform's own routes, which have their own rules (probes and scrapes are anonymous; `/admin` its token). */
const PLATFORM_ROUTE = /^\/(health(\/|$|\?)|metrics($|\?)|admin\/)/;

/**
 * The global guard of every service but the gateway (which authenticates `/api` itself): resolves the caller from
 * the bearer token — a service credential (HS256) or a user token (ES256) — and applies the route's
 * {@link Access} level. 401 without a valid credential, 403 with the wrong kind.
 */
@Injectable()
export class CallerGuard implements CanActivate {
  private users: UserTokenVerifier | undefined;
  private selfAuthenticated: boolean | undefined;

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    private readonly credentials: ServiceCredentials,
    @Inject(IDENTITY_SETTINGS) private readonly settings: IdentitySettings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    this.selfAuthenticated ??= this.provided<boolean>(AUTHENTICATES_ITS_CALLERS) === true;
    if (this.selfAuthenticated) return true;
    const request = context.switchToHttp().getRequest<IdentifiedRequest>();
    if (PLATFORM_ROUTE.test(request.url)) return true;
    const level =
      this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ??
      'service';
    if (level === 'public') return true;
    const token = bearerToken(request.headers['authorization']);
    if (!token) {
      throw new UnauthorizedError(
        'AUTH.UNAUTHORIZED',
        level === 'service'
          ? 'This route is for RefArch services: a service credential is required'
          : 'Sign in: this route needs a bearer token',
      );
    }
    request.caller = await this.identify(token);
    const allowed =
      level === 'user-or-service' ||
      (level === 'user' && request.caller.kind === 'user') ||
      (level === 'service' && request.caller.kind === 'service');
    if (!allowed) {
      throw new ForbiddenError(
        'AUTH.FORBIDDEN',
        level === 'user' ? 'This route acts for a signed-in user' : 'This route is for RefArch services',
      );
    }
    return true;
  }

  private async identify(token: string): Promise<Caller> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new InvalidTokenError();
    }
    if (alg === SERVICE_TOKEN_ALGORITHM) {
      return { kind: 'service', service: await this.credentials.verify(token, this.settings.JWT_CLOCK_SKEW_SECONDS) };
    }
    return { kind: 'user', ...(await this.userTokens().verify(token)) };
  }

  private userTokens(): UserTokenVerifier {
    this.users ??= this.provided<UserTokenVerifier>(USER_TOKEN_VERIFIER) ?? this.jwksVerifier();
    return this.users;
  }

  /** What the service's own modules provide under `token`, if anything. */
  private provided<T>(token: symbol): T | undefined {
    try {
      return this.moduleRef.get<T>(token, { strict: false });
    } catch {
      return undefined;
    }
  }

  private jwksVerifier(): UserTokenVerifier {
    const url = this.settings.JWKS_URL;
    if (!url) return { verify: () => Promise.reject(new InvalidTokenError()) };
    // Through the resilient client: the user-service's breaker, timeout and metrics, as for any other call.
    const { origin, pathname } = new URL(url);
    const client = this.moduleRef.get(HttpClients, { strict: false }).create('user-service', origin);
    return new JwksUserTokenVerifier(
      async () => (await client.get<JSONWebKeySet>(pathname, { deadlineMs: 2_000 })).body,
      this.settings,
    );
  }
}

/** The caller a guarded route was called by. */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<IdentifiedRequest>().caller,
);

/** The signed-in user of an `@Access('user')` route. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const caller = context.switchToHttp().getRequest<IdentifiedRequest>().caller;
  if (caller?.kind !== 'user')
    throw new UnauthorizedError('AUTH.UNAUTHORIZED', 'Sign in: this route needs a bearer token');
  return caller;
});
