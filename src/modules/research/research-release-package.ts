import { daysBetween } from '../../lib/dates';
import { reliableChange } from '../../lib/statistics/reliable-change';
import { type SeriesInstrument, seriesChange } from '../../lib/statistics/trajectory-indicators';
import {
  DOMAINS,
  END_REASONS,
  EXPLOITATION_AT_INTAKE,
  GENDERS,
  INFORMANTS,
  MENTOR_TOPICS,
  SETTINGS,
  YES_NO_UNKNOWN,
  YOUTH_PERSPECTIVE_PREFIX,
} from '../../lib/vocabulary';
import { outcomeIndicators } from '../indicators';
import type { ReleasedDocument } from './research-releases.repository';
import { seriesOfMeasurements } from './research.repository';

// A research release as a Frictionless Tabular Data Package (https://specs.frictionlessdata.io/):
// one CSV per table and a datapackage.json whose Table Schemas are the codebook (type, unit,
// allowed values, description per column). The columns are what a researcher sees through
// GraphQL, no more: day offsets from the trajectory's start and its start month, never a
// calendar date; the youth's other trajectories by their ids in the release. Pure: the export
// (research-release-export.ts) streams documents through `rowsOf`.

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean';

export interface Column {
  name: string;
  type: ColumnType;
  description: string;
  unit?: string;
  values?: readonly string[];
  required?: boolean;
}

/** What a table's rows are computed with besides the document. */
export interface RowContext {
  instruments: Map<string, SeriesInstrument>;
  intakeWindowDays: number;
}

export interface Table {
  name: string;
  description: string;
  columns: Column[];
  primaryKey?: string[];
  /** The document parts the rows need (a release is read once per table, these parts only). */
  parts: ReadonlyArray<keyof ReleasedDocument>;
  /** `document` holds `parts` (and its trajectory id). */
  rowsOf(document: ReleasedDocument & { id: string }, context: RowContext): unknown[][];
}

const OUTCOME_CLASSES = ['improved', 'not_improved', 'mixed', 'insufficient_data'] as const;
const RECOGNITION = ['low_recognition', 'shared_recognition', 'no_problems_reported', 'unknown'] as const;
const CHANGES = ['improved', 'unchanged', 'deteriorated'] as const;
const CATEGORIES = ['recovered', 'improved', 'unchanged', 'deteriorated'] as const;

const trajectoryId: Column = {
  name: 'trajectory_id',
  type: 'string',
  required: true,
  description: 'The trajectory’s id in the registry (the same id GraphQL gives).',
};
const day = (what: string): Column => ({
  name: 'day',
  type: 'integer',
  unit: 'days',
  required: true,
  description: `Days from the trajectory’s start to ${what}.`,
});

const seriesOf = (document: Pick<ReleasedDocument, 'measurements'>, instruments: Map<string, SeriesInstrument>) =>
  seriesOfMeasurements(document.measurements).flatMap((series) => {
    const instrument = instruments.get(series.instrument_code);
    return instrument ? [{ instrument, informant: series.informant, observations: series.observations }] : [];
  });

/** One split of the document's measurements: the youth-perspective items' rows, or the others'. */
const measurementRows =
  (perspective: boolean): Table['rowsOf'] =>
  (document) =>
    document.measurements
      .filter(([instrument]) => instrument.startsWith(YOUTH_PERSPECTIVE_PREFIX) === perspective)
      .map(([instrument, informant, days, value]) => [document.id, instrument, informant, days, value]);

