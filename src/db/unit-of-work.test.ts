import { describe, expect, it } from 'vitest';
import type { Database, SqlConnection } from './client';
import {
  combineSummaries,
  createUnitOfWork,
  transactionWithoutRecords,
  type Participant,
  type WriteSummary,
  WriteWithoutSubjectError,
  writeSummary,
} from './unit-of-work';

// The unit of work without a database: a transaction is the work, then its participants; a
// failure anywhere is the transaction's failure (the real one rolls back).

const connection: SqlConnection = { query: async () => ({ rows: [] }) };
const database = { transaction: <T>(work: (connection: SqlConnection) => Promise<T>) => work(connection) } as unknown as Database;

/** A participant that remembers what each transaction told it. */
function recorder() {
  const seen: Array<{ phase: 'commit' | 'last'; written: WriteSummary }> = [];
  const participant: Participant = {
    beforeCommit: async (_transaction, written) => void seen.push({ phase: 'commit', written }),
    beforeLastCommit: async (_transaction, written) => void seen.push({ phase: 'last', written }),
  };
  return { seen, participant };
}

describe('unit of work', () => {
  it('hands each participant what the transaction returned it wrote, and returns the result', async () => {
    const { seen, participant } = recorder();
    const work = createUnitOfWork(database, [participant]);
    const written = writeSummary({ subjectKeys: ['k1'], trajectoryIds: ['t1'], created: 1 });
    await expect(work.transaction(async () => ({ result: 'done', written }), { last: true })).resolves.toBe('done');
    expect(seen).toEqual([
      { phase: 'commit', written },
      { phase: 'last', written },
    ]);
  });

  it('refuses a write that changed records but names no youth, before any participant writes', async () => {
    const { seen, participant } = recorder();
    const work = createUnitOfWork(database, [participant]);
    for (const forgotten of [{ created: 1 }, { updated: 2 }, { deleted: 1, trajectoryIds: ['t1'] }]) {
      await expect(work.transaction(async () => ({ result: null, written: writeSummary(forgotten) }))).rejects.toBeInstanceOf(
        WriteWithoutSubjectError,
      );
    }
    expect(seen).toEqual([]);
  });

  it('lets a transaction that changed nothing name no youth (a batch of unchanged records)', async () => {
    const { seen, participant } = recorder();
    const work = createUnitOfWork(database, [participant]);
    await work.transaction(async () => ({ result: null, written: writeSummary() }));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.written.subjectKeys.size).toBe(0);
  });

  it('ends with the last participants only, told nothing was written', async () => {
    const { seen, participant } = recorder();
    await createUnitOfWork(database, [participant]).finish();
    expect(seen).toEqual([{ phase: 'last', written: writeSummary() }]);
  });
});

describe('a transaction without records', () => {
  it('runs its work on the transaction’s connection and returns its result', async () => {
    await expect(
      transactionWithoutRecords(database, async (given) => (given === connection ? 'same connection' : 'another')),
    ).resolves.toBe('same connection');
  });
});

describe('write summaries', () => {
  it('combine by adding counts and joining youths and trajectories once each', () => {
    const combined = combineSummaries([
      writeSummary({ subjectKeys: ['a', 'b'], trajectoryIds: ['t1'], created: 2 }),
      writeSummary({ subjectKeys: ['b', 'c'], trajectoryIds: ['t1', 't2'], updated: 1, deleted: 3 }),
    ]);
    expect(combined).toEqual(
      writeSummary({ subjectKeys: ['a', 'b', 'c'], trajectoryIds: ['t1', 't2'], created: 2, updated: 1, deleted: 3 }),
    );
    expect(combineSummaries([])).toEqual(writeSummary());
  });
});
