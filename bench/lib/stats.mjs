// Small statistics and formatting helpers shared by the benchmark harness.

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function mean(values) {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** Least-squares slope of log(y) on log(x): 1 means y grows linearly in x. */
export function logLogSlope(xs, ys) {
  const lx = xs.map(Math.log), ly = ys.map(Math.log);
  const mx = mean(lx), my = mean(ly);
  let num = 0, den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den > 0 ? num / den : NaN;
}

/** 1234567 -> "1.23M", 0.0123 -> "0.0123": compact numbers for tables. */
export function fmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (typeof x === 'string') return x;
  const a = Math.abs(x);
  if (a >= 1e9) return (x / 1e9).toPrecision(digits) + 'G';
  if (a >= 1e6) return (x / 1e6).toPrecision(digits) + 'M';
  if (a >= 1e4) return (x / 1e3).toPrecision(digits) + 'k';
  if (a >= 100) return x.toFixed(0);
  if (a === 0) return '0';
  return x.toPrecision(digits);
}

export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN;
}

export function fmtRatio(r) {
  return Number.isFinite(r) ? r.toFixed(2) + 'x' : '—';
}

export function fmtPct(r) {
  return Number.isFinite(r) ? (100 * r).toFixed(0) + '%' : '—';
}

export function fmtMB(kb) {
  return Number.isFinite(kb) ? (kb / 1024).toFixed(0) + ' MB' : '—';
}
