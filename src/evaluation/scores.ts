/** Scores of predictions: ROC AUC (ties counted half), macro-F1, accuracy, R2, RMSE. */

/** Area under the ROC curve of scores for positives (labels 1) against negatives (0); 0.5 when a class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += labels[i] === 1 ? 1 : 0;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return 0.5;
  // Mann-Whitney U from average ranks (tied scores share their mean rank).
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]!] === 1) rankSum += rank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean over classes of one-vs-rest AUC of probabilities [n x K] (classes absent from labels skipped). */
export function macroAuc(prob: ArrayLike<number>, labels: ArrayLike<number>, K: number): number {
  const n = labels.length;
  const aucs: number[] = [];
  for (let k = 0; k < K; k++) {
    const s = new Float64Array(n);
    const y = new Int32Array(n);
    let pos = 0;
    for (let i = 0; i < n; i++) {
      s[i] = prob[i * K + k]!;
      y[i] = labels[i] === k ? 1 : 0;
      pos += y[i]!;
    }
    if (pos > 0 && pos < n) aucs.push(rocAuc(s, y));
  }
  return aucs.length > 0 ? aucs.reduce((a, b) => a + b, 0) / aucs.length : 0.5;
}

/** Macro-F1 over the classes present in the labels or the predictions. */
export function macroF1(pred: ArrayLike<number>, labels: ArrayLike<number>, K: number): number {
  const tp = new Float64Array(K), fp = new Float64Array(K), fn = new Float64Array(K);
  for (let i = 0; i < labels.length; i++) {
    const p = pred[i]!, y = labels[i]!;
    if (p === y) tp[y]++;
    else {
      fp[p]++;
      fn[y]++;
    }
  }
  let sum = 0, count = 0;
  for (let k = 0; k < K; k++) {
    if (tp[k]! + fp[k]! + fn[k]! === 0) continue;
    sum += (2 * tp[k]!) / (2 * tp[k]! + fp[k]! + fn[k]!);
    count++;
  }
  return count > 0 ? sum / count : 0;
}

export function accuracy(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) ok += pred[i] === labels[i] ? 1 : 0;
  return ok / labels.length;
}

export function rmse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i]! - y[i]!) ** 2;
  return Math.sqrt(s / y.length);
}

/** Coefficient of determination 1 - SSE/SST (SST about the mean of y; 0 when y is constant and SSE is 0). */
export function r2(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i]!;
  mean /= y.length;
  let sse = 0, sst = 0;
  for (let i = 0; i < y.length; i++) {
    sse += (pred[i]! - y[i]!) ** 2;
    sst += (y[i]! - mean) ** 2;
  }
  if (sst === 0) return sse === 0 ? 1 : 0;
  return 1 - sse / sst;
}
