import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../src/lib/random';
import { decideRelease } from '../src/modules/statistics/statistics-release-rules';
import { readPerturbationTable } from '../src/lib/statistics/perturbation-table-file';
import { averagingCurve, averagingInService } from './helpers/provider-attacks/averaging';
import { erasureBeforeAfter } from './helpers/provider-attacks/erasure-attack';
import { fillersBeforeAfter, fillersErased } from './helpers/provider-attacks/fillers-attack';
import { changeRuleHolds, simulateFreshness } from './helpers/provider-attacks/freshness';
import { allowance, formatRate } from './helpers/provider-attacks/tally';
import { pairSignal } from './helpers/provider-attacks/withheld';
import type { ProviderWorld, Send } from './helpers/provider-attacks/world';
import { allRequests } from './helpers/statistics-attacks/answers';
import { createTestApp, TEST_REGISTRY_KEY_HEX, type TestApp, testConfig } from './helpers/test-app';
import { loadTestDemoData } from './helpers/demo-world';

// The attacks of an institution that pushes, corrects and erases its own records and invents
// youths (bench/statistics-provider-attacks.ts runs them in full: the demo 400 and 5,000
// trajectories, ≥ 200 targets). Each runs once with the protection switched off (the control:
// the change rule and churn off, a release right after every change) and must win there, and
// once against the service's releases. Whether the protection held is decided by this code's
// own counting and guessing, never by asking the service's audit or decideRelease.
//
// One world for the file (120 demo trajectories), released before each attack: every attack
// starts from a release of everything so far, uses an institution of its own as attacker, and
// asserts only about its own targets, so the tests pass alone and in any order. The release
// audit (linked answers within one release, tested in statistics-attacks.test.ts and
// statistics-release-audit.test.ts) is off here, so that a release takes about a second: it
// only ever withholds, so the attacker's figures here are if anything better than against the
// audited service (the bench runs with it on). Attack (5) runs the audit's own loop.
//
// How each was seen to fail: with the world's releases replaced by the control's (rule and churn
// off; the configuration refuses such values, so by swapping `releases` in worldOf) and the
// calendar in (4) by the operator's release: (1) a release carried 11 youths not the
// attacker's (≥ 20 expected), (2) 8 (≥ 19), (3) 18 changed youths in all (≥ 40), (4) 4 releases
// in 2 quarters (≤ 2), (5) with no decoys and both of a pinned pair withheld (the audit before), a withheld pair
// was 3 with probability 0.995 (≤ 0.21 expected), and both withheld at 3 only. The
// freshness test failed when its rule was made to differ from decideRelease (`> minimumOthers`).

const REGISTRY_KEY = Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex');
const SECRET = Buffer.alloc(32, 23);
const AS_OF = '2026-06-30';
/** The stated bound: the attacker's best guess beats the base rate by at most this. */
const BOUND = 0.1;
const ENVIRONMENT = { STATISTICS_KEY_SECRET: SECRET.toString('hex'), STATISTICS_RELEASE_AUDIT: 'off' };
const TABLE = readPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
/** Other youths arriving per release check: about the demo generator's rate per quarter (400 over 24 quarters). */
const NATURAL_RATE = 16;
/** What the attackers read here (the bench reads every answer). */
const READ = [
  ...allRequests({ measures: ['overview', 'outcomes'], groupings: [null, 'programme', 'gender'] }),
  ...allRequests({ measures: ['perspective'] }),
];

let t: TestApp;
let world: ProviderWorld;

function worldOf(app: TestApp): ProviderWorld {
  return {
    database: app.database,
    registryKey: REGISTRY_KEY,
    secret: SECRET,
    config: testConfig(ENVIRONMENT),
    async sender(role, institutionCode) {
      const { authorization } = await app.authorization(role, institutionCode);
      const send: Send = async ({ method, path, body, ndjson }) => {
        const response = await app.app.inject({
          method,
          url: path,
          headers: { authorization, ...(ndjson ? { 'content-type': 'application/x-ndjson' } : {}) },
          ...(ndjson ? { payload: ndjson } : body ? { payload: body as object } : {}),
        });
        return { status: response.statusCode, body: response.body };
      };
      return send;
    },
    catchUp: async () => {
      await app.app.indicators.enqueueStale();
      await app.app.indicators.drain();
    },
    releases: app.app.statisticsReleases,
  };
}

beforeAll(async () => {
  t = await createTestApp(ENVIRONMENT);
  await loadTestDemoData(t.database, REGISTRY_KEY, { trajectories: 120, seed: 41, asOf: AS_OF });
  world = worldOf(t);
  await world.catchUp();
  await world.releases.release();
});
afterAll(() => t.close());

const within = (rate: { advantage: number; n: number }) => rate.advantage <= BOUND + allowance(rate.n);

