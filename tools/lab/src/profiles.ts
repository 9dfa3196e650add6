// The profiles shipped with the lab. A profile file of yours (`npm run load -- ./my-profile.mjs`) default-exports
// the same shape.
import type { ExecutorSpec } from './executors.js';
import type { ScenarioName } from './scenarios.js';
import type { ThresholdOptions } from './thresholds.js';

export interface Profile {
  name: string;
  description: string;
  scenario: ScenarioName;
  load: ExecutorSpec;
  thresholds: (string | ({ threshold: string } & ThresholdOptions))[];
  /** Shoppers the tool signs up before the run (shopper, browse). */
  users?: number;
  follow?: 'sse' | 'poll';
  /** How long an order may take to reach APPROVED or REJECTED before it counts as not completed. */
  orderTimeout?: string;
}

export const PROFILES: Record<string, Profile> = {
  smoke: {
    name: 'smoke',
    description: 'a few orders a second for 10 s: is everything answering?',
    scenario: 'shopper',
    load: { executor: 'constant-arrival-rate', rate: 2, duration: '10s', maxInFlight: 50 },
    users: 5,
    thresholds: ['errors rate < 1%', 'orders completed rate > 99%', 'place p99 < 1s', 'saga completion p99 < 5s'],
  },
  steady: {
    name: 'steady',
    description: '10 orders/s for a minute, with the SLOs a shop would hold',
    scenario: 'shopper',
    load: { executor: 'constant-arrival-rate', rate: 10, duration: '60s', maxInFlight: 200 },
    users: 20,
    thresholds: [
      'errors rate < 1%',
      'orders completed rate > 99%',
      'place p99 < 300ms',
      'saga completion p99 < 2s',
      'saga completion p99 < 3s over 10s',
    ],
  },
  spike: {
    name: 'spike',
    description: 'from 2 to 30 orders/s in 10 s, 20 s at the top, back to 2',
    scenario: 'shopper',
    load: {
      executor: 'ramping-arrival-rate',
      startRate: 2,
      stages: [
        { target: 30, duration: '10s' },
        { target: 30, duration: '20s' },
        { target: 2, duration: '10s' },
      ],
      maxInFlight: 500,
    },
    users: 40,
    thresholds: ['errors rate < 1%', 'orders completed rate > 99%', 'saga completion p99 < 5s'],
  },
  soak: {
    name: 'soak',
    description: '5 orders/s for 10 minutes: leaks, backlogs, drift',
    scenario: 'shopper',
    load: { executor: 'constant-arrival-rate', rate: 5, duration: '10m', maxInFlight: 200 },
    users: 20,
    thresholds: ['errors rate < 1%', 'orders completed rate > 99%', 'saga completion p99 < 2s over 60s'],
  },
  breakpoint: {
    name: 'breakpoint',
    description: 'ramps from 5 to 200 orders/s over 3 minutes until saga completion p99 breaks 2 s; reports the knee',
    scenario: 'shopper',
    load: {
      executor: 'ramping-arrival-rate',
      startRate: 5,
      stages: [{ target: 200, duration: '3m' }],
      maxInFlight: 2_000,
    },
    users: 50,
    thresholds: [
      { threshold: 'saga completion p99 < 2s over 10s', abortOnFail: true, delay: '10s' },
      'errors rate < 5%',
    ],
  },
};
