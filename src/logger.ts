import type { LoggerOptions } from 'pino';

/** Pino options shared by the process logger and Fastify's: credentials never reach a log line. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'key', '*.key'],
      censor: '[redacted]',
    },
  };
}
