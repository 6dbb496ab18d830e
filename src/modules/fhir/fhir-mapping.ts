import { findPii, type PiiKind, scanForPii } from '../../lib/pii-guard';
import { mapChild } from './fhir-child-mapping';
import { type FhirContext, mapEpisode, mapInformantRole, mapPatient } from './fhir-subject-mapping';
import { isObject, isUrnUuid, type Json, ResourceReader } from './fhir-reader';
import { PSEUDONYM_SYSTEM } from './fhir-systems';
import type { FhirIssue } from './operation-outcome';

// FHIR R4 Bundle -> the ingest's records (src/modules/ingest/ingest.schemas.ts), with the FHIRPath
// of every record field, so a refusal of the ingest engine can name the FHIR element at fault.
// Pure: the records are validated, checked against the catalogue and written by the ingest
// engine, exactly as if they had come as NDJSON lines. docs/fhir.md documents the mapping.

export type BundleType = 'transaction' | 'batch';

export interface MappedRecord {
  /** The Bundle entry the record comes from. */
  entry: number;
  /** A line of the NDJSON ingest (type, reference and the record's fields); validated by the ingest. */
  record: Json;
  /** The FHIRPath of each record field ('' is the resource itself). */
  paths: Record<string, string>;
}

export interface MappedBundle {
  type: BundleType | undefined;
  entryCount: number;
  /** Trajectories first, so their children may hang under them whatever the Bundle's order. */
  records: MappedRecord[];
  issues: FhirIssue[];
}

export const SUPPORTED_RESOURCES = [
  'Patient',
  'EpisodeOfCare',
  'Encounter',
  'Procedure',
  'Observation',
  'QuestionnaireResponse',
  'PractitionerRole',
  'RelatedPerson',
] as const;

/** Elements whose value is a calendar date, where the PII guard expects one. */
const DATE_ELEMENTS = new Set(['period.start', 'period.end', 'performedDateTime', 'effectiveDateTime', 'authored']);

const bundleIssue = (issues: FhirIssue[], issue: Omit<FhirIssue, 'expression'>, element?: string) =>
  issues.push({ ...issue, expression: element ? `Bundle.${element}` : 'Bundle' });

/** Maps a parsed request body. Every problem is an issue; a record is made only from an entry without one. */
export function mapBundle(body: unknown): MappedBundle {
  const issues: FhirIssue[] = [];
  const empty = (type?: BundleType): MappedBundle => ({ type, entryCount: 0, records: [], issues });
  if (!isObject(body) || body.resourceType !== 'Bundle') {
    bundleIssue(issues, { code: 'structure', registryCode: 'VALIDATION_FAILED', diagnostics: 'the body must be a Bundle' }, 'resourceType');
    return empty();
  }
  const type = body.type === 'transaction' || body.type === 'batch' ? body.type : undefined;
  if (!type) {
    bundleIssue(issues, { code: 'not-supported', registryCode: 'VALIDATION_FAILED', diagnostics: 'must be transaction or batch' }, 'type');
  }
  for (const key of Object.keys(body)) {
    if (!['resourceType', 'id', 'type', 'entry'].includes(key)) {
      bundleIssue(issues, { code: 'not-supported', registryCode: 'UNKNOWN_FIELD', diagnostics: 'is not read by this registry' }, key);
    }
  }
  if (body.id !== undefined && (typeof body.id !== 'string' || findPii(body.id))) {
    bundleIssue(issues, { code: 'security', registryCode: 'PII_DETECTED', diagnostics: 'must be a plain id' }, 'id');
  }
  if (!Array.isArray(body.entry)) {
    bundleIssue(issues, { code: 'required', registryCode: 'MISSING_FIELD', diagnostics: 'is required (an array)' }, 'entry');
    return empty(type);
  }
  const entries = body.entry as unknown[];
  const readers = readEntries(entries, issues);
  const context: FhirContext = { patients: new Map(), episodes: new Map(), informants: new Map() };
  const refused = (entry: number) => issues.some((issue) => issue.entry === entry);
  const records: MappedRecord[] = [];
  // Who a record is about and who reported it come first; their entries make no record of their own.
  for (const reader of readers) {
    if (reader.resource.resourceType === 'Patient') mapPatient(reader, context);
    else if (reader.resource.resourceType === 'PractitionerRole' || reader.resource.resourceType === 'RelatedPerson')
      mapInformantRole(reader, context);
  }
  for (const reader of readers) {
    if (reader.resource.resourceType !== 'EpisodeOfCare') continue;
    const mapped = mapEpisode(reader, context);
    if (mapped) records.push(mapped);
  }
  for (const reader of readers) {
    if (!['Encounter', 'Procedure', 'Observation', 'QuestionnaireResponse'].includes(reader.resource.resourceType as string)) continue;
    records.push(...mapChild(reader, context));
  }
  for (const reader of readers) scanEntry(reader);
  return { type, entryCount: entries.length, records: records.filter((record) => !refused(record.entry)), issues };
}

