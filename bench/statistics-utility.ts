// Utility of the funders' statistics: what share of the values is published, how far published
// counts are from the true ones, and how often two programmes swap places on a share. Every
// answer a funder can ask for (5 measures × the total and 6 groupings) is fetched over real HTTP
// and compared with the true values, computed independently from the records
// (test/helpers/statistics-truth.ts).
//
// Since issue #23 the answers are the stored ones of a release, with the release audit on
// (STATISTICS_RELEASE_AUDIT=on, set here whatever the environment says): counts the audit
// withholds count as not published. The release and its audit are printed per dataset.
//
//   npm run bench:statistics-utility
//   BENCH_SIZES=400 npm run bench:statistics-utility
import os from 'node:os';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { loadTruth, TRUTH_GROUPINGS, type TrueValue, trueAnswer } from '../test/helpers/statistics-truth';
import { machineLine, request } from './lib/load';
import { ensureScaleDataset } from './lib/scale-dataset';
import { startService } from './lib/service';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);

const SIZES = (process.env.BENCH_SIZES ?? '400,5000').split(',').map(Number);
/** Its own seed, so this benchmark's datasets are not shared with other branches' benchmarks. */
const SEED = Number(process.env.BENCH_SEED ?? 17);
const MEASURES = ['overview', 'outcomes', 'recognition', 'perspective', 'care'] as const;

interface Cell {
  value: number | null;
  suppressed: boolean;
}
interface Answer {
  groups: Array<{ group: string; values: Record<string, Cell> }>;
  total: Record<string, Cell>;
}

interface Tally {
  values: number;
  published: number;
  countDeviations: number[];
  shareDeviations: number[];
  meanDeviations: number[];
  medianRelativeDeviations: number[];
  pairs: number;
  pairsCompared: number;
  flips: number;
}

const newTally = (): Tally => ({
  values: 0,
  published: 0,
  countDeviations: [],
  shareDeviations: [],
  meanDeviations: [],
  medianRelativeDeviations: [],
  pairs: 0,
  pairsCompared: 0,
  flips: 0,
});

function compareLine(tally: Tally, published: Record<string, Cell>, truth: Record<string, TrueValue>) {
  for (const [name, cell] of Object.entries(published)) {
    const truthValue =
      truth[name] ??
      (name.endsWith('.respondents') || name.endsWith('.received') || name.endsWith('.scored')
        ? { value: 0, kind: 'count' as const, base: 0 }
        : undefined);
    // Values without a true value (a median over nobody) are not values that could be published.
    if (!truthValue || truthValue.value === null || (truthValue.kind !== 'count' && truthValue.base === 0)) continue;
    tally.values += 1;
    if (cell.suppressed || cell.value === null) continue;
    tally.published += 1;
    const deviation = Math.abs(cell.value - truthValue.value);
    if (truthValue.kind === 'count') tally.countDeviations.push(deviation);
    else if (truthValue.kind === 'share') tally.shareDeviations.push(deviation);
    else if (truthValue.kind === 'mean') tally.meanDeviations.push(deviation);
    else if (truthValue.value !== 0) tally.medianRelativeDeviations.push(deviation / Math.abs(truthValue.value));
  }
}

/** Shares per programme: the published domain shares, and outcome-class counts over trajectories. */
function programmeShares(answer: Answer): Map<string, Map<string, number | null>> {
  const shares = new Map<string, Map<string, number | null>>();
  for (const group of answer.groups) {
    const line = new Map<string, number | null>();
    const value = (name: string) => (group.values[name] && !group.values[name]!.suppressed ? group.values[name]!.value : null);
    for (const name of Object.keys(group.values)) {
      if (name.includes('.share_')) line.set(name, value(name));
      if (name.startsWith('outcome.')) {
        const part = value(name);
        const base = value('trajectories');
        line.set(`${name}/trajectories`, part !== null && base ? part / base : null);
      }
    }
    shares.set(group.group, line);
  }
  return shares;
}

function trueProgrammeShares(truth: ReturnType<typeof trueAnswer>): Map<string, Map<string, number | null>> {
  const shares = new Map<string, Map<string, number | null>>();
  for (const [group, line] of truth.groups) {
    const entries = new Map<string, number | null>();
    for (const [name, value] of Object.entries(line)) {
      if (value.kind === 'share') entries.set(name, value.value);
      if (name.startsWith('outcome.'))
        entries.set(`${name}/trajectories`, line.trajectories!.value ? value.value! / line.trajectories!.value! : null);
    }
    shares.set(group, entries);
  }
  return shares;
}

function countFlips(tally: Tally, published: Map<string, Map<string, number | null>>, truth: Map<string, Map<string, number | null>>) {
  const programmes = [...truth.keys()].sort();
  const names = new Set([...truth.values()].flatMap((line) => [...line.keys()]));
  for (const name of names) {
    for (let i = 0; i < programmes.length; i += 1) {
      for (let j = i + 1; j < programmes.length; j += 1) {
        const [a, b] = [programmes[i]!, programmes[j]!];
        const trueA = truth.get(a)?.get(name);
        const trueB = truth.get(b)?.get(name);
        if (trueA === null || trueA === undefined || trueB === null || trueB === undefined || trueA === trueB) continue;
        tally.pairs += 1;
        const shownA = published.get(a)?.get(name);
        const shownB = published.get(b)?.get(name);
        if (shownA === null || shownA === undefined || shownB === null || shownB === undefined) continue;
        tally.pairsCompared += 1;
        // A published tie loses the order: half a flip.
        if (shownA === shownB) tally.flips += 0.5;
        else if (Math.sign(shownA - shownB) !== Math.sign(trueA - trueB)) tally.flips += 1;
      }
    }
  }
}

