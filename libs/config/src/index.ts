export { ConfigError, DEVELOPMENT_SERVICE_TOKEN_SECRET, env, loadConfig, serviceEnv } from './config.js';
export type { ServiceEnv } from './config.js';
