import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../lib/statistics/cell-key-method';
import { buildPerturbationTable, type PerturbationTable } from '../../lib/statistics/perturbation-table';
import { aggregate, quartilesOf, type ReleasedRow } from './statistics-aggregates';
import { computeRelease, decodeRows, encodeRows, type ReleaseInputs, REQUESTS } from './statistics-release-answers';

// A release computed from a small synthetic population, without a database: who is counted in
// which audience's answers, that the same contributors give the same number, and that a withheld
// count stays withheld.

/** No perturbation: the aggregates come out exactly, so they can be checked. */
const EXACT: PerturbationTable = {
  format: 'cell-key perturbation table v1',
  method: 'none',
  parameters: { maximumDeviation: 0, variance: 0, threshold: 0 },
  rows: [{ count: 0, perturbations: [0], probabilities: [1], variance: 0 }],
};
const CATALOGUE: ReleaseInputs['catalogue'] = {
  programmes: [
    { id: 'p-anker', code: 'anker', institutionCode: 'ankerplaats' },
    { id: 'p-baken', code: 'baken', institutionCode: 'vuurtorenhuis' },
    { id: 'p-koers', code: 'koers', institutionCode: 'vuurtorenhuis' },
  ],
  institutions: [
    { id: 'i-anker', code: 'ankerplaats' },
    { id: 'i-vuur', code: 'vuurtorenhuis' },
  ],
  activityTypes: ['diagnostics'],
  perspectiveItems: [{ code: 'youth_perspective_space', minValue: 1, maxValue: 5 }],
};

function row(index: number, overrides: Partial<ReleasedRow> = {}): ReleasedRow {
  const programme = CATALOGUE.programmes[index % 3]!;
  return {
    trajectoryId: `t-${index}`,
    youth: `y-${index}`,
    youthKey: 1_000 + index * 7_919,
    recordKey: 5_000 + index * 104_729,
    researchConsent: index % 4 === 0 ? 'unknown' : 'granted',
    institutionId: programme.institutionCode === 'ankerplaats' ? 'i-anker' : 'i-vuur',
    programmeId: programme.id,
    setting: 'open_residential',
    startDate: `202${index % 3}-03-01`,
    gender: index % 5 === 0 ? 'boy' : 'girl',
    ageGroup: '14-15',
    endDate: index % 2 === 0 ? `2025-0${1 + (index % 9)}-15` : null,
    endReason: index % 2 === 0 ? 'completed' : null,
    outcomeClass: ['improved', 'mixed', 'not_improved'][index % 3]!,
    problemRecognition: 'shared_recognition',
    statusExploitationResilience: 'improved',
    statusSocialEmotional: 'unknown',
    statusFamilyNetwork: 'mixed',
    statusParticipation: 'unchanged',
    fidelitySummary: (index % 10) / 10,
    fidelityDiagnosticsSafety: null,
    fidelityLivingClimate: 0.5,
    fidelityMentorConversations: 0.5,
    doses: index % 3 === 0 ? {} : { diagnostics: index / 10 },
    answers: { youth_perspective_space: 1 + (index % 5) },
    ...overrides,
  };
}
const ROWS = Array.from({ length: 60 }, (_, index) => row(index));
/** What researchers see at record level, by the rule of the research release (consented, ended before the cut-off). */
const researchOf = (rows: ReleasedRow[]) =>
  rows.filter((entry) => entry.researchConsent === 'granted' && entry.endDate !== null && entry.endDate < '2025-07-01');
const inputs = (overrides: Partial<ReleaseInputs> = {}): ReleaseInputs => ({
  rows: ROWS,
  researchRows: researchOf(ROWS),
  catalogue: CATALOGUE,
  settings: { table: EXACT, noiseShare: 0.5, minimumBase: 5, keySecret: Buffer.alloc(32, 1) },
  audit: false,
  withheld: [],
  ...overrides,
});
const find = (answers: Awaited<ReturnType<typeof computeRelease>>['answers'], audience: string, measure: string, grouping = 'none') =>
  answers.find((entry) => entry.audience === audience && entry.measure === measure && entry.grouping === grouping)!.answer;

