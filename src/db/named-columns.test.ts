import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryBuilder } from './client';
import { named } from './named-columns';
import { careActivities, programmes, trajectories } from './schema';

// runOn maps no row: the statement itself must name each column as the caller reads it.

describe('named', () => {
  it('selects each column under its key, a date as its text', () => {
    const query = queryBuilder
      .select(named({ reference: trajectories.reference, programmeCode: programmes.code, startDate: trajectories.startDate }))
      .from(trajectories)
      .innerJoin(programmes, eq(programmes.id, trajectories.programmeId));
    expect(query.toSQL().sql).toBe(
      'select "trajectories"."reference" as "reference", "programmes"."code" as "programmeCode", "trajectories"."start_date"::text as "startDate" ' +
        'from "trajectories" inner join "programmes" on "programmes"."id" = "trajectories"."programme_id"',
    );
  });

  it('refuses a column the drivers give otherwise than Drizzle (a bigint comes as a string)', () => {
    expect(() => named({ id: careActivities.id })).toThrow(/bigint/);
  });
});
