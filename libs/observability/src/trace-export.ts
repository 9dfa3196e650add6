// Whether tracing is on, and where spans go, from the environment alone: read by `register.ts` before anything of
// the SDK is loaded, so a service with tracing off loads none of it.

type Env = Record<string, string | undefined>;

export type TraceExport = { kind: 'otlp' } | { kind: 'file'; path: string } | { kind: 'console' };

/** Where spans go, by the environment; undefined = tracing off (the default: nothing is loaded or recorded). */
export function traceExportFrom(env: Env): TraceExport | undefined {
  if (env['OTEL_SDK_DISABLED'] === 'true' || env['OTEL_TRACES_EXPORTER'] === 'none') return undefined;
  if (env['REFARCH_TRACES_FILE']) return { kind: 'file', path: env['REFARCH_TRACES_FILE'] };
  if (env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT']) return { kind: 'otlp' };
  if (env['OTEL_TRACES_EXPORTER'] === 'console') return { kind: 'console' };
  return undefined;
}
