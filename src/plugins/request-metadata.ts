import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../lib/errors';
import { findPii } from '../lib/pii-guard';
import { parsePurposeOfUse } from '../lib/request-metadata';
import { replyWithError } from './error-handler';

// The headers the registry keeps (in the audit trail, in ingest reports) pass the identifier
// rules before anything reads them: the purpose of use is parsed against its vocabulary once,
// here, and an identifying Idempotency-Key is refused. A refused value is neither stored nor
// logged: the refusal's own audit event is written without it.

declare module 'fastify' {
  interface FastifyRequest {
    /** The declared purpose of use in its stored form, or null; set once per request. */
    purposeOfUse: string | null;
  }
}

export const requestMetadataPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('purposeOfUse', null);
    app.addHook('onRequest', async (request, reply) => {
      // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without a Host field (an
      // empty one is allowed, as Node allows it).
      if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
        return replyWithError(
          request,
          reply,
          new AppError('VALIDATION_FAILED', 'An HTTP/1.1 request needs a Host header (RFC 9112).', { field: 'headers.host' }),
        );
      }
      const purposeHeader = request.headers['x-purpose-of-use'];
      const parsed = parsePurposeOfUse(Array.isArray(purposeHeader) ? purposeHeader.join(',') : purposeHeader);
      if (!parsed.ok) {
        return replyWithError(request, reply, new AppError(parsed.code, parsed.message, { field: 'headers.x-purpose-of-use' }));
      }
      request.purposeOfUse = parsed.purpose;
      const idempotencyKey = request.headers['idempotency-key'];
      if (typeof idempotencyKey === 'string' && findPii(idempotencyKey)) {
        return replyWithError(
          request,
          reply,
          new AppError('PII_DETECTED', 'The Idempotency-Key holds identifying data; use a random key (a UUID, for example).', {
            field: 'headers.idempotency-key',
          }),
        );
      }
    });
  },
  // After the audit state (a refusal here is audited), before authentication (nothing needs the key).
  { name: 'request-metadata', dependencies: ['error-handler', 'audit'] },
);
