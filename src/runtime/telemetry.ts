import { createRequire } from 'node:module';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace';
import type { Config } from '../config';
import { scrubbingExporter } from '../lib/span-scrubbing';

// OpenTelemetry tracing, on only when the standard OTEL_* variables ask for it (config.ts).
// It must start before Fastify, Mercurius, graphql and pg are loaded: the instrumentations
// patch them as they load. server.ts therefore starts it first and imports the rest after.
// Exporters read their endpoint, headers and timeouts from the OTEL_* variables themselves.

export interface Telemetry {
  /** Exports the spans still buffered. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Requests that are not about the registry: no trace for every probe and scrape. */
const isHousekeeping = (url: string | undefined) => url !== undefined && (url.startsWith('/health/') || url.startsWith('/metrics'));

async function exporterFor(settings: Config['tracing']): Promise<SpanExporter> {
  if (settings.exporter === 'console') return new ConsoleSpanExporter();
  switch (settings.protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    default:
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  }
}

function instrumentations() {
  return [
    // The server span, which carries the trace from the first log line of a request to the last.
    new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => isHousekeeping(request.url) }),
    // Spans per route, hook and handler, named by route pattern; registered on every Fastify instance.
    new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (route) => isHousekeeping(route.url) }),
    // Statement text with placeholders; parameters (enhancedDatabaseReporting) never.
    new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
    // Literals in the document become "*"; no resolver span per list item.
    new GraphQLInstrumentation({ allowValues: false, mergeItems: true, depth: 4 }),
    new UndiciInstrumentation(),
  ];
}

/**
 * Starts tracing. `exporter` replaces the configured one (tests pass an in-memory exporter and
 * get spans synchronously); whatever the exporter, spans are scrubbed before they reach it.
 */
export async function startTelemetry(
  settings: Config['tracing'],
  options: { exporter?: SpanExporter } = {},
): Promise<Telemetry | undefined> {
  if (!settings.enabled && !options.exporter) return undefined;
  const exporter = scrubbingExporter(options.exporter ?? (await exporterFor(settings)));
  const processor = options.exporter ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter });
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    spanProcessors: [processor],
    instrumentations: instrumentations(),
    // Traces only: no OTLP metrics (Prometheus serves those) and no log export (Pino does).
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // The service imports pg as an ES module, which the instrumentation's require hook does not
  // see; one require of it here lets the instrumentation patch pg's shared prototypes.
  createRequire(import.meta.url)('pg');
  return { flush: () => processor.forceFlush(), shutdown: () => sdk.shutdown() };
}
