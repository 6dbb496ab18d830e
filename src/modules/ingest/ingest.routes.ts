import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodies } from '../../lib/error-body.schema';
import { AppError } from '../../lib/errors';
import { institutionScopeOf } from '../../plugins/request-scope';
import type { BulkIngest } from './bulk-ingest';
import type { IngestReportsService } from './ingest-reports.service';
import { bulkRecordSchema, idempotencyHeadersSchema } from './ingest.schemas';
import { ingestReportSchema, rejectedIngestSchema } from './responses.schemas';

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

/** The bulk stream and its reports. */
export async function ingestRoutes(app: FastifyInstance, options: { bulkIngest: BulkIngest; reports: IngestReportsService }) {
  // The body is handed over as the raw stream and read line by line with bounded memory; the
  // stream's size limit is enforced while reading (INGEST_MAX_BYTES), not by buffering.
  app.addContentTypeParser(NDJSON_TYPES, (_request, payload, done) => done(null, payload));
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.post(
    '/ingest',
    {
      config: {
        audit: { action: 'execute', resourceType: 'ingest' },
        streamedBody: {
          contentType: 'application/x-ndjson',
          schema: bulkRecordSchema,
          description: 'One record per line; the schema below is that of one line.',
          example: [
            '{"type":"trajectory","reference":"T-1","subject":{"pseudonym":"sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00","birthYear":2009,"gender":"girl","mildIntellectualDisability":"no","priorYouthCare":"yes"},"programmeCode":"vuurtorenhuis-baken","startDate":"2024-03-04","exploitationAtIntake":"confirmed","researchConsent":"granted"}',
            '{"type":"measurement","reference":"M-1","trajectoryReference":"T-1","instrumentCode":"trauma_symptoms","informant":"youth","date":"2024-03-11","value":31}',
          ].join('\n'),
        },
      },
      schema: {
        tags: ['ingest'],
        summary: 'Push a stream of records (NDJSON): trajectories, placements, care activities, measurements',
        description: [
          'Content-Type: application/x-ndjson. One record per line, each with `type` (trajectory, placement, care_activity, measurement)',
          'and `reference`, plus the fields of the single-record routes (PUT /api/v1/trajectories/{reference} and so on).',
          'Records are upserted by (institution, reference). mode=atomic (default) writes all or nothing; mode=per_record writes',
          'every valid record. dryRun=true validates and reports without writing. Send an Idempotency-Key header so a retried',
          'request is answered with the first answer instead of being applied again.',
          'Example line: {"type":"measurement","reference":"M-1","trajectoryReference":"T-1","instrumentCode":"trauma_symptoms","informant":"youth","date":"2024-03-11","value":31}',
        ].join(' '),
        querystring: z.strictObject({
          mode: z.enum(['atomic', 'per_record']).default('atomic'),
          dryRun: z
            .enum(['true', 'false'])
            .default('false')
            .transform((value) => value === 'true'),
        }),
        headers: idempotencyHeadersSchema,
        response: {
          200: ingestReportSchema,
          422: rejectedIngestSchema,
          ...errorBodies(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const scope = institutionScopeOf(request);
      if (!request.body || typeof (request.body as AsyncIterable<Buffer>)[Symbol.asyncIterator] !== 'function') {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the records as NDJSON with Content-Type: application/x-ndjson.', {
          field: 'headers.content-type',
        });
      }
      const result = await options.bulkIngest({
        institutionId: scope.institution.id,
        mode: request.query.mode,
        dryRun: request.query.dryRun,
        idempotencyKey: request.headers['idempotency-key'],
        body: request.body as AsyncIterable<Buffer>,
        // Each committing transaction records its write, with the youths it touched.
        participants: [
          request.server.auditLog.participant(request, (written) => ({
            statusCode: 200,
            facts: {
              action: written.created > 0 ? 'create' : 'update',
              subjectKeys: written.subjectKeys,
              details: { mode: request.query.mode, created: written.created, updated: written.updated },
            },
          })),
        ],
      });
      // The event of the request as a whole: replays, dry runs and refusals write nothing else.
      request.audit.recorded = false;
      request.audit.details = {
        reportId: result.report.id,
        outcome: result.report.outcome,
        mode: result.report.mode,
        replayed: result.replayed,
      };
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      else request.server.metrics.countIngestReport('bulk', result.report);
      if (result.httpStatus === 422) {
        return reply.status(422).send({
          ...result.report,
          status: 422 as const,
          code: 'INGEST_REJECTED' as const,
          message: 'Nothing was written: the request is atomic and some records were refused (see rejections).',
          requestId: request.id,
        });
      }
      return reply.status(200).send(result.report);
    },
  );

  routes.get(
    '/ingest/reports/:id',
    {
      config: { audit: { action: 'read', resourceType: 'ingest_report' } },
      schema: {
        tags: ['ingest'],
        summary: 'Fetch an ingest report again',
        description:
          "The report a push answered with (accepted and refused lines, with each refusal's code and field), kept for your institution by its id.",
        params: z.object({ id: z.uuid() }),
        response: { 200: ingestReportSchema, ...errorBodies(401, 403, 404) },
      },
    },
    async (request) => options.reports.find(institutionScopeOf(request), request.params.id),
  );
}
