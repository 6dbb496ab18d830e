// The maximum-entropy distribution on a finite set of perturbations with mean 0 and a given
// variance: the construction of a perturbation table by Giessing (2016), "Computational issues in
// the design of transition probabilities and disclosure risk estimation for additive noise",
// PSD 2016, LNCS 9867, and of the R package ptable. Among all distributions that meet the
// constraints it is the one that assumes least; by Jaynes (1957) it has the Gibbs form
// p(v) ∝ exp(a·v + b·v²), so two numbers (a, b) describe it. They are found by Newton's method
// on the convex dual F(a, b) = log Σ exp(a·v + b·v²) − b·V, whose gradient is
// (E[v], E[v²] − V) and whose Hessian is the covariance of (v, v²).

export interface Distribution {
  values: number[];
  probabilities: number[];
}

const TOLERANCE = 1e-13;

/** Mean and variance a distribution on `values` with mean 0 can have: [smallest, largest]. */
export function varianceRange(values: readonly number[]): [number, number] {
  const below = values.filter((value) => value < 0);
  const above = values.filter((value) => value > 0);
  if (below.length === 0 || above.length === 0) return [0, 0];
  // Smallest: all on 0, or on the nearest value either side of it; largest: on the two extremes.
  const smallest = values.includes(0) ? 0 : -Math.max(...below) * Math.min(...above);
  return [smallest, -Math.min(...below) * Math.max(...above)];
}

/** Mean 0 on two values a < 0 < b: p(a) = b/(b−a), p(b) = −a/(b−a), variance −a·b. */
function twoPoint(values: readonly number[], a: number, b: number): Distribution {
  return { values: [...values], probabilities: values.map((value) => (value === a ? b / (b - a) : value === b ? -a / (b - a) : 0)) };
}

/**
 * The maximum-entropy distribution on `values` (distinct integers or reals) with mean 0 and
 * variance `variance`. Where the values cannot have that variance with mean 0, the nearest
 * variance they can have is used (a boundary, where the solution puts all mass on two values).
 */
export function maximumEntropy(values: readonly number[], variance: number): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const [smallest, largest] = varianceRange(sorted);
  if (largest === 0) {
    if (!sorted.includes(0)) throw new Error('no distribution on these values has mean 0');
    return { values: sorted, probabilities: sorted.map((value) => (value === 0 ? 1 : 0)) };
  }
  const below = sorted.filter((value) => value < 0);
  const above = sorted.filter((value) => value > 0);
  if (variance <= smallest + 1e-9) {
    if (smallest === 0) return { values: sorted, probabilities: sorted.map((value) => (value === 0 ? 1 : 0)) };
    return twoPoint(sorted, Math.max(...below), Math.min(...above));
  }
  if (variance >= largest - 1e-9) return twoPoint(sorted, Math.min(...below), Math.max(...above));
  return solveDual(sorted, variance);
}

function solveDual(values: number[], variance: number): Distribution {
  let a = 0;
  let b = 0;
  const evaluate = (x: number, y: number) => {
    const exponents = values.map((value) => x * value + y * value * value);
    const top = Math.max(...exponents);
    const weights = exponents.map((exponent) => Math.exp(exponent - top));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    const p = weights.map((weight) => weight / total);
    return { p, objective: top + Math.log(total) - y * variance };
  };
  let current = evaluate(a, b);
  for (let iteration = 0; iteration < 500; iteration += 1) {
    const { p } = current;
    const moment = (power: number) => p.reduce((sum, probability, index) => sum + probability * values[index]! ** power, 0);
    const [m1, m2, m3, m4] = [moment(1), moment(2), moment(3), moment(4)];
    const gradient = [m1, m2 - variance];
    if (Math.abs(gradient[0]!) < TOLERANCE && Math.abs(gradient[1]!) < TOLERANCE) break;
    // Hessian: Var(v), Cov(v, v²), Var(v²).
    const [h11, h12, h22] = [m2 - m1 * m1, m3 - m1 * m2, m4 - m2 * m2];
    const determinant = h11 * h22 - h12 * h12;
    let [da, db] =
      determinant > 1e-300
        ? [-(h22 * gradient[0]! - h12 * gradient[1]!) / determinant, -(h11 * gradient[1]! - h12 * gradient[0]!) / determinant]
        : [-gradient[0]!, -gradient[1]!];
    // Backtracking: a Newton step far from the optimum can overshoot.
    let step = 1;
    let next = evaluate(a + da, b + db);
    while (next.objective > current.objective + 1e-15 && step > 1e-12) {
      step /= 2;
      next = evaluate(a + step * da, b + step * db);
    }
    [da, db] = [step * da, step * db];
    a += da;
    b += db;
    current = next;
  }
  return { values, probabilities: current.p };
}

/** Mean and variance of a distribution (for checks). */
export function moments(distribution: Distribution): { total: number; mean: number; variance: number } {
  const { values, probabilities } = distribution;
  const total = probabilities.reduce((sum, probability) => sum + probability, 0);
  const mean = probabilities.reduce((sum, probability, index) => sum + probability * values[index]!, 0);
  const variance = probabilities.reduce((sum, probability, index) => sum + probability * (values[index]! - mean) ** 2, 0);
  return { total, mean, variance };
}