describe('a release’s answers', () => {
  it('are one per audience (everyone, research, each institution), measure and grouping', async () => {
    const { answers } = await computeRelease(inputs());
    expect(answers.length).toBe(REQUESTS.length * (2 + CATALOGUE.institutions.length));
  });

  it('count, for researchers, exactly what they see at record level, as the records stand', async () => {
    // A consent withdrawn since the released rows were made shows at once in researchers' answers.
    const visible = researchOf(ROWS).slice(1);
    const { answers } = await computeRelease(inputs({ researchRows: visible }));
    expect(visible.length).toBeGreaterThan(5);
    expect(find(answers, 'research', 'overview').total.started!.value).toBe(visible.length);
    expect(find(answers, 'all', 'overview').total.started!.value).toBe(ROWS.length);
    expect(find(answers, 'all', 'overview').total.active!.value).toBe(ROWS.filter((entry) => entry.endDate === null).length);
  });

  it('give an institution its own lines only, the same numbers as the national lines of the same trajectories', async () => {
    const { answers } = await computeRelease(
      inputs({ settings: { ...inputs().settings, table: buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 }) } }),
    );
    const own = find(answers, 'i-anker', 'outcomes', 'programme');
    expect(own.groups.map((group) => group.group)).toEqual(['anker']);
    const national = find(answers, 'all', 'outcomes', 'programme');
    expect(own.groups[0]!.values.trajectories).toEqual(national.groups.find((group) => group.group === 'anker')!.values.trajectories);
    // One institution, one programme: the same trajectories under another grouping, the same number.
    const byInstitution = find(answers, 'all', 'outcomes', 'institution');
    expect(byInstitution.groups.find((group) => group.group === 'ankerplaats')!.values.trajectories).toEqual(
      national.groups.find((group) => group.group === 'anker')!.values.trajectories,
    );
  });

  it('lay out means, medians and doses from the rows (medians as PostgreSQL’s percentile_cont)', async () => {
    const { answers } = await computeRelease(inputs());
    const care = find(answers, 'all', 'care');
    const received = ROWS.filter((entry) => 'diagnostics' in entry.doses);
    expect(care.total['dose.diagnostics.received']!.value).toBe(received.length);
    expect(quartilesOf([1, 2, 3, 4])).toEqual([1.75, 2.5, 3.25]);
    expect(quartilesOf([])).toBeNull();
    const perspective = find(answers, 'all', 'perspective');
    expect(perspective.total['youth_perspective_space.respondents']!.value).toBe(60);
  });

  it('keep a count withheld before withheld, and say so', async () => {
    const rows = ROWS.map((entry, index) => ({ ...entry, gender: index % 10 === 0 ? 'boy' : 'girl' }));
    const boys = rows.filter((entry) => entry.gender === 'boy');
    expect(boys.length).toBe(6);
    const tally = { count: boys.length, keys: boys.reduce((sum, entry) => sum + entry.recordKey, 0) };
    const table = buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
    const { answers, withheld } = await computeRelease(
      inputs({
        rows,
        researchRows: researchOf(rows),
        audit: true,
        withheld: [fingerprintOf(tally)],
        settings: { ...inputs().settings, table },
      }),
    );
    const byGender = find(answers, 'all', 'overview', 'gender');
    expect(byGender.groups.find((group) => group.group === 'boy')!.values.started).toEqual({ value: null, suppressed: true });
    expect(byGender.withheld).toBe(true);
    expect(withheld).toContain(fingerprintOf(tally));
    expect(find(answers, 'all', 'overview').withheld).toBe(false);
  });

  it('read the same aggregates for the audit and for what is published: with the audit on, the answers are those laid out with its withheld counts', async () => {
    const table = buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
    const settings = { ...inputs().settings, table };
    const audited = await computeRelease(inputs({ audit: true, settings }));
    const replayed = await computeRelease(inputs({ audit: false, settings, withheld: audited.withheld }));
    expect(audited.answers).toEqual(replayed.answers);
  });

  it('with the audit on, withhold the decoys among the national counts of 1–9 (every one at share 1, none at 0), and nothing without it', async () => {
    const table = buildPerturbationTable({ maximumDeviation: 3, variance: 1, threshold: 2 });
    const release = (decoyShare: number, audit = true) =>
      computeRelease(inputs({ audit, settings: { ...inputs().settings, table, decoyShare } }));
    const none = await release(0);
    const all = await release(1);
    expect(all.withheld.length).toBeGreaterThan(none.withheld.length);
    // Every withheld fingerprint names a count of 1–9 (fingerprints end in the true count), or one the audit withheld anyway.
    const counts = all.withheld.map((fingerprint) => Number(fingerprint.split(':').pop()));
    expect(counts.filter((count) => count < 1 || count > 9).length).toBeLessThanOrEqual(none.withheld.length);
    const withholding = (release: typeof all) => release.answers.filter((stored) => stored.answer.withheld).length;
    expect(withholding(all)).toBeGreaterThan(withholding(none));
    expect((await release(1, false)).withheld).toEqual([]);
  });
});

