import { randomBytes } from 'node:crypto';
import { pseudonymiseBsn } from '../../src/lib/source-pseudonym';

// Builders of valid records for the ingest API; tests change one thing at a time.

const SHARED_KEY = Buffer.alloc(32, 9);

/** A valid BSN (passes the eleven-test) made from a seed number, and its source pseudonym. */
export function pseudonymFor(seed: number): string {
  for (let candidate = 100_000_000 + seed * 97; ; candidate += 1) {
    const digits = String(candidate).padStart(9, '0');
    let sum = 0;
    for (let i = 0; i < 8; i += 1) sum += Number(digits[i]) * (9 - i);
    if ((sum - Number(digits[8])) % 11 === 0) return pseudonymiseBsn(digits, SHARED_KEY);
  }
}

/** Letters only: random digits could form a BSN, phone number or date, which the PII guard refuses. */
export const uniqueReference = (prefix: string) =>
  `${prefix}-${randomBytes(6)
    .toString('hex')
    .replace(/\d/g, (digit) => 'ghijklmnop'[Number(digit)]!)}`;

export function trajectoryBody(overrides: Record<string, unknown> = {}) {
  return {
    subject: { pseudonym: pseudonymFor(1), birthYear: 2009, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'yes' },
    programmeCode: 'vuurtorenhuis-baken',
    startDate: '2024-01-15',
    exploitationAtIntake: 'confirmed',
    researchConsent: 'granted',
    ...overrides,
  };
}

export const measurementBody = (trajectoryReference: string, overrides: Record<string, unknown> = {}) => ({
  trajectoryReference,
  instrumentCode: 'trauma_symptoms',
  informant: 'youth',
  date: '2024-02-01',
  value: 31,
  ...overrides,
});

export const placementBody = (trajectoryReference: string, overrides: Record<string, unknown> = {}) => ({
  trajectoryReference,
  setting: 'closed_residential',
  startDate: '2024-01-15',
  endDate: '2024-04-30',
  ...overrides,
});

export const careActivityBody = (trajectoryReference: string, overrides: Record<string, unknown> = {}) => ({
  trajectoryReference,
  activityTypeCode: 'mentor_conversation',
  date: '2024-01-22',
  durationMinutes: 60,
  topics: ['safety', 'talents'],
  ...overrides,
});

export const ndjson = (records: unknown[]) => `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;

/** A source pseudonym no other test uses (random), so a test needs no other test's data or order. */
export const randomPseudonym = () => `sp1.${randomBytes(32).toString('base64url')}`;
