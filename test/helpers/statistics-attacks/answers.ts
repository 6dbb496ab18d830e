import type { StatisticsAnswer } from '../../../src/modules/statistics/statistics.service';
import { TRUTH_GROUPINGS, type TruthGrouping } from '../statistics-truth';

// Every answer a role can ask for, fetched once: what an attacker with a key holds at one moment.

export const ATTACK_MEASURES = ['overview', 'outcomes', 'recognition', 'perspective', 'care'] as const;
export type AttackMeasure = (typeof ATTACK_MEASURES)[number];

export interface AnswerRequest {
  measure: AttackMeasure;
  grouping: TruthGrouping | null;
}

/** A role's answers by `${measure}|${grouping ?? 'total'}|${part}` (part: national, or own for an institution). */
export type AnswerSet = Map<string, StatisticsAnswer>;

export const answerKey = (request: AnswerRequest, part: 'national' | 'own') => `${request.measure}|${request.grouping ?? 'total'}|${part}`;

/** Every measure by every grouping and by none (recognition has no grouping). */
export function allRequests(
  options: { measures?: readonly AttackMeasure[]; groupings?: ReadonlyArray<TruthGrouping | null> } = {},
): AnswerRequest[] {
  const measures = options.measures ?? ATTACK_MEASURES;
  const groupings = options.groupings ?? [null, ...TRUTH_GROUPINGS];
  return measures.flatMap((measure): AnswerRequest[] =>
    measure === 'recognition' ? [{ measure, grouping: null }] : groupings.map((grouping) => ({ measure, grouping })),
  );
}

/** How one role asks: the national answer, and for an institution its own beside it. */
export type Asker = (request: AnswerRequest) => Promise<{ national: StatisticsAnswer; own?: StatisticsAnswer | null }>;

export async function collectAnswers(ask: Asker, requests: AnswerRequest[]): Promise<AnswerSet> {
  const answers: AnswerSet = new Map();
  for (const request of requests) {
    const { national, own } = await ask(request);
    answers.set(answerKey(request, 'national'), national);
    if (own) answers.set(answerKey(request, 'own'), own);
  }
  return answers;
}

/** The GraphQL comparison's values as the REST answer has them. */
export function fromGraphql(
  table: {
    groups: Array<{ group: string; values: Array<{ name: string; value: number | null; suppressed: boolean }> }>;
    total: Array<{ name: string; value: number | null; suppressed: boolean }>;
  },
  frame: Omit<StatisticsAnswer, 'groups' | 'total'>,
): StatisticsAnswer {
  const record = (values: Array<{ name: string; value: number | null; suppressed: boolean }>) =>
    Object.fromEntries(values.map(({ name, value, suppressed }) => [name, { value, suppressed }]));
  return {
    ...frame,
    groups: table.groups.map((group) => ({ group: group.group, values: record(group.values) })),
    total: record(table.total),
  };
}

export const GRAPHQL_TABLE =
  'measure groupBy population disclosureControl { method perturbationTable maximumDeviation variance threshold magnitudeNoise minimumBase releaseMinimumYouths releaseMinimumOthers releaseCalendar releasedAt release { id publishedAt period researchCutoff } notes } groups { group values { name value suppressed } } total { name value suppressed }';
