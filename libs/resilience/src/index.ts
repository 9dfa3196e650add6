export { Breaker, BreakerRegistry, DEFAULT_BREAKER_OPTIONS } from './breakers.js';
export type { BreakerOptions, BreakerOverrides, BreakerSnapshot, BreakerState, CallOptions } from './breakers.js';
export {
  AttemptTimeoutError,
  BreakerOpenError,
  DeadlineExceededError,
  HttpStatusError,
  isNetworkError,
  UpstreamUnavailableError,
} from './errors.js';
export { backoffDelay, DEFAULT_RETRY_BUDGET, DEFAULT_RETRY_POLICY, isRetryable, retry, RetryBudget } from './retry.js';
export type { RetryBudgetOptions, RetryOptions, RetryOutcome, RetryPolicy } from './retry.js';
export { HttpClient, HttpClients, IDEMPOTENCY_HEADER, retryAfterMs } from './http-client.js';
export type { Credential, HttpClientOptions, HttpMethod, HttpRequest, HttpResponse } from './http-client.js';
export { FaultInjector, faultSettingsSchema, InjectedFaultError } from './faults.js';
export type { FaultMode, FaultSettings } from './faults.js';
export { DeadlineInterceptor } from './deadline.interceptor.js';
export { ResilienceModule } from './resilience.module.js';
export type { ResilienceOptions } from './resilience.module.js';
