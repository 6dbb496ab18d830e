import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { keyedCellKey, keyFraction, RECORD_KEY_RANGE } from '../src/lib/statistics/cell-key';
import { perturbation } from '../src/lib/statistics/perturbation-table';
import { readPerturbationTable } from '../src/lib/statistics/perturbation-table-file';
import { loadDemoData } from '../src/modules/demo/demo-data.service';
import { youthRecordKey } from '../src/modules/statistics/statistics-population';
import { WITHHELD_NOTE } from '../src/modules/statistics/statistics.service';
import type { StatisticsAnswer } from '../src/modules/statistics/statistics.schemas';
import { attack, type Knowledge, programmesOfCatalogue } from './helpers/attacker/attack';
import { allRequests, type AnswerSet, collectAnswers } from './helpers/statistics-attacks/answers';
import { restAsker, type Send } from './helpers/statistics-attacks/askers';
import { loadTruth } from './helpers/statistics-truth';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp } from './helpers/test-app';

// The release audit on a world where bounded perturbation certainly gives a count away: the
// gender "other" is three youths with one trajectory each, whose youth keys perturb their count
// of youths by +D and whose trajectories' record keys perturb their count of trajectories by −D.
// Published, 6 youths bound the truth from below (≥ 3), 0 trajectories from above (≤ 3), and there
// are never more youths than trajectories: both are 3. Without the audit (the control, the one
// test that switches it off) the tests' own attacker (test/helpers/attacker/: it shares no code
// with the audit) finds it; with it, nothing is determined
// and the answers withhold one of those counts (with it the other is open) and its line's shares (means and medians over withheld
// contributors: the unit tests of the cell-key method; here they are left out over too few anyway;
// that a withheld count stays withheld: the unit tests of the release computation).

const REGISTRY_KEY = Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex');
const SECRET = Buffer.alloc(32, 7);
const TABLE = readPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
const D = TABLE.parameters.maximumDeviation;
const LINKED = allRequests({ measures: ['overview', 'outcomes', 'recognition'], groupings: [null, 'programme', 'institution', 'gender'] });

/** The service's cell key of a sum of record keys (statistics-releases.ts derives its secret so). */
const cellKeyOf = keyedCellKey(createHmac('sha256', SECRET).update('statistics cell keys v2').digest());
const perturbs = (sum: number, by: number) => perturbation(TABLE, 3, keyFraction(cellKeyOf(sum))) === by;

/** A record key in [0, 2^31) that makes `others` + it a sum whose cell key perturbs a count of 3 by `by`. */
function recordKeyFor(others: number, by: number): number {
  for (let step = 0; step < 10_000; step += 1) {
    const key = Math.floor(((step + 0.5) / 10_000) * RECORD_KEY_RANGE);
    if (perturbs(others + key, by)) return key;
  }
  throw new Error(`no key perturbs 3 by ${by}`);
}

/** Makes gender "other" three single-trajectory youths published as above (before the first release). */
async function constructWorld(t: TestApp): Promise<void> {
  const { rows } = await t.database.query<{ youth: string; key: number; trajectory: string; record_key: number }>(
    `select s.registry_key as youth, ${youthRecordKey('$1')} as key, min(t.id::text) as trajectory, min(t.record_key) as record_key
       from trajectories t join subjects s on s.id = t.subject_id
      where t.research_consent in ('granted', 'unknown') and s.erased_at is null
      group by s.registry_key having count(*) = 1 and (select count(*) from subjects x where x.registry_key = s.registry_key) = 1
      order by s.registry_key`,
    [SECRET],
  );
  const sum = (keys: number[]) => keys.reduce((total, key) => total + key, 0);
  let chosen: typeof rows | undefined;
  search: for (let a = 0; a < rows.length; a += 1)
    for (let b = a + 1; b < rows.length; b += 1)
      for (let c = b + 1; c < rows.length; c += 1) {
        const three = [rows[a]!, rows[b]!, rows[c]!];
        if (perturbs(sum(three.map((row) => row.key)), D)) {
          chosen = three;
          break search;
        }
      }
  if (!chosen) throw new Error('no three youths whose youth keys perturb 3 by +D');
  await t.database.query(`update subjects set gender = 'girl' where gender = 'other'`);
  await t.database.query(`update subjects set gender = 'other' where registry_key = any($1::text[])`, [chosen.map((row) => row.youth)]);
  // The third trajectory's record key makes the sum one that perturbs 3 by −D.
  const third = recordKeyFor(sum(chosen.slice(0, 2).map((row) => row.record_key)), -D);
  await t.database.query('update trajectories set record_key = $1 where id = $2', [third, chosen[2]!.trajectory]);
}

async function world(audit: 'on' | 'off') {
  const t = await createTestApp({ STATISTICS_KEY_SECRET: SECRET.toString('hex'), STATISTICS_RELEASE_AUDIT: audit });
  await loadDemoData(t.database, REGISTRY_KEY, { trajectories: 220, seed: 31, asOf: '2026-06-30' });
  await constructWorld(t);
  await t.app.indicators.enqueueStale();
  await t.app.indicators.drain();
  await t.app.statisticsReleases.release();
  const funder = (await t.authorization('funder')).authorization;
  const send: Send = async ({ method, path }) => {
    const response = await t.app.inject({ method, url: path, headers: { authorization: funder } });
    return { status: response.statusCode, body: response.body };
  };
  const catalogue = JSON.parse((await send({ method: 'GET', path: '/api/v1/programmes' })).body) as {
    programmes: Array<{ code: string; institutionCode: string }>;
  };
  const context = { table: TABLE, programmesOf: programmesOfCatalogue(catalogue.programmes), truth: await loadTruth(t.database) };
  return { t, context, ask: restAsker(send) };
}

