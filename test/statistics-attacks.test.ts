import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PerturbationTable } from '../src/lib/statistics/perturbation-table';
import { readPerturbationTable } from '../src/lib/statistics/perturbation-table-file';
import { allRequests, type AnswerSet, type Asker, collectAnswers } from './helpers/statistics-attacks/answers';
import { comparisonAsker, restAsker, type Send } from './helpers/statistics-attacks/askers';
import { type AttackReport, attack, type Knowledge, programmesOfCatalogue } from './helpers/attacker/attack';
import { countOver, exactAnswers, type PublishedAnswers, readCounts } from './helpers/attacker/published';
import { loadTruth, type TruthTrajectory } from './helpers/statistics-truth';
import type { TestApp } from './helpers/test-app';
import { ATTACK_WORLD, createDemoWorld } from './helpers/demo-world';

// The attack suite, bounded to fit the test run (bench/statistics-attacks.ts runs it in full, on
// 400 and 5,000 trajectories with 200 youths added one at a time): the service must hold against
// (a) answers before and after youths' data arrive (statistics-attacks-added-youths.test.ts, a
// registry of its own), (b) all of a funder's answers solved together,
// (c) a researcher and (d) an institution subtracting what they know at record level. Each attack
// is shown to work where the protection is missing, so none of these checks passes by default.
// (b)–(d) are attacked by an attacker of the tests' own (test/helpers/attacker/: an integer
// programme over the true counts, sharing no code with the service or its release audit, so the
// defence is not asked whether the defence held). Each release is audited (linked-answers-audit.ts),
// which is what makes them hold for every draw of the record keys; test/statistics-release-audit.test.ts
// shows a draw where it is needed.

const SECRET = Buffer.alloc(32, 7);

let t: TestApp;
/** What every attacker has: the public perturbation table and catalogue; and the truth, the test's alone. */
let context: { table: PerturbationTable; programmesOf: Map<string, string[]>; truth: TruthTrajectory[] };

const sender =
  (app: TestApp, authorization: string): Send =>
  async ({ method, path, body }) => {
    const response = await app.app.inject({ method, url: path, headers: { authorization }, ...(body ? { payload: body as object } : {}) });
    return { status: response.statusCode, body: response.body };
  };

beforeAll(async () => {
  t = await createDemoWorld({ ...ATTACK_WORLD, serve: { STATISTICS_KEY_SECRET: SECRET.toString('hex') } });
  await t.app.statisticsReleases.release();
  // The catalogue as anyone with a key reads it.
  const catalogue = await sender(t, (await t.authorization('funder')).authorization)({ method: 'GET', path: '/api/v1/programmes' });
  context = {
    table: readPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 }),
    programmesOf: programmesOfCatalogue(
      (JSON.parse(catalogue.body) as { programmes: Array<{ code: string; institutionCode: string }> }).programmes,
    ),
    truth: await loadTruth(t.database),
  };
});
afterAll(() => t.close());

/** No perturbation, and an attacker who knows it: the control under which every attack must succeed. */
const EXACT: PerturbationTable = {
  format: 'cell-key perturbation table v1',
  method: 'none',
  parameters: { maximumDeviation: 0, variance: 0, threshold: 0 },
  rows: [{ count: 0, perturbations: [0], probabilities: [1], variance: 0 }],
};

/** Answers linked by programmes, institutions, totals and line relations: enough for the linear programmes to bite, small enough for a test. */
const LINKED = allRequests({ measures: ['overview', 'outcomes', 'recognition'], groupings: [null, 'programme', 'institution', 'gender'] });

/** The largest distance between a published count and its true value over `rows`. */
function largestDeviation(answers: PublishedAnswers, rows: TruthTrajectory[]): number {
  let largest = 0;
  for (const { count, values } of readCounts(answers).values())
    for (const value of values) largest = Math.max(largest, Math.abs(value - countOver(count, rows)));
  return largest;
}

/**
 * The control determines every count the attack sought, and each it sought itself. (It seeks more:
 * exact shares give back every status count, perturbed ones only where one sum fits them.)
 */
function expectEveryTargetPinned(control: AttackReport, report: AttackReport) {
  expect(control.determined.length).toBe(control.targets);
  const pinned = new Set(control.determined.map(({ id }) => id));
  expect([...report.ranges.keys()].filter((id) => !pinned.has(id))).toEqual([]);
}

