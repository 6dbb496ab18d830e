import { z } from 'zod';
import { capabilityStatement } from './capability-statement';

// The FHIR answers' shapes, for the serializer and the OpenAPI document. They describe the parts
// of R4 resources this endpoint writes; the full definitions are HL7's (https://hl7.org/fhir/R4/).

export const FHIR_JSON = 'application/fhir+json';

const coding = z.object({ system: z.string(), code: z.string() });

export const operationOutcomeSchema = z
  .object({
    resourceType: z.literal('OperationOutcome'),
    issue: z.array(
      z.object({
        severity: z.enum(['fatal', 'error', 'warning', 'information']),
        code: z.string().meta({ description: 'From https://hl7.org/fhir/R4/valueset-issue-type.html' }),
        details: z
          .object({ coding: z.array(coding) })
          .optional()
          .meta({ description: "The registry's error code" }),
        diagnostics: z.string().optional(),
        expression: z.array(z.string()).optional().meta({ description: 'FHIRPath of the element at fault' }),
      }),
    ),
  })
  .meta({
    description: 'FHIR R4 OperationOutcome: why (part of) the request was refused',
    example: {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'security',
          details: { coding: [{ system: 'https://registry.example.org/fhir/CodeSystem/error-codes', code: 'PII_DETECTED' }] },
          diagnostics: 'is a direct identifier; the registry takes none',
          expression: ['Bundle.entry[0].resource.name'],
        },
      ],
    },
  });

export const responseBundleSchema = z
  .object({
    resourceType: z.literal('Bundle'),
    id: z.uuid().meta({ description: 'The ingest report of this push (GET /api/v1/ingest/reports/{id})' }),
    type: z.enum(['transaction-response', 'batch-response']),
    entry: z.array(z.object({ response: z.object({ status: z.string(), outcome: operationOutcomeSchema.optional() }) })),
  })
  .meta({
    example: {
      resourceType: 'Bundle',
      id: '0b7f5c1e-2d4a-4e8b-9c3f-6a1d2e3f4a5b',
      type: 'batch-response',
      entry: [
        { response: { status: '200 OK' } },
        {
          response: {
            status: '422 Unprocessable Entity',
            outcome: {
              resourceType: 'OperationOutcome',
              issue: [
                {
                  severity: 'error',
                  code: 'code-invalid',
                  details: { coding: [{ system: 'https://registry.example.org/fhir/CodeSystem/error-codes', code: 'UNKNOWN_INSTRUMENT' }] },
                  diagnostics: 'is not in the instrument catalogue',
                  expression: ['Bundle.entry[1].resource.code.coding[0].code'],
                },
              ],
            },
          },
        },
      ],
    },
  });

const conceptProperty = z.object({
  code: z.string(),
  valueCode: z.string().optional(),
  valueDecimal: z.number().optional(),
  valueBoolean: z.boolean().optional(),
});

const CODE_SYSTEM_EXAMPLE = {
  resourceType: 'CodeSystem',
  id: 'informants',
  url: 'https://registry.example.org/fhir/CodeSystem/informants',
  name: 'Informants',
  title: 'Informants',
  status: 'active',
  experimental: true,
  description: "Informants: the registry's controlled vocabulary.",
  caseSensitive: true,
  content: 'complete',
  count: 2,
  concept: [
    { code: 'youth', display: 'Youth' },
    { code: 'parent', display: 'Parent' },
  ],
};

export const codeSystemSchema = z
  .object({
    resourceType: z.literal('CodeSystem'),
    id: z.string(),
    url: z.string(),
    name: z.string(),
    title: z.string(),
    status: z.literal('active'),
    experimental: z.boolean(),
    description: z.string(),
    caseSensitive: z.literal(true),
    content: z.literal('complete'),
    count: z.number().int(),
    property: z.array(z.object({ code: z.string(), type: z.enum(['code', 'decimal', 'boolean']), description: z.string() })).optional(),
    concept: z.array(z.object({ code: z.string(), display: z.string(), property: z.array(conceptProperty).optional() })),
  })
  .meta({ example: CODE_SYSTEM_EXAMPLE });

export const codeSystemBundleSchema = z
  .object({
    resourceType: z.literal('Bundle'),
    type: z.literal('searchset'),
    total: z.number().int(),
    entry: z.array(z.object({ fullUrl: z.string(), resource: codeSystemSchema, search: z.object({ mode: z.literal('match') }) })),
  })
  .meta({
    example: {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      entry: [{ fullUrl: CODE_SYSTEM_EXAMPLE.url, resource: CODE_SYSTEM_EXAMPLE, search: { mode: 'match' } }],
    },
  });

export const capabilityStatementSchema = z
  .looseObject({
    resourceType: z.literal('CapabilityStatement'),
    status: z.literal('active'),
    // 1..1 in FHIR R4 (https://hl7.org/fhir/R4/capabilitystatement.html), though the JSON schema does not require it.
    date: z.string(),
    kind: z.literal('instance'),
    software: z.object({ name: z.string() }),
    implementation: z.object({ description: z.string() }),
    fhirVersion: z.literal('4.0.1'),
    format: z.array(z.string()),
    rest: z.array(z.looseObject({ mode: z.literal('server') })),
  })
  .meta({ example: capabilityStatement() });

/** The request body, for the document only: the handler reads it itself, so every refusal is an OperationOutcome. */
export const bundleBodySchema = z.unknown().meta({
  description:
    'A FHIR R4 Bundle of type transaction or batch (docs/fhir.md): Patient, EpisodeOfCare, Encounter, Procedure, Observation, QuestionnaireResponse, PractitionerRole, RelatedPerson.',
  example: {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:8f0c2d1e-3b5a-4c6d-9e7f-0a1b2c3d4e5f',
        request: { method: 'POST', url: 'Patient' },
        resource: {
          resourceType: 'Patient',
          identifier: [
            {
              system: 'https://registry.example.org/fhir/NamingSystem/source-pseudonym',
              value: 'sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00',
            },
          ],
          birthDate: '2009',
          gender: 'female',
        },
      },
    ],
  },
});
