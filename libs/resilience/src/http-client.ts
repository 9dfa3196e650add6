import { randomUUID } from 'node:crypto';
import {
  activeTraceId,
  CORRELATION_HEADER,
  currentContext,
  DEADLINE_HEADER,
  newTraceId,
  sharedMetric,
  traceparentFor,
  TRACEPARENT_HEADER,
} from '@refarch/observability';
import { Counter, type Registry } from 'prom-client';
import { Agent, request, type Dispatcher } from 'undici';
import { BreakerRegistry, type Breaker, type BreakerOverrides } from './breakers.js';
import {
  AttemptTimeoutError,
  DeadlineExceededError,
  HttpStatusError,
  isNetworkError,
  UpstreamUnavailableError,
} from './errors.js';
import {
  DEFAULT_RETRY_BUDGET,
  DEFAULT_RETRY_POLICY,
  retry,
  RetryBudget,
  type RetryBudgetOptions,
  type RetryOutcome,
  type RetryPolicy,
} from './retry.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method?: HttpMethod;
  /** Path below the client's base URL, e.g. `/products/ABC`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Makes a POST/PATCH retryable, and travels downstream in `Idempotency-Key`. */
  idempotencyKey?: string;
  /** Per-attempt timeout (≤ the breaker's timeout). */
  timeoutMs?: number;
  /** Overall budget for this call, all attempts included (the request's own deadline still applies). */
  deadlineMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  if (text === '') return undefined;
  if (typeof contentType === 'string' && /json/i.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * HTTP client for one dependency. Call order, outermost first:
 *
 *   deadline → retry (budget, backoff) → circuit breaker → per-attempt timeout (AbortController) → undici
 *
 * - The deadline bounds everything: no attempt starts after it, and each attempt's timeout shrinks to fit in it.
 * - Retry sits outside the breaker so every attempt asks the breaker; an open breaker rejects at once and that
 *   rejection is not retried (it exists to stop calls, retrying it would defeat it).
 * - The timeout sits inside the breaker so a timed-out call counts as a failure and opens the breaker.
 * - Correlation id, W3C traceparent (new span per attempt), remaining deadline and idempotency key travel downstream.
 */
export class HttpClient {
  private readonly baseUrl: string;

  constructor(
    readonly dependency: string,
    baseUrl: string,
    private readonly breaker: Breaker,
    private readonly policy: RetryPolicy,
    private readonly budget: RetryBudget,
    private readonly dispatcher: Dispatcher,
    private readonly onRetryOutcome: (outcome: RetryOutcome) => void = () => undefined,
    private readonly credential?: Credential,
  ) {
    this.baseUrl = new URL(baseUrl).origin + new URL(baseUrl).pathname.replace(/\/$/, '');
  }

  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const method = req.method ?? 'GET';
    const context = currentContext();
    const own = req.deadlineMs !== undefined ? Date.now() + req.deadlineMs : undefined;
    const deadlineAt =
      context?.deadlineAt !== undefined && own !== undefined
        ? Math.min(context.deadlineAt, own)
        : (context?.deadlineAt ?? own);
    try {
      return await retry<HttpResponse<T>>(
        () => {
          const remaining = deadlineAt === undefined ? undefined : deadlineAt - Date.now();
          if (remaining !== undefined && remaining <= 0) throw new DeadlineExceededError();
          const timeoutMs =
            remaining === undefined ? req.timeoutMs : Math.min(remaining, req.timeoutMs ?? Number.POSITIVE_INFINITY);
          return this.breaker.execute((signal) => this.send<T>(method, req, signal, deadlineAt), {
            ...(timeoutMs !== undefined ? { timeoutMs } : {}),
            ...(req.signal ? { signal: req.signal } : {}),
          });
        },
        {
          policy: this.policy,
          budget: this.budget,
          idempotent: IDEMPOTENT_METHODS.has(method) || req.idempotencyKey !== undefined,
          onOutcome: this.onRetryOutcome,
          ...(deadlineAt !== undefined ? { deadlineAt } : {}),
        },
      );
    } catch (error) {
      if (deadlineAt !== undefined && Date.now() >= deadlineAt && error instanceof AttemptTimeoutError) {
        throw new DeadlineExceededError();
      }
      if (isNetworkError(error)) throw new UpstreamUnavailableError(this.dependency, error);
      throw error;
    }
  }

  get<T = unknown>(path: string, options: Omit<HttpRequest, 'path' | 'method' | 'body'> = {}) {
    return this.request<T>({ ...options, path, method: 'GET' });
  }

  post<T = unknown>(path: string, body: unknown, options: Omit<HttpRequest, 'path' | 'method' | 'body'> = {}) {
    return this.request<T>({ ...options, path, body, method: 'POST' });
  }

  private async send<T>(method: HttpMethod, req: HttpRequest, signal: AbortSignal, deadlineAt?: number) {
    const context = currentContext();
    let url = this.baseUrl + req.path;
    if (req.query) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(req.query)) if (value !== undefined) search.set(key, String(value));
      url += (url.includes('?') ? '&' : '?') + search.toString();
    }
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      [CORRELATION_HEADER]: context?.correlationId ?? randomUUID(),
      // With tracing on, undici's instrumentation injects the traceparent of this attempt's client span instead.
      ...(activeTraceId() ? {} : { [TRACEPARENT_HEADER]: traceparentFor(context?.traceId ?? newTraceId()) }),
      ...(deadlineAt !== undefined
        ? { [DEADLINE_HEADER]: String(Math.max(0, Math.floor(deadlineAt - Date.now()))) }
        : {}),
      ...(req.idempotencyKey !== undefined ? { [IDEMPOTENCY_HEADER]: req.idempotencyKey } : {}),
      ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      // The caller's own credential (a forwarded user token, the admin token) wins over the service credential.
      ...(this.credential && req.headers?.['authorization'] === undefined
        ? { authorization: `Bearer ${await this.credential(this.dependency)}` }
        : {}),
      ...req.headers,
    };
    const response = await request(url, {
      method,
      headers,
      body: req.body === undefined ? null : JSON.stringify(req.body),
      signal,
      dispatcher: this.dispatcher,
    });
    const text = await response.body.text();
    const body = parseBody(text, response.headers['content-type']);
    if (response.statusCode >= 400) {
      throw new HttpStatusError(
        this.dependency,
        response.statusCode,
        body,
        retryAfterMs(response.headers['retry-after']),
      );
    }
    return { status: response.statusCode, headers: response.headers, body: body as T };
  }
}

