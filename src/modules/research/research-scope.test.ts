import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors';
import { REGISTRY_SCOPE, type RequestScope } from '../../plugins/request-scope';
import type { SqlConnection } from '../../db/client';
import { createRegistryResearchRepository, createResearchRepository, seriesOfMeasurements } from './research.repository';

// Every research statement carries the scope, decided from request.scope by research-policy.ts;
// the registry's own reads are a repository of their own, so neither scope can be passed to the
// other (the @ts-expect-error lines fail the type check if that ever changes). The database here
// only records the statements: what runs against a real one is in test/research-graphql.test.ts.

function recording() {
  const statements: Array<{ text: string; params: unknown[] }> = [];
  const database = {
    query: async (text: string, params: unknown[] = []) => {
      statements.push({ text, params });
      return { rows: [] };
    },
  } as unknown as SqlConnection;
  return { database, statements };
}

const RELEASE = { releasedBefore: '2026-10-01' };
const INSTITUTION: RequestScope = { principalId: 'k', role: 'institution', institution: { id: 'id-a', code: 'a' }, purpose: null };
const RESEARCHER: RequestScope = { principalId: 'k', role: 'researcher', institution: null, purpose: 'scientific_research' };
const FUNDER: RequestScope = { principalId: 'k', role: 'funder', institution: null, purpose: null };

describe('the scope of research reads', () => {
  it('an institution reads its own trajectories, children included', async () => {
    const { database, statements } = recording();
    await createResearchRepository(database, RELEASE).placements(INSTITUTION, ['t1']);
    expect(statements[0]!.text).toMatch(/t\.institution_id = \$2::uuid/);
    expect(statements[0]!.params).toEqual([['t1'], 'id-a']);
  });

  it('a researcher reads consented trajectories that ended before the release date, without calendar dates', async () => {
    const { database, statements } = recording();
    await createResearchRepository(database, RELEASE).series(RESEARCHER, ['t1']);
    expect(statements[0]!.text).toMatch(/t\.research_consent = 'granted' and t\.end_date < \$2::date/);
    expect(statements[0]!.text).toMatch(/m\.value, null\)/);
    expect(statements[0]!.params).toEqual([['t1'], '2026-10-01']);
  });

  it('a page with its series applies the scope once, to the page its series are built over', async () => {
    const { database, statements } = recording();
    await createResearchRepository(database, RELEASE).listTrajectories(RESEARCHER, {}, null, 51, { withSeries: true });
    expect(statements).toHaveLength(1);
    expect(statements[0]!.text).toMatch(/t\.research_consent = 'granted' and t\.end_date < \$1::date/);
    expect(statements[0]!.text).toMatch(/where m\.trajectory_id = page\.id and t\.id = page\.id/);
    expect(statements[0]!.text).toMatch(/m\.value, null\)/);
    expect(statements[0]!.params).toEqual(['2026-10-01', 51]);
  });

  it('a funder, or a researcher without a purpose, reads nothing: refused before any statement', async () => {
    const { database, statements } = recording();
    const repository = createResearchRepository(database, RELEASE);
    await expect(repository.trajectoriesByIds(FUNDER, ['t1'])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(repository.listTrajectories({ ...RESEARCHER, purpose: null }, {}, null, 10)).rejects.toBeInstanceOf(AppError);
    expect(statements).toEqual([]);
  });

  it('the registry reads every trajectory, through its own repository only', async () => {
    const { database, statements } = recording();
    await createRegistryResearchRepository(database).activities(REGISTRY_SCOPE, ['t1']);
    expect(statements[0]!.params).toEqual([['t1']]);
    const forRequests = createResearchRepository(database, RELEASE);
    const forRegistry = createRegistryResearchRepository(database);
    // @ts-expect-error a request's reads never take the registry scope
    expect(() => forRequests.placements(REGISTRY_SCOPE, [])).toBeDefined();
    // @ts-expect-error the registry's reads never take a request's scope
    expect(() => forRegistry.placements(RESEARCHER, [])).toBeDefined();
  });
});

describe('measurements into series', () => {
  it('splits the tuples at each change of instrument or informant, keeping their order', () => {
    expect(
      seriesOfMeasurements([
        ['cans', 'mentor', 0, 2, '2026-01-01'],
        ['cans', 'mentor', 30, 1, '2026-01-31'],
        ['cans', 'youth', 0, 3, null],
        ['sdq', 'youth', 5, 14, null],
        ['sdq', 'youth', 40, 11, null],
      ]),
    ).toEqual([
      {
        instrument_code: 'cans',
        informant: 'mentor',
        observations: [
          { day: 0, value: 2, date: '2026-01-01' },
          { day: 30, value: 1, date: '2026-01-31' },
        ],
      },
      { instrument_code: 'cans', informant: 'youth', observations: [{ day: 0, value: 3, date: null }] },
      {
        instrument_code: 'sdq',
        informant: 'youth',
        observations: [
          { day: 5, value: 14, date: null },
          { day: 40, value: 11, date: null },
        ],
      },
    ]);
    expect(seriesOfMeasurements(null)).toEqual([]);
  });
});
