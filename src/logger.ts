import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type LoggerOptions } from 'pino';
import type { Config } from './config';

export type LogFormat = 'json' | 'pretty';

/** Readable lines for a person at a terminal in development; JSON for every log collector. */
export function logFormatOf(config: Pick<Config, 'logFormat' | 'env'>, isTerminal = Boolean(process.stdout.isTTY)): LogFormat {
  if (config.logFormat !== 'auto') return config.logFormat;
  return config.env === 'development' && isTerminal ? 'pretty' : 'json';
}

/**
 * The active trace, so a log line can be found from its trace and the other way round. Without
 * tracing there is no active span and nothing is added.
 */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
}

/** Properties of driver errors that quote the data of the statement (values, keys, parameters). */
const QUOTING_PROPERTIES = ['detail', 'where', 'hint', 'internalQuery', 'query', 'parameters', 'params', 'url'];

/**
 * Pino options shared by the process logger and Fastify's: credentials never reach a log line,
 * a request is logged by its route pattern (request-log.ts), and errors leave out the parts that
 * quote data (a unique violation's detail names the key it collided on).
 */
export function loggerOptions(level: string, format: LogFormat = 'json'): LoggerOptions {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'key', '*.key'],
      censor: '[redacted]',
    },
    mixin: traceFields,
    // pino-pretty runs in a worker thread of pino's, off the request path.
    ...(format === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
    serializers: {
      // Never the URL, the headers or the address: a request is named by its method and route.
      req: (request: { method?: string; routeOptions?: { url?: string } }) => ({
        method: request.method,
        route: request.routeOptions?.url ?? '(no route)',
      }),
      err: (error: Error) => {
        const serialised = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
        const strip = (value: Record<string, unknown>) => {
          for (const property of QUOTING_PROPERTIES) delete value[property];
        };
        strip(serialised);
        if (serialised.cause && typeof serialised.cause === 'object') strip(serialised.cause as Record<string, unknown>);
        return serialised;
      },
    },
  };
}
