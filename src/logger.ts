import pino, { type LoggerOptions } from 'pino';

/** Properties of driver errors that quote the data of the statement (values, keys, parameters). */
const QUOTING_PROPERTIES = ['detail', 'where', 'hint', 'internalQuery', 'query', 'parameters', 'params', 'url'];

/**
 * Pino options shared by the process logger and Fastify's: credentials never reach a log line,
 * a request is logged by its route pattern (request-log.ts), and errors leave out the parts that
 * quote data (a unique violation's detail names the key it collided on).
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'key', '*.key'],
      censor: '[redacted]',
    },
    serializers: {
      // Never the URL, the headers or the address: a request is named by its method and route.
      req: (request: { method?: string; routeOptions?: { url?: string } }) => ({ method: request.method, route: request.routeOptions?.url ?? '(no route)' }),
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
