import { timingSafeEqual } from 'node:crypto';
import {
  Global,
  Inject,
  Injectable,
  Module,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
} from '@nestjs/common';
import { ForbiddenError, UnauthorizedError } from '@refarch/errors';

/** Injection token of the service's admin token (`undefined` when the admin API is disabled). */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/**
 * Guards the `/admin/*` routes of any module (breakers, faults, DLQs, sagas): `Authorization: Bearer <ADMIN_TOKEN>`,
 * compared in constant time. 403 `ADMIN.DISABLED` when the service has no token, 401 `ADMIN.UNAUTHORIZED` otherwise.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly adminToken: string | undefined) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.adminToken;
    if (!expected)
      throw new ForbiddenError('ADMIN.DISABLED', 'The admin API is disabled: set ADMIN_TOKEN to enable it');
    const header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>().headers['authorization'];
    const given = typeof header === 'string' ? (/^Bearer\s+(.+)$/i.exec(header)?.[1] ?? '') : '';
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new UnauthorizedError('ADMIN.UNAUTHORIZED', 'A valid admin bearer token is required');
    }
    return true;
  }
}

/** The admin token and its guard for every module; mounted once per service by `@refarch/bootstrap`. */
@Global()
@Module({})
export class AdminModule {
  static forRoot(adminToken: string | undefined): DynamicModule {
    return {
      module: AdminModule,
      providers: [{ provide: ADMIN_TOKEN, useValue: adminToken }, AdminTokenGuard],
      exports: [ADMIN_TOKEN, AdminTokenGuard],
    };
  }
}
