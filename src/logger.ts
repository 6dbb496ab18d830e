import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';
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

/** Pino options shared by the process logger and Fastify's: credentials never reach a log line. */
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
  };
}
