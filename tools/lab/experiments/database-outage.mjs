// PostgreSQL unreachable for every service for 5 s (every `<service>->postgres` link reset, then refused). Expected:
// requests that need the database answer 503 with Retry-After instead of hanging, no service crashes, sagas retry
// their steps, and once the database is back every accepted order completes.
export default {
  name: 'database-outage',
  description: 'PostgreSQL unreachable for 5 s: 503s while it is down, no crash, every accepted order completes',
  faults: [{ at: '2s', for: '5s', kind: 'network', link: '*->postgres', mode: 'down' }],
  settle: '45s',
  assertions: [{ assert: 'orders terminal' }, { assert: 'outbox drained' }, { assert: 'dlqs' }],
};
