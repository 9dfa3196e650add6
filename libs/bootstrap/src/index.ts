export { createService, runService } from './service.js';
export type { PlatformConfig, Service, ServiceOptions } from './service.js';
export { PlatformModule } from './platform.module.js';
export { identifierSchema, ValidHeader, ZodDto, ZodValidationPipe } from './validation.js';
export type { ZodDtoClass } from './validation.js';
export { postgresServiceInfrastructure } from './postgres-service.js';
export type { PostgresServiceOptions } from './postgres-service.js';
export {
  Access,
  AUTHENTICATES_ITS_CALLERS,
  bearerToken,
  CallerGuard,
  CurrentCaller,
  CurrentUser,
  InvalidTokenError,
  JwksUserTokenVerifier,
  KeysUnavailableError,
  ServiceCredentials,
  USER_TOKEN_ALGORITHMS,
  USER_TOKEN_VERIFIER,
} from './identity.js';
export type { AccessLevel, Caller, Role, UserTokenVerifier } from './identity.js';
