import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UnitOfWork } from '../../db/unit-of-work';
import { AppError, errors } from '../../lib/errors';
import { END_REASONS, RESEARCH_CONSENT } from '../../lib/vocabulary';
import { institutionScopeOf } from '../../plugins/request-scope';
import { careActivityBodySchema, measurementBodySchema, placementBodySchema, referenceSchema, trajectoryBodySchema } from '../ingest';
import {
  careActivityViewSchema,
  EXAMPLES,
  measurementViewSchema,
  placementViewSchema,
  trajectoryDetailSchema,
  trajectoryViewSchema,
  writeStatusSchema,
} from './records.schemas';
import { errorBodies } from '../../lib/error-body.schema';
import type { RecordsRepository } from './records.repository';
import type { RecordsService } from './records.service';
import { queryInteger } from '../../lib/query-integer';

export interface RecordsRoutesOptions {
  records: RecordsService;
  reads: RecordsRepository;
  /** The request's unit of work: its writes commit with their audit event and indicator queue entries. */
  workFor: (request: FastifyRequest) => UnitOfWork;
}

const referenceParams = z.object({ reference: referenceSchema });
const trajectoryWritten = z
  .object({ status: writeStatusSchema, trajectory: trajectoryDetailSchema })
  .meta({ example: { status: 'created', trajectory: EXAMPLES.trajectory } });
const statusOnly = z.object({ status: writeStatusSchema }).meta({ example: { status: 'updated' } });
const refusals = errorBodies(400, 401, 403, 404, 409, 422);

/** The institution a request acts for (the module admits role institution only). */
const institutionOf = (request: FastifyRequest) => institutionScopeOf(request);

/**
 * The write committed, but before it could be read back an erasure of the youth (by this
 * institution, or registry-wide by the data protection officer) removed it. Only those two can
 * remove this institution's records, so the answer reveals nothing of another institution.
 */
const erasedMeanwhile = () =>
  new AppError(
    'CONFLICT',
    'The record was written, then removed by an erasure of the youth that ran at the same moment; it is no longer held.',
  );

