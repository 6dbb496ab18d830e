import type { CareActivityBody, MeasurementBody, PlacementBody } from '../ingest';
import type { MappedRecord } from './fhir-mapping';
import { isObject, type Json, type ResourceReader, type Target } from './fhir-reader';
import { YOUTH_PERSPECTIVE_PREFIX } from '../../lib/vocabulary';
import { EXTENSIONS, SYSTEMS, UCUM, YOUTH_PERSPECTIVE_QUESTIONNAIRE } from './fhir-systems';
import type { FhirContext } from './fhir-subject-mapping';

// The records under a trajectory: Encounter -> placement, Procedure -> care activity,
// Observation -> measurement, QuestionnaireResponse -> one measurement per youth-perspective item.
// Codes are passed on as they are: the ingest engine checks them against the catalogue (and
// names the element here when it refuses one).

interface Episode {
  trajectoryReference: string;
  path: string;
  /** The Patient's fullUrl, when the episode is in this Bundle. */
  patient?: string;
}

/** The trajectory a record hangs under, from a reference to an EpisodeOfCare (in the Bundle, or by its record reference). */
function episodeOf(reader: ResourceReader, context: FhirContext, target: Target | undefined, element: string): Episode | undefined {
  if (!target) return undefined;
  if ('recordReference' in target) return { trajectoryReference: target.recordReference, path: reader.path(target.path) };
  const episode = context.episodes.get(target.fullUrl);
  if (!episode)
    return reader.issue('processing', 'VALIDATION_FAILED', 'its EpisodeOfCare entry was refused or is not an EpisodeOfCare', element);
  return { trajectoryReference: episode.reference, path: reader.path(element), patient: episode.patient };
}

/** A subject, where given, must be the episode's Patient. */
function checkSubject(reader: ResourceReader, episode: Episode | undefined, required: boolean): string | undefined {
  if (reader.resource.subject === undefined && !required) return episode?.patient;
  const target = reader.reference('subject');
  if (!target || !('fullUrl' in target)) return undefined;
  if (episode?.patient && target.fullUrl !== episode.patient) {
    reader.issue('invariant', 'VALIDATION_FAILED', "is not the Patient of the record's EpisodeOfCare", 'subject.reference');
  }
  return target.fullUrl;
}

/** The records under a trajectory as pushed (ingest.schemas.ts), by their type in the ingest stream. */
interface ChildBodies {
  placement: PlacementBody;
  care_activity: CareActivityBody;
  measurement: MeasurementBody;
}

/**
 * Where in the resource each field of the record comes from: one path for every field of the
 * pushed record (the trajectory's reference comes from the episode), so a field added to the
 * ingest schema cannot be left out here unnoticed. Elements within a field may add their own.
 */
type FieldPaths<Type extends keyof ChildBodies> = Record<Exclude<keyof ChildBodies[Type], 'trajectoryReference'>, string> &
  Record<string, string>;

function child<Type extends keyof ChildBodies>(
  reader: ResourceReader,
  type: Type,
  episode: Episode,
  reference: { value: string; path: string },
  fields: Json,
  paths: FieldPaths<Type>,
): MappedRecord {
  return {
    entry: reader.entry,
    record: { type, reference: reference.value, trajectoryReference: episode.trajectoryReference, ...fields },
    paths: { '': reader.path(), reference: reader.path(reference.path), trajectoryReference: episode.path, ...paths },
  };
}

function mapEncounter(reader: ResourceReader, context: FhirContext): MappedRecord[] {
  reader.allowOnly(['identifier', 'status', 'class', 'type', 'subject', 'episodeOfCare', 'period'], ['participant', 'serviceProvider']);
  const { resource } = reader;
  const reference = reader.recordReference();
  const setting = reader.code('type', SYSTEMS.setting, { list: true });
  const start = reader.date('period.start');
  const end = reader.date('period.end', false);
  // Encounter.class is 1..1 in R4; the registry's setting is in Encounter.type, so class is checked, not kept.
  if (!isObject(resource.class) || typeof resource.class.code !== 'string')
    reader.issue('required', 'MISSING_FIELD', 'is required (a Coding)', 'class');
  if (resource.status !== 'in-progress' && resource.status !== 'finished') {
    reader.issue('code-invalid', 'INVALID_VALUE', 'must be in-progress or finished', 'status');
  } else if ((resource.status === 'finished') !== Boolean(end)) {
    reader.issue('invariant', 'VALIDATION_FAILED', 'a finished encounter needs period.end, one in progress none', 'status');
  }
  const links = resource.episodeOfCare;
  if (!Array.isArray(links) || links.length !== 1) {
    reader.issue('required', 'MISSING_FIELD', 'needs exactly one reference to an EpisodeOfCare', 'episodeOfCare');
    return [];
  }
  const episode = episodeOf(
    reader,
    context,
    reader.reference('episodeOfCare[0]', { byIdentifier: true, value: links[0] }),
    'episodeOfCare[0].reference',
  );
  checkSubject(reader, episode, false);
  if (!reference || !setting || !start || !episode) return [];
  return [
    child(
      reader,
      'placement',
      episode,
      reference,
      { setting: setting.code, startDate: start.value, ...(end ? { endDate: end.value } : {}) },
      {
        setting: reader.path(setting.path),
        startDate: reader.path('period.start'),
        endDate: reader.path('period.end'),
      },
    ),
  ];
}

