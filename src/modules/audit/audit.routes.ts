import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../db/schema';
import { registryKeyFor } from '../../lib/pseudonym';
import { SOURCE_PSEUDONYM_PATTERN } from '../../lib/source-pseudonym';
import { requireRole } from '../../plugins/authentication';
import { storedAuditEventSchema } from './audit-event.schema';
import type { AuditService } from './audit.service';
import { queryInteger } from '../../lib/query-integer';

const filtersSchema = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  principalId: z.uuid().optional(),
  institutionCode: z
    .string()
    .regex(/^[a-z0-9-]{2,63}$/)
    .optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  subjectKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'a registry key: 64 hex characters')
    .optional(),
});

const EVENT_EXAMPLE = {
  chainPosition: 1042,
  occurredAt: '2026-11-28T10:15:02.123456Z',
  requestId: '9c1e485d-d043-4161-8daf-f51e7bea21ba',
  principalId: 'c1d05d90-0696-4b95-94b2-1b2065df09cc',
  role: 'researcher',
  institutionId: null,
  action: 'read',
  resourceType: 'trajectory',
  subjectKeys: ['4e1f…64 hex'],
  subjectCount: 1,
  operation: 'POST /graphql',
  variablesHash: '5d41…',
  outcome: 'success',
  statusCode: 200,
  sourceAddress: '10.0.0.7',
  userAgent: 'dashboard/1.4',
  purpose: 'programme_evaluation',
  details: null,
  previousHash: 'a3c9…',
  hash: '0be1…',
};

/** The audit log, for role auditor. Every one of these reads is itself audited. */
export async function auditRoutes(app: FastifyInstance, options: { service: AuditService; registryPseudonymKey: Buffer }) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { service } = options;
  app.addHook('preHandler', requireRole('auditor'));
  const audit = { action: 'read' as const, resourceType: 'audit_event' };

  routes.get(
    '/audit/events',
    {
      config: { audit },
      schema: {
        tags: ['audit'],
        summary: 'Query the audit log (oldest first, cursor by chain position)',
        description:
          "Events in chain order, filtered by the query; pass the answer's `nextCursor` (a chain position) as `after` for the next page. The query itself is audited.",
        querystring: filtersSchema.extend({
          after: queryInteger({ min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 }),
          limit: queryInteger({ min: 1, max: 1000, fallback: 100 }),
        }),
        response: {
          200: z
            .object({ events: z.array(storedAuditEventSchema), nextCursor: z.number().int().nullable() })
            .meta({ example: { events: [EVENT_EXAMPLE], nextCursor: 1042 } }),
        },
      },
    },
    async (request) => {
      const { after, limit, ...query } = request.query;
      return service.list(await service.filtersOf(query), after, limit);
    },
  );

  routes.get(
    '/audit/export',
    {
      config: {
        audit: { action: 'execute', resourceType: 'audit_event' },
        alsoProduces: {
          status: 200,
          types: {
            'application/x-ndjson': {
              description: 'One audit event (as in /audit/events) per line',
              example: `${JSON.stringify(EVENT_EXAMPLE)}\n`,
            },
          },
        },
      },
      schema: {
        tags: ['audit'],
        summary: 'Export the filtered audit log as an NDJSON stream (one event per line, bounded memory)',
        description:
          "The same filters as /audit/events, the whole result as one stream read in pages on the service's side, so a large export does not hold the log in memory.",
        querystring: filtersSchema,
        response: {
          200: z.string().meta({
            description: 'application/x-ndjson: one audit event (as in /audit/events) per line',
            example: `${JSON.stringify(EVENT_EXAMPLE)}\n`,
          }),
        },
      },
    },
    async (request, reply) => {
      const filters = await service.filtersOf(request.query);
      request.audit.details = { filters };
      const stream = Readable.from(service.export(filters));
      return reply.type('application/x-ndjson').send(stream as never);
    },
  );

  routes.get(
    '/audit/verify',
    {
      config: { audit: { action: 'execute', resourceType: 'audit_event' } },
      schema: {
        tags: ['audit'],
        summary: 'Walk the hash chain and name the first event that does not match',
        description:
          "Recomputes each event's hash from its content and the previous hash. The chain alone cannot show events cut off its end or a forged event chained after them: `npm run audit -- verify --checkpoints FILE --public-key FILE` checks it against the signed checkpoints kept outside the database.",
        response: {
          200: z
            .object({
              valid: z.boolean(),
              eventsChecked: z.number().int(),
              firstInvalidPosition: z.number().int().nullable(),
              reason: z.string().nullable(),
            })
            .meta({
              example: {
                valid: false,
                eventsChecked: 1042,
                firstInvalidPosition: 377,
                reason: 'the event was altered: its hash does not match its content',
              },
            }),
        },
      },
    },
    async () => service.verifyChain(),
  );

  routes.post(
    '/audit/subject-access-report',
    {
      config: { audit },
      schema: {
        tags: ['audit'],
        summary: "Who accessed this youth's records, when, and why (by source pseudonym, sent in the body)",
        description:
          "For a youth's request to see who used her data: the source pseudonym goes in the body (never in a URL or a log), is turned into the registry's key, and the accesses to her records are listed. The report itself is audited.",
        body: z
          .strictObject({ pseudonym: z.string().regex(SOURCE_PSEUDONYM_PATTERN, 'must be a source pseudonym of format sp1') })
          .meta({ example: { pseudonym: 'sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00' } }),
        response: {
          200: z
            .object({
              subjectKey: z.string(),
              accesses: z.array(
                storedAuditEventSchema.pick({
                  occurredAt: true,
                  principalId: true,
                  role: true,
                  institutionId: true,
                  action: true,
                  resourceType: true,
                  operation: true,
                  purpose: true,
                  outcome: true,
                }),
              ),
            })
            .meta({
              example: {
                subjectKey: '4e1f…64 hex',
                accesses: [
                  {
                    occurredAt: EVENT_EXAMPLE.occurredAt,
                    principalId: EVENT_EXAMPLE.principalId,
                    role: 'researcher',
                    institutionId: null,
                    action: 'read',
                    resourceType: 'trajectory',
                    operation: 'POST /graphql',
                    purpose: 'programme_evaluation',
                    outcome: 'success',
                  },
                ],
              },
            }),
        },
      },
    },
    async (request) => {
      const subjectKey = registryKeyFor(request.body.pseudonym, options.registryPseudonymKey);
      request.audit.subjects.add(subjectKey);
      return { subjectKey, accesses: await service.subjectAccesses(subjectKey) };
    },
  );
}
