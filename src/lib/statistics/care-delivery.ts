// Dose and fidelity: what a youth received, against the programme's fixed offer.
import type { CoreElement } from '../vocabulary';

export const DAYS_PER_PERIOD = { week: 7, month: 365.25 / 12, quarter: 365.25 / 4 } as const;

export interface DeliveredActivity {
  activityTypeCode: string;
  count: number | null;
  durationMinutes: number | null;
}

export interface OfferItem {
  activityTypeCode: string;
  expectedCount: number;
  period: 'week' | 'month' | 'quarter' | 'trajectory';
  coreElement: CoreElement | null;
}

export interface Dose {
  activityTypeCode: string;
  /** Occurrences: the count given, or one for an activity recorded in minutes only. */
  count: number;
  minutes: number;
  perMonthInCare: number;
}

const occurrences = (activity: DeliveredActivity) => activity.count ?? 1;

export function dosePerActivityType(activities: readonly DeliveredActivity[], daysInCare: number): Dose[] {
  const months = Math.max(daysInCare, 1) / DAYS_PER_PERIOD.month;
  const byType = new Map<string, { count: number; minutes: number }>();
  for (const activity of activities) {
    const entry = byType.get(activity.activityTypeCode) ?? { count: 0, minutes: 0 };
    entry.count += occurrences(activity);
    entry.minutes += activity.durationMinutes ?? 0;
    byType.set(activity.activityTypeCode, entry);
  }
  return [...byType.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([activityTypeCode, { count, minutes }]) => ({ activityTypeCode, count, minutes, perMonthInCare: count / months }));
}

export interface FidelityItem {
  activityTypeCode: string;
  coreElement: CoreElement | null;
  expected: number;
  delivered: number;
  /** delivered / expected, capped at 1: more than the offer does not make up for less elsewhere. */
  score: number;
}

export interface Fidelity {
  items: FidelityItem[];
  coreElements: Array<{ coreElement: CoreElement; expected: number; delivered: number; score: number }>;
  /** Mean of the item scores, 0 to 1; null for a programme without a fixed offer. */
  summary: number | null;
}

export function fidelity(offer: readonly OfferItem[], activities: readonly DeliveredActivity[], daysInCare: number): Fidelity {
  const delivered = new Map<string, number>();
  for (const activity of activities)
    delivered.set(activity.activityTypeCode, (delivered.get(activity.activityTypeCode) ?? 0) + occurrences(activity));
  const items = offer.map((item) => {
    const expected =
      item.period === 'trajectory' ? item.expectedCount : (item.expectedCount * Math.max(daysInCare, 1)) / DAYS_PER_PERIOD[item.period];
    const got = delivered.get(item.activityTypeCode) ?? 0;
    return {
      activityTypeCode: item.activityTypeCode,
      coreElement: item.coreElement,
      expected,
      delivered: got,
      score: Math.min(1, got / expected),
    };
  });
  const mean = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null);
  const coreElements = [...new Set(items.map((item) => item.coreElement).filter((core): core is CoreElement => core !== null))]
    .sort()
    .map((coreElement) => {
      const members = items.filter((item) => item.coreElement === coreElement);
      return {
        coreElement,
        expected: members.reduce((sum, item) => sum + item.expected, 0),
        delivered: members.reduce((sum, item) => sum + item.delivered, 0),
        score: mean(members.map((item) => item.score))!,
      };
    });
  return { items, coreElements, summary: mean(items.map((item) => item.score)) };
}
