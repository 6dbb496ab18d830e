// The URIs this registry declares for FHIR R4 (https://hl7.org/fhir/R4/): the identifier
// systems an EHR fills in, the code systems of the registry's catalogues and vocabulary, and
// the extensions for what FHIR's base resources have no element for. Canonical URLs are names,
// not addresses that must resolve (https://hl7.org/fhir/R4/resource.html#canonical); the code
// systems are served at /fhir/R4/CodeSystem/{id}.

export const FHIR_BASE = 'https://registry.example.org/fhir';

/** The institution's source pseudonym (sp1.…) of the youth, the only identifier a Patient may carry. */
export const PSEUDONYM_SYSTEM = `${FHIR_BASE}/NamingSystem/source-pseudonym`;
/** The institution's own stable reference of a record (the REST API's `reference`). */
export const RECORD_REFERENCE_SYSTEM = `${FHIR_BASE}/NamingSystem/record-reference`;
/** The Dutch citizen service number: refused wherever it appears (shared/domain.md, privacy). */
export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

export const codeSystemUrl = (id: string) => `${FHIR_BASE}/CodeSystem/${id}`;
export const extensionUrl = (name: string) => `${FHIR_BASE}/StructureDefinition/${name}`;

export const SYSTEMS = {
  programme: codeSystemUrl('programmes'),
  activityType: codeSystemUrl('activity-types'),
  instrument: codeSystemUrl('instruments'),
  informant: codeSystemUrl('informants'),
  setting: codeSystemUrl('settings'),
  domain: codeSystemUrl('domains'),
  gender: codeSystemUrl('genders'),
  researchConsent: codeSystemUrl('research-consent'),
  exploitationAtIntake: codeSystemUrl('exploitation-at-intake'),
  endReason: codeSystemUrl('end-reasons'),
  mentorTopic: codeSystemUrl('mentor-topics'),
  yesNoUnknown: codeSystemUrl('yes-no-unknown'),
} as const;

export const EXTENSIONS = {
  gender: extensionUrl('registry-gender'),
  mildIntellectualDisability: extensionUrl('mild-intellectual-disability'),
  priorYouthCare: extensionUrl('prior-youth-care'),
  researchConsent: extensionUrl('research-consent'),
  exploitationAtIntake: extensionUrl('exploitation-at-intake'),
  endReason: extensionUrl('end-reason'),
  activityCount: extensionUrl('activity-count'),
  activityDuration: extensionUrl('activity-duration'),
  parentsInvolved: extensionUrl('parents-involved'),
  mentorTopic: extensionUrl('mentor-topic'),
  // HL7's cross-version extension (R5's workflow episodeOfCare element), for Procedure,
  // Observation and QuestionnaireResponse, which have no episodeOfCare element in R4.
  episodeOfCare: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare',
} as const;

/** The ten youth-perspective items (shared/domain.md) as a Questionnaire; linkIds are the item codes. */
export const YOUTH_PERSPECTIVE_QUESTIONNAIRE = `${FHIR_BASE}/Questionnaire/youth-perspective`;

/** UCUM minutes, the only unit of an activity's duration. */
export const UCUM = 'http://unitsofmeasure.org';