/** The attack as it stands, and its control: the same answers published exactly, with the zero-perturbation table. */
const attackOf = (answers: AnswerSet, knows?: Knowledge) => attack({ ...context, answers, ...(knows ? { knows } : {}) });
const controlOf = (answers: AnswerSet, knows?: Knowledge) =>
  attack({ ...context, table: EXACT, answers: exactAnswers(answers, context.truth), ...(knows ? { knows } : {}) });

describe('the statistics under attack', () => {
  // Seen failing: with the protection weakened (a table of D = 1, V = 0.5, js = 1 generated for the
  // purpose, the service and the attacker both on it, and STATISTICS_RELEASE_AUDIT=off), (b), (c)
  // and (d) each found counts determined (2, 11 and 2 in that run); restored. (Publishing true
  // counts instead makes the attacker stop at once: a published 1 or 2 contradicts the table.)
  it('(b) leave no count of 1–9 determined when every answer of a funder is solved together', async () => {
    const answers = await collectAnswers(restAsker(sender(t, (await t.authorization('funder')).authorization)), LINKED);
    const report = await attackOf(answers);
    expect(report.inconsistent).toEqual([]);
    expect(report.targets).toBeGreaterThan(30);
    // Status counts read off the shares are among the counts sought.
    expect([...report.ranges.keys()].filter((id) => id.startsWith('status:')).length).toBeGreaterThan(10);
    expect(report.determined).toEqual([]);
    // The same attack on unperturbed answers (and an attacker who knows they are) determines every count: the check can fail.
    const control = await controlOf(answers);
    expectEveryTargetPinned(control, report);
    expect(control.determined.every(({ value, truth }) => value === truth)).toBe(true);
  });

  it("(c) leave no count of youths a researcher may not see determined, from funders' answers minus what they see", async () => {
    const funderAnswers = await collectAnswers(restAsker(sender(t, (await t.authorization('funder')).authorization)), LINKED);
    const researcherAnswers = await collectAnswers(restAsker(sender(t, (await t.authorization('researcher')).authorization)), LINKED);
    // What a researcher sees at record level: consented trajectories that ended before the release's research cut-off.
    const cutoff = [...researcherAnswers.values()][0]!.disclosureControl.release!.researchCutoff!;
    const sees = context.truth.filter((row) => row.consent === 'granted' && row.endDate !== null && row.endDate < cutoff);
    expect(sees.length).toBeGreaterThan(0);
    const report = await attackOf(funderAnswers, { rows: sees });
    expect(report.targets).toBeGreaterThan(30);
    expect(report.determined).toEqual([]);
    expectEveryTargetPinned(await controlOf(funderAnswers, { rows: sees }), report);
    // The researcher's own figures count what they see at record level (within D of it): nothing to
    // subtract. Seen failing with the research population without the cut-off (20 away); restored.
    expect(largestDeviation(researcherAnswers, sees)).toBeLessThanOrEqual(3);
    expect(largestDeviation(researcherAnswers, context.truth)).toBeGreaterThan(3);
  });

  it("(d) leave no count of the other institutions determined, from the national figures minus an institution's own", async () => {
    const asker: Asker = comparisonAsker(sender(t, (await t.authorization('institution', 'lindehof')).authorization));
    const answers = await collectAnswers(asker, LINKED);
    expect([...answers.keys()].some((key) => key.endsWith('|own'))).toBe(true);
    // Lindehof holds its own trajectories, and knows its own lines (its institution, its programmes) are nothing else.
    const own = new Set(context.programmesOf.get('lindehof') ?? []);
    const knows: Knowledge = {
      rows: context.truth.filter((row) => row.institution === 'lindehof'),
      exact: (count) =>
        (count.grouping === 'institution' && count.group === 'lindehof') || (count.grouping === 'programme' && own.has(count.group!)),
    };
    expect(own.size).toBeGreaterThan(0);
    const report = await attackOf(answers, knows);
    expect(report.inconsistent).toEqual([]);
    expect(report.targets).toBeGreaterThan(20);
    expect(report.determined).toEqual([]);
    expectEveryTargetPinned(await controlOf(answers, knows), report);
  });
});