/** An institution's own records: idempotent upserts by its own references, and reads of them. */
export async function recordsRoutes(app: FastifyInstance, options: RecordsRoutesOptions) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { records, reads, workFor } = options;

  routes.put(
    '/trajectories/:reference',
    {
      config: { audit: { action: 'update', resourceType: 'trajectory' } },
      schema: {
        tags: ['records'],
        summary: 'Create or update a trajectory with its subject attributes (idempotent)',
        description:
          'The full state of the trajectory: an omitted endDate/endReason means the trajectory is open. ' +
          'Answers 201 when created, 200 when updated or unchanged.',
        params: referenceParams,
        body: trajectoryBodySchema,
        response: { 200: trajectoryWritten, 201: trajectoryWritten, ...refusals },
      },
    },
    async (request, reply) => {
      const scope = institutionOf(request);
      const status = await records.push(workFor(request), scope, 'trajectory', request.params.reference, request.body);
      const found = await reads.findTrajectory(scope, request.params.reference);
      if (!found) throw erasedMeanwhile();
      return reply.status(status === 'created' ? 201 : 200).send({ status, trajectory: found.view });
    },
  );

  routes.get(
    '/trajectories',
    {
      config: { audit: { action: 'read', resourceType: 'trajectory' } },
      schema: {
        tags: ['records'],
        summary: "List your institution's trajectories, by reference",
        description:
          "Your institution's trajectories in order of reference, a page at a time: pass the answer's `nextCursor` as `after` for the next page (null on the last). Other institutions' records are never listed.",
        querystring: z.strictObject({ after: referenceSchema.optional(), limit: queryInteger({ min: 1, max: 500, fallback: 100 }) }),
        response: {
          200: z
            .object({ items: z.array(trajectoryViewSchema), nextCursor: z.string().nullable() })
            .meta({ example: EXAMPLES.trajectoryList }),
          ...refusals,
        },
      },
    },
    async (request) => {
      const { items, subjectKeys, nextCursor } = await reads.listTrajectories(
        institutionOf(request),
        request.query.after,
        request.query.limit,
      );
      for (const key of subjectKeys) request.audit.subjects.add(key);
      return { items, nextCursor };
    },
  );

  routes.get(
    '/trajectories/:reference',
    {
      config: { audit: { action: 'read', resourceType: 'trajectory' } },
      schema: {
        tags: ['records'],
        summary: 'Read a trajectory back, with subject attributes and placements',
        description:
          "The trajectory as the registry holds it: the subject's attributes (never the pseudonym sent) and its placements. 404 when your institution has no trajectory with this reference, or it was erased.",
        params: referenceParams,
        response: { 200: trajectoryDetailSchema.meta({ example: EXAMPLES.trajectory }), ...refusals },
      },
    },
    async (request) => {
      const found = await reads.findTrajectory(institutionOf(request), request.params.reference);
      if (!found) throw errors.notFound('A trajectory of your institution with this reference');
      request.audit.subjects.add(found.subjectKey);
      return found.view;
    },
  );

  routes.put(
    '/trajectories/:reference/research-consent',
    {
      config: { audit: { action: 'update', resourceType: 'trajectory' } },
      schema: {
        tags: ['records'],
        summary: 'Change the research consent of a trajectory',
        description: 'Only the consent changes; the rest of the trajectory stays as it is.',
        params: referenceParams,
        body: z.strictObject({ researchConsent: z.enum(RESEARCH_CONSENT) }).meta({ example: { researchConsent: 'withdrawn' } }),
        response: { 200: statusOnly, ...refusals },
      },
    },
    async (request) => ({
      status: await records.setResearchConsent(
        workFor(request),
        institutionOf(request),
        request.params.reference,
        request.body.researchConsent,
      ),
    }),
  );

  routes.put(
    '/trajectories/:reference/end',
    {
      config: { audit: { action: 'update', resourceType: 'trajectory' } },
      schema: {
        tags: ['records'],
        summary: 'Close a trajectory: its end date and end reason',
        description: 'Sets the end date and end reason together; the rest of the trajectory stays as it is.',
        params: referenceParams,
        body: z
          .strictObject({ endDate: z.iso.date(), endReason: z.enum(END_REASONS) })
          .meta({ example: { endDate: '2024-11-29', endReason: 'completed' } }),
        response: { 200: statusOnly, ...refusals },
      },
    },
    async (request) => ({
      status: await records.close(
        workFor(request),
        institutionOf(request),
        request.params.reference,
        request.body.endDate,
        request.body.endReason,
      ),
    }),
  );

  const childRoutes = [
    {
      path: 'placements',
      type: 'placement',
      body: placementBodySchema,
      view: placementViewSchema,
      example: EXAMPLES.placement,
      find: reads.findPlacement,
      name: 'placement',
      writeDescription:
        'A period of the trajectory in one setting; the trajectory (trajectoryReference) must exist at your institution and the dates lie within it. Answers 201 when created, 200 when updated or unchanged.',
    },
    {
      path: 'care-activities',
      type: 'care_activity',
      body: careActivityBodySchema,
      view: careActivityViewSchema,
      example: EXAMPLES.careActivity,
      find: reads.findCareActivity,
      name: 'care activity',
      writeDescription:
        'Something delivered on a date within the trajectory, with a count, a duration or both. The activity type decides the rest: one counted in minutes needs durationMinutes, parentsInvolved is for treatment-plan meetings only and topics for mentor conversations only (NOT_APPLICABLE otherwise). Answers 201 when created, 200 when updated or unchanged.',
    },
    {
      path: 'measurements',
      type: 'measurement',
      body: measurementBodySchema,
      view: measurementViewSchema,
      example: EXAMPLES.measurement,
      find: reads.findMeasurement,
      name: 'measurement',
      writeDescription:
        'One observation in a series: the instrument decides the allowed informants and the range (or coded levels) of the value; the date lies within the trajectory. Answers 201 when created, 200 when updated or unchanged.',
    },
  ] as const;

  for (const child of childRoutes) {
    const written = z
      .object({ status: writeStatusSchema, record: child.view })
      .meta({ example: { status: 'created', record: child.example } });
    routes.put(
      `/${child.path}/:reference`,
      {
        config: { audit: { action: 'update', resourceType: child.type } },
        schema: {
          tags: ['records'],
          summary: `Create or update a ${child.name} (idempotent)`,
          description: child.writeDescription,
          params: referenceParams,
          body: child.body,
          response: { 200: written, 201: written, ...refusals },
        },
      },
      async (request, reply) => {
        const scope = institutionOf(request);
        const status = await records.push(
          workFor(request),
          scope,
          child.type,
          request.params.reference,
          request.body as Record<string, unknown>,
        );
        const record = await child.find(scope, request.params.reference);
        if (!record) throw erasedMeanwhile();
        return reply.status(status === 'created' ? 201 : 200).send({ status, record: record.view as never });
      },
    );

    routes.get(
      `/${child.path}/:reference`,
      {
        config: { audit: { action: 'read', resourceType: child.type } },
        schema: {
          tags: ['records'],
          summary: `Read a ${child.name} back`,
          description: `The ${child.name} as the registry holds it. 404 when your institution has none with this reference, or it was erased.`,
          params: referenceParams,
          response: { 200: child.view.meta({ example: child.example }), ...refusals },
        },
      },
      async (request) => {
        const record = await child.find(institutionOf(request), request.params.reference);
        if (!record) throw errors.notFound(`A ${child.name} of your institution with this reference`);
        request.audit.subjects.add(record.subjectKey);
        return record.view as never;
      },
    );
  }
}
