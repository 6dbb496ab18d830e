import { findPii } from '../../lib/pii-guard';
import { END_REASONS, EXPLOITATION_AT_INTAKE, GENDERS, RESEARCH_CONSENT, YES_NO_UNKNOWN } from '../../lib/vocabulary';
import type { MappedRecord } from './fhir-mapping';
import { isObject, type Json, type ResourceReader } from './fhir-reader';
import { BSN_SYSTEM, EXTENSIONS, PSEUDONYM_SYSTEM, SYSTEMS } from './fhir-systems';

// Patient, PractitionerRole / RelatedPerson (who reports) and EpisodeOfCare (the trajectory).
// A Patient makes no record of its own: its attributes are the trajectory's `subject`, as in the
// REST API, where the youth is pushed with each trajectory.

export interface PatientView {
  subject: Json;
  paths: Record<string, string>;
}

export interface FhirContext {
  /** Patients by fullUrl (those without a problem). */
  patients: Map<string, PatientView>;
  /** Episodes by fullUrl: their record reference and their Patient's fullUrl. */
  episodes: Map<string, { reference: string; patient: string }>;
  /** The informant a PractitionerRole or RelatedPerson stands for, by fullUrl. */
  informants: Map<string, string>;
}

// FHIR's administrative gender (https://hl7.org/fhir/R4/valueset-administrative-gender.html) has
// no non-binary; the registry-gender extension, when present, gives the registry's own code.
const GENDER_OF: Record<string, string> = { female: 'girl', male: 'boy', other: 'other', unknown: 'unknown' };

/** A code of a list from the registry's vocabulary, refused as code-invalid otherwise. */
function vocabulary(reader: ResourceReader, found: { value: unknown; path: string } | undefined, allowed: readonly string[]) {
  if (!found) return undefined;
  if (!allowed.includes(found.value as string)) {
    return reader.issue('code-invalid', 'INVALID_VALUE', `must be one of ${allowed.join(', ')}`, found.path);
  }
  return found;
}

export function mapPatient(reader: ResourceReader, context: FhirContext): void {
  const { resource } = reader;
  reader.allowOnly(
    ['identifier', 'birthDate', 'gender'],
    ['name', 'address', 'telecom', 'photo', 'contact', 'communication', 'generalPractitioner', 'managingOrganization', 'link'],
    [EXTENSIONS.gender, EXTENSIONS.mildIntellectualDisability, EXTENSIONS.priorYouthCare],
  );
  const identifiers = Array.isArray(resource.identifier) ? resource.identifier : [];
  let pseudonym: { value: unknown; path: string } | undefined;
  identifiers.forEach((identifier, index) => {
    const system = isObject(identifier) ? identifier.system : undefined;
    const value = isObject(identifier) ? identifier.value : undefined;
    // By its system, or by its value under any other: nine digits passing the eleven-test (the PII guard's test).
    if (system === BSN_SYSTEM || (system !== PSEUDONYM_SYSTEM && typeof value === 'string' && findPii(value) === 'bsn')) {
      reader.issue('security', 'PII_DETECTED', 'is a citizen service number; send only the source pseudonym', `identifier[${index}]`);
    } else if (system === PSEUDONYM_SYSTEM && !pseudonym) {
      pseudonym = { value: (identifier as Json).value, path: `identifier[${index}].value` };
    } else {
      reader.issue('not-supported', 'UNKNOWN_FIELD', `only one identifier, of system ${PSEUDONYM_SYSTEM}, is read`, `identifier[${index}]`);
    }
  });
  if (!pseudonym) reader.issue('required', 'MISSING_FIELD', `needs an identifier of system ${PSEUDONYM_SYSTEM}`, 'identifier');
  // The birth year only (shared/domain.md): FHIR's date allows YYYY (https://hl7.org/fhir/R4/datatypes.html#date).
  const birthDate = resource.birthDate;
  if (birthDate === undefined) reader.issue('required', 'MISSING_FIELD', 'is required, as the birth year (YYYY)', 'birthDate');
  else if (typeof birthDate !== 'string' || !/^\d{4}$/.test(birthDate)) {
    reader.issue('security', 'PII_DETECTED', 'must be the birth year only (YYYY); a full date of birth identifies', 'birthDate');
  }
  const registryGender = vocabulary(reader, reader.extension(EXTENSIONS.gender, 'valueCode', 'string'), GENDERS);
  let gender: string | undefined = registryGender?.value as string | undefined;
  if (!gender && resource.gender !== undefined) {
    gender = GENDER_OF[resource.gender as string];
    if (!gender) reader.issue('code-invalid', 'INVALID_VALUE', 'must be female, male, other or unknown', 'gender');
  }
  const yesNo = (url: string) => vocabulary(reader, reader.extension(url, 'valueCode', 'string'), YES_NO_UNKNOWN);
  const disability = yesNo(EXTENSIONS.mildIntellectualDisability);
  const priorCare = yesNo(EXTENSIONS.priorYouthCare);
  if (reader.refused() || !pseudonym) return;
  const fullUrl = reader.fullUrl;
  context.patients.set(fullUrl, {
    subject: {
      pseudonym: pseudonym.value,
      birthYear: Number(birthDate),
      gender: gender ?? 'unknown',
      mildIntellectualDisability: disability?.value ?? 'unknown',
      priorYouthCare: priorCare?.value ?? 'unknown',
    },
    paths: {
      subject: reader.path(),
      'subject.pseudonym': reader.path(pseudonym.path),
      'subject.birthYear': reader.path('birthDate'),
      'subject.gender': reader.path(registryGender ? registryGender.path : 'gender'),
      'subject.mildIntellectualDisability': reader.path(disability?.path ?? 'extension'),
      'subject.priorYouthCare': reader.path(priorCare?.path ?? 'extension'),
    },
  });
}

