import { randomUUID, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { UnauthorizedError } from '@refarch/errors';
import { createLocalJWKSet, exportJWK, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import type { UserServiceConfig } from '../config.js';
import { USER_CONFIG } from '../tokens.js';

export const JWT_ALGORITHM = 'ES256';

export type Role = 'user' | 'admin';

export interface AccessTokenClaims {
  userId: string;
  role: Role;
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** Signs access tokens (ES256, pinned) and publishes the verification keys as a JWKS. */
@Injectable()
export class AccessTokens implements OnModuleInit {
  private readonly privateKey: KeyObject;
  private keySet: JSONWebKeySet = { keys: [] };
  private verifyKeys!: ReturnType<typeof createLocalJWKSet>;

  constructor(@Inject(USER_CONFIG) private readonly config: UserServiceConfig) {
    this.privateKey = createPrivateKey(config.JWT_PRIVATE_KEY);
  }

  async onModuleInit() {
    const current: JWK = {
      ...(await exportJWK(createPublicKey(this.privateKey))),
      kid: this.config.JWT_KEY_ID,
      alg: JWT_ALGORITHM,
      use: 'sig',
    };
    this.keySet = { keys: [current, ...(this.config.JWT_PREVIOUS_PUBLIC_JWKS as JWK[])] };
    this.verifyKeys = createLocalJWKSet(this.keySet);
  }

  /** The public keys verifiers (the gateway) use; includes previous keys during a rotation. */
  jwks(): JSONWebKeySet {
    return this.keySet;
  }

  async issue({ userId, role }: AccessTokenClaims): Promise<IssuedToken> {
    const ttl = this.config.JWT_TTL_SECONDS;
    const accessToken = await new SignJWT({ role })
      .setProtectedHeader({ alg: JWT_ALGORITHM, kid: this.config.JWT_KEY_ID, typ: 'JWT' })
      .setIssuer(this.config.JWT_ISSUER)
      .setAudience(this.config.JWT_AUDIENCE)
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .sign(this.privateKey);
    return { accessToken, tokenType: 'Bearer', expiresIn: ttl };
  }

  /** Verifies signature, algorithm, `iss`, `aud`, `exp` (5 s clock skew allowed); 401 otherwise. */
  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.verifyKeys, {
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
        clockTolerance: 5,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const role = payload['role'];
      if (typeof payload.sub !== 'string' || (role !== 'user' && role !== 'admin')) throw new Error('bad claims');
      return { userId: payload.sub, role };
    } catch {
      throw new UnauthorizedError('AUTH.INVALID_TOKEN', 'The access token is missing, invalid or expired');
    }
  }
}
