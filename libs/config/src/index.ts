export { ConfigError, env, loadConfig, serviceEnv } from './config.js';
export type { ServiceEnv } from './config.js';
