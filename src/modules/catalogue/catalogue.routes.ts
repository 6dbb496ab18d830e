import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CatalogueRepository } from './catalogue.repository';
import { activityTypeSchema, institutionSchema, instrumentSchema, programmeSchema } from './catalogue.schemas';

/** Reference data for every authenticated role: what an EHR integration needs to map its codes. */
export async function catalogueRoutes(app: FastifyInstance, options: { catalogue: CatalogueRepository }) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { catalogue } = options;

  routes.get(
    '/catalogue/instruments',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Measurement instruments with range, direction, cut-off, norm SD, reliability and allowed informants',
        description:
          'The values a measurement is checked against on ingest, and the N=1 statistics use (reliable change needs the norm SD and reliability).',
        response: {
          200: z.object({ instruments: z.array(instrumentSchema) }).meta({
            example: {
              instruments: [
                {
                  code: 'trauma_symptoms',
                  name: 'Trauma symptom checklist, total',
                  kind: 'score',
                  domain: 'social_emotional',
                  questionnaire: null,
                  minValue: 0,
                  maxValue: 60,
                  higherIsBetter: false,
                  clinicalCutoff: 25,
                  normSd: 10,
                  reliability: 0.9,
                  psychometricSource: 'Illustrative values …',
                  levels: null,
                  informants: ['clinician', 'youth'],
                },
              ],
            },
          }),
        },
      },
    },
    async () => ({ instruments: await catalogue.listInstruments() }),
  );

  routes.get(
    '/catalogue/activity-types',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Care activity types with their unit, domain and core element',
        description: 'An activity type counted in minutes needs `durationMinutes` on ingest; the others take a `count`.',
        response: {
          200: z.object({ activityTypes: z.array(activityTypeSchema) }).meta({
            example: {
              activityTypes: [
                {
                  code: 'mentor_conversation',
                  name: 'Individual mentor conversation',
                  domain: 'exploitation_resilience',
                  unit: 'minutes',
                  coreElement: 'mentor_conversations',
                  description: '',
                },
              ],
            },
          }),
        },
      },
    },
    async () => ({ activityTypes: await catalogue.listActivityTypes() }),
  );

  routes.get(
    '/institutions',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Participating institutions',
        description: 'The institutions that push records; an API key of role institution belongs to one of them.',
        response: {
          200: z.object({ institutions: z.array(institutionSchema) }).meta({
            example: { institutions: [{ code: 'vuurtorenhuis', name: 'Vuurtorenhuis Jeugdzorg (fictional)', synthetic: true }] },
          }),
        },
      },
    },
    async () => ({ institutions: await catalogue.listInstitutions() }),
  );

  routes.get(
    '/programmes',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Care programmes with their settings and fixed offer',
        description:
          "Each programme's settings and the activity types of its fixed offer with their expected frequency: what programme fidelity is measured against.",
        response: {
          200: z.object({ programmes: z.array(programmeSchema) }).meta({
            example: {
              programmes: [
                {
                  code: 'vuurtorenhuis-baken',
                  name: 'Baken',
                  institutionCode: 'vuurtorenhuis',
                  settings: ['closed_residential', 'open_residential'],
                  description: 'Closed admission followed by an open group, with trauma treatment.',
                  fixedOffer: [
                    { activityTypeCode: 'mentor_conversation', expectedCount: 1, period: 'week', coreElement: 'mentor_conversations' },
                  ],
                },
              ],
            },
          }),
        },
      },
    },
    async () => ({ programmes: await catalogue.listProgrammes() }),
  );
}
