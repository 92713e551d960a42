// The size limit beyond which a row the synthesizer samples counts as a runaway (redrawn; see
// src/diffusion/diverged.ts). A trained network now and then pushes a row outwards and its chain
// runs away geometrically: with the defaults on california_housing 1 row in 16,000 ended at 3e7
// in the model's space while every other stayed within 4.97 (bench/results/runaway-rows.md), and
// decoded to a row of column extremes. The limit is chosen at fit, from the data and a probe:
// 4x the largest training value in the model's space, at least 20. A model still far from the
// data (a few hundred steps) draws many rows beyond any such limit; redrawing them would only
// cost time, so when a probe of PROBE_ROWS rows finds more than PROBE_SHARE of them beyond it,
// there is no limit (null) and only non-finite rows are redrawn.
import { divergedRows } from '../diffusion/diverged.js';
import type { Latent } from '../stream-slices.js';
import type { Matrix } from '../matrix.js';

export const PROBE_ROWS = 512;
export const PROBE_SEED = 0x52554e; // 'RUN'
export const PROBE_SHARE = 0.005;
export const MIN_LIMIT = 20;

/** 4x the largest |value| of the training matrix in the model's space, at least MIN_LIMIT. */
export function runawayLimit(train: Matrix): number {
  let q = 0;
  for (let i = 0; i < train.data.length; i++) q = Math.max(q, Math.abs(train.data[i]!));
  return Math.max(MIN_LIMIT, 4 * q);
}

/** How many of the probe's rows lie beyond the limit (or are not finite). */
export function rowsBeyond(limit: number, probe: Latent): number {
  const z = 'numeric' in probe ? probe.numeric : probe;
  return divergedRows(z.data as Float32Array, z.rows, z.cols, limit).length;
}

/** The limit, or null when more than PROBE_SHARE of the probe's `rows` (`beyond` of them: rowsBeyond) lie beyond it. */
export function checkedLimit(limit: number, beyond: number, rows: number): number | null {
  return beyond <= PROBE_SHARE * rows ? limit : null;
}
