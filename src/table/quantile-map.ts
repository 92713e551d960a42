// The quantile-normal map of a numeric column (Tab-DDPM's QuantileTransformer, made private):
// x -> the empirical CDF, interpolated between knots -> the standard normal quantile.
//
// The knots are not training values: the sorted values are cut into m groups of about equal
// size and each knot is the mean of its group, at the group's mid probability. With groups of
// at least MIN_GROUP values a model file holds no single row's value (a group of identical
// values gives that value, which then belongs to at least MIN_GROUP rows). The extreme knots
// sit at probabilities g/(2n) and 1 - g/(2n), so the training extremes map to finite, moderate
// normal scores (about +-3.2 at n = 4000) rather than to a clipped +-5.2 that few-step samplers
// then overshoot towards; samples never leave [first knot, last knot], inside the training range.
import { normalCdf, normalQuantile } from './normal.js';

/** Smallest number of values averaged into one knot. */
export const MIN_GROUP = 5;
/** Most knots per column (Tab-DDPM's cap). */
export const MAX_KNOTS = 1000;

export interface QuantileMap {
  /** Non-decreasing knot values (group means). */
  readonly knots: Float64Array;
  /** Strictly increasing probabilities in (0, 1), one per knot. */
  readonly probs: Float64Array;
}

/** Knots of `sorted` (ascending, at least one value): floor(n / MIN_GROUP) of them, 1..MAX_KNOTS. */
export function fitQuantileMap(sorted: Float64Array): QuantileMap {
  const n = sorted.length;
  // At least two knots when there are two values, so a tiny table keeps a range (its groups
  // are then smaller than MIN_GROUP: a table of fewer than 2 * MIN_GROUP rows cannot be private).
  const m = Math.min(n, Math.max(2, Math.min(MAX_KNOTS, Math.floor(n / MIN_GROUP))));
  const knots = new Float64Array(m);
  const probs = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const start = Math.floor((k * n) / m);
    const end = Math.floor(((k + 1) * n) / m);
    let sum = 0;
    for (let i = start; i < end; i++) sum += sorted[i]!;
    let mean = sum / (end - start);
    // Rounding can put a group's mean outside [its min, its max]; keep the knots monotone.
    mean = Math.min(Math.max(mean, sorted[start]!), sorted[end - 1]!);
    knots[k] = k > 0 ? Math.max(mean, knots[k - 1]!) : mean;
    probs[k] = (start + end) / 2 / n;
  }
  return { knots, probs };
}

/** Value -> normal score. Ties with knots take the middle of their run of probabilities. */
export function toNormal(map: QuantileMap, x: number): number {
  const { knots, probs } = map;
  const m = knots.length;
  if (m === 1) return 0;
  const lo = lowerBound(knots, x);
  let u: number;
  if (lo < m && knots[lo] === x) {
    const hi = upperBound(knots, x, lo);
    u = (probs[lo]! + probs[hi - 1]!) / 2;
  } else if (lo === 0) {
    u = extrapolate(probs[0]!, x - knots[0]!, knots, probs, 0);
  } else if (lo === m) {
    u = extrapolate(probs[m - 1]!, x - knots[m - 1]!, knots, probs, m - 2);
  } else {
    const a = lo - 1;
    u = probs[a]! + ((x - knots[a]!) / (knots[lo]! - knots[a]!)) * (probs[lo]! - probs[a]!);
  }
  return normalQuantile(u);
}

/**
 * Normal score -> value. Beyond the end knots the end segments' slopes extend the map (so a
 * round trip of the training extremes is exact); decoders then clip to [first, last knot].
 */
export function fromNormal(map: QuantileMap, z: number): number {
  const { knots, probs } = map;
  const m = knots.length;
  const u = normalCdf(z);
  if (m === 1) return knots[0]!;
  if (u < probs[0]!) return knots[0]! + inverseSlope(knots, probs, 0) * (Math.max(u, probs[0]! / 2) - probs[0]!);
  if (u >= probs[m - 1]!) return knots[m - 1]! + inverseSlope(knots, probs, m - 2) * (Math.min(u, (1 + probs[m - 1]!) / 2) - probs[m - 1]!);
  const k = upperBound(probs, u) - 1; // probs[k] <= u < probs[k + 1]
  const frac = (u - probs[k]!) / (probs[k + 1]! - probs[k]!);
  return knots[k]! + frac * (knots[k + 1]! - knots[k]!);
}

/**
 * Extends the CDF beyond an end knot along segment [k, k + 1], at most half-way from the end
 * knot's probability to 0 (or 1): outliers get moderate normal scores, not +-5.
 */
function extrapolate(p: number, dx: number, knots: Float64Array, probs: Float64Array, k: number): number {
  const width = knots[k + 1]! - knots[k]!;
  if (!(width > 0)) return p;
  const u = p + (dx * (probs[k + 1]! - probs[k]!)) / width;
  return dx < 0 ? Math.max(u, p / 2) : Math.min(u, (1 + p) / 2);
}

/** dx/du of segment [k, k + 1] (0 for a flat one, as extrapolate keeps u at the knot). */
function inverseSlope(knots: Float64Array, probs: Float64Array, k: number): number {
  return (knots[k + 1]! - knots[k]!) / (probs[k + 1]! - probs[k]!);
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, x: number, from = 0): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
