// The data sets the GPU model tests fit and sample: two clusters in 2-D (and its column view for
// distributionMetrics), and a mixed table of two numeric and two categorical columns.
export function mixture(ops, n, seed) {
  const z = ops.draws({ rows: n, cols: 3, seed, stream: 200 });
  const data = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const c = z[3 * i] > 0 ? 1.5 : -1.5;
    data[2 * i] = c + 0.4 * z[3 * i + 1];
    data[2 * i + 1] = -0.5 * c + 0.4 * z[3 * i + 2];
  }
  return { rows: n, cols: 2, data };
}

export const columns = (m) => ({
  a: Array.from({ length: m.rows }, (_, i) => m.data[2 * i]),
  b: Array.from({ length: m.rows }, (_, i) => m.data[2 * i + 1]),
});

// Column a in 3 classes, b = a or a + 1 (mod 5), the first numeric column's mean set by a.
export function mixedData(ops, n, seed) {
  const u = ops.draws({ rows: n, cols: 4, seed, stream: 300, kind: 'uniform' });
  const numeric = new Float32Array(n * 2);
  const categorical = new Int32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const a = Math.floor(3 * u[4 * i]);
    categorical[2 * i] = a;
    categorical[2 * i + 1] = (a + (u[4 * i + 1] < 0.5 ? 0 : 1)) % 5;
    numeric[2 * i] = a - 1 + 0.3 * (u[4 * i + 2] - 0.5);
    numeric[2 * i + 1] = u[4 * i + 3];
  }
  return { numeric: { rows: n, cols: 2, data: numeric }, categorical: { rows: n, cols: 2, data: categorical } };
}
