import { Writable } from 'node:stream';

/** What a service factory must return: `createService()` from @refarch/bootstrap fits. */
export interface StartableService {
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Settings the factory must apply: a free loopback port and a log destination the test can read. */
export interface TestServiceOverrides {
  config: { PORT: 0; HOST: '127.0.0.1' };
  logDestination: Writable;
}

export interface TestService<S extends StartableService = StartableService> {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  service: S;
  /** Every JSON log line written so far, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * Starts a service exactly as `main.ts` builds it, on a free port, capturing its logs:
 * `startTestService((o) => createService(AppModule, { name, config: { ...config, ...o.config }, logDestination: o.logDestination }))`.
 * (A factory rather than a module, so this library does not depend on @refarch/bootstrap, whose own tests use it.)
 */
export async function startTestService<S extends StartableService>(
  factory: (overrides: TestServiceOverrides) => Promise<S>,
): Promise<TestService<S>> {
  const logs: Record<string, unknown>[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const service = await factory({ config: { PORT: 0, HOST: '127.0.0.1' }, logDestination });
  const url = await service.listen();
  return { url, service, logs, close: () => service.close() };
}
