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
        response: { 200: z.object({ instruments: z.array(instrumentSchema) }) },
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
        response: { 200: z.object({ activityTypes: z.array(activityTypeSchema) }) },
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
        response: { 200: z.object({ institutions: z.array(institutionSchema) }) },
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
        response: { 200: z.object({ programmes: z.array(programmeSchema) }) },
      },
    },
    async () => ({ programmes: await catalogue.listProgrammes() }),
  );
}
