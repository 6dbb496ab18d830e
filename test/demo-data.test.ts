import { describe, expect, it } from 'vitest';
import { selectRows, sql } from '../src/db/client';
import { isRegistryEmpty, loadDemoData } from '../src/modules/demo/demo-data.repository';
import { createTestDatabase } from './helpers/test-database';

// Each test loads the demo data into an empty database of its own: the first asks for an empty
// registry, which it is only if nothing else wrote there.

describe('demo data', () => {
  it('loads a synthetic dataset that passes every database rule, marked synthetic', async () => {
    const testDatabase = await createTestDatabase();
    try {
      const { orm } = testDatabase.database;
      expect(await isRegistryEmpty(orm)).toBe(true);
      const totals = await loadDemoData(orm, Buffer.alloc(32, 7), { trajectories: 40, seed: 3, asOf: '2026-06-30' });
      expect(totals.trajectories).toBe(40);
      expect(await isRegistryEmpty(orm)).toBe(false);
      const [counts] = await selectRows<{ trajectories: number; synthetic: number; measurements: number; institutions: number }>(
        orm,
        sql`select (select count(*)::int from trajectories) as trajectories,
                   (select count(*)::int from trajectories where synthetic) as synthetic,
                   (select count(*)::int from measurements) as measurements,
                   (select count(distinct institution_id)::int from trajectories) as institutions`,
      );
      expect(counts).toEqual({ trajectories: 40, synthetic: 40, measurements: totals.measurements, institutions: expect.any(Number) });
      expect(counts!.institutions).toBeGreaterThan(3);
    } finally {
      await testDatabase.destroy();
    }
  });

  it("passes every database rule with the scale datasets' spacing too (bench/lib/scale-dataset.ts loads these rows with triggers off)", async () => {
    const scaleDatabase = await createTestDatabase();
    try {
      const { orm } = scaleDatabase.database;
      const totals = await loadDemoData(orm, Buffer.alloc(32, 8), {
        trajectories: 60,
        seed: 11,
        asOf: '2026-11-01',
        firstStart: '2019-01-07',
        measurementSpacing: 2.5,
      });
      const [counts] = await selectRows<{ trajectories: number; measurements: number }>(
        orm,
        sql`select (select count(*)::int from trajectories) as trajectories, (select count(*)::int from measurements) as measurements`,
      );
      expect(counts).toEqual({ trajectories: 60, measurements: totals.measurements });
      expect(totals.measurements / totals.trajectories).toBeGreaterThan(30);
      expect(totals.measurements / totals.trajectories).toBeLessThan(80);
    } finally {
      await scaleDatabase.destroy();
    }
  });
});
