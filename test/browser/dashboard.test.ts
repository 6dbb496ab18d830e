import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AVAILABILITY,
  baselineTrendText,
  formatNumber,
  formatRci,
  nonOverlapNote,
  outcomeText,
  reliableChangeWords,
  words,
} from '../../web/app/format';
import {
  CatalogueDocument,
  type CatalogueQuery,
  TrajectoryDetailDocument,
  type TrajectoryDetailQuery,
  TrajectoryListDocument,
  type TrajectoryListQuery,
} from '../../web/app/generated/operations';
import { launchBrowser, skipWithoutBrowser, watchPage } from '../helpers/browser';
import { careActivityBody, measurementBody, ndjson, pseudonymFor, trajectoryBody, uniqueReference } from '../helpers/records';
import { createTestApp, type TestApp } from '../helpers/test-app';

// The research dashboard (/app) in a real browser, signed in with a key per role. The numbers it
// draws (its tables, the chart's table alternatives, the marks in the SVG) must equal what the
// API answers to the same request with the same key; refused roles must see the refusal.
// Production settings (no GraphiQL): the dashboard is served in every environment.

const PURPOSE = 'system_test';
const INFORMANT_ORDER = ['youth', 'parent', 'mentor', 'clinician', 'teacher'];
const START = '2024-01-15';
const day = (offset: number) => new Date(Date.parse(`${START}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(skipWithoutBrowser)('the research dashboard in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  const keys: Record<string, string> = {};
  let consented = '';

  /** The API's answer to one of the dashboard's own operations, with a given key. */
  async function api<R>(
    role: string,
    document: { toString(): string },
    variables: Record<string, unknown>,
  ): Promise<{ data: R | null; errors?: Array<{ extensions: { code: string } }> }> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${keys[role]}`, 'x-purpose-of-use': PURPOSE },
      payload: { query: document.toString(), variables },
    });
    return response.json();
  }

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    for (const role of ['institution', 'researcher', 'funder', 'auditor'] as const)
      keys[role] = (await t.authorization(role)).authorization.replace(/^Bearer /, '');

    // One ended trajectory with consent, series from several informants, a trauma treatment from
    // day 70; and one without research consent, which researchers must not see.
    const reference = uniqueReference('DASH');
    const refused = uniqueReference('DASH');
    const records: unknown[] = [
      {
        type: 'trajectory',
        reference,
        ...trajectoryBody({
          subject: { ...trajectoryBody().subject, pseudonym: pseudonymFor(41) },
          startDate: START,
          endDate: day(266),
          endReason: 'completed',
        }),
      },
      {
        type: 'trajectory',
        reference: refused,
        ...trajectoryBody({ subject: { ...trajectoryBody().subject, pseudonym: pseudonymFor(42) }, researchConsent: 'refused' }),
      },
    ];
    for (let offset = 0; offset <= 266; offset += 14) {
      const after = offset >= 70;
      records.push(
        {
          type: 'measurement',
          reference: uniqueReference('M'),
          ...measurementBody(reference, {
            instrumentCode: 'trauma_symptoms',
            informant: 'youth',
            date: day(offset),
            value: after ? 30 - offset / 20 : 40 - (offset % 3),
          }),
        },
        {
          type: 'measurement',
          reference: uniqueReference('M'),
          ...measurementBody(reference, {
            instrumentCode: 'trauma_symptoms',
            informant: 'clinician',
            date: day(offset),
            value: after ? 28 - offset / 30 : 36,
          }),
        },
        {
          type: 'measurement',
          reference: uniqueReference('M'),
          ...measurementBody(reference, {
            instrumentCode: 'emotional_behavioural',
            informant: 'parent',
            date: day(offset),
            value: after ? 15 : 25,
          }),
        },
        {
          type: 'measurement',
          reference: uniqueReference('M'),
          ...measurementBody(reference, { instrumentCode: 'emotional_behavioural', informant: 'youth', date: day(offset), value: 12 }),
        },
        {
          type: 'measurement',
          reference: uniqueReference('M'),
          ...measurementBody(reference, {
            instrumentCode: 'exploitation_status',
            informant: 'mentor',
            date: day(offset),
            value: offset < 120 ? 0 : 1,
          }),
        },
        { type: 'care_activity', reference: uniqueReference('A'), ...careActivityBody(reference, { date: day(offset + 3) }) },
      );
      if (after)
        records.push({
          type: 'care_activity',
          reference: uniqueReference('A'),
          ...careActivityBody(reference, { activityTypeCode: 'trauma_treatment_emdr', topics: undefined, date: day(offset) }),
        });
    }
    const pushed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${keys.institution}`, 'content-type': 'application/x-ndjson' },
      payload: ndjson(records),
    });
    expect(pushed.statusCode, pushed.body).toBe(200);
    // Researchers read research releases.
    expect(await t.releaseResearch()).not.toBeNull();
    const list = await api<TrajectoryListQuery>('researcher', TrajectoryListDocument, { first: 20, after: null, filter: {} });
    consented = list.data!.trajectories.nodes[0]!.id;
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signIn(role: string, key = keys[role]!): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { problems } = watchPage(page, origin);
    await page.goto(`${origin}/`);
    expect(page.url()).toBe(`${origin}/app`);
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByLabel('Purpose of use').selectOption(PURPOSE);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return { page, problems };
  }

  const rows = (page: Page, testId: string) =>
    page.$$eval(`[data-testid="${testId}"] tbody tr`, (trs) =>
      trs.map((tr) =>
        Array.from((tr as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells, (cell) => cell.textContent?.trim() ?? ''),
      ),
    );

  function listRows(answer: TrajectoryListQuery, role: 'researcher' | 'institution' = 'researcher') {
    return answer.trajectories.nodes.map((n) => [
      n.id.slice(0, 8),
      n.institutionCode,
      n.programmeCode,
      n.startMonth,
      String(n.subject.ageAtStart),
      words(n.subject.gender),
      formatNumber(n.daysInCare, 0),
      n.endReason ? words(n.endReason) : 'open',
      outcomeText(n.outcomeClass, n.endReason !== null),
      words(n.problemRecognition.overall),
      // Institutions see whether researchers see each trajectory, and why not.
      ...(role === 'institution' ? [AVAILABILITY[n.researchAvailability]] : []),
    ]);
  }

  function seriesRows(detail: NonNullable<TrajectoryDetailQuery['trajectory']>, code: string, label: (value: number) => string) {
    return detail.series
      .filter((s) => s.instrumentCode === code)
      .sort((a, b) => INFORMANT_ORDER.indexOf(a.informant) - INFORMANT_ORDER.indexOf(b.informant))
      .map((s) => [
        s.informant,
        String(s.observations.length),
        label(s.observations[0]!.value),
        label(s.observations.at(-1)!.value),
        words(s.change),
        reliableChangeWords(s.reliableChange),
        formatRci(s.reliableChange?.rci),
        formatNumber(s.nonOverlap?.nap),
        formatNumber(s.nonOverlap?.tauU),
        formatNumber(s.nonOverlap?.tauBC),
        baselineTrendText(s.nonOverlap?.baselineTrend),
        s.nonOverlap ? `${s.nonOverlap.phaseALength}/${s.nonOverlap.phaseBLength}` : '—',
        nonOverlapNote(s.nonOverlap),
      ]);
  }

  it('shows a researcher the list and the N=1 page with the numbers the API gives, without calendar dates, under the CSP and from this origin only', async () => {
    const { page, problems } = await signIn('researcher');
    const listAnswer = (await api<TrajectoryListQuery>('researcher', TrajectoryListDocument, { first: 20, after: null, filter: {} })).data!;
    expect(listAnswer.trajectories.nodes).toHaveLength(1); // the refused trajectory is not in a researcher's scope
    await expect.poll(() => rows(page, 'trajectory-list'), { timeout: 20_000 }).toEqual(listRows(listAnswer));
    // The release it reads, how to cite it, and its download (a data package with its descriptor).
    const release = listAnswer.trajectories.release!;
    expect(await page.getByTestId('release-read').textContent()).toContain(`Reading release ${release.id}`);
    expect(await page.getByTestId('release-read').textContent()).toContain(release.citation);
    const [saved] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Download as a data package/ }).click(),
    ]);
    expect(saved.suggestedFilename()).toBe(`registry-release-${release.id}.zip`);
    const files = unzipSync(new Uint8Array(readFileSync((await saved.path())!)));
    expect(JSON.parse(Buffer.from(files['datapackage.json']!).toString('utf8')).registry.release).toBe(release.id);
    expect(Buffer.from(files['trajectories.csv']!).toString('utf8')).toContain(consented);

    // Keyboard: the link opens the trajectory page and moves focus to its heading.
    await page.getByRole('link', { name: consented.slice(0, 8) }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Trajectory/ }).waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('trajectory-heading');

    const catalogue = (await api<CatalogueQuery>('researcher', CatalogueDocument, {})).data!;
    const levels = catalogue.instruments.find((i) => i.code === 'exploitation_status')!.levels!;
    const emdr = (
      await api<TrajectoryDetailQuery>('researcher', TrajectoryDetailDocument, {
        id: consented,
        withPhase: true,
        phaseActivity: 'trauma_treatment_emdr',
      })
    ).data!.trajectory!;
    // The first trauma treatment is the default phase.
    await expect.poll(() => page.locator('#phase').inputValue(), { timeout: 20_000 }).toBe('trauma_treatment_emdr');
    await expect
      .poll(() => rows(page, 'series-trauma_symptoms'), { timeout: 20_000 })
      .toEqual(seriesRows(emdr, 'trauma_symptoms', (v) => formatNumber(v)));
    expect(await rows(page, 'series-emotional_behavioural')).toEqual(seriesRows(emdr, 'emotional_behavioural', (v) => formatNumber(v)));
    const label = (v: number) => levels.find((l) => l.value === v)!.label;
    expect(await rows(page, 'series-exploitation_status')).toEqual(seriesRows(emdr, 'exploitation_status', label));
    expect(emdr.series.find((s) => s.instrumentCode === 'trauma_symptoms' && s.informant === 'youth')!.nonOverlap!.nap).not.toBeNull();

    // Every observation is in the table alternative and drawn as a mark; the phase line and cut-off are drawn.
    for (const code of ['trauma_symptoms', 'emotional_behavioural']) {
      const expected = emdr.series
        .filter((s) => s.instrumentCode === code)
        .flatMap((s) => s.observations.map((o) => [s.informant, String(o.day), formatNumber(o.value)]));
      expect(await rows(page, `observations-${code}`)).toEqual(expected);
      expect(await page.locator(`[data-testid="chart-${code}"] g.mark-observations > *`).count()).toBe(expected.length);
      expect(await page.locator(`[data-testid="chart-${code}"] g.mark-cutoff line`).count()).toBe(1);
      expect(await page.locator(`[data-testid="chart-${code}"] g.mark-phase line`).count()).toBe(1);
    }
    expect(await page.locator('[data-testid="chart-trauma_symptoms"] [role="img"]').getAttribute('aria-labelledby')).toBe(
      'chart-trauma_symptoms-title',
    );
    // The baseline trend Tau-BC looked at: a dashed line per informant with a baseline (youth, clinician), dotted on into B.
    expect(await page.locator('[data-testid="chart-trauma_symptoms"] g.mark-trend path').count()).toBe(2);
    expect(await page.locator('[data-testid="chart-trauma_symptoms"] g.mark-trend-extended path').count()).toBe(2);
    // Plot's names of its inner groups are gone (axe-core: aria-prohibited-attr): the chart is one image named by its caption.
    expect(await page.locator('[data-testid="chart-trauma_symptoms"] [role="img"] [aria-label]').count()).toBe(0);

    expect(await rows(page, 'dose-table')).toEqual(
      emdr.dose.map((d) => [
        catalogue.activityTypes.find((a) => a.code === d.activityTypeCode)!.name,
        String(d.count),
        String(d.minutes),
        formatNumber(d.perMonthInCare),
        expect.any(String),
      ]),
    );
    expect(await rows(page, 'fidelity-table')).toEqual(
      emdr.fidelity!.coreElements.map((c) => [words(c.coreElement), formatNumber(c.expected), String(c.delivered), formatNumber(c.score)]),
    );
    expect(await page.getByTestId('recognition-overall').textContent()).toBe(words(emdr.problemRecognition.overall));

    // Another phase: NAP and Tau-U follow, as the API gives them for that phase.
    await page.locator('#phase').selectOption('mentor_conversation');
    const mentor = (
      await api<TrajectoryDetailQuery>('researcher', TrajectoryDetailDocument, {
        id: consented,
        withPhase: true,
        phaseActivity: 'mentor_conversation',
      })
    ).data!.trajectory!;
    await expect
      .poll(() => rows(page, 'series-trauma_symptoms'), { timeout: 20_000 })
      .toEqual(seriesRows(mentor, 'trauma_symptoms', (v) => formatNumber(v)));

    // Day offsets only: no calendar date anywhere on the page; the key is in this tab's storage only.
    expect(await page.locator('main').textContent()).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(await page.evaluate('sessionStorage.getItem("registry.apiKey")')).toBe(keys.researcher);
    expect(await page.context().cookies()).toEqual([]);
    expect(page.url()).not.toContain(keys.researcher!);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows an institution its own trajectories, with real dates, as the API gives them', async () => {
    const { page, problems } = await signIn('institution');
    const answer = (await api<TrajectoryListQuery>('institution', TrajectoryListDocument, { first: 20, after: null, filter: {} })).data!;
    expect(answer.trajectories.nodes).toHaveLength(2);
    await expect.poll(() => rows(page, 'trajectory-list'), { timeout: 20_000 }).toEqual(listRows(answer, 'institution'));
    expect(answer.trajectories.nodes.map((n) => n.researchAvailability).sort()).toEqual(['no_consent', 'released']);
    // A filter is sent as the API's filter.
    await page.getByLabel('Consent').selectOption('refused');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const refused = (
      await api<TrajectoryListQuery>('institution', TrajectoryListDocument, { first: 20, after: null, filter: { consent: 'refused' } })
    ).data!;
    expect(refused.trajectories.nodes).toHaveLength(1);
    await expect.poll(() => rows(page, 'trajectory-list'), { timeout: 20_000 }).toEqual(listRows(refused, 'institution'));
    await page.goto(`${origin}/app#/trajectories/${consented}`);
    await expect.poll(() => page.getByTestId('facts').textContent(), { timeout: 20_000 }).toContain(START);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  for (const role of ['funder', 'auditor']) {
    it(`sends a ${role} on to the programmes and shows the refusal of record-level pages`, async () => {
      expect((await api(role, TrajectoryListDocument, { first: 20, after: null, filter: {} })).errors?.[0]?.extensions.code).toBe(
        'FORBIDDEN',
      );
      const { page, problems } = await signIn(role);
      // The landing page reads the key's role from the API's viewer and sends it on to the
      // programmes without asking for trajectories (no refused record-level read in the audit trail).
      await page.waitForURL(/#\/programmes$/, { timeout: 20_000 });
      expect(await page.locator('.who').textContent()).toContain(`Signed in as ${role}`);
      if (role === 'funder') {
        await page.getByTestId('disclosure').waitFor({ timeout: 20_000 });
        expect(problems.filter((p) => /status of 403/.test(p))).toEqual([]);
      }
      await page.goto(`${origin}/app#/trajectories`);
      await page.locator('[role="alert"][data-error-code="FORBIDDEN"]').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('trajectory-list').count()).toBe(0);
      expect(page.url()).toMatch(/#\/trajectories$/);
      await page.goto(`${origin}/app#/trajectories/${consented}`);
      await page.reload();
      await page.locator('[role="alert"][data-error-code="FORBIDDEN"]').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('facts').count()).toBe(0);
      expect(problems.filter((p) => !/status of 403/.test(p))).toEqual([]);
      await page.close();
    }, 60_000);
  }

  it('tells an unknown key and a missing purpose apart, each with its own message', async () => {
    const { page } = await signIn('researcher', 'not-a-key');
    await page.locator('[role="alert"][data-error-code="UNAUTHENTICATED"]').waitFor({ timeout: 20_000 });
    expect(await page.evaluate('sessionStorage.getItem("registry.apiKey")')).toBeNull();
    // A tab whose stored purpose is empty (as a hand-edited or older tab could have).
    await page.evaluate(
      `sessionStorage.setItem('registry.apiKey', ${JSON.stringify(keys.researcher)}); sessionStorage.setItem('registry.purpose', '')`,
    );
    await page.reload();
    const alert = page.locator('[role="alert"][data-error-code="PURPOSE_REQUIRED"]');
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toContain('purpose of use');
    await page.close();
  }, 60_000);
});
