/** Injection token of the parsed, frozen configuration of this service. */
export const USER_CONFIG = Symbol('USER_CONFIG');
