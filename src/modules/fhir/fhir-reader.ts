import type { ErrorCode } from '../../lib/errors';
import { findPii } from '../../lib/pii-guard';
import { EXTENSIONS, RECORD_REFERENCE_SYSTEM } from './fhir-systems';
import type { FhirIssue, IssueType } from './operation-outcome';

// Reads one resource of a Bundle element by element, noting every problem as an issue with the
// FHIRPath of the element at fault (https://hl7.org/fhir/R4/fhirpath.html). Pure: no I/O.

export type Json = Record<string, unknown>;
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a reference points at: an entry of this Bundle (its fullUrl) or a record by its reference identifier. */
export type Target = { fullUrl: string } | { recordReference: string; path: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const URN_UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUrnUuid = (value: unknown): value is string => typeof value === 'string' && URN_UUID.test(value);

export class ResourceReader {
  /** Extensions by URL, with their index (an unknown URL is refused: an extension can carry anything). */
  private readonly extensionsByUrl = new Map<string, Array<{ value: Json; index: number }>>();

  constructor(
    readonly resource: Json,
    readonly entry: number,
    readonly fullUrl: string,
    private readonly issues: FhirIssue[],
    private readonly fullUrls: ReadonlySet<string>,
  ) {}

  get base(): string {
    return `Bundle.entry[${this.entry}].resource`;
  }

  path(element?: string): string {
    return element ? `${this.base}.${element}` : this.base;
  }

  /** True when anything about this entry (its envelope included) was refused. */
  refused(): boolean {
    return this.issues.some((issue) => issue.entry === this.entry);
  }

  /** True when an issue was already noted at this element or one that contains it. */
  hasIssueAt(element: string): boolean {
    const path = this.path(element);
    return this.issues.some(
      (issue) =>
        issue.entry === this.entry &&
        (path === issue.expression || path.startsWith(`${issue.expression}.`) || path.startsWith(`${issue.expression}[`)),
    );
  }

  issue(code: IssueType, registryCode: ErrorCode, diagnostics: string, element?: string): undefined {
    this.issues.push({ code, registryCode, diagnostics, expression: this.path(element), entry: this.entry });
    return undefined;
  }

  /** Refuses elements this mapping does not read; direct identifiers and free text as such. */
  allowOnly(allowed: readonly string[], identifying: readonly string[] = [], extensions: readonly string[] = []): void {
    for (const key of Object.keys(this.resource)) {
      if (allowed.includes(key) || key === 'resourceType' || key === 'id' || key === 'extension') continue;
      if (identifying.includes(key)) this.issue('security', 'PII_DETECTED', 'is a direct identifier; the registry takes none', key);
      else if (key === 'text' || key === 'note')
        this.issue('security', 'PII_DETECTED', 'is free text; the registry takes none (it may identify a youth)', key);
      else if (findPii(key)) this.issue('security', 'PII_DETECTED', 'an element name holds identifying data', '[key]');
      else this.issue('not-supported', 'UNKNOWN_FIELD', 'is not an element this registry reads; leave it out', key);
    }
    const id = this.resource.id;
    if (id !== undefined && (typeof id !== 'string' || findPii(id))) this.issue('security', 'PII_DETECTED', 'must be a plain id', 'id');
    const list = this.resource.extension;
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      this.issue('structure', 'INVALID_VALUE', 'must be an array', 'extension');
      return;
    }
    list.forEach((extension, index) => {
      const url = isObject(extension) ? extension.url : undefined;
      if (typeof url !== 'string' || !extensions.includes(url)) {
        this.issue('not-supported', 'UNKNOWN_FIELD', 'is not an extension this registry reads on this resource', `extension[${index}]`);
        return;
      }
      const known = this.extensionsByUrl.get(url) ?? [];
      known.push({ value: extension as Json, index });
      this.extensionsByUrl.set(url, known);
    });
  }

  /** The value[x] of extensions of one URL, with the path of each value. */
  extensions(url: string, valueKey: string): Array<{ value: unknown; path: string }> {
    return (this.extensionsByUrl.get(url) ?? []).map(({ value, index }) => ({
      value: value[valueKey],
      path: `extension[${index}].${valueKey}`,
    }));
  }

  /** A single extension's value[x]: a code, a boolean or an integer. */
  extension(url: string, valueKey: string, type: 'string' | 'boolean' | 'number' | 'object'): { value: unknown; path: string } | undefined {
    const found = this.extensions(url, valueKey);
    if (found.length > 1) return this.issue('structure', 'INVALID_VALUE', 'is given more than once', found[1]!.path.split('.')[0]);
    const [first] = found;
    if (first && typeof first.value !== type) return this.issue('structure', 'INVALID_VALUE', `must have ${valueKey}`, first.path);
    return first;
  }

  /** The record reference: the identifier of the registry's record-reference system. */
  recordReference(): { value: string; path: string } | undefined {
    const identifiers = this.resource.identifier;
    // A list on most resources; one Identifier on QuestionnaireResponse (https://hl7.org/fhir/R4/questionnaireresponse.html).
    const single = isObject(identifiers);
    const list = Array.isArray(identifiers) ? identifiers : single ? [identifiers] : [];
    const index = list.findIndex((identifier) => isObject(identifier) && identifier.system === RECORD_REFERENCE_SYSTEM);
    const value = index >= 0 ? (list[index] as Json).value : undefined;
    if (typeof value !== 'string')
      return this.issue('required', 'MISSING_FIELD', `needs an identifier of system ${RECORD_REFERENCE_SYSTEM}`, 'identifier');
    list.forEach((_identifier, other) => {
      if (other !== index)
        this.issue('not-supported', 'UNKNOWN_FIELD', 'only the record-reference identifier is read', `identifier[${other}]`);
    });
    return { value, path: single ? 'identifier.value' : `identifier[${index}].value` };
  }

  /** The code of the first coding of `system` in a CodeableConcept (or a list of them). */
  code(element: string, system: string, options: { list?: boolean; required?: boolean } = {}): { code: string; path: string } | undefined {
    const raw = this.resource[element];
    if (raw === undefined) return options.required === false ? undefined : this.issue('required', 'MISSING_FIELD', 'is required', element);
    const concepts = options.list ? (Array.isArray(raw) ? raw : [undefined]) : [raw];
    for (const [conceptIndex, concept] of concepts.entries()) {
      const conceptPath = options.list ? `${element}[${conceptIndex}]` : element;
      if (!isObject(concept) || !Array.isArray(concept.coding))
        return this.issue('structure', 'INVALID_VALUE', 'needs a coding', conceptPath);
      if (concept.text !== undefined)
        return this.issue('security', 'PII_DETECTED', 'is free text; send codings only', `${conceptPath}.text`);
      for (const [codingIndex, coding] of concept.coding.entries()) {
        if (!isObject(coding) || coding.system !== system) continue;
        const path = `${conceptPath}.coding[${codingIndex}].code`;
        if (typeof coding.code !== 'string') return this.issue('required', 'MISSING_FIELD', 'is required', path);
        return { code: coding.code, path };
      }
    }
    return this.issue('code-invalid', 'INVALID_VALUE', `needs a coding of system ${system}`, element);
  }

  /** A date as YYYY-MM-DD: the registry keeps calendar dates only (times are not needed for the indicators). */
  date(element: string, required = true): { value: string; path: string } | undefined {
    const [head, tail] = element.split('.') as [string, string | undefined];
    const container = tail ? this.resource[head] : this.resource;
    const value = isObject(container) ? container[tail ?? head] : undefined;
    if (value === undefined) return required ? this.issue('required', 'MISSING_FIELD', 'is required', element) : undefined;
    if (typeof value !== 'string' || !DATE.test(value))
      return this.issue('value', 'INVALID_VALUE', 'must be a date as YYYY-MM-DD', element);
    return { value, path: element };
  }

  /**
   * A reference to an entry of this Bundle by its urn:uuid fullUrl, or (where `byIdentifier`) a
   * logical reference to an earlier-pushed record by its record reference. Nothing outside the
   * Bundle is looked up (https://hl7.org/fhir/R4/bundle.html#references).
   */
  reference(element: string, options: { byIdentifier?: boolean; value?: unknown } = {}): Target | undefined {
    const raw = 'value' in options ? options.value : this.resource[element];
    if (!isObject(raw)) return this.issue('required', 'MISSING_FIELD', 'needs a reference to an entry of this Bundle', element);
    if (raw.display !== undefined) return this.issue('security', 'PII_DETECTED', 'is free text; leave display out', `${element}.display`);
    if (raw.reference === undefined && options.byIdentifier && isObject(raw.identifier)) {
      const { system, value } = raw.identifier;
      if (system === RECORD_REFERENCE_SYSTEM && typeof value === 'string')
        return { recordReference: value, path: `${element}.identifier.value` };
    }
    if (!isUrnUuid(raw.reference) || !this.fullUrls.has(raw.reference)) {
      return this.issue(
        'not-found',
        'VALIDATION_FAILED',
        'refers to a resource outside this Bundle; refer to an entry by its urn:uuid fullUrl',
        `${element}.reference`,
      );
    }
    return { fullUrl: raw.reference };
  }

  /** The episode a Procedure, Observation or QuestionnaireResponse belongs to (HL7's workflow-episodeOfCare extension). */
  episode(): { target: Target; element: string } | undefined {
    const [found, ...more] = this.extensions(EXTENSIONS.episodeOfCare, 'valueReference');
    if (!found) return this.issue('required', 'MISSING_FIELD', `needs the extension ${EXTENSIONS.episodeOfCare}`, 'extension');
    if (more.length > 0) return this.issue('structure', 'INVALID_VALUE', 'names one episode only', more[0]!.path);
    const target = this.reference(found.path, { byIdentifier: true, value: found.value });
    return target && { target, element: `${found.path}.reference` };
  }
}