const average = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : Number.NaN);
const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

function row(label: string, tally: Tally): string {
  return [
    label,
    `${tally.published.toLocaleString('en')} / ${tally.values.toLocaleString('en')} (${percent(tally.published, tally.values)})`,
    average(tally.countDeviations).toFixed(3),
    tally.countDeviations.length ? Math.max(...tally.countDeviations).toString() : '–',
    tally.shareDeviations.length ? `${(100 * average(tally.shareDeviations)).toFixed(2)} pp` : '–',
    tally.meanDeviations.length ? average(tally.meanDeviations).toFixed(3) : '–',
    tally.medianRelativeDeviations.length ? `${(100 * average(tally.medianRelativeDeviations)).toFixed(1)} %` : '–',
    tally.pairs
      ? `${tally.flips} / ${tally.pairsCompared} compared (${tally.pairsCompared ? percent(tally.flips, tally.pairsCompared) : '–'}); ${percent(tally.pairsCompared, tally.pairs)} of pairs comparable`
      : '–',
  ].join(' | ');
}

async function measure(size: number) {
  const dataset = await ensureScaleDataset({ trajectories: size, seed: SEED });
  const migrating = await openDatabase({ kind: 'postgres', url: dataset.databaseUrl, poolMax: 2 });
  await migrateDatabase(migrating);
  await migrating.close();
  const service = await startService(dataset.databaseUrl, { environment: { STATISTICS_RELEASE_AUDIT: 'on' } });
  try {
    // Indicators up to date, and everything released: the answers then stand for the records as they are.
    await service.app.indicators.enqueueStale();
    await service.app.indicators.drain();
    const started = performance.now();
    const attempt = await service.app.statisticsReleases.release();
    const seconds = (performance.now() - started) / 1000;
    const release = (await service.app.statisticsReleases.history(10)).find((entry) => entry.outcome === 'published');
    if (!release?.audit) throw new Error(`no audited published release (this attempt: ${attempt?.outcome ?? 'none'})`);
    process.stderr.write(
      `${size} trajectories: release ${release.id} (this attempt ${attempt?.outcome ?? 'none'}, ${seconds.toFixed(1)} s); ` +
        `audit: ${release.audit.cells} counts, ${release.audit.targets} targets, ${release.audit.withheld} withheld, ${release.audit.seconds.toFixed(1)} s\n`,
    );
    const funder = await service.key('funder');
    const ask = async (path: string): Promise<Answer> => {
      const response = await request(service.port, {
        method: 'GET',
        path: `/api/v1/statistics/${path}`,
        headers: { authorization: `Bearer ${funder}` },
      });
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${response.body}`);
      return JSON.parse(response.body) as Answer;
    };
    const truth = await loadTruth(service.database);
    const overall = newTally();
    const outcomesByProgramme = newTally();
    const perMeasure = new Map(MEASURES.map((name) => [name, newTally()]));
    for (const name of MEASURES) {
      for (const grouping of name === 'recognition' ? [null] : [null, ...TRUTH_GROUPINGS]) {
        const answer = await ask(grouping ? `${name}?groupBy=${grouping}` : name);
        const expected = trueAnswer(name, grouping, truth);
        const tallies = [overall, perMeasure.get(name)!, ...(name === 'outcomes' && grouping === 'programme' ? [outcomesByProgramme] : [])];
        for (const tally of tallies) {
          for (const group of answer.groups) {
            const trueGroup = expected.groups.get(group.group);
            // A group listed without any trajectory (its true zeros are published as 0) is left out,
            // so that the figures compare with the suppression's, which listed only groups with someone in them.
            if (trueGroup) compareLine(tally, group.values, trueGroup);
          }
          compareLine(tally, answer.total, expected.total);
          if (name === 'outcomes' && grouping === 'programme') countFlips(tally, programmeShares(answer), trueProgrammeShares(expected));
        }
      }
    }
    return { dataset, overall, outcomesByProgramme, perMeasure, release: release.audit };
  } finally {
    await service.close();
  }
}

async function main() {
  console.log(machineLine());
  console.log(
    `load average at the start: ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    '| dataset / answers | values published | count MAD | count max dev | share MAD | mean MAD | median rel. dev | programme pairs flipped on a share (outcomes by programme) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  const audits: string[] = [];
  for (const size of SIZES) {
    const result = await measure(size);
    const label = `${result.dataset.trajectories.toLocaleString('en')} trajectories`;
    console.log(`| ${row(`${label}: all answers`, result.overall)} |`);
    console.log(`| ${row(`${label}: outcomes by programme`, result.outcomesByProgramme)} |`);
    for (const [name, tally] of result.perMeasure) console.log(`| ${row(`${label}: ${name}`, tally)} |`);
    audits.push(
      `${label}: audit of ${result.release.cells} counts, ${result.release.targets} targets, ${result.release.withheld} withheld (${result.release.seconds.toFixed(1)} s); ` +
        `published ${percent(result.overall.published, result.overall.values)} (target >= 95 %), count MAD ${average(result.overall.countDeviations).toFixed(3)} (target <= 1)`,
    );
  }
  for (const line of audits) console.log(line);
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
