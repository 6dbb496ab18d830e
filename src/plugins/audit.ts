import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Database, SqlConnection } from '../db/client';
import { AppError } from '../lib/errors';
import { safeUserAgent } from '../lib/request-metadata';
import { type AuditAction, type AuditContext, type AuditFacts, buildAuditEvent } from '../modules/audit/audit-event';
import { writeAuditEvent } from '../modules/audit/audit.repository';

// Every route goes through here. A route that discloses or changes records declares
// `config.audit`; its handler names the subjects (request.audit.subjects) and, for writes,
// records the event inside its own transaction (record with the connection). What is left is
// written here, before the answer leaves: successful reads (if the event cannot be written the
// client gets a 503 instead of the data), and every refused or failed request.

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

/** Requests that are not about the registry's data and are never audited. */
const UNAUDITED_PREFIXES = ['/health/', '/docs'];

export function auditContextOf(request: FastifyRequest): AuditContext {
  const principal = request.principal;
  return {
    requestId: request.id,
    principalId: principal?.keyId ?? null,
    role: principal?.role ?? null,
    institutionId: principal?.institutionId ?? null,
    sourceAddress: request.ip ?? null,
    // Both passed the identifier rules (request-metadata): never a raw header.
    userAgent: safeUserAgent(request.headers['user-agent']),
    purpose: request.purposeOfUse,
  };
}

function operationOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
}

function variablesOf(request: FastifyRequest): unknown {
  return { params: request.params ?? null, query: request.query ?? null };
}

const actionByMethod = (method: string): AuditAction =>
  method === 'GET' || method === 'HEAD' ? 'read' : method === 'DELETE' ? 'delete' : method === 'PUT' || method === 'PATCH' ? 'update' : 'execute';

function factsOf(request: FastifyRequest, statusCode: number, extra: Partial<AuditFacts> = {}): AuditFacts {
  const routeAudit = request.routeOptions.config?.audit;
  const outcome = statusCode >= 500 ? 'failed' : statusCode >= 400 ? 'refused' : 'success';
  return {
    action: request.audit.action ?? routeAudit?.action ?? actionByMethod(request.method),
    resourceType: routeAudit?.resourceType ?? 'request',
    operation: request.audit.operation ?? operationOf(request),
    variables: request.audit.variables ?? variablesOf(request),
    subjectKeys: request.audit.subjects,
    outcome,
    statusCode,
    details: request.audit.details,
    ...extra,
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

export function createAuditLog(database: Database) {
  const pending = new Set<Promise<unknown>>();
  return {
    /** Runs a write that happens after the answer, and remembers it until it is done. */
    track(write: Promise<unknown>): Promise<unknown> {
      pending.add(write);
      void write.finally(() => pending.delete(write)).catch(() => undefined);
      return write;
    },

    /** Waits for the events still being written after their answers (shutdown, tests). */
    async settle(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },

    /**
     * Records the request's event. With `connection`, inside the caller's transaction (a write
     * and its event commit together); without, in a transaction of its own.
     */
    async record(request: FastifyRequest, statusCode: number, connection?: SqlConnection, extra: Partial<AuditFacts> = {}): Promise<void> {
      const event = buildAuditEvent(auditContextOf(request), factsOf(request, statusCode, extra));
      if (connection) await writeAuditEvent(connection, event);
      else await database.transaction((own) => writeAuditEvent(own, event));
      request.audit.recorded = true;
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

    const audited = (request: FastifyRequest) => !UNAUDITED_PREFIXES.some((prefix) => request.url.startsWith(prefix));

    // Before any answer leaves: successful reads of record-level data (no unaudited disclosure),
    // and every refused or failed request. Writes have recorded theirs in their transaction.
    app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload) => {
      if (request.audit.recorded || !audited(request)) return payload;
      const refused = reply.statusCode >= 400;
      if (!refused && !request.routeOptions.config?.audit) return payload;
      try {
        await auditLog.record(request, reply.statusCode, undefined, refused ? { details: { ...request.audit.details, ...(request.errorCode ? { code: request.errorCode } : {}) } } : {});
        return payload;
      } catch (error) {
        if (refused) {
          request.log.error({ err: error }, 'audit event of a refused request could not be written');
          return payload;
        }
        request.log.error({ err: error }, 'audit event could not be written; the answer is withheld');
        const refusal = new AppError('DATABASE_UNAVAILABLE', 'The access could not be recorded in the audit trail, so the data is withheld; retry shortly.', {
          retryAfterSeconds: 5,
        });
        reply.code(refusal.status).header('retry-after', '5').type('application/json; charset=utf-8');
        request.audit.recorded = true; // Nothing was disclosed; try to log the refusal itself.
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
