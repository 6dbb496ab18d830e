import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../lib/errors';
import { sendError } from './error-handler';

// Graceful close: once `app.close()` begins, the server stops accepting connections and the
// requests in flight finish; a request that still arrives on an open connection is refused here,
// in the service's error shape with Retry-After, and its connection is closed, so the client or
// load balancer moves to another instance. (Fastify's own `return503OnClosing` answers before
// any hook, in its own shape and without Retry-After; app.ts turns it off in favour of this.)

export const shutdownPlugin = fp(
  async (app: FastifyInstance) => {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onRequest', async (request, reply) => {
      if (!closing) return;
      reply.header('connection', 'close');
      return sendError(
        request,
        reply,
        new AppError('SHUTTING_DOWN', 'The service is shutting down; retry shortly.', { retryAfterSeconds: 5 }),
      );
    });
    // A request in flight ends its keep-alive connection with its answer. Otherwise the idle
    // connection holds the close open until the client drops it (the server's keep-alive timeout
    // is 72 s, longer than SHUTDOWN_TIMEOUT_MS).
    app.addHook('onSend', async (_request, reply, payload) => {
      if (closing) reply.header('connection', 'close');
      return payload;
    });
  },
  // After the audit state (the refusal is audited like any other), before authentication.
  { name: 'shutdown', dependencies: ['error-handler', 'audit'] },
);