describe('the release’s aggregates, made faster (issue #23), give what they gave', () => {
  /** quartilesOf as it was: a copy sorted with a comparator. */
  const quartilesBefore = (values: number[]) => {
    if (values.length === 0) return null;
    const sorted = [...values].sort((a, b) => a - b);
    return [0.25, 0.5, 0.75].map((fraction) => {
      const position = fraction * (sorted.length - 1);
      const below = Math.floor(position);
      const above = Math.ceil(position);
      return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
    });
  };

  // Seen failing with JavaScript's default sort (which compares numbers as text) in place of the
  // typed array's: counterexample [-0.000001, -0.0000010000000000000002].
  it('quartiles: the typed-array sort gives the comparator sort’s quartiles', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { maxLength: 200 }), (values) => {
        expect(quartilesOf(values)).toEqual(quartilesBefore(values));
      }),
      { numRuns: 500 },
    );
    // Doses and fidelity: many equal values, and the input left unsorted.
    const doses = Array.from({ length: 5_001 }, (_, index) => ((index * 7_919) % 13) / 4);
    const copy = [...doses];
    expect(quartilesOf(doses)).toEqual(quartilesBefore(doses));
    expect(doses).toEqual(copy);
  });

  it('the largest perspective answer of a population too large to spread as arguments', () => {
    const many = Array.from({ length: 300_000 }, (_, index) =>
      row(index, { answers: { youth_perspective_space: 1 + (index % 5) }, institutionId: 'i-anker', programmeId: 'p-anker' }),
    );
    const names = { programmes: new Map([['p-anker', 'anker']]), institutions: new Map([['i-anker', 'ankerplaats']]) };
    const [total] = aggregate('perspective', many, null, 'national', names).perspective!;
    expect(total).toMatchObject({ item: 'youth_perspective_space', largest: 5, sum: 900_000 });
    expect(total!.respondents.count).toBe(300_000);
  });

  it('an institution’s audience holds its own rows in their order', async () => {
    const { answers } = await computeRelease(inputs());
    const own = find(answers, 'i-vuur', 'overview');
    expect(own.total.started!.value).toBe(ROWS.filter((entry) => entry.institutionId === 'i-vuur').length);
  });

  it('travel to the worker as bytes and arrive as they left, in their order', async () => {
    const texts = ROWS.map((entry) => JSON.stringify(entry));
    const chunks = await encodeRows(texts, 7);
    expect(chunks).toHaveLength(Math.ceil(ROWS.length / 7));
    // As the worker receives them: copied by a structured clone.
    expect(decodeRows(structuredClone(chunks))).toEqual(ROWS);
    expect(decodeRows(await encodeRows([]))).toEqual([]);
  });
});
