// The token errors are the platform's (every service checks tokens the same way): libs/bootstrap identity.ts.
export { InvalidTokenError, KeysUnavailableError } from '@refarch/bootstrap';
