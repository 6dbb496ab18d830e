import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UnitOfWork } from '../../db/unit-of-work';
import { findPii } from '../../lib/pii-guard';
import { OBJECTION_REASONS } from '../../lib/vocabulary';
import { requireRole } from '../../plugins/authentication';
import { institutionScopeOf } from '../../plugins/request-scope';
import { referenceSchema, subjectInputSchema } from '../ingest';
import { errorBodies } from '../../lib/error-body.schema';
import type { ErasureService } from './erasure.service';

export interface ErasureRoutesOptions {
  erasure: ErasureService;
  /** The request's unit of work: the erasure commits with its audit event. */
  workFor: (request: FastifyRequest, details: (deleted: number) => Record<string, unknown>) => UnitOfWork;
}

const refusals = errorBodies(400, 401, 403, 422);
const pseudonym = subjectInputSchema.shape.pseudonym;
const EXAMPLE_PSEUDONYM = 'sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00';

/** A case reference of the privacy office: a code, never free text that could name the youth. */
const caseReference = referenceSchema
  .refine((value) => findPii(value) === undefined, 'must not hold a personal identifier (a BSN, phone number, e-mail address or date)')
  .meta({ description: "The privacy office's own case code for the request", example: 'DPO-CASE-0042' });

export async function erasureRoutes(app: FastifyInstance, options: ErasureRoutesOptions) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { erasure, workFor } = options;

  routes.post(
    '/erasures',
    {
      preHandler: requireRole('institution'),
      config: { audit: { action: 'delete', resourceType: 'subject' } },
      schema: {
        tags: ['records'],
        summary: "Erase your institution's records of a youth after she withdrew consent with you",
        description:
          'Removes the trajectories (with their placements, care activities and measurements) your institution holds of the youth, ' +
          'and leaves a tombstone that refuses your later pushes of her with SUBJECT_ERASED. Records other institutions hold ' +
          'of her are not touched, and the answer counts only yours: it is the same whether or not she is known elsewhere. ' +
          'Erasing a youth your institution holds nothing of still records the withdrawal (trajectories: 0).',
        body: z.strictObject({ pseudonym }).meta({ example: { pseudonym: EXAMPLE_PSEUDONYM } }),
        response: {
          200: z
            .object({
              status: z.enum(['erased', 'already_erased']),
              trajectories: z.number().int().meta({ description: 'Your trajectories removed' }),
            })
            .meta({ example: { status: 'erased', trajectories: 2 } }),
          ...refusals,
        },
      },
    },
    async (request) => {
      const institutionId = institutionScopeOf(request).institution.id;
      return erasure.eraseAtInstitution(
        workFor(request, (deleted) => ({ scope: 'institution', trajectories: deleted })),
        institutionId,
        request.body.pseudonym,
      );
    },
  );

  routes.post(
    '/registry-erasures',
    {
      preHandler: requireRole('privacy_officer'),
      config: { audit: { action: 'delete', resourceType: 'subject' } },
      schema: {
        tags: ['privacy'],
        summary: 'Erase a youth from the whole registry at her (or a parent’s) objection (role privacy_officer)',
        description:
          'For the data protection officer. Every record of the youth at every institution is removed, and every later push of ' +
          'her by any institution is refused with SUBJECT_OBJECTED. The reason is a fixed code; a case reference of the privacy ' +
          'office may be added. Both are kept in the audit trail with the registry key, never the pseudonym.',
        body: z
          .strictObject({ pseudonym, reason: z.enum(OBJECTION_REASONS), caseReference: caseReference.optional() })
          .meta({ example: { pseudonym: EXAMPLE_PSEUDONYM, reason: 'youth_request', caseReference: 'DPO-CASE-0042' } }),
        response: {
          200: z
            .object({
              status: z.enum(['erased', 'already_erased']),
              trajectories: z.number().int().meta({ description: 'Trajectories removed, at all institutions' }),
              institutions: z.number().int().meta({ description: 'Institutions that held records of her' }),
            })
            .meta({ example: { status: 'erased', trajectories: 3, institutions: 2 } }),
          ...refusals,
        },
      },
    },
    async (request) => {
      const { pseudonym: source, reason, caseReference: reference } = request.body;
      return erasure.eraseRegistryWide(
        workFor(request, (deleted) => ({
          scope: 'registry',
          reason,
          ...(reference ? { caseReference: reference } : {}),
          trajectories: deleted,
        })),
        source,
      );
    },
  );
}
