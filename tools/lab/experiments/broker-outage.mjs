// RabbitMQ unreachable for every service for 6 s (every `<service>->rabbitmq` link of the fault proxy down; the
// shared broker itself is not touched). Expected: orders are still accepted (the outbox keeps their events), the
// outboxes fill and then drain once the connections are back, consumers reconnect, and nothing is lost.
export default {
  name: 'broker-outage',
  description: 'RabbitMQ unreachable for 6 s: orders still accepted, the outboxes fill then drain, nothing lost',
  faults: [{ at: '2s', for: '6s', kind: 'network', link: '*->rabbitmq', mode: 'down' }],
  settle: '45s',
  assertions: [{ assert: 'orders terminal' }, { assert: 'outbox drained' }, { assert: 'dlqs' }],
};
