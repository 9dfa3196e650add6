import { Inject, Injectable } from '@nestjs/common';
import { METRICS_REGISTRY } from '@refarch/observability';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SagaRepository } from './saga.repository.js';
import type { Saga } from './saga.js';

@Injectable()
export class SagaMetrics {
  private readonly started: Counter;
  private readonly finished: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;
  private readonly compensationFailures: Counter;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, sagas: SagaRepository) {
    const registers = [registry];
    this.started = new Counter({ name: 'sagas_started_total', help: 'Sagas started (one per order)', registers });
    this.finished = new Counter({
      name: 'sagas_finished_total',
      help: 'Sagas ended, by outcome (approved, rejected, compensation_failed)',
      labelNames: ['outcome'],
      registers,
    });
    // Every outcome exported from the start, at 0: the SLO ratio (compensation_failed / all) is then 0, not "no data".
    for (const outcome of ['approved', 'rejected', 'compensation_failed']) this.finished.inc({ outcome }, 0);
    this.duration = new Histogram({
      name: 'saga_duration_seconds',
      help: 'From order created to the saga’s end, by outcome',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.compensationFailures = new Counter({
      name: 'saga_compensation_failures_total',
      help: 'Failed compensation actions (retried, then parked)',
      registers,
    });
    new Gauge({
      name: 'sagas_in_state',
      help: 'Sagas per state, read from the database at scrape time',
      labelNames: ['state'],
      registers,
      async collect() {
        const counts = await sagas.countByState().catch(() => ({}));
        this.reset();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
  }

  startedOne() {
    this.started.inc();
  }

  compensationFailure() {
    this.compensationFailures.inc();
  }

  /** Counts and times a saga that reached an end state; other transitions are not counted. */
  ended(saga: Saga) {
    const outcome = { APPROVED: 'approved', REJECTED: 'rejected', COMPENSATION_FAILED: 'compensation_failed' }[
      saga.state as string
    ];
    if (!outcome) return;
    this.finished.inc({ outcome });
    this.duration.observe({ outcome }, (Date.now() - saga.createdAt.getTime()) / 1000);
  }
}
