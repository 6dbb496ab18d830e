// Reliable change (Jacobson & Truax, 1991, J Consult Clin Psychol 59:12–19):
//   S_E = SD·√(1 − r),  S_diff = √(2·S_E²),  RCI = (last − first) / S_diff,
// reliable when |RCI| > 1.96. The sign is turned so that a positive RCI always means
// improvement, whatever the instrument's direction.

export type ChangeCategory = 'recovered' | 'improved' | 'unchanged' | 'deteriorated';

export interface InstrumentPsychometrics {
  normSd: number | null;
  reliability: number | null;
  higherIsBetter: boolean;
  clinicalCutoff: number | null;
}

export type ReliableChange =
  | { rci: number; reliable: boolean; category: ChangeCategory; reason: null }
  | { rci: null; reliable: false; category: null; reason: string };

export const RELIABLE_CHANGE_THRESHOLD = 1.96;

/** Is this value on the clinical (worse) side of the cut-off? */
export function isClinical(value: number, instrument: Pick<InstrumentPsychometrics, 'higherIsBetter' | 'clinicalCutoff'>): boolean | null {
  if (instrument.clinicalCutoff === null) return null;
  return instrument.higherIsBetter ? value < instrument.clinicalCutoff : value > instrument.clinicalCutoff;
}

export function reliableChange(first: number, last: number, instrument: InstrumentPsychometrics): ReliableChange {
  if (instrument.normSd === null || instrument.reliability === null) {
    return { rci: null, reliable: false, category: null, reason: 'the instrument has no norm SD or reliability' };
  }
  const standardError = instrument.normSd * Math.sqrt(1 - instrument.reliability);
  const differenceError = Math.sqrt(2 * standardError ** 2);
  if (!(differenceError > 0)) return { rci: null, reliable: false, category: null, reason: 'the standard error of the difference is zero' };
  const rci = ((last - first) / differenceError) * (instrument.higherIsBetter ? 1 : -1);
  const reliable = Math.abs(rci) > RELIABLE_CHANGE_THRESHOLD;
  let category: ChangeCategory = 'unchanged';
  if (reliable && rci < 0) category = 'deteriorated';
  if (reliable && rci > 0) {
    // Recovered: reliably better and moved from the clinical into the functional range.
    category = isClinical(first, instrument) === true && isClinical(last, instrument) === false ? 'recovered' : 'improved';
  }
  return { rci, reliable, category, reason: null };
}

/** Reliable change of a series, first against last observation, with the reason when there is none. */
export function seriesReliableChange(
  kind: 'score' | 'status',
  observations: ReadonlyArray<{ value: number }>,
  instrument: InstrumentPsychometrics,
): ReliableChange {
  if (kind !== 'score') return { rci: null, reliable: false, category: null, reason: 'a status instrument has coded levels, not a score' };
  if (observations.length < 2)
    return {
      rci: null,
      reliable: false,
      category: null,
      reason: `reliable change needs a first and a last observation: this series has ${observations.length}`,
    };
  return reliableChange(observations[0]!.value, observations[observations.length - 1]!.value, instrument);
}
