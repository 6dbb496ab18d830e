import { createHash } from 'node:crypto';
import type { Gender } from '../../../src/lib/vocabulary';
import type { Send } from './world';

// The attacking institution's invented youths ("fillers"), pushed, corrected and erased through
// the API as any institution does. The attacker chooses their values, so it knows exactly which
// published counts they are in: its own programme (no youth of another institution can be in
// it), one gender (a rare one), no measurements (outcome class "insufficient data", no youth-
// perspective answers), one start year.

export interface FillerPlan {
  /** Labels the pseudonyms and references, so that runs never meet. */
  label: string;
  count: number;
  programmeCode: string;
  gender: Gender;
  birthYear: number;
}

export interface Filler {
  reference: string;
  pseudonym: string;
}

/** Letters only: digits in a reference could read as a date or a number the PII guard refuses. */
const letters = (value: number) =>
  value
    .toString(26)
    .split('')
    .map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 26)))
    .join('');

export function fillersOf(plan: FillerPlan, offset = 0): Filler[] {
  return Array.from({ length: plan.count }, (_, index) => {
    const seed = `${plan.label}:${offset + index}`;
    return {
      reference: `FILL-${plan.label.replace(/[^A-Za-z]/g, '')}-${letters(offset + index)}`,
      pseudonym: `sp1.${createHash('sha256').update(seed).digest('base64url')}`,
    };
  });
}

/** The fillers' trajectories with this start date: a new youth each, or a correction of one pushed before. */
export async function pushFillers(send: Send, plan: FillerPlan, fillers: Filler[], startDate: string): Promise<void> {
  const lines = fillers.map((filler) => ({
    type: 'trajectory',
    reference: filler.reference,
    subject: {
      pseudonym: filler.pseudonym,
      birthYear: plan.birthYear,
      gender: plan.gender,
      mildIntellectualDisability: 'no',
      priorYouthCare: 'yes',
    },
    programmeCode: plan.programmeCode,
    startDate,
    exploitationAtIntake: 'confirmed',
    researchConsent: 'granted',
  }));
  const response = await send({
    method: 'POST',
    path: '/api/v1/ingest?mode=atomic',
    ndjson: `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
  });
  if (response.status !== 200) throw new Error(`fillers not pushed: ${response.status} ${response.body}`);
}

/** The institution erases its records of each filler (one erasure per youth, as the API has it). */
export async function eraseFillers(send: Send, fillers: Filler[]): Promise<void> {
  for (const filler of fillers) {
    const response = await send({ method: 'POST', path: '/api/v1/erasures', body: { pseudonym: filler.pseudonym } });
    if (response.status !== 200) throw new Error(`filler not erased: ${response.status} ${response.body}`);
  }
}