/** A PractitionerRole (mentor, clinician, teacher) or RelatedPerson (parent): who reported an Observation. */
export function mapInformantRole(reader: ResourceReader, context: FhirContext): void {
  const isRelated = reader.resource.resourceType === 'RelatedPerson';
  const element = isRelated ? 'relationship' : 'code';
  reader.allowOnly(isRelated ? ['relationship', 'patient'] : ['code'], [
    'name',
    'telecom',
    'address',
    'photo',
    'identifier',
    'practitioner',
  ]);
  const found = reader.code(element, SYSTEMS.informant, { list: true });
  const allowed = isRelated ? ['parent'] : ['mentor', 'clinician', 'teacher'];
  if (found && !allowed.includes(found.code))
    reader.issue('code-invalid', 'INVALID_VALUE', `must be one of ${allowed.join(', ')}`, found.path);
  if (isRelated) reader.reference('patient');
  if (found && !reader.refused()) context.informants.set(reader.fullUrl, found.code);
}

export function mapEpisode(reader: ResourceReader, context: FhirContext): MappedRecord | undefined {
  const { resource } = reader;
  reader.allowOnly(
    ['identifier', 'status', 'type', 'patient', 'period'],
    ['managingOrganization', 'careManager', 'team'],
    [EXTENSIONS.researchConsent, EXTENSIONS.exploitationAtIntake, EXTENSIONS.endReason],
  );
  const reference = reader.recordReference();
  const programme = reader.code('type', SYSTEMS.programme, { list: true });
  const start = reader.date('period.start');
  const end = reader.date('period.end', false);
  // EpisodeOfCare.status (https://hl7.org/fhir/R4/valueset-episode-of-care-status.html): the registry
  // knows open (active) and ended (finished) trajectories; the end is period.end.
  if (resource.status !== 'active' && resource.status !== 'finished') {
    reader.issue('code-invalid', 'INVALID_VALUE', 'must be active or finished', 'status');
  } else if ((resource.status === 'finished') !== Boolean(end)) {
    reader.issue('invariant', 'END_REASON_MISMATCH', 'a finished episode needs period.end, an active one none', 'status');
  }
  const consent = vocabulary(reader, reader.extension(EXTENSIONS.researchConsent, 'valueCode', 'string'), RESEARCH_CONSENT);
  if (!consent && !reader.hasIssueAt('extension')) {
    reader.issue('required', 'MISSING_FIELD', `needs the extension ${EXTENSIONS.researchConsent}`, 'extension');
  }
  const exploitation = vocabulary(reader, reader.extension(EXTENSIONS.exploitationAtIntake, 'valueCode', 'string'), EXPLOITATION_AT_INTAKE);
  if (!exploitation && !reader.hasIssueAt('extension')) {
    reader.issue('required', 'MISSING_FIELD', `needs the extension ${EXTENSIONS.exploitationAtIntake}`, 'extension');
  }
  const endReason = vocabulary(reader, reader.extension(EXTENSIONS.endReason, 'valueCode', 'string'), END_REASONS);
  const patientTarget = reader.reference('patient');
  const patient = patientTarget && 'fullUrl' in patientTarget ? context.patients.get(patientTarget.fullUrl) : undefined;
  if (patientTarget && 'fullUrl' in patientTarget && !patient) {
    reader.issue('processing', 'VALIDATION_FAILED', 'its Patient entry was refused or is not a Patient', 'patient.reference');
  }
  if (!reference || !programme || !start || !consent || !exploitation || !patient || !patientTarget || !('fullUrl' in patientTarget))
    return;
  context.episodes.set(reader.fullUrl, { reference: reference.value, patient: patientTarget.fullUrl });
  const record: Json = {
    type: 'trajectory',
    reference: reference.value,
    subject: patient.subject,
    programmeCode: programme.code,
    startDate: start.value,
    exploitationAtIntake: exploitation.value,
    researchConsent: consent.value,
    ...(end ? { endDate: end.value } : {}),
    ...(endReason ? { endReason: endReason.value } : {}),
  };
  return {
    entry: reader.entry,
    record,
    paths: {
      '': reader.path(),
      reference: reader.path(reference.path),
      programmeCode: reader.path(programme.path),
      startDate: reader.path('period.start'),
      endDate: reader.path('period.end'),
      endReason: reader.path(endReason?.path ?? 'extension'),
      exploitationAtIntake: reader.path(exploitation.path),
      researchConsent: reader.path(consent.path),
      ...patient.paths,
    },
  };
}
