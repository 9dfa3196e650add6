import { Inject, Injectable } from '@nestjs/common';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { LRUCache } from 'lru-cache';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { Upstreams } from '../upstreams.js';
import { InvalidTokenError, KeysUnavailableError } from './auth.errors.js';

/** Only the user-service's algorithm is accepted: never `none`, never an HMAC "signed" with the public key. */
export const JWT_ALGORITHMS = ['ES256'];

export type Role = 'user' | 'admin';

export interface Caller {
  userId: string;
  role: Role;
}

/** Unknown `kid`: fetch the key set again at most this often (a rotation is picked up; junk kids cannot flood). */
const REFRESH_COOLDOWN_MS = 30_000;
/** Keys are re-read this often anyway, so a retired key stops being accepted. */
const MAX_AGE_MS = 10 * 60_000;

/**
 * Verifies the user-service's access tokens against its JWKS, fetched through the resilient client (not jose's
 * own fetch: the same breaker, timeout and metrics as every other call) and kept in memory.
 */
@Injectable()
export class AccessTokenVerifier {
  private keys: ReturnType<typeof createLocalJWKSet> | undefined;
  private kids = new Set<string>();
  private fetchedAt = 0;
  private refreshing: Promise<void> | undefined;
  /**
   * Tokens already verified, until their own `exp`: an ES256 verification is the largest cost of an authenticated
   * request (benchmark in the README). Bounded; a token is as valid on its second use as on its first.
   */
  private readonly verified = new LRUCache<string, { caller: Caller; validUntil: number }>({ max: 20_000 });

  constructor(
    private readonly upstreams: Upstreams,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async verify(token: string): Promise<Caller> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.validUntil) return known.caller;
    const kid = kidOf(token);
    const stale = Date.now() - this.fetchedAt > MAX_AGE_MS;
    const unknownKid = kid !== undefined && !this.kids.has(kid) && Date.now() - this.fetchedAt > REFRESH_COOLDOWN_MS;
    if (!this.keys || stale || unknownKid) await this.refresh(!this.keys);
    try {
      const { payload } = await jwtVerify(token, this.keys!, {
        algorithms: JWT_ALGORITHMS,
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
        clockTolerance: this.config.JWT_CLOCK_SKEW_SECONDS,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const role = payload['role'];
      if (typeof payload.sub !== 'string' || !payload.sub || (role !== 'user' && role !== 'admin')) {
        throw new Error('unexpected claims');
      }
      const caller: Caller = { userId: payload.sub, role };
      const validUntil = (payload.exp! + this.config.JWT_CLOCK_SKEW_SECONDS) * 1000;
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
        const { body } = await this.upstreams
          .client('user-service')
          .get<JSONWebKeySet>('/.well-known/jwks.json', { deadlineMs: 2_000 });
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
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as unknown;
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
