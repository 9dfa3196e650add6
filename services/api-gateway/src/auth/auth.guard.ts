import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '@refarch/errors';
import { bearerToken } from '@refarch/bootstrap';
import { AccessTokenVerifier, type Caller, type Role } from './jwks.js';

const ACCESS = Symbol('ACCESS');
type Access = 'public' | Role;

/** Anyone may call it; a token, if sent, must still be valid (it also selects the caller's rate-limit bucket). */
export const Public = () => SetMetadata(ACCESS, 'public' satisfies Access);
/** Only callers whose token carries `role: admin`; others get 403. */
export const AdminOnly = () => SetMetadata(ACCESS, 'admin' satisfies Access);

export interface GatewayRequest {
  url: string;
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  caller?: Caller;
}

/** The authenticated caller (routes that are not `@Public()`). */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<GatewayRequest>().caller!,
);

/** `/api/*` only: the platform's own routes (`/health`, `/metrics`, `/admin`) have their own rules. */
export const isApiRequest = (request: GatewayRequest) => request.url === '/api' || request.url.startsWith('/api/');

/**
 * Every `/api` route requires a valid bearer token unless marked `@Public()`; `@AdminOnly()` also requires the admin
 * role. Runs first of the global guards, so the rate limiter knows who is calling.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: AccessTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    if (!isApiRequest(request)) return true;
    const access =
      this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ??
      'user';
    const token = bearerToken(request.headers['authorization']);
    if (token !== undefined) request.caller = { ...(await this.verifier.verify(token)), token };
    if (access === 'public') return true;
    if (!request.caller) throw new UnauthorizedError('AUTH.UNAUTHORIZED', 'Sign in: this route needs a bearer token');
    if (access === 'admin' && request.caller.role !== 'admin') {
      throw new ForbiddenError('AUTH.FORBIDDEN', 'This route is for administrators');
    }
    return true;
  }
}
