import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Database, SqlConnection } from '../db/client';
import type { Participant, WriteSummary } from '../db/unit-of-work';
import { AppError } from '../lib/errors';
import { clientAddressOf } from '../lib/client-address';
import { safeUserAgent } from '../lib/request-metadata';
import {
  type AuditAction,
  type AuditContext,
  type AuditEvent,
  type AuditFacts,
  buildAuditEvent,
  outcomeOf,
} from '../modules/audit/audit-event';
import { writeAuditEvent } from '../modules/audit/audit.repository';
import { type AuditWriterOptions, createAuditWriter, type KeyConfirmation } from '../modules/audit/audit-writer';
import { sendError } from './error-handler';
import { routeOf } from './request-log';

// Every route goes through here. A route that discloses or changes records declares
// `config.audit`; its handler names the subjects (request.audit.subjects) and, for writes,
// records the event inside its own transaction (record with the connection). What is left is
// written here, before the answer leaves: successful reads (if the event cannot be written the
// client gets a 503 instead of the data), and every refused or failed request. Those go through
// one group-commit writer (modules/audit/audit-writer.ts), which also confirms each request's
// API key in the transaction that makes its event durable: a key revoked on another instance a
// moment ago, and still in this instance's key cache, is refused there (401, not the data).

export interface RouteAudit {
  action: AuditAction;
  resourceType: string;
}

export interface RequestAudit {
  recorded: boolean;
  subjects: Set<string>;
  details: Record<string, unknown> | undefined;
  /** Overrides the route's action (a PUT that created a record is a create). */
  action: AuditAction | undefined;
  /** Codes of errors answered inside a 2xx (GraphQL): the request was refused or failed all the same. */
  errorCodes?: string[];
  /** Overrides the operation and its variables (GraphQL names its operation, not a route). */
  operation?: string;
  variables?: unknown;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: RouteAudit;
  }
  interface FastifyRequest {
    audit: RequestAudit;
  }
}

export function auditContextOf(request: FastifyRequest): AuditContext {
  const principal = request.principal;
  return {
    requestId: request.id,
    principalId: principal?.keyId ?? null,
    role: principal?.role ?? null,
    institutionId: principal?.institutionId ?? null,
    // An IP address, never a forwarded header's text as sent.
    sourceAddress: clientAddressOf(request),
    // Both passed the identifier rules (request-metadata): never a raw header.
    userAgent: safeUserAgent(request.headers['user-agent']),
    purpose: request.purposeOfUse,
  };
}

/** The route pattern, never the path as sent (it may hold anything, refused identifiers included). */
function operationOf(request: FastifyRequest): string {
  return `${request.method} ${routeOf(request)}`;
}

function variablesOf(request: FastifyRequest): unknown {
  return { params: request.params ?? null, query: request.query ?? null };
}

const actionByMethod = (method: string): AuditAction =>
  method === 'GET' || method === 'HEAD'
    ? 'read'
    : method === 'DELETE'
      ? 'delete'
      : method === 'PUT' || method === 'PATCH'
        ? 'update'
        : 'execute';

