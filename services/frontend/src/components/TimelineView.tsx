import { STEP_ORDER, STEP_TITLES, type StepState, type Timeline } from '../timeline.js';

const STATE_TEXT: Record<StepState, string> = {
  pending: 'pending',
  waiting: 'waiting',
  done: 'done',
  failed: 'failed',
  compensated: 'compensated',
};

const time = (at?: string) => (at ? new Date(at).toLocaleTimeString([], { hour12: false }) : '');

/** The saga of one order: a card per step with its state and time, then every event, compensations marked. */
export function TimelineView({ timeline }: { timeline: Timeline }) {
  return (
    <section className="timeline" aria-label="Saga timeline">
      <p className={`status status-${timeline.status.toLowerCase()}`} data-testid="order-status">
        <strong>{timeline.status}</strong>
        {timeline.reason ? <span className="reason"> — {timeline.reason}</span> : null}
      </p>
      {timeline.waiting ? (
        <p className="waiting" role="status" data-testid="order-waiting">
          Waiting: {timeline.waiting}
        </p>
      ) : null}
      <ol className="steps">
        {STEP_ORDER.map((name) => {
          const step = timeline.steps[name];
          return (
            <li key={name} className={`step step-${step.state}`} data-step={name} data-state={step.state}>
              <span className="step-title">{STEP_TITLES[name]}</span>
              <span className="step-state">{STATE_TEXT[step.state]}</span>
              <span className="step-label">{step.label}</span>
              <time className="step-time" dateTime={step.at}>
                {time(step.at)}
              </time>
            </li>
          );
        })}
      </ol>
      <ol className="events" aria-label="Events">
        {timeline.events.map((event, i) => (
          <li
            key={i}
            className={`event${event.compensation ? ' compensation' : ''}${event.failure ? ' failure' : ''}`}
            data-compensation={event.compensation || undefined}
          >
            <time dateTime={event.at}>{time(event.at)}</time>
            {event.compensation ? <span className="tag">compensation</span> : null}
            <span>{event.text}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
