import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { translateDatabaseError } from '../lib/database-errors';
import { AppError, type ErrorDetail, errors } from '../lib/errors';
import { formatFieldPath, pointerSegments } from '../lib/field-path';
import { findPii } from '../lib/pii-guard';

// The single error handler: every failure leaves in the registry's error shape, and the
// details of a 5xx stay in the log.

const FASTIFY_CODES: Record<string, () => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than this route accepts.'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new AppError('UNSUPPORTED_MEDIA_TYPE', 'This route does not accept that Content-Type.'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new AppError('VALIDATION_FAILED', 'The Content-Length header does not match the body.'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new AppError('INVALID_JSON', 'The JSON body is empty.', { field: 'body' }),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new AppError('INVALID_JSON', 'The body is not valid JSON.', { field: 'body' }),
};

const GENERIC_MESSAGES = {
  UNSUPPORTED_MEDIA_TYPE: 'This route does not accept that Content-Type.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than this route accepts.',
  NOT_ACCEPTABLE: 'This route cannot answer in a format the Accept header allows.',
  VALIDATION_FAILED: 'The request is not valid.',
} as const;

function fromValidation(error: FastifyError): AppError {
  const context = error.validationContext ?? 'body';
  const details: ErrorDetail[] = (error.validation ?? []).map((issue) => {
    const segments = pointerSegments(issue.instancePath);
    // Zod reports an unknown key at the parent; name the key itself.
    const keys = (issue.params as { keys?: string[] } | undefined)?.keys;
    // An unknown key that is itself identifying is reported as such, without repeating it.
    if (keys?.length === 1 && findPii(keys[0]!)) {
      return {
        code: 'PII_DETECTED',
        message: 'a field name holds identifying data',
        field: formatFieldPath([...segments, '[key]'], context),
      };
    }
    const field = formatFieldPath(keys?.length === 1 ? [...segments, keys[0]!] : segments, context);
    return {
      code: issue.keyword === 'unrecognized_keys' ? 'UNKNOWN_FIELD' : 'INVALID_VALUE',
      message: issue.message ?? 'is invalid',
      field,
    };
  });
  const first = details[0];
  return errors.validation(first ? `${first.field}: ${first.message}` : 'The request is not valid.', first?.field, details);
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError?.validation) return fromValidation(fastifyError);
  if (fastifyError?.code && FASTIFY_CODES[fastifyError.code]) return FASTIFY_CODES[fastifyError.code]!();
  if (fastifyError instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new AppError('INVALID_JSON', 'The body is not valid JSON.', { field: 'body' });
  }
  const translated = translateDatabaseError(error);
  if (translated) return translated;
  // Other 4xx raised by Fastify itself (for example 415 or 406) keep their status, with a message
  // of ours: Fastify's own messages can quote the request (a content type, a path).
  if (fastifyError?.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const code =
      fastifyError.statusCode === 415
        ? 'UNSUPPORTED_MEDIA_TYPE'
        : fastifyError.statusCode === 413
          ? 'PAYLOAD_TOO_LARGE'
          : fastifyError.statusCode === 406
            ? 'NOT_ACCEPTABLE'
            : 'VALIDATION_FAILED';
    return new AppError(code, GENERIC_MESSAGES[code]);
  }
  return errors.internal(error);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The code of the error this request was answered with, for the audit trail. */
    errorCode: string | null;
  }
}

export function sendError(request: FastifyRequest, reply: FastifyReply, appError: AppError): FastifyReply {
  request.errorCode = appError.code;
  if (appError.options.retryAfterSeconds) reply.header('Retry-After', String(appError.options.retryAfterSeconds));
  return reply.status(appError.status).type('application/json; charset=utf-8').send(appError.toBody(request.id));
}

/**
 * The client closed the connection before its request body was read. Node then fails the body
 * stream with ECONNRESET, which reads like a lost database connection: anyone could write false
 * outage entries (503, error level) by cutting off uploads. A body read to its end, on a
 * connection still open, is not this, whatever the error.
 */
function abortedByClient(request: FastifyRequest): boolean {
  const raw = request.raw;
  // Node marks a message destroyed before its end as aborted; `complete` is checked as a boolean,
  // since an injected request (tests) has none.
  return raw.aborted === true || (raw.complete === false && raw.socket?.destroyed === true);
}

const CLIENT_ABORTED = () => new AppError('CLIENT_ABORTED', 'The client closed the connection before the request was read.');

/** Logs a failure and answers it in the registry's error shape (5xx details stay in the log). */
export function replyWithError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const appError = abortedByClient(request) ? CLIENT_ABORTED() : toAppError(error);
  if (appError.code === 'CLIENT_ABORTED') {
    // Nobody receives the answer; the audit trail records what happened (outcome "aborted").
    request.log.info({ code: appError.code }, 'request aborted by the client');
  } else if (appError.status >= 500) {
    request.log.error({ err: error, code: appError.code }, 'request failed');
  } else {
    request.log.info({ code: appError.code, field: appError.field }, 'request refused');
  }
  return sendError(request, reply, appError);
}

export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('errorCode', null);
    app.setErrorHandler((error, request, reply) => replyWithError(request, reply, error));
    // A client gone while the request was still in its first hooks (authentication, on a busy
    // machine): its body stream ended before Fastify listened to it, so Fastify would wait for a
    // body that never comes, with no answer and no audit event. Refused here, it is answered and
    // audited as aborted like any other.
    app.addHook('preParsing', async (request, _reply, payload) => {
      if (abortedByClient(request)) throw CLIENT_ABORTED();
      return payload;
    });

    app.setNotFoundHandler((request, reply) =>
      // The path is not repeated: it may hold anything (the answer's requestId finds it in no log either).
      sendError(
        request,
        reply,
        new AppError('ROUTE_NOT_FOUND', `There is no ${request.method} route at this path; see /docs for the routes.`),
      ),
    );
  },
  { name: 'error-handler' },
);
