// Redis unreachable for the gateway for 6 s (its cache, rate limits and the order streams' fan-out). Expected: the
// gateway degrades (products from inventory-service, rate limiting fails open) instead of failing, and every order
// still reaches its terminal status.
export default {
  name: 'redis-down',
  description: 'Redis unreachable for 6 s: the gateway degrades instead of failing, every order completes',
  faults: [{ at: '2s', for: '6s', kind: 'network', link: '*->redis', mode: 'down' }],
  assertions: [{ assert: 'orders terminal' }, { assert: 'outbox drained' }, { assert: 'dlqs' }],
};
