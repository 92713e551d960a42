// TabularSynthesizer.logDensity: rows in the user's units. The Gaussian part is estimated in
// the model's coordinates (src/density/estimate.ts); each numeric column then adds the
// log-Jacobian of its map (src/density/jacobian.ts), so densities are per unit of the user's
// values. Mixed models add the discrete chain's part (classes and numeric modes); a gap or point
// mass is then a probability, not a density. What each part is (exact, deterministic, estimate,
// approximation, included) is stated in `parts`.
import type { TabularDiffusion } from '../diffusion.js';
import { TabularDataError, plainTable, tableView } from '../table/input.js';
import { parseForSpec } from '../table/columns.js';
import { dateUnitMs } from '../table/dates.js';
import { stateToSpec } from '../table/state.js';
import type { TableInput, TabularTransformer } from '../transformer.js';
import { columnTerm } from './jacobian.js';
import { findUnseenCategories } from './unseen.js';
import { LogDensityOptions, LogDensityResult } from './estimate.js';

export interface DensityPart {
  /** 'gaussian' (the model's density of the transformed row), 'jacobian', or a column name. */
  part: string;
  /** 'included': the column's coordinates are part of the gaussian part, with no term of its own. */
  status: 'estimate' | 'deterministic' | 'exact' | 'approximation' | 'included';
  note: string;
}

export interface TableLogDensityResult {
  /** log p(row) in nats per unit of the user's values: gaussian + logJacobian (NaN where undefined, see parts). */
  logDensity: Float64Array;
  /** Monte Carlo standard error per row of the Gaussian part (the Jacobian is exact). */
  standardError: Float64Array;
  /** The model's log-density of the transformed row (mixed models: with the discrete part, see `discrete`). */
  gaussian: Float64Array;
  /** Mixed-type models: the discrete chain's part of `gaussian` (classes and numeric modes; a bound). */
  discrete?: Float64Array;
  /** Mixed-type models: the Monte Carlo standard error of `discrete`. */
  discreteStandardError?: Float64Array;
  /** Sum over numeric columns of log |dz/dx| of the column map. */
  logJacobian: Float64Array;
  method: LogDensityResult['method'];
  throws?: number;
  steps?: number;
  probes?: number;
  parts: DensityPart[];
}

/** Rejects columns the model does not know, naming the column and the first row holding it. */
function checkColumns(rows: TableInput, known: Set<string>): void {
  const unknown = (name: string, row: number): never => {
    throw new TabularDataError(`rows: unknown column "${name}" in row ${row} (the model knows ${[...known].map((k) => `"${k}"`).join(', ')})`, name, row);
  };
  if (Array.isArray(rows)) {
    rows.forEach((r, i) => {
      if (r !== null && typeof r === 'object') for (const key of Object.keys(r)) if (!known.has(key)) unknown(key, i);
    });
  } else if (rows !== null && typeof rows === 'object') {
    for (const key of Object.keys(rows)) if (!known.has(key)) unknown(key, 0);
  }
}

