import { SUPPORTED_RESOURCES } from './fhir-mapping';
import { EXTENSIONS, PSEUDONYM_SYSTEM, RECORD_REFERENCE_SYSTEM, SYSTEMS, YOUTH_PERSPECTIVE_QUESTIONNAIRE } from './fhir-systems';

// What the FHIR endpoint supports, and nothing more (https://hl7.org/fhir/R4/capabilitystatement.html):
// transaction and batch Bundles of the resources below (no REST interaction on them one by one),
// and read/search of the CodeSystems. docs/fhir.md says the same at length.

const DOCUMENTATION: Record<(typeof SUPPORTED_RESOURCES)[number], string> = {
  Patient: `The youth: one identifier of system ${PSEUDONYM_SYSTEM} (the source pseudonym), birthDate as YYYY, gender; extensions ${EXTENSIONS.gender}, ${EXTENSIONS.mildIntellectualDisability}, ${EXTENSIONS.priorYouthCare}. A name, address, telecom, BSN identifier or full birth date is refused.`,
  EpisodeOfCare: `A trajectory: identifier of system ${RECORD_REFERENCE_SYSTEM}, status active|finished, type coded in ${SYSTEMS.programme}, patient, period; extensions ${EXTENSIONS.researchConsent}, ${EXTENSIONS.exploitationAtIntake}, ${EXTENSIONS.endReason}.`,
  Encounter: `A placement: identifier, status in-progress|finished, class, type coded in ${SYSTEMS.setting}, episodeOfCare, period.`,
  Procedure: `A care activity: identifier, status completed, code in ${SYSTEMS.activityType}, category in ${SYSTEMS.domain}, subject, performedDateTime (YYYY-MM-DD); extensions ${EXTENSIONS.episodeOfCare}, ${EXTENSIONS.activityCount}, ${EXTENSIONS.activityDuration}, ${EXTENSIONS.parentsInvolved}, ${EXTENSIONS.mentorTopic}.`,
  Observation: `A measurement: identifier, status final, code in ${SYSTEMS.instrument}, effectiveDateTime (YYYY-MM-DD), valueInteger or valueQuantity, one performer (the Patient for the youth, a RelatedPerson or PractitionerRole for the other informants); extension ${EXTENSIONS.episodeOfCare}.`,
  QuestionnaireResponse: `The youth's perspective: questionnaire ${YOUTH_PERSPECTIVE_QUESTIONNAIRE}, status completed, authored (YYYY-MM-DD), items by linkId with one valueInteger (1-5); extension ${EXTENSIONS.episodeOfCare}.`,
  PractitionerRole: `An informant (mentor, clinician, teacher) for Observation.performer: code in ${SYSTEMS.informant} only; not stored.`,
  RelatedPerson: `An informant (parent) for Observation.performer: relationship in ${SYSTEMS.informant} and patient only; not stored.`,
};

export function capabilityStatement() {
  return {
    resourceType: 'CapabilityStatement' as const,
    status: 'active' as const,
    date: '2026-12-07',
    kind: 'instance' as const,
    software: { name: 'Care trajectory research registry' },
    implementation: { description: 'FHIR R4 ingest of pseudonymised care trajectories (synthetic data only)' },
    fhirVersion: '4.0.1' as const,
    format: ['application/fhir+json', 'application/json'],
    rest: [
      {
        mode: 'server' as const,
        documentation:
          'POST a transaction (all or nothing) or batch (an answer per entry) Bundle to /fhir/R4 with role institution. Every entry is { request: { method: POST, url: <type> } } with a urn:uuid fullUrl, and upserts by its record-reference identifier, as the REST ingest does; references point at entries of the same Bundle. Idempotency-Key header as in POST /api/v1/ingest. Refusals are OperationOutcomes naming the element at fault.',
        security: { description: 'An API key of the registry: Authorization: Bearer <key> (or X-API-Key).' },
        resource: [
          ...SUPPORTED_RESOURCES.map((type) => ({ type, documentation: DOCUMENTATION[type] })),
          {
            type: 'CodeSystem',
            documentation: 'The registry catalogues and vocabulary, read-only.',
            interaction: [{ code: 'read' as const }, { code: 'search-type' as const }],
          },
        ],
        interaction: [{ code: 'transaction' as const }, { code: 'batch' as const }],
      },
    ],
  };
}