describe('an institution attacking the statistics with its own records', () => {
  it('(1) fillers beside a new youth of another institution: the control gives her away, the service keeps the guess near the base rate', async () => {
    const common = { world, attacker: 'zeehaven', fillers: 39, asOf: AS_OF, requests: READ };
    const control = await fillersBeforeAfter({
      ...common,
      mode: 'control',
      rounds: 5,
      naturalRate: 0,
      seed: 11,
      label: 'PA1C',
    });
    // Released alone, her programme's counts are the only ones of another institution that move:
    // the count of changed cells found her programme for 160 of 160 targets over ten runs here, and
    // one CI run of many saw 4 of 5 (the cause was not found; a release that did not compare now
    // runs again, world.ts). Four of five still lies far above the base rate.
    const programme = control.targets.rate('programme');
    expect(programme.best, `${formatRate(programme)}; ${control.failed} failed releases`).toBeGreaterThanOrEqual(0.8);
    expect(programme.advantage).toBeGreaterThanOrEqual(0.25);
    // Her ten answers from the means of the lines she entered. The generator's answers are even on
    // 1–5, so a guess without evidence is right 1 time in 5; over this few targets the base rate
    // (most common answer among them) is inflated by chance, so the control is held to twice 1 in 5.
    expect(control.targets.rate('perspective').best, formatRate(control.targets.rate('perspective'))).toBeGreaterThanOrEqual(0.4);

    const service = await fillersBeforeAfter({ ...common, mode: 'service', rounds: 5, naturalRate: NATURAL_RATE, seed: 12, label: 'PA1S' });
    // Every release that carried a target carried at least 20 youths that are not the attacker's (counted here).
    expect(service.othersPerRelease.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...service.othersPerRelease)).toBeGreaterThanOrEqual(20);
    // The guesses hold for every youth of another institution released with the targets (the
    // targets are drawn from the same stream, so this is their rate with less noise).
    for (const attribute of ['programme', 'gender', 'outcome', 'perspective']) {
      const rate = service.everyone.rate(attribute);
      expect(within(rate), `${attribute}: ${formatRate(rate)}`).toBe(true);
    }
  }, 90_000);

  it('(2) fillers erased, with the target or without: the control gives her away, the service waits for others', async () => {
    const common = { world, attacker: 'wilgenstroom', fillers: 39, asOf: AS_OF, requests: READ };
    // Round 1 erases the fillers and the target, round 2 the fillers only.
    const control = await fillersErased({ ...common, mode: 'control', rounds: 2, naturalRate: 0, seed: 21, label: 'PA2C' });
    expect(control.withTarget.rate('programme')).toMatchObject({ n: 1, best: 1 });
    expect(control.fillersOnly.rate('programme')).toMatchObject({ n: 1, best: 1 });
    expect(control.othersPerRelease).toEqual([0, 0]);

    const service = await fillersErased({ ...common, mode: 'service', rounds: 1, naturalRate: NATURAL_RATE, seed: 22, label: 'PA2S' });
    // Her leaving (and the fillers') was published only beside at least 19 arrivals of youths not the attacker's.
    expect(service.othersPerRelease).toHaveLength(1);
    expect(service.othersPerRelease[0]).toBeGreaterThanOrEqual(19);
  }, 90_000);

  it('(3) an erased youth: a reader guesses her from the control, not from the service beside 40 others', async () => {
    const common = { world, asOf: AS_OF, requests: READ, naturalRate: NATURAL_RATE, erasuresPerCheck: 2 };
    const control = await erasureBeforeAfter({ ...common, mode: 'control', targets: 2, seed: 31, label: 'PA3C' });
    expect(control.tally.rate('programme'), formatRate(control.tally.rate('programme'))).toMatchObject({ best: 1 });
    expect(control.arrivalsPerRelease).toEqual([0, 0]);

    const service = await erasureBeforeAfter({ ...common, mode: 'service', targets: 2, seed: 32, label: 'PA3S' });
    // Every release of an erasure carried, with the erasures, at least 40 changed youths in all (counted here).
    expect(service.releases).toBeGreaterThanOrEqual(1);
    for (const [index, arrivals] of service.arrivalsPerRelease.entries())
      expect(arrivals + service.erasuresPerRelease[index]!).toBeGreaterThanOrEqual(40);
  }, 90_000);

  it('(4) averaging with invented youths: exact counts take ~50 years of quarterly releases, minutes without the calendar', async () => {
    // (a) From the public table: releases until the attacker's intersection leaves one count.
    const curve = averagingCurve(TABLE, { strategy: 'cycle 1–6', runs: 180, releases: 300, seed: 41 });
    expect(curve.evenOdds.exact).not.toBeNull();
    expect(curve.evenOdds.exact!).toBeGreaterThanOrEqual(40); // ≥ 10 years at four releases a year

    const common = {
      world,
      attacker: 'ankerplaats',
      fillers: 40,
      targetGender: 'non_binary' as const,
      parkGender: 'girl' as const,
      strategy: 'cycle 1–6' as const,
      firstQuarter: { year: 2031, quarter: 1 as const },
      table: TABLE,
      asOf: AS_OF,
    };
    // (b) Control: a release after every move of the fillers; each a fresh draw within ±D.
    const control = await averagingInService({ ...common, mode: 'control', periods: 4, naturalRate: 0, seed: 42, label: 'PA4C' });
    expect(control.targets.length).toBeGreaterThanOrEqual(1);
    for (const target of control.targets) {
      expect(target.observations).toHaveLength(4);
      expect(Math.max(...target.residuals.map(Math.abs))).toBeLessThanOrEqual(TABLE.parameters.maximumDeviation);
    }
    expect(new Set(control.targets.flatMap((target) => target.residuals)).size).toBeGreaterThan(1);
    const controlHours = (curve.evenOdds.exact! * control.secondsPerRelease) / 3600;
    expect(controlHours).toBeLessThan(1);

    // (c) The service: the calendar's one attempt per quarter, however often the attacker pushes and the server checks.
    const service = await averagingInService({
      ...common,
      mode: 'service',
      periods: 2,
      checksPerPeriod: 2,
      naturalRate: NATURAL_RATE,
      seed: 43,
      label: 'PA4S',
    });
    expect(service.checks).toBe(4);
    expect(service.releases).toBeLessThanOrEqual(service.periods);
    const years = curve.evenOdds.exact! / (4 * Math.max(1, service.releases / service.periods));
    expect(years).toBeGreaterThanOrEqual(10);
  }, 90_000);

  // A group's trajectories and youths (one trajectory each) pinned by their published pair are
  // 3 far more often than any other value (a published 0 comes from at most 3, a published 4 from
  // at least 3, youths ≤ trajectories): without decoys a withheld pair was 3 with probability
  // 0.99, so the flag itself said 3. Decoys (cell-key-method.ts, DECOY_SHARE) withhold counts of
  // every value of 1–9 at one rate, and the audit withholds one count of a line at a time, so a
  // pinned pair shows the same pattern as a decoy: the reader's guess is taken per pattern.
  it('(5) a withheld count tells no more than "1 to 9": the control (no decoys) says 3, the service within 10 points of 1 in 9', async () => {
    const control = await pairSignal(TABLE, { audit: 'sample', draws: 4_000, decoyShare: 0, seed: 51 });
    expect(control.withheldGiven[2]).toBeGreaterThan(0);
    expect(control.posterior.best).toMatchObject({ value: 3 });
    expect(control.posterior.best.share).toBeGreaterThan(0.9);

    const service = await pairSignal(TABLE, { audit: 'sample', draws: 4_000, seed: 52 });
    // Every value of 1–9 is withheld sometimes, and none stands out, whichever of the pair is withheld.
    expect(Math.min(...service.withheldGiven)).toBeGreaterThan(0);
    expect(service.posterior.best.share, JSON.stringify(service.posterior.shares)).toBeLessThanOrEqual(1 / 9 + BOUND);
    for (const pattern of ['T', 'Y'] as const) {
      const seen = service.patterns[pattern];
      expect(seen.posterior.best.share, `${pattern}: ${JSON.stringify(seen)}`).toBeLessThanOrEqual(1 / 9 + BOUND);
    }
    // Both withheld (two decoys at once: a handful of draws, too few for a posterior) is no likelier at D
    // than elsewhere: a pinned pair withheld whole would show here.
    const both = service.patterns.TY.withheldGiven;
    const D = TABLE.parameters.maximumDeviation;
    const elsewhere = both.filter((_, index) => index !== D - 1);
    expect(both[D - 1]!).toBeLessThanOrEqual(elsewhere.reduce((sum, value) => sum + value, 0) / elsewhere.length);
  }, 90_000);

  it('what the change rule costs: at the demo rate a changed youth waits about a quarter or more for her membership to be released', () => {
    // The simulation's rule is the service's: checked against decideRelease on counts at its edges.
    const random = createRandom(61);
    // The rule as shipped (the configuration's defaults).
    const { releaseMinimumYouths: minimumYouths, releaseMinimumOthers: minimumOthers } = testConfig().statistics;
    const edges = [0, 1, minimumOthers - 1, minimumOthers, minimumOthers + 1, minimumYouths - 1, minimumYouths, minimumYouths + 1, 80];
    for (let draw = 0; draw < 300; draw += 1) {
      const total = random.pick(edges);
      const others = Array.from({ length: 6 }, () => Math.min(total, random.pick(edges)));
      const zero = { membership: 0, course: 0, outcome: 0, care: 0, perspective: 0 };
      const changes = {
        total: { ...zero, membership: total },
        others: new Map(others.map((count, index) => [String(index), { ...zero, membership: count }])),
        departures: 0,
      };
      const service = decideRelease(changes, {}, { minimumYouths, minimumOthers, churnThreshold: 10 });
      expect(changeRuleHolds(total, others, { minimumYouths, minimumOthers })).toBe(service.families.membership.released);
    }
    const protectedRun = simulateFreshness({ trajectories: 400, seed: 5, calendar: 'quarterly', minimumYouths, minimumOthers });
    const free = simulateFreshness({ trajectories: 400, seed: 5, calendar: 'quarterly', minimumYouths: 1, minimumOthers: 0 });
    expect(free.families.membership.meanWait).toBe(0);
    expect(protectedRun.families.membership.meanWait).toBeGreaterThan(0.5);
    expect(protectedRun.families.membership.releases).toBeLessThan(free.families.membership.releases / 2);
  });
});
