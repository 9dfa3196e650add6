import { randomUUID, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { exportJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
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
  }

  /**
   * The public keys verifiers use (the gateway, the order-service, and this service's own guard: users.module.ts);
   * includes previous keys during a rotation.
   */
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
}
