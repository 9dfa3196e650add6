export { requireInfra, resolveInfra } from './infrastructure.js';
export type { InfraKind, ResolvedInfra } from './infrastructure.js';
export {
  assertTestDatabase,
  createTestDatabase,
  dropTestDatabases,
  NotATestDatabaseError,
  testPool,
  truncateTables,
} from './databases.js';
export type { TestDatabase } from './databases.js';
export { startTcpProxy } from './tcp-proxy.js';
export type { TcpProxy } from './tcp-proxy.js';
export { httpJson, startOnTestDatabase, startTestService, testNamespace } from './test-service.js';
export type {
  DatabaseServiceUnderTest,
  JsonResponse,
  StartableService,
  TestService,
  TestServiceOverrides,
} from './test-service.js';
export { deleteMessagingNamespace } from './broker.js';
export { eventually } from './eventually.js';
export { freePort } from './ports.js';
export { callAs, serviceAuth, startTestIssuer } from './identity.js';
export type { TestIssuer, UserTokenOptions } from './identity.js';
