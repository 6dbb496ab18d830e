import { describe, expect, inject, it } from 'vitest';
import { STATISTICS_FAMILIES } from '../src/db/schema';
import { transactionWithoutRecords } from '../src/db/unit-of-work';
import { insertSyntheticTrajectories } from '../src/modules/demo/demo-data.service';
import { createStatisticsReleasesRepository, type Decision } from '../src/modules/statistics/statistics-releases.repository';
import { addYouth, youthsToAdd } from './helpers/statistics-attacks/added-youths';
import { closeWorldAfterEach, REGISTRY_KEY, released, youthsAt } from './helpers/release-model-world';

// The release model (issue #23): answers are read from a release and change only at the next;
// a release refreshes a family only when, for every institution, none or enough of the changed
// youths are not its own; an erasure reaches the records at once and the figures at the next
// release. Churn, the history and the calendar: statistics-release-model-log.test.ts (two files,
// so they run side by side). Each test has a world of its own (helpers/release-model-world.ts).

closeWorldAfterEach();

describe('statistics releases', () => {
  it('hold a release in which one institution’s own pushes make up the numbers (fillers and one youth of another)', async () => {
    const { t, snapshot, catchUp } = await released();
    const before = await snapshot();
    const fillers = youthsAt(45, 'vuurtorenhuis', 'vuurtorenhuis-baken', 'FILL', 41);
    await insertSyntheticTrajectories(t.database, REGISTRY_KEY, fillers);
    await addYouth(t.database, REGISTRY_KEY, youthsAt(1, 'lindehof', 'lindehof-beschermd', 'REAL', 42)[0]!);
    await catchUp();
    const held = await t.app.statisticsReleases.release();
    expect(held!.outcome).toBe('waiting');
    // Over 40 youths changed (the minimum of all changes together), but for the institution that
    // pushed all but one of them only one is not its own.
    const youths = new Set(fillers.map((youth) => youth.subject.key)).size + 1;
    expect(youths).toBeGreaterThanOrEqual(40);
    expect(held!.families.membership).toEqual({ changed: youths, fewestOthers: 1, released: false });
    expect(await snapshot()).toEqual(before);
    // Seen failing: with the per-institution count taken out of decideRelease, this release published at once.

    // Youths of every institution arrive: once every institution sees enough of others' youths change, it goes.
    await insertSyntheticTrajectories(t.database, REGISTRY_KEY, youthsToAdd(60, { seed: 43, asOf: '2026-06-30', label: 'MORE' }));
    await catchUp();
    const published = await t.app.statisticsReleases.release();
    expect(published!.outcome).toBe('published');
    expect(published!.families.membership!.fewestOthers).toBeGreaterThanOrEqual(20);
    const after = await snapshot();
    expect(after[0]!.disclosureControl.release!.id).toBe(published!.id);
    expect(after[0]!.disclosureControl.release!.id).toBeGreaterThan(before[0]!.disclosureControl.release!.id);
    expect(after[0]!.total).not.toEqual(before[0]!.total);
  });

  it('count nothing an institution pushed as cover for itself, a trajectory it adds for another institution’s youth included', async () => {
    const { t, catchUp } = await released();
    // A youth of lindehof arrives with enough others, and is published.
    const [target] = youthsAt(1, 'lindehof', 'lindehof-beschermd', 'SHARED', 47);
    await insertSyntheticTrajectories(t.database, REGISTRY_KEY, [
      target!,
      ...youthsToAdd(60, { seed: 48, asOf: '2026-06-30', label: 'FIRST' }),
    ]);
    await catchUp();
    expect((await t.app.statisticsReleases.release())!.outcome).toBe('published');
    // Vuurtorenhuis pushes a trajectory of its own for her (the pseudonym key is shared) and
    // fillers, while lindehof corrects its view of her (her group): only her lindehof change is
    // another's, in the same family of figures as vuurtorenhuis' pushes.
    const copy = { ...target!, institutionCode: 'vuurtorenhuis', programmeCode: 'vuurtorenhuis-baken' };
    await insertSyntheticTrajectories(t.database, REGISTRY_KEY, [
      copy,
      ...youthsAt(45, 'vuurtorenhuis', 'vuurtorenhuis-baken', 'FILL2', 49),
    ]);
    await t.database.query(
      `update subjects set gender = case when gender = 'girl' then 'non_binary' else 'girl' end
        where id = (select subject_id from trajectories
                     where reference = $1 and institution_id = (select id from institutions where code = 'lindehof'))`,
      [target!.reference],
    );
    await catchUp();
    const held = await t.app.statisticsReleases.release();
    // Seen failing: counting a youth as X's own when any trajectory of hers is at X released this at once.
    expect(held!.outcome, JSON.stringify(held)).toBe('waiting');
    expect(held!.families.membership!.fewestOthers).toBe(1);
  });

  it('leave published answers as they are after a correction or an erasure, until the next release; the erased youth’s records go at once', async () => {
    const { t, snapshot, catchUp } = await released();
    const before = await snapshot();
    const { rows } = await t.database.query<{ id: string }>(
      'select trajectory_id as id from statistics_trajectories order by trajectory_id limit 2',
    );
    const [erased, corrected] = rows.map((row) => row.id) as [string, string];
    await t.database.query(`update trajectories set end_date = start_date + 30, end_reason = 'completed' where id = $1`, [corrected]);
    await t.database.query('delete from trajectories where id = $1', [erased]);
    // The law first: no record-level copy of her is left, the released row included.
    expect((await t.database.query('select 1 from statistics_trajectories where trajectory_id = $1', [erased])).rows).toEqual([]);
    expect(
      (await t.database.query<{ released: boolean }>('select released from statistics_erasures order by id desc limit 1')).rows[0],
    ).toEqual({ released: true });
    // The anonymous published figures change at the next release, not before.
    expect(await snapshot()).toEqual(before);
    await catchUp();
    const next = await t.app.statisticsReleases.release();
    // Her leaving is one change of membership, which waits (with every other family) for enough others.
    expect(next!.outcome).toBe('waiting');
    expect(next!.families.membership!.changed).toBe(1);
    expect(next!.families.course!.released).toBe(false);
    expect(await snapshot()).toEqual(before);
  });

  it('refresh a family of one column (the perspective answers) and of several (the course) when enough changed', async () => {
    const { t, snapshot, catchUp } = await released({}, 100);
    const before = await snapshot();
    await t.database.query(
      `update measurements set value = case when value < 3 then value + 1 else value - 1 end
        where informant = 'youth' and instrument_code like 'youth_perspective_%'`,
    );
    await t.database.query(`update trajectories set end_date = end_date - 1 where end_date is not null`);
    await catchUp();
    const next = await t.app.statisticsReleases.release();
    expect(next!.outcome, JSON.stringify(next)).toBe('published');
    expect(next!.families.perspective!.released, JSON.stringify(next)).toBe(true);
    expect(next!.families.course!.released, JSON.stringify(next!.families)).toBe(true);
    const after = await snapshot();
    expect(after[3]!.total).not.toEqual(before[3]!.total);
  });

  it('count a youth created and erased between two releases as no change', async () => {
    const { t, catchUp } = await released();
    const id = await addYouth(t.database, REGISTRY_KEY, youthsAt(1, 'lindehof', 'lindehof-beschermd', 'GONE', 44)[0]!);
    await t.database.query('delete from trajectories where id = $1', [id]);
    await catchUp();
    const next = await t.app.statisticsReleases.release();
    expect(next!.outcome).toBe('unchanged');
    expect(next!.families.membership!.changed).toBe(0);
  });

  // The embedded database builds the population before the comparison's transaction
  // (statistics-releases.ts), so an erasure can land between the two.
  it.runIf(inject('testDatabase').kind === 'pglite')(
    'on the embedded database, leave out a youth erased after the population was built and before it was compared',
    async () => {
      const { t } = await released();
      const repository = createStatisticsReleasesRepository(t.database, 'pglite');
      const secret = Buffer.from('a statistics secret of this test only');
      const waiting = () => 0;
      await repository.stageCandidate(secret, waiting);
      const { rows } = await t.database.query<{ id: string }>(
        "select trajectory_id as id from statistics_candidate where research_consent = 'granted' order by trajectory_id limit 1",
      );
      const erased = rows[0]!.id;
      await t.database.query('delete from trajectories where id = $1', [erased]);
      const publishEverything = (): Decision => ({
        outcome: 'published',
        families: Object.fromEntries(
          STATISTICS_FAMILIES.map((family) => [family, { changed: 1, fewestOthers: 1, released: true }]),
        ) as Decision['families'],
      });
      const attempt = {
        period: '2026-Q4',
        trigger: 'operator',
        researchCutoff: '2099-01-01',
        method: 'test',
        churnWindowDays: 30,
        staged: true,
      } as const;
      // Seen failing: without the staged comparison's delete of erased trajectories, this transaction
      // failed on the released rows' foreign key (her row inserted again).
      const prepared = await transactionWithoutRecords(t.database, (connection) =>
        repository.prepare(connection, secret, attempt, publishEverything),
      );
      expect(prepared!.decision.outcome).toBe('published');
      const read = await repository.readStaged(attempt.researchCutoff, waiting);
      const ids = (json: string[]) => json.map((row) => (JSON.parse(row) as { trajectoryId: string }).trajectoryId);
      expect(ids(read.rows).length).toBeGreaterThan(40);
      expect(ids(read.rows)).not.toContain(erased);
      expect(ids(read.researchRows).length).toBeGreaterThan(0);
      expect(ids(read.researchRows)).not.toContain(erased);
      // The released rows read are the released table's, and the temporary tables are gone.
      const { rows: releasedRows } = await t.database.query<{ id: string }>('select trajectory_id as id from statistics_trajectories');
      expect(new Set(ids(read.rows))).toEqual(new Set(releasedRows.map((row) => row.id)));
      const { rows: temporary } = await t.database.query(
        "select 1 from pg_class where relname in ('statistics_candidate', 'statistics_released_copy')",
      );
      expect(temporary).toEqual([]);
    },
  );
});