function mapProcedure(reader: ResourceReader, context: FhirContext): MappedRecord[] {
  reader.allowOnly(
    ['identifier', 'status', 'code', 'category', 'subject', 'performedDateTime'],
    ['performer', 'recorder', 'asserter', 'location'],
    [EXTENSIONS.episodeOfCare, EXTENSIONS.activityCount, EXTENSIONS.activityDuration, EXTENSIONS.parentsInvolved, EXTENSIONS.mentorTopic],
  );
  const reference = reader.recordReference();
  if (reader.resource.status !== 'completed') reader.issue('code-invalid', 'INVALID_VALUE', 'must be completed (care delivered)', 'status');
  const activity = reader.code('code', SYSTEMS.activityType);
  const domain = reader.code('category', SYSTEMS.domain, { required: false });
  const date = reader.date('performedDateTime');
  const link = reader.episode();
  const episode = link && episodeOf(reader, context, link.target, link.element);
  checkSubject(reader, episode, true);
  const count = reader.extension(EXTENSIONS.activityCount, 'valueInteger', 'number');
  const duration = reader.extension(EXTENSIONS.activityDuration, 'valueDuration', 'object');
  let minutes: unknown;
  if (duration) {
    const value = duration.value as Json | null;
    if (!value || value.system !== UCUM || value.code !== 'min') {
      reader.issue('value', 'INVALID_VALUE', `must be in minutes (system ${UCUM}, code min)`, duration.path);
    } else minutes = value.value;
  }
  const parents = reader.extension(EXTENSIONS.parentsInvolved, 'valueBoolean', 'boolean');
  const topics = reader.extensions(EXTENSIONS.mentorTopic, 'valueCode');
  if (!reference || !activity || !date || !episode) return [];
  const fields: Json = {
    activityTypeCode: activity.code,
    date: date.value,
    ...(count ? { count: count.value } : {}),
    ...(duration ? { durationMinutes: minutes } : {}),
    ...(domain ? { domain: domain.code } : {}),
    ...(parents ? { parentsInvolved: parents.value } : {}),
    ...(topics.length > 0 ? { topics: topics.map((topic) => topic.value) } : {}),
  };
  const paths: FieldPaths<'care_activity'> = {
    activityTypeCode: reader.path(activity.path),
    date: reader.path('performedDateTime'),
    count: reader.path(count?.path ?? 'extension'),
    durationMinutes: reader.path(duration ? `${duration.path}.value` : 'extension'),
    domain: reader.path(domain?.path ?? 'category'),
    parentsInvolved: reader.path(parents?.path ?? 'extension'),
    topics: reader.path(topics[0]?.path.split('.')[0] ?? 'extension'),
  };
  topics.forEach((topic, index) => {
    paths[`topics[${index}]`] = reader.path(topic.path);
  });
  return [child(reader, 'care_activity', episode, reference, fields, paths)];
}

function mapObservation(reader: ResourceReader, context: FhirContext): MappedRecord[] {
  reader.allowOnly(
    ['identifier', 'status', 'code', 'subject', 'effectiveDateTime', 'valueQuantity', 'valueInteger', 'performer'],
    ['device', 'specimen'],
    [EXTENSIONS.episodeOfCare],
  );
  const { resource } = reader;
  const reference = reader.recordReference();
  if (!['final', 'amended', 'corrected'].includes(resource.status as string)) {
    reader.issue('code-invalid', 'INVALID_VALUE', 'must be final, amended or corrected', 'status');
  }
  const instrument = reader.code('code', SYSTEMS.instrument);
  const date = reader.date('effectiveDateTime');
  const link = reader.episode();
  const episode = link && episodeOf(reader, context, link.target, link.element);
  const patient = checkSubject(reader, episode, false);
  const valuePath = resource.valueInteger !== undefined ? 'valueInteger' : 'valueQuantity.value';
  const value = resource.valueInteger ?? (isObject(resource.valueQuantity) ? resource.valueQuantity.value : undefined);
  if (typeof value !== 'number') reader.issue('required', 'MISSING_FIELD', 'needs valueInteger or valueQuantity.value', valuePath);
  // The informant is who performed the observation: the youth herself (her Patient), a parent
  // (RelatedPerson) or a mentor, clinician or teacher (PractitionerRole), each coded in the registry's informants.
  const performers = resource.performer;
  let informant: string | undefined;
  if (!Array.isArray(performers) || performers.length !== 1) {
    reader.issue('required', 'MISSING_FIELD', 'needs exactly one performer: the informant', 'performer');
  } else {
    const target = reader.reference('performer[0]', { value: performers[0] });
    if (target && 'fullUrl' in target) {
      informant = target.fullUrl === patient || context.patients.has(target.fullUrl) ? 'youth' : context.informants.get(target.fullUrl);
      if (!informant)
        reader.issue(
          'processing',
          'VALIDATION_FAILED',
          'names no Patient, RelatedPerson or PractitionerRole entry',
          'performer[0].reference',
        );
    }
  }
  if (!reference || !instrument || !date || !episode || !informant || typeof value !== 'number') return [];
  return [
    child(
      reader,
      'measurement',
      episode,
      reference,
      { instrumentCode: instrument.code, informant, date: date.value, value },
      {
        instrumentCode: reader.path(instrument.path),
        informant: reader.path('performer[0].reference'),
        date: reader.path('effectiveDateTime'),
        value: reader.path(valuePath),
      },
    ),
  ];
}

