import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CallerGuard, IDENTITY_SETTINGS, ServiceCredentials, type IdentitySettings } from './identity.js';

/** The service's credentials, and the guard that checks every caller; see identity.ts. */
@Global()
@Module({})
export class IdentityModule {
  static forRoot(settings: IdentitySettings, credentials: ServiceCredentials): DynamicModule {
    return {
      module: IdentityModule,
      providers: [
        { provide: IDENTITY_SETTINGS, useValue: settings },
        { provide: ServiceCredentials, useValue: credentials },
        { provide: APP_GUARD, useClass: CallerGuard },
      ],
      exports: [IDENTITY_SETTINGS, ServiceCredentials],
    };
  }
}
