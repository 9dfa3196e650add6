// `node --import @refarch/observability/register dist/main.js`: starts OpenTelemetry before the service's modules
// load, so the instrumentations can patch them (ESM needs the import-in-the-middle hook, registered here), and only
// when tracing is configured (docs/observability.md). Otherwise it returns at once and loads nothing more.
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';

// This entry runs before any service configuration exists, and reads only OTEL_* and REFARCH_TRACES_FILE.
// eslint-disable-next-line no-restricted-syntax
const env: Record<string, string | undefined> = process.env;

/** OTEL_SERVICE_NAME (the stack and the k8s tracing component set it), else the package's name without its scope. */
function serviceName(): string {
  if (env['OTEL_SERVICE_NAME']) return env['OTEL_SERVICE_NAME'];
  try {
    const pkg = JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { name?: string };
    return pkg.name?.replace(/^@[^/]+\//, '') ?? 'unknown_service';
  } catch {
    return 'unknown_service';
  }
}

const { traceExportFrom } = await import('./trace-export.js');
const target = traceExportFrom(env);
if (target) {
  // Only the modules an instrumentation asks for are wrapped (the message channel tells the hook which ones).
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const { startTracing } = await import('./tracing-sdk.js');
  const { setTracingShutdown } = await import('./tracing.js');
  const handle = startTracing({ serviceName: serviceName(), export: target });
  setTracingShutdown(handle.shutdown);
  await waitForAllMessagesAcknowledged();
}