export const TABLES: Table[] = [
  {
    name: 'trajectories',
    description: 'One row per trajectory (an episode of care at one institution).',
    primaryKey: ['trajectory_id'],
    parts: ['row', 'others', 'measurements'],
    columns: [
      trajectoryId,
      { name: 'institution_code', type: 'string', required: true, description: 'The institution that recorded the trajectory.' },
      { name: 'programme_code', type: 'string', required: true, description: 'The programme the youth followed there.' },
      { name: 'start_month', type: 'string', required: true, description: 'The month the trajectory started, YYYY-MM.' },
      { name: 'end_day', type: 'integer', unit: 'days', required: true, description: 'Days from start to end.' },
      { name: 'end_reason', type: 'string', values: END_REASONS, description: 'Why the trajectory ended.' },
      {
        name: 'exploitation_at_intake',
        type: 'string',
        values: EXPLOITATION_AT_INTAKE,
        required: true,
        description: 'Exploitation at intake.',
      },
      { name: 'age_at_start', type: 'integer', unit: 'years', required: true, description: 'Year of start minus year of birth.' },
      { name: 'gender', type: 'string', values: GENDERS, required: true, description: 'As the institution recorded it.' },
      {
        name: 'mild_intellectual_disability',
        type: 'string',
        values: YES_NO_UNKNOWN,
        required: true,
        description: 'Mild intellectual disability.',
      },
      {
        name: 'prior_youth_care',
        type: 'string',
        values: YES_NO_UNKNOWN,
        required: true,
        description: 'Youth care before this trajectory.',
      },
      {
        name: 'outcome_class',
        type: 'string',
        values: OUTCOME_CLASSES,
        required: true,
        description: 'The study’s outcome class over the four domains.',
      },
      { name: 'problem_recognition', type: 'string', values: RECOGNITION, required: true, description: 'Problem recognition at intake.' },
      {
        name: 'other_trajectory_ids',
        type: 'string',
        description: 'The same youth’s other trajectories in this release, separated by semicolons.',
      },
    ],
    rowsOf(document, context) {
      const { row } = document;
      const outcomes =
        row.stored_outcomes ??
        (() => {
          const computed = outcomeIndicators(seriesOf(document, context.instruments), context.intakeWindowDays);
          return { outcome_class: computed.outcomeClass, problem_recognition: computed.problemRecognition };
        })();
      return [
        [
          row.id,
          row.institution_code,
          row.programme_code,
          row.start_date.slice(0, 7),
          daysBetween(row.start_date, row.end_date!),
          row.end_reason,
          row.exploitation_at_intake,
          Number(row.start_date.slice(0, 4)) - row.birth_year,
          row.gender,
          row.mild_intellectual_disability,
          row.prior_youth_care,
          outcomes.outcome_class,
          outcomes.problem_recognition,
          document.others.join(';') || null,
        ],
      ];
    },
  },
  {
    name: 'placements',
    description: 'Periods in a care setting.',
    parts: ['placements'],
    columns: [
      trajectoryId,
      { name: 'setting', type: 'string', values: SETTINGS, required: true, description: 'The care setting.' },
      {
        name: 'start_day',
        type: 'integer',
        unit: 'days',
        required: true,
        description: 'Days from the trajectory’s start to the placement’s.',
      },
      {
        name: 'end_day',
        type: 'integer',
        unit: 'days',
        description: 'Days from the trajectory’s start to the placement’s end (empty: to the end).',
      },
    ],
    rowsOf: (document) => document.placements.map((p) => [p.trajectory_id, p.setting, p.start_day, p.end_day]),
  },
  {
    name: 'activities',
    description: 'Care activities delivered.',
    parts: ['activities'],
    columns: [
      trajectoryId,
      { name: 'activity_type_code', type: 'string', required: true, description: 'The activity type (the registry’s catalogue).' },
      day('the activity'),
      { name: 'count', type: 'integer', description: 'Occurrences, for activities counted.' },
      { name: 'duration_minutes', type: 'integer', unit: 'minutes', description: 'Duration, for activities counted in minutes.' },
      { name: 'domain', type: 'string', values: DOMAINS, description: 'The outcome domain the activity serves.' },
      { name: 'parents_involved', type: 'boolean', description: 'Treatment-plan meetings: whether parents took part.' },
      {
        name: 'topics',
        type: 'string',
        description: `Mentor conversations: topics, separated by semicolons (${MENTOR_TOPICS.join(', ')}).`,
      },
    ],
    rowsOf: (document) =>
      document.activities.map((a) => [
        a.trajectory_id,
        a.activity_type_code,
        a.day,
        a.count,
        a.duration_minutes,
        a.domain,
        a.parents_involved,
        a.topics?.join(';') ?? null,
      ]),
  },
  {
    name: 'measurements',
    description: 'Instrument scores and statuses (the youth-perspective items are in perspective_answers).',
    parts: ['measurements'],
    columns: [
      trajectoryId,
      { name: 'instrument_code', type: 'string', required: true, description: 'The instrument (the registry’s catalogue).' },
      { name: 'informant', type: 'string', values: INFORMANTS, required: true, description: 'Who answered.' },
      day('the measurement'),
      { name: 'value', type: 'number', required: true, description: 'The score, or the status’s coded value.' },
    ],
    rowsOf: measurementRows(false),
  },
  {
    name: 'perspective_answers',
    description: 'The youth’s own perspective: answers to the ten items.',
    parts: ['measurements'],
    columns: [
      trajectoryId,
      { name: 'item_code', type: 'string', required: true, description: 'The item (an instrument code youth_perspective_…).' },
      { name: 'informant', type: 'string', values: INFORMANTS, required: true, description: 'Who answered.' },
      day('the answer'),
      { name: 'value', type: 'number', required: true, description: 'The answer on the item’s scale.' },
    ],
    rowsOf: measurementRows(true),
  },
  {
    name: 'indicators',
    description: 'N=1 indicators per measurement series (instrument and informant), as GraphQL computes them.',
    parts: ['measurements'],
    columns: [
      trajectoryId,
      { name: 'instrument_code', type: 'string', required: true, description: 'The instrument.' },
      { name: 'informant', type: 'string', values: INFORMANTS, required: true, description: 'Who answered.' },
      { name: 'observations', type: 'integer', required: true, description: 'Observations in the series.' },
      { name: 'change', type: 'string', values: CHANGES, description: 'First to last observation, oriented so improved is better.' },
      { name: 'rci', type: 'number', description: 'Reliable change index (Jacobson & Truax 1991), positive is improvement.' },
      { name: 'reliable', type: 'boolean', description: 'Whether |RCI| exceeds 1.96.' },
      { name: 'change_category', type: 'string', values: CATEGORIES, description: 'Jacobson & Truax category.' },
    ],
    rowsOf: (document, context) =>
      seriesOf(document, context.instruments).map((series) => {
        const { observations, instrument } = series;
        const rci =
          instrument.kind === 'score' && observations.length >= 2
            ? reliableChange(observations[0]!.value, observations[observations.length - 1]!.value, instrument)
            : null;
        return [
          document.id,
          instrument.code,
          series.informant,
          observations.length,
          seriesChange(series),
          rci?.rci ?? null,
          rci ? rci.reliable : null,
          rci?.category ?? null,
        ];
      }),
  },
];

/** A Table Schema (the codebook) of a table. */
export function tableSchemaOf(table: Table) {
  return {
    fields: table.columns.map((column) => ({
      name: column.name,
      type: column.type,
      description: column.description,
      ...(column.unit ? { unit: column.unit } : {}),
      ...(column.required || column.values
        ? { constraints: { ...(column.required ? { required: true } : {}), ...(column.values ? { enum: [...column.values] } : {}) } }
        : {}),
    })),
    missingValues: [''],
    ...(table.primaryKey ? { primaryKey: table.primaryKey } : {}),
    ...(table.name !== 'trajectories'
      ? { foreignKeys: [{ fields: ['trajectory_id'], reference: { resource: 'trajectories', fields: ['trajectory_id'] } }] }
      : {}),
  };
}
