import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors } from '../../lib/errors';
import { jsonNestsDeeperThan, MAX_NESTING_DEPTH } from '../../lib/nesting-depth';
import { requireRole } from '../../plugins/authentication';
import { tooDeep } from '../../plugins/json-body';
import { institutionScopeOf } from '../../plugins/request-scope';
import { errorBodies, errorBodySchema } from '../../lib/error-body.schema';
import { idempotencyHeadersSchema } from '../ingest';
import { capabilityStatement } from './capability-statement';
import type { CodeSystem } from './code-systems';
import type { FhirIngest } from './fhir-ingest.service';
import {
  bundleBodySchema,
  capabilityStatementSchema,
  codeSystemBundleSchema,
  codeSystemSchema,
  FHIR_JSON,
  operationOutcomeSchema,
  responseBundleSchema,
} from './fhir.schemas';

const fhir = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { [FHIR_JSON]: { schema } } });

export interface FhirRoutesOptions {
  fhirIngest: FhirIngest;
  codeSystems: () => Promise<CodeSystem[]>;
}

export async function fhirRoutes(app: FastifyInstance, options: FhirRoutesOptions) {
  // FHIR's JSON media type (https://hl7.org/fhir/R4/http.html#mime-type), measured before parsing like every JSON body.
  const parse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(FHIR_JSON, { parseAs: 'string' }, (request, body, done) => {
    if (jsonNestsDeeperThan(body as string, MAX_NESTING_DEPTH)) return done(tooDeep(), undefined);
    parse(request, body as string, done);
  });
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get(
    '/metadata',
    {
      schema: {
        tags: ['fhir'],
        summary: 'The CapabilityStatement: what this FHIR R4 endpoint supports (every role)',
        description: 'The resources a Bundle may hold, with the profiles, code systems and extensions each is read with.',
        response: { 200: fhir(capabilityStatementSchema, 'FHIR R4 CapabilityStatement'), 401: errorBodySchema },
      },
    },
    async (_request, reply) => reply.type(FHIR_JSON).send(capabilityStatement()),
  );

  routes.get(
    '/CodeSystem',
    {
      schema: {
        tags: ['fhir'],
        summary: "The registry's catalogues and vocabulary as FHIR CodeSystems (a searchset Bundle)",
        description:
          "The codes a Bundle's resources must use (programmes, activity types, instruments, informants, settings and the rest), as CodeSystem resources.",
        response: { 200: fhir(codeSystemBundleSchema, 'A searchset Bundle of every CodeSystem'), 401: errorBodySchema },
      },
    },
    async (_request, reply) => {
      const all = await options.codeSystems();
      return reply.type(FHIR_JSON).send({
        resourceType: 'Bundle' as const,
        type: 'searchset' as const,
        total: all.length,
        entry: all.map((resource) => ({ fullUrl: resource.url, resource, search: { mode: 'match' as const } })),
      });
    },
  );

  routes.get(
    '/CodeSystem/:id',
    {
      schema: {
        tags: ['fhir'],
        summary: 'One CodeSystem (programmes, activity-types, instruments, informants, settings, …)',
        description: 'One of the CodeSystems in /fhir/R4/CodeSystem, by id; an unknown id answers 404.',
        params: z.object({ id: z.string().regex(/^[a-z-]{1,64}$/, 'must be a CodeSystem id such as activity-types') }),
        response: { 200: fhir(codeSystemSchema, 'FHIR R4 CodeSystem'), 401: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      const found = (await options.codeSystems()).find((system) => system.id === request.params.id);
      if (!found) throw errors.notFound(`CodeSystem ${request.params.id}`);
      return reply.type(FHIR_JSON).send(found);
    },
  );

  routes.post(
    '',
    {
      config: { audit: { action: 'execute', resourceType: 'ingest' } },
      preHandler: requireRole('institution'),
      schema: {
        tags: ['fhir'],
        summary: 'Push a FHIR R4 transaction (all or nothing) or batch (per entry) Bundle',
        description: [
          'Content-Type: application/fhir+json (or application/json). The resources are mapped to the records of POST /api/v1/ingest',
          '(docs/fhir.md) and written by the same engine: transaction = mode atomic, batch = mode per_record. Send an Idempotency-Key',
          'header so a retried request is answered with the first answer. Refusals are OperationOutcomes whose expression is the',
          'FHIRPath of the element at fault.',
        ].join(' '),
        body: bundleBodySchema,
        headers: idempotencyHeadersSchema,
        response: {
          200: fhir(responseBundleSchema, 'A transaction-response or batch-response Bundle; its id is the ingest report'),
          400: fhir(operationOutcomeSchema, 'The body is not a transaction or batch Bundle'),
          422: fhir(operationOutcomeSchema, 'Refused: for a transaction, nothing was written'),
          ...errorBodies(401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const scope = institutionScopeOf(request);
      const answer = await options.fhirIngest({
        institutionId: scope.institution.id,
        body: request.body,
        idempotencyKey: request.headers['idempotency-key'],
        participants: (mode) => [
          request.server.auditLog.participant(request, (written) => ({
            statusCode: 200,
            facts: {
              action: written.created > 0 ? 'create' : 'update',
              subjectKeys: written.subjectKeys,
              details: { mode, created: written.created, updated: written.updated },
            },
          })),
        ],
      });
      // The event of the request as a whole, as the REST ingest writes it (modules/ingest/ingest.routes.ts).
      request.audit.recorded = false;
      const codes = [...new Set(answer.refused.map((issue) => issue.registryCode))].sort();
      request.audit.details = answer.report
        ? { reportId: answer.report.id, outcome: answer.report.outcome, mode: answer.report.mode, replayed: answer.replayed }
        : { outcome: 'refused', codes };
      // A refusal before the ingest names its first code; one by the ingest is audited as the REST ingest audits it.
      if (answer.status >= 400 && !answer.report) request.errorCode = codes[0] ?? 'VALIDATION_FAILED';
      if (answer.replayed) reply.header('idempotent-replayed', 'true');
      else if (answer.report) request.server.metrics.countIngestReport('fhir', answer.report);
      return reply
        .status(answer.status as 200)
        .type(FHIR_JSON)
        .send(answer.body as never);
    },
  );
}
