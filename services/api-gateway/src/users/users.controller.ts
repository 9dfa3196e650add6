import { Body, Controller, Get, Headers, Inject, Patch } from '@nestjs/common';
import { CurrentCaller } from '../auth/auth.guard.js';
import type { Caller } from '../auth/jwks.js';
import { Cache } from '../cache/cache.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { passThroughClientErrors, Upstreams } from '../upstreams.js';
import { profileKey } from './profiles.js';

@Controller('api/users')
export class UsersController {
  constructor(
    private readonly upstreams: Upstreams,
    private readonly cache: Cache,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  private get users() {
    return this.upstreams.client('user-service');
  }

  /** The caller's profile, cache-aside in Redis (`PROFILE_CACHE_TTL_SECONDS`). */
  @Get('me')
  me(@CurrentCaller() caller: Caller) {
    return this.cache.getOrLoad(
      'profile',
      profileKey(caller.userId),
      this.config.PROFILE_CACHE_TTL_SECONDS,
      async () => {
        try {
          const { body } = await this.users.get<unknown>(`/internal/users/${caller.userId}`, {
            deadlineMs: this.config.UPSTREAM_TIMEOUT_MS,
          });
          return body;
        } catch (error) {
          passThroughClientErrors(error);
        }
      },
    );
  }

  /** `{name}`: renames the caller; the cached profile is invalidated once the user-service has committed. */
  @Patch('me')
  async update(
    @CurrentCaller() caller: Caller,
    @Headers('authorization') authorization: string,
    @Body() body: unknown,
  ) {
    try {
      const { body: profile } = await this.users.request<unknown>({
        method: 'PATCH',
        path: '/users/me',
        body: body ?? null,
        headers: { authorization },
        deadlineMs: this.config.UPSTREAM_TIMEOUT_MS,
      });
      return profile;
    } catch (error) {
      passThroughClientErrors(error);
    } finally {
      await this.cache.invalidate(profileKey(caller.userId));
    }
  }
}
