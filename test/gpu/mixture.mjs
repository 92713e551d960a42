// The two-cluster 2-D data set the GPU model tests fit and sample, and its column view for
// distributionMetrics.
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
