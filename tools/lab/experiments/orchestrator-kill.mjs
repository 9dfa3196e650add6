// SIGKILL of the saga-orchestrator mid-load (the local stack restarts it, as Kubernetes would; on MicroK8s its pod
// is deleted). Expected: no saga is lost — each resumes from its persisted state after the restart, the events
// published meanwhile wait in its queue, and every order reaches APPROVED or REJECTED.
export default {
  name: 'orchestrator-kill',
  description: 'SIGKILL the saga-orchestrator at 3 s: it comes back, resumes every saga, nothing is lost',
  faults: [{ at: '3s', kind: 'kill', service: 'saga-orchestrator' }],
  assertions: [
    { assert: 'restarted', service: 'saga-orchestrator', within: '15s' },
    { assert: 'orders terminal' },
    { assert: 'outbox drained' },
    { assert: 'dlqs' },
  ],
};
