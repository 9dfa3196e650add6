// payment-service answers 503 to every business call for 6 s. Expected: the saga-orchestrator's breaker on
// payment-service opens, sagas park instead of failing, the breaker closes once payment-service is healthy again
// (a half-open probe after 5 s), the parked sagas resume, and every order is APPROVED or REJECTED.
export default {
  name: 'payment-errors',
  description: 'payment-service fails every call for 6 s: the breaker opens, sagas park, everything recovers',
  faults: [{ at: '2s', for: '6s', kind: 'service', service: 'payment-service', mode: 'error', errorRate: 1 }],
  assertions: [
    { assert: 'breaker', breaker: 'saga-orchestrator->payment-service', opensWithin: '6s', closesWithin: '10s' },
    { assert: 'retries', service: 'saga-orchestrator', dependency: 'payment-service' },
    { assert: 'orders terminal' },
    { assert: 'outbox drained' },
    { assert: 'dlqs' },
  ],
};