/**
 * The bearer token a service sends to `dependency` when a call sets no `authorization` itself: its service
 * credential (libs/bootstrap identity.ts), for the called service alone.
 */
export type Credential = (dependency: string) => Promise<string>;

export interface HttpClientOptions {
  breaker?: BreakerOverrides;
  retry?: Partial<RetryPolicy>;
  budget?: Partial<RetryBudgetOptions>;
}

/**
 * Makes one {@link HttpClient} per dependency, sharing a keep-alive connection pool (undici Agent) and the
 * service's breaker registry; records `retry_attempts_total{dependency,outcome}`.
 */
export class HttpClients {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 128, maxResponseSize: 10 * 1024 * 1024 });
  private readonly retries: Counter<'dependency' | 'outcome'>;
  private readonly clients = new Map<string, HttpClient>();

  constructor(
    private readonly breakers: BreakerRegistry,
    registry: Registry,
    private readonly credential?: Credential,
  ) {
    this.retries = sharedMetric(
      registry,
      'retry_attempts_total',
      () =>
        new Counter({
          name: 'retry_attempts_total',
          help: 'Retry decisions by dependency and outcome (retry, success, non_retryable, exhausted, budget_exhausted, deadline)',
          labelNames: ['dependency', 'outcome'],
          registers: [registry],
        }),
    );
  }

  /** The client of `dependency` (one per dependency: its breaker and retry budget are shared by all callers). */
  create(dependency: string, baseUrl: string, options: HttpClientOptions = {}): HttpClient {
    const existing = this.clients.get(dependency);
    if (existing) return existing;
    const client = new HttpClient(
      dependency,
      baseUrl,
      this.breakers.get(dependency, options.breaker),
      { ...DEFAULT_RETRY_POLICY, ...options.retry },
      new RetryBudget({ ...DEFAULT_RETRY_BUDGET, ...options.budget }),
      this.agent,
      (outcome) => this.retries.inc({ dependency, outcome }),
      this.credential,
    );
    this.clients.set(dependency, client);
    return client;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
