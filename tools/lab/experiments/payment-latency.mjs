// payment-service answers 2.5 s late for 8 s: longer than the orchestrator's 2 s call timeout. Expected: the calls
// time out, the breaker on payment-service opens (timeouts count as failures), sagas park instead of piling up
// slow calls, and the breaker closes once payment-service answers in time again. Opening takes longer than for
// errors: each failure is known only at its 2 s timeout, and the breaker's 10 s window must hold a majority of them.
export default {
  name: 'payment-latency',
  description: 'payment-service 2.5 s slow for 10 s (over the 2 s timeout): timeouts open the breaker, all recovers',
  faults: [{ at: '2s', for: '10s', kind: 'service', service: 'payment-service', mode: 'latency', latencyMs: 2500 }],
  assertions: [
    { assert: 'breaker', breaker: 'saga-orchestrator->payment-service', opensWithin: '12s', closesWithin: '12s' },
    { assert: 'retries', service: 'saga-orchestrator', dependency: 'payment-service' },
    { assert: 'orders terminal' },
    { assert: 'outbox drained' },
    { assert: 'dlqs' },
  ],
};
