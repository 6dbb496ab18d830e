import { z } from 'zod';
import { ACTIVITY_UNITS, CORE_ELEMENTS, DOMAINS, FREQUENCY_PERIODS, INFORMANTS, INSTRUMENT_KINDS, SETTINGS } from '../../lib/vocabulary';

export const activityTypeSchema = z.object({
  code: z.string(),
  name: z.string(),
  domain: z.enum(DOMAINS).nullable(),
  unit: z.enum(ACTIVITY_UNITS),
  coreElement: z.enum(CORE_ELEMENTS).nullable(),
  description: z.string(),
});

export const instrumentSchema = z.object({
  code: z.string(),
  name: z.string(),
  kind: z.enum(INSTRUMENT_KINDS),
  domain: z.enum(DOMAINS).nullable(),
  questionnaire: z.string().nullable(),
  minValue: z.number(),
  maxValue: z.number(),
  higherIsBetter: z.boolean(),
  clinicalCutoff: z.number().nullable(),
  normSd: z.number().nullable(),
  reliability: z.number().nullable(),
  psychometricSource: z.string(),
  levels: z.array(z.object({ value: z.number(), label: z.string(), rank: z.number().nullable() })).nullable(),
  informants: z.array(z.enum(INFORMANTS)),
});

export const institutionSchema = z.object({ code: z.string(), name: z.string(), synthetic: z.boolean() });

export const programmeSchema = z.object({
  code: z.string(),
  name: z.string(),
  institutionCode: z.string(),
  settings: z.array(z.enum(SETTINGS)),
  description: z.string(),
  fixedOffer: z.array(
    z.object({
      activityTypeCode: z.string(),
      expectedCount: z.number().int(),
      period: z.enum(FREQUENCY_PERIODS),
      coreElement: z.enum(CORE_ELEMENTS).nullable(),
    }),
  ),
});
