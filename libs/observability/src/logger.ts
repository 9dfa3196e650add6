import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { currentContext } from './context.js';
import { activeSpanIds } from './tracing.js';

export type { Logger } from 'pino';

/** Injection token of the service's pino logger (lines carry `service` and `correlationId`). */
export const LOGGER = Symbol('LOGGER');

export interface LoggerOptions {
  service: string;
  level?: LevelWithSilent;
  /** Where lines go; stdout by default (12-factor: the platform collects them). */
  destination?: DestinationStream;
}

/** A pino JSON logger that stamps `service`, the current `correlationId` and `trace_id`/`span_id` on every line. */
export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // trace_id/span_id: the active span's (OpenTelemetry's log correlation names), else the context's trace.
      mixin: () => {
        const context = currentContext();
        const span = activeSpanIds();
        const traceId = span?.traceId ?? context?.traceId;
        return {
          ...(context ? { correlationId: context.correlationId } : {}),
          ...(traceId ? { traceId, trace_id: traceId } : {}),
          ...(span ? { span_id: span.spanId } : {}),
        };
      },
      redact: { paths: ['req.headers.authorization', '*.password', 'password'], censor: '[redacted]' },
    },
    destination,
  );
}

/** Routes Nest's own logging (bootstrap, route mapping, lifecycle) into the same JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.write('fatal', message, context);
  }

  private write(level: 'info' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string) {
    if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...message });
    else this.logger[level]({ context }, String(message));
  }
}
