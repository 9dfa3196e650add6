export { mongoCheck, postgresCheck, rabbitmqCheck, redisCheck, runCheck } from './checks.js';
export type { ReadinessCheck } from './checks.js';
export { HealthModule, READINESS_CHECKS, ShutdownSignal } from './health.module.js';
export type { HealthModuleOptions } from './health.module.js';
export { StartupLifecycle, StartupTask } from './startup-task.js';
export type { StartupTaskOptions } from './startup-task.js';
