import { afterEach, expect } from 'vitest';
import type { SyntheticTrajectory } from '../../src/modules/demo/synthetic-trajectories';
import type { StatisticsAnswer } from '../../src/modules/statistics/statistics.service';
import { youthsToAdd } from './statistics-attacks/added-youths';
import { createDemoWorld } from './demo-world';
import { TEST_REGISTRY_KEY_HEX, type TestApp } from './test-app';

// The worlds of the release-model tests (statistics-release-model*.test.ts): each test has a
// world of its own, closed after it.

export const REGISTRY_KEY = Buffer.from(TEST_REGISTRY_KEY_HEX, 'hex');
const PATHS = ['overview?groupBy=programme', 'outcomes?groupBy=gender', 'care', 'perspective?groupBy=institution'];

let world: TestApp | undefined;
/** Closes the world after each test of the file that calls it. */
export function closeWorldAfterEach(): void {
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
}

/**
 * A world with its first release, read by a funder. The release audit is off unless a test turns
 * it on: these tests are about the change rule, and the audit (its own tests:
 * statistics-release-audit.test.ts, the attack files) took two thirds of their time.
 */
export async function released(env: Record<string, string> = {}, trajectories = 60) {
  // Only the audit changes what the first release wrote: worlds that differ in other settings are one world.
  const { STATISTICS_RELEASE_AUDIT: audit = 'off', ...serve } = env;
  world = await createDemoWorld({ trajectories, seed: 8, release: true, env: { STATISTICS_RELEASE_AUDIT: audit }, serve });
  const t = world;
  const funder = (await t.authorization('funder')).authorization;
  const snapshot = async (): Promise<StatisticsAnswer[]> =>
    Promise.all(
      PATHS.map(async (path) => {
        const response = await t.app.inject({ url: `/api/v1/statistics/${path}`, headers: { authorization: funder } });
        expect(response.statusCode, response.body).toBe(200);
        return response.json();
      }),
    );
  const catchUp = async () => {
    await t.app.indicators.enqueueStale();
    await t.app.indicators.drain();
  };
  return { t, funder, snapshot, catchUp };
}

/** New youths of one institution and programme (invented ones, as an institution could push). */
export const youthsAt = (
  count: number,
  institutionCode: string,
  programmeCode: string,
  label: string,
  seed: number,
): SyntheticTrajectory[] =>
  youthsToAdd(count, { seed, asOf: '2026-06-30', label }).map((youth) => ({
    ...youth,
    institutionCode,
    programmeCode,
    researchConsent: 'granted',
  }));
