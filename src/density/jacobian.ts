// log |d z / d x| of one numeric column's map from the user's value x to the model's z
// (src/transformer.ts encodeValue), so that log p(x) = log p(z) + log |dz/dx| in user units.
// Standardised: z = (x - mean) / sd, a constant -log(sd). Quantile-normal: z = Phi^-1(F(x))
// with F piecewise linear between the knots (src/table/quantile-map.ts), so
// dz/dx = F'(x) / phi(z): F' is the slope of x's segment (the right one at a knot). Where F
// is flat (beyond the clamp of the end segments) the log-Jacobian is -Infinity: the model puts
// no density there in user units (its samples are clipped to the training range). A value on a
// tie of knots is an atom: the decoder maps the whole interval [Phi^-1(p_first), Phi^-1(p_last)]
// of the tie's probabilities to it, so the model gives it a probability, not a density; its
// term is log of that interval's width, the midpoint rule log P(value) ~ log p(z) + log dz
// (an approximation, exact as the interval shrinks), flagged by columnTerm's `atom`.
import type { ColumnSpec } from '../table/columns.js';
import { normalQuantile } from '../table/normal.js';
import { QuantileMap, toNormal } from '../table/quantile-map.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export function columnLogJacobian(spec: ColumnSpec, x: number): number {
  return columnTerm(spec, x).value;
}

/** The column's term and whether x is an atom (a tie of the quantile map: midpoint-rule log-probability). */
export function columnTerm(spec: ColumnSpec, x: number): { value: number; atom: boolean } {
  if (spec.kind === 'binary') return { value: 0, atom: false };
  if (!spec.quantile) return { value: -Math.log(spec.sd), atom: false };
  const width = tieLogWidth(spec.quantile, x);
  if (width !== null) return { value: width, atom: true };
  return { value: quantileLogJacobian(spec.quantile, x), atom: false };
}

/** log(Phi^-1(p_last) - Phi^-1(p_first)) of the run of knots equal to x, or null when x is not a tie. */
export function tieLogWidth(map: QuantileMap, x: number): number | null {
  const { knots, probs } = map;
  let lo = 0, hi = knots.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (knots[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < knots.length && knots[end] === x) end++;
  if (end - lo < 2) return null;
  return Math.log(normalQuantile(probs[end - 1]!) - normalQuantile(probs[lo]!));
}

export function quantileLogJacobian(map: QuantileMap, x: number): number {
  const { knots, probs } = map;
  const m = knots.length;
  if (m === 1) return NaN;
  let k: number; // segment [k, k + 1]
  if (x < knots[0]!) {
    k = 0;
    const width = knots[1]! - knots[0]!;
    if (!(width > 0)) return -Infinity;
    const u = probs[0]! + ((x - knots[0]!) * (probs[1]! - probs[0]!)) / width;
    if (u <= probs[0]! / 2) return -Infinity;
  } else if (x > knots[m - 1]!) {
    k = m - 2;
    const width = knots[m - 1]! - knots[m - 2]!;
    if (!(width > 0)) return -Infinity;
    const u = probs[m - 1]! + ((x - knots[m - 1]!) * (probs[m - 1]! - probs[m - 2]!)) / width;
    if (u >= (1 + probs[m - 1]!) / 2) return -Infinity;
  } else {
    // Last knot <= x; a tie (two knots at x) is an atom of F.
    let lo = 0, hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (knots[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    const last = lo - 1;
    if (knots[last] === x && ((last > 0 && knots[last - 1] === x) || (last + 1 < m && knots[last + 1] === x))) return NaN;
    k = Math.min(last, m - 2);
  }
  const slope = (probs[k + 1]! - probs[k]!) / (knots[k + 1]! - knots[k]!);
  if (!(slope > 0) || !Number.isFinite(slope)) return NaN;
  const z = toNormal(map, x);
  return Math.log(slope) + 0.5 * z * z + HALF_LOG_2PI;
}