let control: Awaited<ReturnType<typeof world>>;
let audited: Awaited<ReturnType<typeof world>>;

beforeAll(async () => {
  control = await world('off');
  audited = await world('on');
}, 300_000);
afterAll(async () => {
  await control?.t.close();
  await audited?.t.close();
});

const other = (answer: StatisticsAnswer) => answer.groups.find((group) => group.group === 'other')!.values;

/** The tests' own attacker on a world's answers. */
const attackOn = (world: typeof control, answers: AnswerSet, knows?: Knowledge) =>
  attack({ ...world.context, answers, ...(knows ? { knows } : {}) });

describe('the release audit', () => {
  // Seen failing: with the attacker's youths ≤ trajectories relation left out (structure.ts), this
  // control found nothing (the two counts need it); restored.
  it('is needed: without it the linked answers pin the trajectories and youths of gender "other" (the control)', async () => {
    const gender = (await control.ask({ measure: 'overview', grouping: 'gender' })).national;
    expect(other(gender).started).toEqual({ value: 0, suppressed: false });
    expect(other(gender).youths).toEqual({ value: 3 + D, suppressed: false });
    const report = await attackOn(control, await collectAnswers(control.ask, LINKED));
    expect(report.determined).toEqual(
      expect.arrayContaining([
        { id: 'trajectories|gender=other', value: 3, truth: 3 },
        { id: 'youths|gender=other', value: 3, truth: 3 },
      ]),
    );
  });

  // Seen failing: with the audited world's audit off too (world('off') for both), this test and the
  // next failed (the two counts of gender "other" determined, and published); restored.
  it('leaves nothing determined after a release, withholding what was', async () => {
    const answers = await collectAnswers(audited.ask, LINKED);
    const report = await attackOn(audited, answers);
    expect(report.inconsistent).toEqual([]);
    expect(report.targets).toBeGreaterThan(30);
    expect(report.determined).toEqual([]);
    // The researcher's attack (what they see: consented, ended before the research cut-off) and every institution's (its own lines).
    const cutoff = [...answers.values()][0]!.disclosureControl.release!.researchCutoff!;
    const { truth, programmesOf } = audited.context;
    const sees = truth.filter((row) => row.consent === 'granted' && row.endDate !== null && row.endDate < cutoff);
    expect((await attackOn(audited, answers, { rows: sees })).determined).toEqual([]);
    expect(programmesOf.size).toBeGreaterThan(1);
    for (const [institution, programmes] of programmesOf) {
      const knows: Knowledge = {
        rows: truth.filter((row) => row.institution === institution),
        exact: (count) =>
          (count.grouping === 'institution' && count.group === institution) ||
          (count.grouping === 'programme' && programmes.includes(count.group!)),
      };
      expect((await attackOn(audited, answers, knows)).determined, institution).toEqual([]);
    }
    // The release's audit withheld (one of the pair is enough; decoys may add more), and its log says so.
    const [release] = await audited.t.app.statisticsReleases.history(1);
    expect(release!.audit!.withheld).toBeGreaterThanOrEqual(1);
  });

  it('marks the withheld count in every answer it appears in, with the shares of its line, and says why', async () => {
    const overview = (await audited.ask({ measure: 'overview', grouping: 'gender' })).national;
    const isWithheld = (cell: { value: number | null; suppressed: boolean } | undefined) =>
      cell?.suppressed === true && cell.value === null;
    // The two pin each other: the audit withholds one of them (picked by its contributors), and the other
    // too where the rest of the answers still pin it (under some draws of the record keys).
    const trajectoriesWithheld = isWithheld(other(overview).started);
    expect(trajectoriesWithheld || isWithheld(other(overview).youths)).toBe(true);
    expect(overview.disclosureControl.notes).toContain(WITHHELD_NOTE);
    // The same 3 trajectories under another name (outcomes, care), and the shares of that line: withheld
    // with them, or published as their count is.
    const outcomes = (await audited.ask({ measure: 'outcomes', grouping: 'gender' })).national;
    const care = (await audited.ask({ measure: 'care', grouping: 'gender' })).national;
    const shares = Object.entries(other(outcomes)).filter(([name]) => name.includes('.share_'));
    expect(shares.length).toBeGreaterThan(0);
    expect(isWithheld(other(outcomes).trajectories)).toBe(trajectoriesWithheld);
    expect(isWithheld(other(care).trajectories)).toBe(trajectoriesWithheld);
    if (trajectoriesWithheld) expect(shares.every(([, cell]) => isWithheld(cell))).toBe(true);
    else expect(other(outcomes).trajectories).toEqual(other(overview).started);
    // Other lines and answers without a withheld count are as before: no note, shares published.
    const girl = outcomes.groups.find((group) => group.group === 'girl')!.values;
    expect(Object.entries(girl).some(([name, cell]) => name.includes('.share_') && !cell.suppressed)).toBe(true);
    // The note goes with a withheld count and only with one: the audit may withhold a national total under some
    // cell-key secrets (seen once in CI: the world's secret is drawn per run), so compare the two, not a constant.
    const total = (await audited.ask({ measure: 'overview', grouping: null })).national;
    const withheld = Object.values(total.total).some((cell) => cell.suppressed && cell.value === null);
    expect(total.disclosureControl.notes.includes(WITHHELD_NOTE)).toBe(withheld);
    expect(Object.values(total.total).every((cell) => !cell.suppressed || cell.value === null)).toBe(true);
  });
});
