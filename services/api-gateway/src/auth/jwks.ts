import { Inject, Injectable } from '@nestjs/common';
import { JwksUserTokenVerifier, type Role } from '@refarch/bootstrap';
import type { JSONWebKeySet } from 'jose';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { Upstreams } from '../upstreams.js';

export type { Role };

/** The signed-in caller of an `/api` route, with the token the gateway forwards to the service that acts for them. */
export interface Caller {
  userId: string;
  role: Role;
  token: string;
}

/** The header a service acting for the signed-in caller gets: their own token, which it verifies itself. */
export const forwardedAuth = (caller: Caller) => ({ authorization: `Bearer ${caller.token}` });

/**
 * The platform's user-token verifier (libs/bootstrap identity.ts: ES256 pinned, issuer, audience, memoised until
 * `exp`), with the user-service's JWKS fetched through the gateway's own client of it.
 */
@Injectable()
export class AccessTokenVerifier extends JwksUserTokenVerifier {
  constructor(upstreams: Upstreams, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    super(
      async () =>
        (await upstreams.client('user-service').get<JSONWebKeySet>('/.well-known/jwks.json', { deadlineMs: 2_000 }))
          .body,
      config,
    );
  }
}
