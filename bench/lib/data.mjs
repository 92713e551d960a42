// Benchmark data: a seeded synthetic table for the Trex configurations and the bundled Lalonde
// data, both handed to the peers as one row-major float32 file so every side trains on the same
// standardised matrix.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, library } from './library.mjs';
import { mulberry32 } from '../../dist/cjs/prng.js';

/** Uniforms in [0, 1) from mulberry32 (data only; the library's sampling uses Philox). */
const uniforms = (seed) => mulberry32(seed);

function normals(seed) {
  const u = uniforms(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/**
 * rows x d with structure a DDPM has to learn: a shared factor (correlations ~0.5), a
 * log-normal column, a bimodal mixture, a uniform, a product term; then each column is
 * standardised to mean 0, sd 1 (as TabularTransformer would).
 */
export function syntheticMatrix(rows, d, seed = 12345) {
  const z = normals(seed);
  const u = uniforms(seed + 1);
  const data = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) {
    const f = z();
    for (let j = 0; j < d; j++) {
      const e = z();
      let v = 0.7 * f + 0.7 * e;
      if (j % 5 === 1) v = Math.exp(0.6 * v);
      else if (j % 5 === 2) v = (u() < 0.3 ? -2 : 1) + 0.4 * e + 0.3 * f;
      else if (j % 5 === 3) v = u() * 2 - 1 + 0.2 * f;
      else if (j % 5 === 4) v = f * e;
      data[i * d + j] = v;
    }
  }
  standardise(data, rows, d);
  return { rows, cols: d, data };
}

function standardise(data, rows, d) {
  for (let j = 0; j < d; j++) {
    let s = 0, ss = 0;
    for (let i = 0; i < rows; i++) s += data[i * d + j];
    const m = s / rows;
    for (let i = 0; i < rows; i++) ss += (data[i * d + j] - m) ** 2;
    const sd = Math.sqrt(ss / rows) || 1;
    for (let i = 0; i < rows; i++) data[i * d + j] = (data[i * d + j] - m) / sd;
  }
}

/** data/lalonde.csv as row objects (numbers, race as a string). */
export function lalondeRows() {
  const text = readFileSync(join(ROOT, 'data', 'lalonde.csv'), 'utf8').trim().split(/\r?\n/);
  const header = text[0].split(',');
  return text.slice(1).map((line) => {
    const cells = line.split(',');
    const row = {};
    header.forEach((h, j) => (row[h] = h === 'race' ? cells[j] : Number(cells[j])));
    return row;
  });
}

/** The matrix TabularSynthesizer trains on for these options (so the peer gets the same one). */
export function lalondeMatrix(synthOptions) {
  const { TabularTransformer } = library();
  const tf = new TabularTransformer({ ...synthOptions, categoricalEncoding: 'onehot' });
  return tf.fitTransform(lalondeRows());
}

export function writeMatrix(path, m) {
  writeFileSync(path, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  return path;
}

export function readMatrix(path, rows, cols) {
  const buf = readFileSync(path);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (data.length !== rows * cols) throw new Error(`${path}: expected ${rows} x ${cols} floats, found ${data.length}`);
  return { rows, cols, data };
}

/** Column means and population sds of a row-major matrix (or of its first `limit` rows). */
export function moments(m) {
  const mean = new Array(m.cols).fill(0), sd = new Array(m.cols).fill(0);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mean[j] += m.data[i * m.cols + j];
  for (let j = 0; j < m.cols; j++) mean[j] /= m.rows;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) sd[j] += (m.data[i * m.cols + j] - mean[j]) ** 2;
  for (let j = 0; j < m.cols; j++) sd[j] = Math.sqrt(sd[j] / m.rows);
  return { n: m.rows, mean, sd };
}
