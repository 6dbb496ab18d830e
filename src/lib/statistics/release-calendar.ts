// The statistics release calendar: releases come at the start of each period (a week, a month, a
// quarter), never because someone pushed enough records. Periods are named in UTC.

export const CALENDARS = ['weekly', 'monthly', 'quarterly', 'manual'] as const;
export type Calendar = (typeof CALENDARS)[number];

/** The period a moment belongs to under a calendar: 2026-W49, 2026-12, 2026-Q4 (UTC); 'manual' has none. */
export function periodOf(moment: Date, calendar: Calendar): string | null {
  const year = moment.getUTCFullYear();
  const month = moment.getUTCMonth() + 1;
  switch (calendar) {
    case 'manual':
      return null;
    case 'quarterly':
      return `${year}-Q${Math.floor((month - 1) / 3) + 1}`;
    case 'monthly':
      return `${year}-${String(month).padStart(2, '0')}`;
    case 'weekly': {
      // ISO 8601 week: the week with the year's first Thursday is week 1.
      const day = new Date(Date.UTC(year, moment.getUTCMonth(), moment.getUTCDate()));
      const weekday = day.getUTCDay() || 7;
      day.setUTCDate(day.getUTCDate() + 4 - weekday);
      const weekYear = day.getUTCFullYear();
      const week = Math.ceil(((day.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000 + 1) / 7);
      return `${weekYear}-W${String(week).padStart(2, '0')}`;
    }
  }
}
