import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { exportRelease } from './research-release-export';
import type { ReleaseView } from './research-releases';
import type { ReleasedDocument, ResearchReleasesRepository } from './research-releases.repository';

// The export's back-pressure: it waits while the client has not read what was written, and goes
// on when it has. When the client read everything while the next batch was being fetched, and the
// Parquet pass then wrote nothing (a row group is handed on every 20,000 rows), the export once
// waited for a read that had already come: the download stopped half-way, for ever.

const DOCUMENTS = 1_200;

const document = (index: number): ReleasedDocument & { id: string } => {
  const id = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
  return {
    id,
    row: {
      id,
      subject_id: id,
      registry_key: 'k'.repeat(64),
      institution_code: 'vuurtorenhuis',
      programme_id: id,
      programme_code: 'residential-intensive',
      start_date: '2024-01-15',
      end_date: '2024-09-30',
      end_reason: 'completed',
      exploitation_at_intake: 'suspected',
      research_consent: 'granted',
      birth_year: 2008,
      gender: 'female',
      mild_intellectual_disability: 'no',
      prior_youth_care: 'unknown',
      stored_outcomes: { outcome_class: 'improved', problem_recognition: 'shared_recognition' },
    } as unknown as ReleasedDocument['row'],
    placements: [{ trajectory_id: id, setting: 'residential', start_day: 0, end_day: null } as never],
    activities: [],
    // Enough bytes, and varied enough, that the zip's chunks fill the stream's buffer.
    measurements: Array.from({ length: 60 }, (_, day) => [
      'emotional_behavioural',
      'youth',
      day,
      (index * 7919 + day * 104729) % 9973,
      null,
    ]),
    others: [],
  };
};

/** Batches in id order, each after a pause (the database answers later than the client reads). */
const repository: Pick<ResearchReleasesRepository, 'batch'> = {
  async batch(_release, _filter, after, limit) {
    await new Promise((resolve) => setTimeout(resolve, 3));
    const start = after === null ? 0 : Number.parseInt(after.slice(-12), 16) + 1;
    return Array.from({ length: Math.max(0, Math.min(limit, DOCUMENTS - start)) }, (_, offset) => document(start + offset));
  },
};

const release = {
  id: '2026-Q4.1',
  publishedAt: new Date('2026-10-01T00:05:00Z'),
  cutoff: '2026-10-01',
  contentDigest: 'sha256-x',
  citation: 'Care Trajectory Registry, research release 2026-Q4.1.',
} as ReleaseView;

describe('the export of a release', () => {
  it('reaches its end when the client reads faster than the release is read', async () => {
    const stream = exportRelease(repository, {
      release,
      filter: {},
      withdrawn: [],
      context: { instruments: new Map(), intakeWindowDays: 42 },
    });
    const chunks: Buffer[] = [];
    const done = (async () => {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    })();
    const stalled = new Promise((_, reject) => setTimeout(() => reject(new Error('the export stopped half-way')), 20_000));
    await Promise.race([done, stalled]);
    const files = unzipSync(new Uint8Array(Buffer.concat(chunks)));
    const descriptor = JSON.parse(Buffer.from(files['datapackage.json']!).toString('utf8'));
    expect(descriptor.resources.find((resource: { name: string }) => resource.name === 'trajectories-parquet').description).toMatch(
      `${DOCUMENTS} rows.`,
    );
    expect(Buffer.from(files['trajectories.csv']!).toString('utf8').trimEnd().split('\n').length).toBe(DOCUMENTS + 1);
  }, 30_000);
});