/** The ten youth-perspective items: one measurement each, by the youth, on the date authored. */
function mapQuestionnaireResponse(reader: ResourceReader, context: FhirContext): MappedRecord[] {
  reader.allowOnly(
    ['identifier', 'questionnaire', 'status', 'subject', 'authored', 'author', 'item'],
    ['source'],
    [EXTENSIONS.episodeOfCare],
  );
  const { resource } = reader;
  const reference = reader.recordReference();
  if (resource.questionnaire !== YOUTH_PERSPECTIVE_QUESTIONNAIRE) {
    reader.issue('code-invalid', 'INVALID_VALUE', `must be ${YOUTH_PERSPECTIVE_QUESTIONNAIRE}`, 'questionnaire');
  }
  if (resource.status !== 'completed') reader.issue('code-invalid', 'INVALID_VALUE', 'must be completed', 'status');
  const date = reader.date('authored');
  const link = reader.episode();
  const episode = link && episodeOf(reader, context, link.target, link.element);
  const patient = checkSubject(reader, episode, false);
  if (resource.author !== undefined) {
    const author = reader.reference('author');
    if (author && 'fullUrl' in author && author.fullUrl !== patient)
      reader.issue('invariant', 'INFORMANT_NOT_ALLOWED', 'must be the youth (her Patient)', 'author.reference');
  }
  const items = Array.isArray(resource.item) ? resource.item : [];
  if (items.length === 0) reader.issue('required', 'MISSING_FIELD', 'needs at least one answered item', 'item');
  const answers: Array<{ linkId: string; value: unknown; index: number }> = [];
  for (const [index, item] of items.entries()) {
    const at = `item[${index}]`;
    if (!isObject(item) || typeof item.linkId !== 'string') {
      reader.issue('required', 'MISSING_FIELD', 'needs a linkId', at);
      continue;
    }
    for (const key of Object.keys(item)) {
      if (key === 'text') reader.issue('security', 'PII_DETECTED', 'is free text; send linkId and answer only', `${at}.text`);
      else if (key !== 'linkId' && key !== 'answer')
        reader.issue('not-supported', 'UNKNOWN_FIELD', 'is not read by this registry', `${at}.${key}`);
    }
    const answer = Array.isArray(item.answer) && item.answer.length === 1 && isObject(item.answer[0]) ? item.answer[0] : undefined;
    if (!answer || Object.keys(answer).join() !== 'valueInteger') {
      reader.issue('value', 'INVALID_VALUE', 'needs exactly one answer with valueInteger', `${at}.answer`);
      continue;
    }
    answers.push({ linkId: item.linkId, value: answer.valueInteger, index });
  }
  if (!reference || !date || !episode) return [];
  return answers.map(({ linkId, value, index }) =>
    child(
      reader,
      'measurement',
      episode,
      { value: `${reference.value}:${linkId}`, path: reference.path },
      { instrumentCode: `${YOUTH_PERSPECTIVE_PREFIX}${linkId}`, informant: 'youth', date: date.value, value },
      {
        instrumentCode: reader.path(`item[${index}].linkId`),
        informant: reader.path('author'),
        date: reader.path('authored'),
        value: reader.path(`item[${index}].answer[0].valueInteger`),
      },
    ),
  );
}

const MAPPERS: Record<string, (reader: ResourceReader, context: FhirContext) => MappedRecord[]> = {
  Encounter: mapEncounter,
  Procedure: mapProcedure,
  Observation: mapObservation,
  QuestionnaireResponse: mapQuestionnaireResponse,
};

export function mapChild(reader: ResourceReader, context: FhirContext): MappedRecord[] {
  return MAPPERS[reader.resource.resourceType as string]?.(reader, context) ?? [];
}
