// One keep-alive connection pool for the whole run (undici 7), and a request that records its latency from the
// iteration's intended start and from the moment it was sent.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Clock } from './clock.js';
import type { Recorder } from './recorder.js';

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json?: unknown;
  text: string;
  /** The run was stopping (Ctrl-C, a threshold that aborts): not an answer of the stack, not to be checked. */
  aborted?: boolean;
}

/** A string field of a JSON object answer (`undefined` when it is not one). */
export function field(res: Response, key: string): string | undefined {
  const value = res.json && typeof res.json === 'object' ? (res.json as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

export class Http {
  readonly agent = new Agent({ connections: 512, keepAliveTimeout: 30_000, connect: { timeout: 5_000 } });

  constructor(
    readonly baseUrl: string,
    private readonly clock: Clock,
    private readonly recorder?: Recorder,
  ) {}

  /**
   * `metric`: the latency's name (also counted in `http`); `intendedStart`: when the iteration meant to send it
   * (the latency's start); a network error or timeout is status 0.
   */
  async send(
    method: string,
    path: string,
    options: {
      metric?: string;
      intendedStart?: number;
      body?: unknown;
      headers?: Record<string, string>;
      timeoutMs?: number;
      signal?: AbortSignal;
    } = {},
  ): Promise<Response> {
    const sentAt = this.clock.now();
    // Our own id on every measured request, so a slow one can be found in the logs and traces even without an answer.
    const id = options.metric ? `lab-${randomUUID()}` : undefined;
    let response: Response;
    try {
      const res = await request(`${this.baseUrl}${path}`, {
        method: method as 'GET',
        dispatcher: this.agent,
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(id ? { 'x-correlation-id': id } : {}),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        headersTimeout: options.timeoutMs ?? 10_000,
        bodyTimeout: options.timeoutMs ?? 10_000,
        signal: options.signal,
      });
      const text = await res.body.text();
      const type = String(res.headers['content-type'] ?? '');
      let json: unknown;
      if (/json/.test(type) && text) {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      response = { status: res.statusCode, headers: res.headers, json, text };
    } catch (error) {
      response = {
        status: 0,
        headers: {},
        text: (error as Error).message,
        ...(options.signal?.aborted ? { aborted: true } : {}),
      };
    }
    if (options.metric && this.recorder) {
      this.recorder.latency(options.metric, options.intendedStart ?? sentAt, sentAt, this.clock.now(), true, {
        id: id!,
        status: response.status,
      });
    }
    return response;
  }

  /**
   * Reads an order's SSE stream until a `status` event satisfies `done` (or the stream ends, or `timeoutMs`).
   * Returns the last status seen.
   */
  async followStream(
    path: string,
    headers: Record<string, string>,
    done: (status: string) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ status?: string; httpStatus: number; aborted?: boolean }> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const onAbort = () => abort.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let last: string | undefined;
    let httpStatus = 0;
    try {
      const res = await request(`${this.baseUrl}${path}`, {
        method: 'GET',
        dispatcher: this.agent,
        headers: { ...headers, accept: 'text/event-stream' },
        signal: abort.signal,
        bodyTimeout: timeoutMs,
      });
      httpStatus = res.statusCode;
      if (res.statusCode !== 200) {
        await res.body.text();
        return { httpStatus };
      }
      let buffer = '';
      for await (const chunk of res.body) {
        buffer += String(chunk);
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
          );
          if (fields['event'] !== 'status') continue;
          last = (JSON.parse(fields['data'] ?? '{}') as { status?: string }).status;
          if (last && done(last)) {
            res.body.destroy();
            return { status: last, httpStatus };
          }
        }
      }
      return { status: last, httpStatus };
    } catch {
      return { status: last, httpStatus, ...(signal?.aborted ? { aborted: true } : {}) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
