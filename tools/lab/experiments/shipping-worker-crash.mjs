// SIGKILL of the shipping worker mid-load. Expected: the shipping commands it had taken but not acked go back to its
// queue (RabbitMQ redelivers unacked messages of a dead consumer), the restarted worker ships each order once
// (idempotent on the order id), and no order waits past its step deadline.
export default {
  name: 'shipping-worker-crash',
  description: 'SIGKILL the shipping worker at 3 s: its unacked commands are redelivered, each order ships once',
  faults: [{ at: '3s', kind: 'kill', service: 'shipping-worker' }],
  assertions: [
    { assert: 'restarted', service: 'shipping-worker', within: '15s' },
    { assert: 'orders terminal' },
    { assert: 'outbox drained' },
    { assert: 'dlqs' },
  ],
};
