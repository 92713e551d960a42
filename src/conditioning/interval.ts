// A prediction interval for one cell from its m imputed draws (impute(rows, { draws: m })).
//
// For m exchangeable draws X_1..X_m and one more value Y from the same distribution, the rank of Y
// among the m + 1 values is uniform, so P(Y < X_(k)) = k / (m + 1) for the k-th smallest draw.
// The interval [X_(lo), X_(hi)] with lo = (m + 1)(1 - level) / 2 and hi = (m + 1) - lo therefore
// covers Y with probability `level`: exactly when lo is a whole number, and for uniform draws at
// any lo (test/interval.test.mjs); for other laws up to the interpolation between neighbouring
// draws. The sample's own 5% and 95% quantiles, [X_(3.45), X_(47.55)] for m = 50, cover only
// about 0.865: a perfect sampler would fail a 90% check with them. docs/imputation.md, "Intervals".

/**
 * The `level` prediction interval of a new value from the distribution the draws came from:
 * [lower, upper] at ranks (m + 1)(1 - level) / 2 and m + 1 minus that, interpolated between draws.
 * Needs at least 2 / (1 - level) - 1 draws (19 for 0.9, 39 for 0.95).
 */
export function predictionInterval(values: readonly number[], level = 0.9): [number, number] {
  if (!Array.isArray(values)) throw new TypeError('values: expected an array of numbers (one cell\'s draws)');
  if (typeof level !== 'number' || !(level > 0 && level < 1)) throw new RangeError(`level: expected a number in (0, 1), got ${String(level)}`);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`values: draw ${i + 1} is ${String(v)}, not a finite number`);
  });
  const m = values.length;
  const lo = lowerRank(m, level);
  // Tolerate float error in (m + 1)(1 - level) / 2, e.g. 19 draws at 0.9 give 0.99999999.
  if (lo < 1 - 1e-9) {
    throw new RangeError(`values: ${m} draw(s) cannot give a ${Number((level * 100).toPrecision(12))}% interval; it needs at least ${drawsForLevel(level)}`);
  }
  const sorted = Float64Array.from(values).sort();
  return [atRank(sorted, lo), atRank(sorted, m + 1 - lo)];
}

/** The 1-based rank of the lower bound among m draws: (m + 1)(1 - level) / 2. */
export function lowerRank(m: number, level: number): number {
  return ((m + 1) * (1 - level)) / 2;
}

/** The fewest draws a `level` interval needs: (m + 1)(1 - level) / 2 >= 1 (float error tolerated). */
export function drawsForLevel(level: number): number {
  return Math.ceil(2 / (1 - level) - 1 - 1e-9);
}

/** The value at 1-based rank r of the sorted draws, interpolated between neighbours. */
function atRank(sorted: Float64Array, r: number): number {
  const rounded = Math.round(r);
  if (Math.abs(r - rounded) < 1e-9) return sorted[rounded - 1]!;
  const i = Math.floor(r);
  const w = r - i;
  return sorted[i - 1]! + w * (sorted[i]! - sorted[i - 1]!);
}
