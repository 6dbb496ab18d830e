import { describe, expect, it } from 'vitest';
import { isClinical, reliableChange, seriesReliableChange } from './reliable-change';

// The standard errors follow Jacobson & Truax (1991). The numbers below are those of the test
// suite of the R package clinicalsignificance (tests/testthat/test-calc_rci_jt.R): SD 5,
// reliability .80, so S_E = 5·√.2 = 2.2361 and S_diff = √(2·S_E²) = √10 = 3.1623.

const scale = { normSd: 5, reliability: 0.8, higherIsBetter: true, clinicalCutoff: null };

describe('reliable change index', () => {
  it('divides the change by S_diff', () => {
    for (const change of [-8, -4, 0, 4, 8]) {
      expect(reliableChange(20, 20 + change, scale).rci).toBeCloseTo(change / Math.sqrt(10), 12);
    }
  });

  it('is reliable beyond 1.96 only', () => {
    expect(reliableChange(20, 28, scale)).toMatchObject({ reliable: true, category: 'improved' });
    expect(reliableChange(20, 24, scale)).toMatchObject({ reliable: false, category: 'unchanged' });
    expect(reliableChange(20, 12, scale)).toMatchObject({ reliable: true, category: 'deteriorated' });
  });

  it('turns the sign for a decreasing-is-better instrument', () => {
    const problems = { ...scale, higherIsBetter: false };
    expect(reliableChange(28, 20, problems).rci).toBeCloseTo(8 / Math.sqrt(10), 12);
    expect(reliableChange(28, 20, problems).category).toBe('improved');
  });

  it('calls a reliable improvement from the clinical into the functional range recovered', () => {
    const problems = { normSd: 10, reliability: 0.9, higherIsBetter: false, clinicalCutoff: 25 };
    // S_diff = √(2·(10·√.1)²) = √20 = 4.472; a drop of 15 gives RCI 3.35.
    expect(reliableChange(35, 20, problems)).toMatchObject({ category: 'recovered', reliable: true });
    expect(reliableChange(45, 30, problems)).toMatchObject({ category: 'improved' });
    expect(isClinical(25, problems)).toBe(false);
    expect(isClinical(26, problems)).toBe(true);
  });

  it('is null with a reason without psychometric values', () => {
    expect(reliableChange(1, 5, { ...scale, normSd: null })).toMatchObject({ rci: null, reason: expect.stringMatching(/norm SD/) });
  });
});

describe('reliable change of a series', () => {
  const instrument = { normSd: 10, reliability: 0.9, higherIsBetter: false, clinicalCutoff: 30 };
  it('gives the reason when there is no value', () => {
    expect(seriesReliableChange('score', [{ value: 40 }], instrument)).toMatchObject({ rci: null, reason: expect.stringMatching(/has 1/) });
    expect(seriesReliableChange('status', [{ value: 0 }, { value: 1 }], instrument)).toMatchObject({
      rci: null,
      reason: expect.stringMatching(/status/),
    });
  });
  it('counts a first score exactly at the cut-off as functional: reliably better from it is improved, not recovered', () => {
    expect(seriesReliableChange('score', [{ value: 30 }, { value: 10 }], instrument).category).toBe('improved');
    expect(seriesReliableChange('score', [{ value: 30.5 }, { value: 10 }], instrument).category).toBe('recovered');
    expect(seriesReliableChange('score', [{ value: 40 }, { value: 30 }], instrument).category).toBe('recovered');
  });
});
