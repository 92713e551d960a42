/**
 * L2-regularised logistic regression fitted by full-batch Adam (a fixed number of iterations,
 * so the cost is known and the result depends only on the data). Inputs are expected on a
 * common scale (features.ts linearDesign standardises them).
 */
export interface LogisticOptions {
  iterations?: number;
  learningRate?: number;
  /** L2 penalty on the weights (not the intercept), per row. */
  l2?: number;
}

export interface LogisticModel {
  weights: Float64Array;
  bias: number;
}

export function fitLogistic(x: Float64Array, rows: number, dims: number, y: ArrayLike<number>, options: LogisticOptions = {}): LogisticModel {
  const iterations = options.iterations ?? 200;
  const lr = options.learningRate ?? 0.05;
  const l2 = options.l2 ?? 1e-4;
  const p = dims + 1; // weights then bias
  const theta = new Float64Array(p);
  const m = new Float64Array(p), v = new Float64Array(p), grad = new Float64Array(p);
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  for (let it = 1; it <= iterations; it++) {
    grad.fill(0);
    for (let i = 0; i < rows; i++) {
      let z = theta[dims]!;
      const off = i * dims;
      for (let j = 0; j < dims; j++) z += theta[j]! * x[off + j]!;
      const r = 1 / (1 + Math.exp(-z)) - y[i]!;
      for (let j = 0; j < dims; j++) grad[j]! += r * x[off + j]!;
      grad[dims]! += r;
    }
    for (let j = 0; j < p; j++) {
      const g = grad[j]! / rows + (j < dims ? l2 * theta[j]! : 0);
      m[j] = b1 * m[j]! + (1 - b1) * g;
      v[j] = b2 * v[j]! + (1 - b2) * g * g;
      theta[j]! -= (lr * (m[j]! / (1 - b1 ** it))) / (Math.sqrt(v[j]! / (1 - b2 ** it)) + eps);
    }
  }
  return { weights: theta.slice(0, dims), bias: theta[dims]! };
}

/** Margins (log-odds) of rows of x. */
export function predictLogistic(model: LogisticModel, x: Float64Array, rows: number): Float64Array {
  const d = model.weights.length;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = model.bias;
    for (let j = 0; j < d; j++) z += model.weights[j]! * x[i * d + j]!;
    out[i] = z;
  }
  return out;
}