function factsOf(request: FastifyRequest, statusCode: number, extra: Partial<AuditFacts> = {}): AuditFacts {
  const routeAudit = request.routeOptions.config?.audit;
  const errorCodes = request.audit.errorCodes ?? [];
  const outcome = outcomeOf(statusCode, errorCodes);
  // The error code: the one the request was answered with, or those of the errors inside the answer.
  const errorDetails = request.errorCode
    ? { code: request.errorCode }
    : errorCodes.length > 0
      ? { code: errorCodes[0], codes: [...new Set(errorCodes)].sort() }
      : undefined;
  return {
    action: request.audit.action ?? routeAudit?.action ?? actionByMethod(request.method),
    resourceType: routeAudit?.resourceType ?? 'request',
    operation: request.audit.operation ?? operationOf(request),
    variables: request.audit.variables ?? variablesOf(request),
    subjectKeys: request.audit.subjects,
    outcome,
    statusCode,
    details: errorDetails ? { ...request.audit.details, ...errorDetails } : request.audit.details,
    ...extra,
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

/** How a write's audit event reads, from what its transaction wrote. */
export type DescribeWrite = (written: WriteSummary) => { statusCode: number; facts?: Partial<AuditFacts> };

/** Told of every audit event insert: the audited outcome, how long it took, whether it failed (metrics). */
export type AuditWriteObserver = (outcome: AuditFacts['outcome'], seconds: number, failed: boolean) => void;

export interface AuditLogOptions {
  observe?: AuditWriteObserver;
  /** How a request's key is confirmed where its event is written (api-keys.service). */
  confirmKeys?: KeyConfirmation;
  /** Passed to the group-commit writer (tests inject failures here). */
  writer?: Pick<AuditWriterOptions, 'beforeInsert' | 'maxBatch'>;
}

export function createAuditLog(database: Database, options: AuditLogOptions = {}) {
  const { observe, confirmKeys } = options;
  const pending = new Set<Promise<unknown>>();
  const writer = createAuditWriter(database, {
    ...options.writer,
    ...(confirmKeys ? { confirmKeys } : {}),
    observe: (events, seconds, failed) => {
      for (const event of events) observe?.(event.outcome, seconds, failed);
    },
  });
  // Inside a record write's transaction: the key is confirmed there too, so a write made with a
  // key revoked a moment ago (still in this instance's cache) rolls back instead of committing.
  const writeInTransaction = async (request: FastifyRequest, connection: SqlConnection, event: AuditEvent) => {
    const keyId = request.principal?.keyId;
    if (keyId && confirmKeys) {
      const now = new Date();
      const [refused] = await confirmKeys.refusedKeys(connection, [keyId], now);
      if (refused) throw confirmKeys.refusal(refused, now);
    }
    const started = performance.now();
    await writeAuditEvent(connection, event).then(
      () => observe?.(event.outcome, (performance.now() - started) / 1000, false),
      (error: unknown) => {
        observe?.(event.outcome, (performance.now() - started) / 1000, true);
        throw error;
      },
    );
  };
  /**
   * Resolves with the refusal of the request's key when the flush found it refused (revoked or
   * expired since the request was admitted): its event then says so, and so must its answer.
   */
  const record = async (
    request: FastifyRequest,
    statusCode: number,
    connection?: SqlConnection,
    extra: Partial<AuditFacts> = {},
  ): Promise<AppError | null> => {
    const context = auditContextOf(request);
    const event = buildAuditEvent(context, factsOf(request, statusCode, extra));
    let refusal: AppError | null = null;
    if (connection) await writeInTransaction(request, connection, event);
    else {
      refusal = await writer.append({
        event,
        keyId: context.principalId,
        refusedEvent: (keyRefusal) => {
          request.errorCode = keyRefusal.code;
          return buildAuditEvent(context, factsOf(request, keyRefusal.status));
        },
      });
    }
    request.audit.recorded = true;
    return refusal;
  };
  /** An event with no request behind it: no key, no role, no institution. */
  const recordUnrequested = async (requestId: string, sourceAddress: string | null, facts: AuditFacts) => {
    const context: AuditContext = {
      requestId,
      principalId: null,
      role: null,
      institutionId: null,
      sourceAddress,
      userAgent: null,
      purpose: null,
    };
    await writer.append({ event: buildAuditEvent(context, facts), keyId: null });
  };
  return {
    /** Runs a write that happens after the answer, and remembers it until it is done. */
    track(write: Promise<unknown>): Promise<unknown> {
      pending.add(write);
      void write.finally(() => pending.delete(write)).catch(() => undefined);
      return write;
    },

    /**
     * Records a request that never became one: bytes on a connection that are not valid HTTP
     * (no route, no headers to trust). Only the address and the refusal are known.
     */
    async recordMalformed(requestId: string, sourceAddress: string | null): Promise<void> {
      await recordUnrequested(requestId, sourceAddress, {
        action: 'execute',
        resourceType: 'request',
        operation: '(not valid HTTP)',
        outcome: 'refused',
        statusCode: 400,
        details: { code: 'VALIDATION_FAILED' },
      });
    },

    /** Records what the service did of its own accord (a statistics release postponed for churn): for the privacy officer. */
    recordService: (facts: AuditFacts): Promise<void> => recordUnrequested(`service-${randomUUID()}`, null, facts),

    /** Waits for the events still being written after their answers (shutdown, tests). */
    async settle(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await writer.settle();
    },

    /**
     * Records the request's event. With `connection`, inside the caller's transaction (a write
     * and its event commit together); without, through the group-commit writer.
     */
    record,

    /**
     * The request's audit event as a writer of its unit of work: written in every transaction
     * that writes records, before it commits, naming the youths that transaction touched.
     */
    participant(request: FastifyRequest, describe: DescribeWrite): Participant {
      return {
        beforeCommit: async ({ connection }, written) => {
          for (const key of written.subjectKeys) request.audit.subjects.add(key);
          const { statusCode, facts } = describe(written);
          await record(request, statusCode, connection, facts);
        },
      };
    },
  };
}

export const auditPlugin = fp(
  async (app: FastifyInstance, options: { auditLog: AuditLog }) => {
    const { auditLog } = options;
    app.decorateRequest('audit', null as unknown as RequestAudit);
    app.addHook('onRequest', async (request) => {
      request.audit = { recorded: false, subjects: new Set(), details: undefined, action: undefined };
    });

    // Every request leaves an event, except the public pages that hold no registry data (health
    // checks, the API documentation, the GraphiQL page). Unknown routes are audited too.
    const audited = (request: FastifyRequest) => request.routeOptions.config?.public !== true;

    // Before any answer leaves: successful reads (no unaudited disclosure), and every refused or
    // failed request. Writes have recorded theirs in their transaction.
    app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload) => {
      if (request.audit.recorded || !audited(request)) return payload;
      const refused = reply.statusCode >= 400;
      try {
        const keyRefusal = await auditLog.record(request, reply.statusCode);
        if (!keyRefusal) return payload;
        // The key was revoked (or expired) after this instance admitted the request: the event
        // says refused, and the answer says why instead of carrying the data.
        reply.code(keyRefusal.status).type('application/json; charset=utf-8');
        return JSON.stringify(keyRefusal.toBody(request.id));
      } catch (error) {
        if (refused) {
          request.log.error({ err: error }, 'audit event of a refused request could not be written');
          return payload;
        }
        request.log.error({ err: error }, 'audit event could not be written; the answer is withheld');
        const refusal = new AppError(
          'DATABASE_UNAVAILABLE',
          'The access could not be recorded in the audit trail, so the data is withheld; retry shortly.',
          {
            retryAfterSeconds: 5,
          },
        );
        reply.code(refusal.status).header('retry-after', '5').type('application/json; charset=utf-8');
        request.audit.recorded = true; // Nothing was disclosed; try to log the refusal itself.
        request.errorCode = refusal.code;
        void auditLog.track(auditLog.record(request, refusal.status)).catch(() => undefined);
        return JSON.stringify(refusal.toBody(request.id));
      }
    });

    app.decorate('auditLog', auditLog);
    // A refusal's own event may still be on its way: let it land before closing.
    app.addHook('onClose', () => auditLog.settle());
  },
  { name: 'audit', dependencies: ['error-handler'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    auditLog: AuditLog;
  }
}

/**
 * Fastify's `clientErrorHandler`: a connection sent something that is not valid HTTP (a broken
 * request line, a header Node refuses). Answered in the error shape, after its audit event.
 */
export function answerMalformedRequest(
  app: FastifyInstance,
  error: NodeJS.ErrnoException,
  socket: Duplex & { remoteAddress?: string },
): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return;
  const requestId = randomUUID();
  const refusal = new AppError('VALIDATION_FAILED', 'The request is not valid HTTP.');
  const answer = () => {
    if (!socket.writable) return;
    const body = JSON.stringify(refusal.toBody(requestId));
    socket.end(
      [
        'HTTP/1.1 400 Bad Request',
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Request-Id: ${requestId}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  };
  app.log.info({ reqId: requestId, route: '(not valid HTTP)', statusCode: 400, code: refusal.code }, 'request refused');
  void app.auditLog.track(app.auditLog.recordMalformed(requestId, socket.remoteAddress ?? null)).then(answer, (failure: unknown) => {
    app.log.error({ err: failure }, 'audit event of a refused request could not be written');
    answer();
  });
}

/**
 * Fastify's `frameworkErrors`: a request refused before routing (its path is not valid
 * percent-encoding). No hook runs for it, so it gets its audit state, its event and its log
 * line here, and the answer in the error shape; the path itself is never repeated.
 */
export function answerFrameworkError(app: FastifyInstance, _error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const refusal = new AppError('VALIDATION_FAILED', 'The request path is not valid percent-encoding (RFC 3986).', { field: 'url' });
  request.audit = { recorded: false, subjects: new Set(), details: { code: refusal.code }, action: undefined };
  const answer = () => {
    reply.header('x-request-id', request.id);
    sendError(request, reply, refusal);
    request.log.info(
      { method: request.method, route: routeOf(request), statusCode: refusal.status, code: refusal.code },
      'request refused',
    );
  };
  app.auditLog.record(request, refusal.status).then(answer, (error: unknown) => {
    request.log.error({ err: error }, 'audit event of a refused request could not be written');
    answer();
  });
}
