// The imputation bench's peers, each fitted on the training rows a model sees: column mean / mode,
// k-nearest neighbours (k = 10; standardised numerics, 0/1 category mismatch) and a chained-equations
// imputer (MICE-style: ridge regression for numerics, softmax regression for categories, 5 sweeps
// from the mean / mode fill). Rows are objects with null gaps; `st` is trainStats (impute-data.mjs).
import { mean } from './impute-data.mjs';

export function meanMode(t, st, masked) {
  return masked.map((r) => {
    const o = { ...r };
    for (const c of t.columns) if (o[c] === null) o[c] = t.categorical.includes(c) ? st[c].mode : st[c].mean;
    return o;
  });
}

export function knn(t, st, ref, masked, k = 10) {
  const isCat = new Set(t.categorical);
  return masked.map((q) => {
    const obs = t.columns.filter((c) => q[c] !== null);
    const d = ref.map((r, idx) => {
      let s2 = 0;
      for (const c of obs) s2 += isCat.has(c) ? (r[c] === q[c] ? 0 : 1) : ((r[c] - q[c]) / st[c].sd) ** 2;
      return { idx, s2 };
    });
    d.sort((a, b) => a.s2 - b.s2);
    const near = d.slice(0, k).map((e) => ref[e.idx]);
    const o = { ...q };
    for (const c of t.columns) {
      if (o[c] !== null) continue;
      if (isCat.has(c)) {
        const counts = new Map();
        for (const r of near) counts.set(r[c], (counts.get(r[c]) ?? 0) + 1);
        o[c] = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
      } else o[c] = mean(near.map((r) => r[c]));
    }
    return o;
  });
}

/** Features of a row for predicting column `skip`: standardised numerics, one-hot categories. */
function features(t, st, row, skip) {
  const out = [1];
  for (const c of t.columns) {
    if (c === skip) continue;
    if (t.categorical.includes(c)) for (const l of st[c].levels.slice(1)) out.push(row[c] === l ? 1 : 0);
    else out.push((row[c] - st[c].mean) / st[c].sd);
  }
  return out;
}

function solve(A, b) {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let i = 0; i < n; i++) {
    let p = i;
    for (let r = i + 1; r < n; r++) if (Math.abs(M[r][i]) > Math.abs(M[p][i])) p = r;
    [M[i], M[p]] = [M[p], M[i]];
    const piv = M[i][i] || 1e-12;
    for (let r = i + 1; r < n; r++) {
      const fct = M[r][i] / piv;
      if (fct === 0) continue;
      for (let c = i; c <= n; c++) M[r][c] -= fct * M[i][c];
    }
  }
  const x = new Array(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let v = M[i][n];
    for (let c = i + 1; c < n; c++) v -= M[i][c] * x[c];
    x[i] = v / (M[i][i] || 1e-12);
  }
  return x;
}

function ridge(X, y, lambda) {
  const p = X[0].length;
  const A = Array.from({ length: p }, () => new Array(p).fill(0));
  const b = new Array(p).fill(0);
  for (let i = 0; i < X.length; i++) {
    const xi = X[i];
    for (let a = 0; a < p; a++) {
      if (xi[a] === 0) continue;
      b[a] += xi[a] * y[i];
      for (let c = 0; c < p; c++) A[a][c] += xi[a] * xi[c];
    }
  }
  for (let a = 1; a < p; a++) A[a][a] += lambda;
  return solve(A, b);
}

/** Multinomial logistic regression, full-batch gradient descent with momentum and a small L2. */
function softmaxRegression(X, y, K, iters = 150, lr = 0.5) {
  const p = X[0].length, n = X.length;
  const W = Array.from({ length: K }, () => new Float64Array(p));
  const V = Array.from({ length: K }, () => new Float64Array(p));
  const prob = new Float64Array(K);
  for (let it = 0; it < iters; it++) {
    const G = Array.from({ length: K }, () => new Float64Array(p));
    for (let i = 0; i < n; i++) {
      const xi = X[i];
      let mx = -Infinity;
      for (let k = 0; k < K; k++) {
        let z = 0;
        for (let a = 0; a < p; a++) z += W[k][a] * xi[a];
        prob[k] = z;
        if (z > mx) mx = z;
      }
      let sum = 0;
      for (let k = 0; k < K; k++) sum += (prob[k] = Math.exp(prob[k] - mx));
      for (let k = 0; k < K; k++) {
        const g = prob[k] / sum - (y[i] === k ? 1 : 0);
        if (g === 0) continue;
        const Gk = G[k];
        for (let a = 0; a < p; a++) Gk[a] += g * xi[a];
      }
    }
    for (let k = 0; k < K; k++) {
      for (let a = 0; a < p; a++) {
        V[k][a] = 0.9 * V[k][a] - lr * (G[k][a] / n + 1e-4 * W[k][a]);
        W[k][a] += V[k][a];
      }
    }
  }
  return W;
}

export function mice(t, st, fitRows, masked, sweeps = 5) {
  const isCat = new Set(t.categorical);
  const models = {};
  const needed = t.columns.filter((c) => masked.some((r) => r[c] === null));
  for (const c of needed) {
    const X = fitRows.map((r) => features(t, st, r, c));
    if (isCat.has(c)) {
      const y = fitRows.map((r) => st[c].levels.indexOf(r[c]));
      models[c] = { W: softmaxRegression(X, y, st[c].levels.length) };
    } else {
      models[c] = { beta: ridge(X, fitRows.map((r) => r[c]), 1) };
    }
  }
  const filled = meanMode(t, st, masked);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    for (const c of needed) {
      masked.forEach((q, i) => {
        if (q[c] !== null) return;
        const x = features(t, st, filled[i], c);
        if (isCat.has(c)) {
          const { W } = models[c];
          let best = 0, bestZ = -Infinity;
          W.forEach((w, k) => {
            let z = 0;
            for (let a = 0; a < x.length; a++) z += w[a] * x[a];
            if (z > bestZ) {
              bestZ = z;
              best = k;
            }
          });
          filled[i][c] = st[c].levels[best];
        } else {
          let v = 0;
          for (let a = 0; a < x.length; a++) v += models[c].beta[a] * x[a];
          filled[i][c] = v;
        }
      });
    }
  }
  return filled;
}