/** Checks each entry's envelope (fullUrl, request) and makes a reader of its resource. */
function readEntries(entries: unknown[], issues: FhirIssue[]): ResourceReader[] {
  const fullUrls = new Set<string>();
  for (const entry of entries) if (isObject(entry) && isUrnUuid(entry.fullUrl)) fullUrls.add(entry.fullUrl);
  const seen = new Set<string>();
  const readers: ResourceReader[] = [];
  for (const [index, entry] of entries.entries()) {
    const at = (element?: string) => `Bundle.entry[${index}]${element ? `.${element}` : ''}`;
    const refuse = (issue: Omit<FhirIssue, 'expression' | 'entry'>, element?: string) =>
      issues.push({ ...issue, expression: at(element), entry: index });
    if (!isObject(entry)) {
      refuse({ code: 'structure', registryCode: 'INVALID_VALUE', diagnostics: 'must be an object' });
      continue;
    }
    for (const key of Object.keys(entry)) {
      if (!['fullUrl', 'resource', 'request'].includes(key))
        refuse({ code: 'not-supported', registryCode: 'UNKNOWN_FIELD', diagnostics: 'is not read by this registry' }, key);
    }
    if (!isUrnUuid(entry.fullUrl))
      refuse({ code: 'required', registryCode: 'MISSING_FIELD', diagnostics: 'must be a urn:uuid: fullUrl' }, 'fullUrl');
    else if (seen.has(entry.fullUrl))
      refuse({ code: 'duplicate', registryCode: 'VALIDATION_FAILED', diagnostics: 'is the fullUrl of an earlier entry' }, 'fullUrl');
    else seen.add(entry.fullUrl);
    const resource = entry.resource;
    const resourceType = isObject(resource) ? resource.resourceType : undefined;
    if (!isObject(resource) || !SUPPORTED_RESOURCES.includes(resourceType as never)) {
      refuse(
        { code: 'not-supported', registryCode: 'VALIDATION_FAILED', diagnostics: `must be one of ${SUPPORTED_RESOURCES.join(', ')}` },
        'resource.resourceType',
      );
      continue;
    }
    const request = entry.request;
    // Every entry is an upsert by the record's reference identifier, as in the REST ingest.
    if (!isObject(request) || request.method !== 'POST' || request.url !== resourceType || Object.keys(request).length !== 2) {
      refuse(
        { code: 'not-supported', registryCode: 'VALIDATION_FAILED', diagnostics: `must be { method: POST, url: ${String(resourceType)} }` },
        'request',
      );
    }
    readers.push(new ResourceReader(resource, index, String(entry.fullUrl), issues, fullUrls));
  }
  return readers;
}

const PII_NAMES: Record<PiiKind, string> = {
  bsn: 'a citizen service number',
  email: 'an e-mail address',
  phone: 'a phone number',
  date_of_birth: 'a full date (a date of birth?)',
  pseudonym: 'a source pseudonym outside the Patient identifier',
};

const valueAt = (root: unknown, path: ReadonlyArray<string | number>): unknown =>
  path.reduce<unknown>(
    (node, segment) => (node && typeof node === 'object' ? (node as Record<string | number, unknown>)[segment] : undefined),
    root,
  );

/**
 * The project's PII guard over every string of the resource, so nothing that looks like a BSN,
 * e-mail, phone number or date of birth passes, whatever element it hides in. The pseudonym in
 * its own identifier and dates in date elements are what is expected there.
 */
function scanEntry(reader: ResourceReader): void {
  const pseudonymPaths = new Set<string>();
  const identifiers = reader.resource.identifier;
  if (reader.resource.resourceType === 'Patient' && Array.isArray(identifiers)) {
    identifiers.forEach((identifier, index) => {
      if (isObject(identifier) && identifier.system === PSEUDONYM_SYSTEM) pseudonymPaths.add(`identifier.${index}.value`);
    });
  }
  for (const finding of scanForPii(reader.resource, { datePaths: DATE_ELEMENTS })) {
    const dotted = finding.path.join('.');
    if (finding.kind === 'pseudonym' && pseudonymPaths.has(dotted)) continue;
    // A urn:uuid reference is checked for its form and never stored; its hex digits and dashes can spell a phone number.
    if (isUrnUuid(valueAt(reader.resource, finding.path))) continue;
    const element = finding.path
      .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index ? '.' : ''}${segment}`))
      .join('');
    // Elements already refused as identifying are not reported twice.
    if (reader.hasIssueAt(element)) continue;
    reader.issue(
      'security',
      'PII_DETECTED',
      `holds what looks like ${PII_NAMES[finding.kind]}; the registry takes no direct identifiers`,
      element,
    );
  }
}
