import { describe, expect, it } from 'vitest';
import { writeSummary } from '../../db/unit-of-work';
import { registryKeyFor } from '../../lib/pseudonym';
import { sortChildren, summaryOf, trajectoryCandidates, withoutRefused } from './ingest-batch';
import type { Entry } from './ingest-batches';
import type { IngestCatalogue, KnownTrajectory } from './ingest.repository';
import type { MeasurementRecord, PlacementRecord, TrajectoryRecord } from './ingest.schemas';

// The checks of a batch that need no database: programmes, refused youths, children under their
// trajectory, and what a batch wrote.

const KEY = Buffer.alloc(32, 7);
const PSEUDONYM = `sp1.${'B'.repeat(43)}`;

const trajectory = (reference: string, programmeCode = 'baken'): Entry<TrajectoryRecord> => ({
  line: 1,
  record: {
    type: 'trajectory',
    reference,
    subject: { pseudonym: PSEUDONYM, birthYear: 2009, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'yes' },
    programmeCode,
    startDate: '2024-03-04',
    exploitationAtIntake: 'confirmed',
    researchConsent: 'granted',
  },
});

describe('trajectoryCandidates', () => {
  it('keeps trajectories in a programme of the institution, with the youth’s registry key, and refuses the others on programmeCode', () => {
    const { candidates, rejected } = trajectoryCandidates(
      [trajectory('T-1'), trajectory('T-2', 'elsewhere')],
      new Map([['baken', 'p1']]),
      KEY,
    );
    expect(candidates).toEqual([{ ...trajectory('T-1'), programmeId: 'p1', registryKey: registryKeyFor(PSEUDONYM, KEY) }]);
    expect(rejected).toEqual([
      {
        line: 1,
        type: 'trajectory',
        reference: 'T-2',
        errors: [expect.objectContaining({ code: 'UNKNOWN_PROGRAMME', field: 'programmeCode' })],
      },
    ]);
  });
});

describe('withoutRefused', () => {
  it('refuses the trajectories of an erased or objecting youth on subject.pseudonym, and keeps the others', () => {
    const candidate = (reference: string, registryKey: string) => ({ ...trajectory(reference), programmeId: 'p1', registryKey });
    const { live, rejected } = withoutRefused(
      [candidate('T-1', 'k1'), candidate('T-2', 'k2'), candidate('T-3', 'k3')],
      new Map([
        ['k2', 'SUBJECT_ERASED'],
        ['k3', 'SUBJECT_OBJECTED'],
      ] as const),
    );
    expect(live.map((entry) => entry.record.reference)).toEqual(['T-1']);
    expect(rejected.map((rejection) => [rejection.reference, rejection.errors[0]!.code, rejection.errors[0]!.field])).toEqual([
      ['T-2', 'SUBJECT_ERASED', 'subject.pseudonym'],
      ['T-3', 'SUBJECT_OBJECTED', 'subject.pseudonym'],
    ]);
  });
});

describe('sortChildren', () => {
  const catalogue: IngestCatalogue = {
    instruments: new Map([['trauma_symptoms', { minValue: 0, maxValue: 60, levels: null, informants: new Set(['youth'] as const) }]]),
    activityTypes: new Map(),
    ownProgrammes: new Map(),
  };
  const known = new Map<string, KnownTrajectory>([['T-1', { id: 't1', startDate: '2024-03-04', endDate: null, subjectKey: 'k1' }]]);
  const measurement = (reference: string, trajectoryReference: string, value: number): Entry<MeasurementRecord> => ({
    line: 2,
    record: {
      type: 'measurement',
      reference,
      trajectoryReference,
      instrumentCode: 'trauma_symptoms',
      informant: 'youth',
      date: '2024-04-01',
      value,
    },
  });
  const placement: Entry<PlacementRecord> = {
    line: 3,
    record: { type: 'placement', reference: 'P-1', trajectoryReference: 'T-1', setting: 'ambulatory', startDate: '2024-03-04' },
  };

  it('puts each valid child under its trajectory and youth, by type, and refuses the others with their errors', () => {
    const sorted = sortChildren(
      [measurement('M-1', 'T-1', 31), measurement('M-2', 'T-9', 31), measurement('M-3', 'T-1', 99), placement],
      known,
      {
        catalogue,
        toleranceDays: 7,
        today: '2025-06-30',
      },
    );
    expect(sorted.measurement).toEqual([{ ...measurement('M-1', 'T-1', 31).record, trajectoryId: 't1', subjectKey: 'k1' }]);
    expect(sorted.placement).toEqual([{ ...placement.record, trajectoryId: 't1', subjectKey: 'k1' }]);
    expect(sorted.care_activity).toEqual([]);
    expect(sorted.rejected.map((rejection) => [rejection.reference, rejection.errors.map((error) => error.code)])).toEqual([
      ['M-2', ['UNKNOWN_TRAJECTORY']],
      ['M-3', ['VALUE_OUT_OF_RANGE']],
    ]);
  });
});

describe('summaryOf', () => {
  it('counts created and updated records and names their youths and trajectories; unchanged ones count for nothing', () => {
    expect(
      summaryOf([
        { type: 'trajectory', status: 'created', subjectKey: 'k1', trajectoryId: 't1' },
        { type: 'measurement', status: 'updated', subjectKey: 'k2', trajectoryId: 't2' },
        { type: 'measurement', status: 'unchanged', subjectKey: 'k3', trajectoryId: 't3' },
        { type: 'trajectory', status: 'updated', subjectKey: 'k1' },
      ]),
    ).toEqual(writeSummary({ subjectKeys: ['k1', 'k2'], trajectoryIds: ['t1', 't2'], created: 1, updated: 2 }));
  });
});
