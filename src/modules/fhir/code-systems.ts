import {
  DOMAINS,
  END_REASONS,
  EXPLOITATION_AT_INTAKE,
  GENDERS,
  INFORMANTS,
  MENTOR_TOPICS,
  RESEARCH_CONSENT,
  SETTINGS,
  YES_NO_UNKNOWN,
} from '../../lib/vocabulary';
import type { CatalogueRepository } from '../catalogue';
import { codeSystemUrl } from './fhir-systems';

// The registry's catalogues and vocabulary as FHIR R4 CodeSystems
// (https://hl7.org/fhir/R4/codesystem.html), so an EHR can map its own codes to them. Built from
// the same lists the ingest checks codes against: what is published is what is accepted. Pure.

type Property = { code: string; valueCode?: string; valueDecimal?: number; valueBoolean?: boolean };
interface Concept {
  code: string;
  display: string;
  property?: Property[];
}

export interface CodeSystem {
  resourceType: 'CodeSystem';
  id: string;
  url: string;
  name: string;
  title: string;
  status: 'active';
  experimental: boolean;
  description: string;
  caseSensitive: true;
  content: 'complete';
  count: number;
  property?: Array<{ code: string; type: 'code' | 'decimal' | 'boolean'; description: string }>;
  concept: Concept[];
}

export interface Catalogue {
  programmes: Awaited<ReturnType<CatalogueRepository['listProgrammes']>>;
  activityTypes: Awaited<ReturnType<CatalogueRepository['listActivityTypes']>>;
  instruments: Awaited<ReturnType<CatalogueRepository['listInstruments']>>;
}

/** 'non_binary' -> 'Non binary': a readable display of a vocabulary code. */
const displayOf = (code: string) => code.charAt(0).toUpperCase() + code.slice(1).replace(/_/g, ' ');

function codeSystem(id: string, title: string, description: string, concept: Concept[], property?: CodeSystem['property']): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id,
    url: codeSystemUrl(id),
    name: title.replace(/[^A-Za-z0-9]/g, ''),
    title,
    status: 'active',
    // The reference data is synthetic (shared/domain.md); a deployment replaces it.
    experimental: true,
    description,
    caseSensitive: true,
    content: 'complete',
    count: concept.length,
    ...(property ? { property } : {}),
    concept,
  };
}

const vocabulary = (id: string, title: string, codes: readonly string[]) =>
  codeSystem(
    id,
    title,
    `${title}: the registry's controlled vocabulary.`,
    codes.map((code) => ({ code, display: displayOf(code) })),
  );

const code = (name: string, value: string | null | undefined): Property[] => (value ? [{ code: name, valueCode: value }] : []);
const decimal = (name: string, value: number | null | undefined): Property[] =>
  value == null ? [] : [{ code: name, valueDecimal: value }];

export function codeSystems(catalogue: Catalogue): CodeSystem[] {
  return [
    codeSystem(
      'programmes',
      'Care programmes',
      "The participating institutions' care programmes; an institution may push trajectories under its own only.",
      catalogue.programmes.map((programme) => ({
        code: programme.code,
        display: programme.name,
        property: [...code('institution', programme.institutionCode), ...programme.settings.flatMap((setting) => code('setting', setting))],
      })),
      [
        { code: 'institution', type: 'code', description: 'The institution that runs the programme' },
        { code: 'setting', type: 'code', description: 'A setting of the programme (CodeSystem settings)' },
      ],
    ),
    codeSystem(
      'activity-types',
      'Care activity types',
      'Care activities delivered (Procedure.code): their domain, unit (count or minutes) and core element.',
      catalogue.activityTypes.map((type) => ({
        code: type.code,
        display: type.name,
        property: [...code('domain', type.domain), ...code('unit', type.unit), ...code('coreElement', type.coreElement)],
      })),
      [
        { code: 'domain', type: 'code', description: 'The domain it targets (CodeSystem domains)' },
        { code: 'unit', type: 'code', description: 'count or minutes: which amount the activity needs' },
        { code: 'coreElement', type: 'code', description: 'The core element it belongs to, if any' },
      ],
    ),
    codeSystem(
      'instruments',
      'Measurement instruments',
      'Instruments (Observation.code, and the youth-perspective items as youth_perspective_<linkId>): range, direction, cut-off and who may report them.',
      catalogue.instruments.map((instrument) => ({
        code: instrument.code,
        display: instrument.name,
        property: [
          ...code('domain', instrument.domain),
          ...decimal('minValue', instrument.minValue),
          ...decimal('maxValue', instrument.maxValue),
          { code: 'higherIsBetter', valueBoolean: instrument.higherIsBetter },
          ...decimal('clinicalCutoff', instrument.clinicalCutoff),
          ...instrument.informants.flatMap((informant) => code('informant', informant)),
        ],
      })),
      [
        { code: 'domain', type: 'code', description: 'The domain it measures (CodeSystem domains)' },
        { code: 'minValue', type: 'decimal', description: 'The lowest value accepted' },
        { code: 'maxValue', type: 'decimal', description: 'The highest value accepted' },
        { code: 'higherIsBetter', type: 'boolean', description: 'Whether a higher value is better' },
        { code: 'clinicalCutoff', type: 'decimal', description: 'The clinical cut-off, if any' },
        { code: 'informant', type: 'code', description: 'An informant allowed to report it (CodeSystem informants)' },
      ],
    ),
    vocabulary('informants', 'Informants', INFORMANTS),
    vocabulary('settings', 'Settings', SETTINGS),
    vocabulary('domains', 'Domains', DOMAINS),
    vocabulary('genders', 'Genders', GENDERS),
    vocabulary('research-consent', 'Research consent', RESEARCH_CONSENT),
    vocabulary('exploitation-at-intake', 'Exploitation at intake', EXPLOITATION_AT_INTAKE),
    vocabulary('end-reasons', 'End reasons', END_REASONS),
    vocabulary('mentor-topics', 'Mentor conversation topics', MENTOR_TOPICS),
    vocabulary('yes-no-unknown', 'Yes, no or unknown', YES_NO_UNKNOWN),
  ];
}