export async function tableLogDensity(
  transformer: TabularTransformer, diffusion: TabularDiffusion, rows: TableInput, options: LogDensityOptions,
): Promise<TableLogDensityResult> {
  if (options !== null && typeof options === 'object' && options.observed !== undefined) {
    throw new RangeError('observed: TabularSynthesizer.logDensity derives it from the rows (gaps and point masses); do not pass it');
  }
  // Mixed models: categorical columns and numeric modes on a discrete chain (docs/density.md section 5).
  const mixed = diffusion.dims.categoricalClasses.length > 0;
  const onChain = new Set(mixed ? transformer.categoricalNames : []);
  const state = transformer.toJSON();
  const known = new Set<string>([...state.columns.map((c) => c.name), ...state.excluded.map((e) => e.name)]);
  // Read below several times (column check, unseen classes, transform, Jacobians): convert an
  // Arrow Table or danfo DataFrame once, and check its columns, not the object's own properties.
  rows = plainTable(rows, 'rows') as TableInput;
  checkColumns(rows, known);
  const unseen = findUnseenCategories(state, rows);
  rows = unseen.input;
  const m = transformer.transformMixed(rows);
  const names = transformer.transformedNames;
  const n = m.numeric.rows;
  const view = tableView(rows, 'rows');
  const logJacobian = new Float64Array(n);
  const parts: DensityPart[] = [];
  state.columns.forEach((raw) => {
    const spec = stateToSpec(raw, raw.name, 'transformer');
    const unseenRows = unseen.rows.get(spec.name)?.length ?? 0;
    const unseenNote = unseenRows > 0 ? `; ${unseenRows} row(s) with a category the model never saw: -Infinity (probability 0)` : '';
    if (spec.kind === 'categorical' && onChain.has(spec.name)) {
      parts.push({ part: spec.name, status: 'estimate', note: `class probability, in the discrete part (a bound: see discrete)${unseenNote}` });
      return;
    }
    if (spec.kind === 'categorical') {
      parts.push({ part: spec.name, status: 'included', note: `one-hot block scored as continuous coordinates of the Gaussian chain: a density, not a class probability${unseenNote}` });
      return;
    }
    const parsed = parseForSpec(spec, view.column(spec.name));
    if (parsed.kind !== 'numeric') return;
    const modeOnChain = onChain.has(`${spec.name}#mode`);
    let flat = 0, atoms = 0, undefinedRows = 0, masked = 0;
    for (let i = 0; i < n; i++) {
      const x = parsed.values[i]!;
      // A gap or point mass on the discrete chain: its mode token's probability is in the
      // discrete part; the value cell is not data and has no Jacobian.
      if (modeOnChain && (Number.isNaN(x) || spec.masses.includes(x))) {
        masked++;
        continue;
      }
      const term = Number.isNaN(x) ? { value: NaN, atom: false } : columnTerm(spec, x);
      if (term.value === -Infinity) flat++;
      if (term.atom) atoms++;
      else if (Number.isNaN(term.value) && !Number.isNaN(x)) undefinedRows++;
      logJacobian[i] += term.value;
    }
    const what = spec.kind === 'binary' ? 'binary 0/1 value scored as a continuous coordinate (no Jacobian)'
      : spec.quantile ? 'quantile-normal map: log F\'(x) - log phi(z), exact for the piecewise-linear F'
      : `standardised: -log(sd) = ${(-Math.log(spec.sd)).toPrecision(6)}`;
    const extra = [
      spec.kind === 'integer' ? 'integer column: the density of its continuous relaxation' : '',
      spec.date ? `date column: density per ${dateUnitMs(spec.date) / 1000} s` : '',
      modeOnChain
        ? `${masked} row(s) with a gap or point mass here: a probability (the mode's, in the discrete part), not a density; ` +
          'their value cell is left out of the Gaussian part (an approximation of the marginal over it)'
        : spec.gap || spec.masses.length > 0 ? 'rows with a gap or point mass here get NaN (the mode part is not a density of this model)' : '',
      flat > 0 ? `${flat} row(s) beyond the map's range: -Infinity (the model generates no values there)` : '',
      atoms > 0 ? `${atoms} row(s) on a tie of the quantile map (a value the model generates with positive probability): ` +
        'log of the tie\'s z-interval width, so the row\'s term is the midpoint-rule log-probability of the value (an approximation)' : '',
      undefinedRows > 0 ? `${undefinedRows} row(s) with no defined term (a one-knot map): NaN` : '',
    ].filter((s) => s !== '');
    parts.push({ part: spec.name, status: atoms > 0 || masked > 0 ? 'approximation' : 'exact', note: [what, ...extra].join('; ') });
  });
  const g = mixed
    ? await diffusion.logDensity({ numeric: m.numeric, categorical: m.categorical }, { ...options, ...(m.observed ? { observed: m.observed } : {}) })
    : await diffusion.logDensity(m.numeric, options);
  const logDensity = new Float64Array(n);
  for (let i = 0; i < n; i++) logDensity[i] = g.logDensity[i]! + logJacobian[i]!;
  // Placeholder cells (gap or point mass) of a Gaussian-only model carry no value: the row has no density here.
  if (m.observed && !mixed) {
    const W = m.numeric.cols;
    for (let i = 0; i < n; i++) for (let k = 0; k < W; k++) if (m.observed[i * W + k] === 0) logDensity[i] = NaN;
  }
  // A class the model never saw has probability 0: exact, whatever the estimator gave the stand-in.
  for (const hit of unseen.rows.values()) {
    for (const i of hit) {
      logDensity[i] = -Infinity;
      g.logDensity[i] = -Infinity;
      g.standardError[i] = 0;
      if (g.discrete) g.discrete[i] = -Infinity;
      if (g.discreteStandardError) g.discreteStandardError[i] = 0;
    }
  }
  parts.unshift(
    {
      part: 'gaussian',
      status: g.kind,
      note: g.method === 'ode'
        ? `probability-flow ODE, ${g.steps} RK4 steps, ${g.probes === 0 ? 'exact divergence' : `Hutchinson, ${g.probes} probes`}; over the transformed columns ${names.join(', ')}`
        : `path integral, ${g.throws} throws per row; standard error per row; ` +
          (names.length > 0 ? `over the transformed columns ${names.join(', ')}` : 'no numeric columns (the row is the discrete part)'),
    },
    { part: 'jacobian', status: 'exact', note: 'sum of the numeric columns\' log-Jacobians (below)' },
  );
  if (g.discrete) {
    parts.splice(1, 0, {
      part: 'discrete',
      status: 'estimate',
      note: `the discrete chain's ${diffusion.categoricalOptions.method === 'multinomial' ? 'multinomial KL' : 'score-entropy'} bound over ${[...onChain].join(', ')}, ` +
        'on the same throws as the Gaussian part (both chains noised to one t). Only the sum with the Gaussian part is a bound ' +
        '(this part alone is not log P of the classes: the network sees the noised numeric cells): logDensity estimates a lower ' +
        'bound on log p, the score an upper bound on -log p',
    });
  }
  const result: TableLogDensityResult = {
    logDensity, standardError: g.standardError, gaussian: g.logDensity, logJacobian, method: g.method, parts,
  };
  if (g.discrete) result.discrete = g.discrete;
  if (g.discreteStandardError) result.discreteStandardError = g.discreteStandardError;
  if (g.throws !== undefined) result.throws = g.throws;
  if (g.steps !== undefined) result.steps = g.steps;
  if (g.probes !== undefined) result.probes = g.probes;
  return result;
}
