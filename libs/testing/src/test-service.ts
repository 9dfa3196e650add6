import { Writable } from 'node:stream';
import type { DynamicModule, Type } from '@nestjs/common';
import { createService, type PlatformConfig, type Service } from '@refarch/bootstrap';

export interface TestService {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  service: Service;
  /** Every JSON log line written so far, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts a service exactly as `main.ts` does (platform defaults included) on a free port, capturing its logs. */
export async function startTestService(
  rootModule: Type | DynamicModule,
  options: { name: string; config: PlatformConfig },
): Promise<TestService> {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const service = await createService(rootModule, {
    ...options,
    config: { ...options.config, PORT: 0, HOST: '127.0.0.1' },
    logDestination: destination,
  });
  const url = await service.listen();
  return { url, service, logs, close: () => service.close() };
}
