/**
 * TabularTransformer: the statistical contract between the rows of a table and the matrices
 * the diffusion models work on. Per column (see table/columns.ts for the codecs):
 * - numeric (continuous, integer, date): a Gaussian value, standardised or (option `quantile`)
 *   quantile-normal; gaps and point masses go to a discrete "mode" part and the value cell is
 *   masked out of the training loss (the `observed` matrix);
 * - binary (0/1): kept on the 0/1 scale;
 * - categorical: a class index (encoding 'index', for a discrete chain) or a one-hot block in
 *   the Gaussian matrix (encoding 'onehot'); a gap is a class of its own.
 * Columns that look like identifiers are left out (reported in `excluded`).
 * The inverse rounds integers and dates, clips every numeric column to its training range,
 * and restores gaps (null), dates in their input format, column names and order.
 */
import { Matrix, MatrixLike, toMatrix } from './matrix.js';
import { setOwn } from './own-keys.js';
import { mulberry32 } from './prng.js';
import { checkIntMatrix, decodeValue, encodeValue, fillPlaceholders } from './table/cells.js';
import {
  ColumnFitOptions, ColumnSpec, ParsedColumn, discreteClasses, discreteNames, fitColumn, identifierReason, parseForSpec,
} from './table/columns.js';
import { formatDate } from './table/dates.js';
import { TabularDataError, requireRows, tableView } from './table/input.js';
import { KIND_LISTS, NormalizedOptions, normalizeOptions, readInverseOptions } from './table/options.js';
import { columnsToRows } from './table/rows.js';
import { STATE_FORMAT, STATE_VERSION, describe, expectObject, specToState, stateToSpec } from './table/state.js';
import type {
  CategoricalEncoding, InverseTransformOptions, IntMatrix, MixedMatrices, OutputColumns, OutputRow, TableInput, TabularTransformerOptions,
  TransformerColumn, TransformerState,
} from './table/types.js';

export { TabularDataError, tableView, parseNumeric, categoryKey } from './table/input.js';
export type { TableView } from './table/input.js';
export { normalCdf, normalQuantile } from './table/normal.js';
export type { ColumnKind } from './table/columns.js';
export type { DateFormat } from './table/dates.js';
export { GAP_TOKENS, isGap } from './table/gaps.js';

export type {
  CategoricalEncoding, RowRecord, ColumnarTable, TableInput, OutputRow, OutputColumns, TabularTransformerOptions, IntMatrix, MixedMatrices,
  InverseTransformOptions, TransformerColumn, TransformerState,
} from './table/types.js';
export { columnsToRows } from './table/rows.js';

/** Where a column's parts sit in the matrices. */
interface Placed {
  spec: ColumnSpec;
  /** Column of the Gaussian value in the numeric matrix, or -1. */
  value: number;
  /** Classes of the discrete part (0: none). */
  classes: number;
  /** Column in the categorical matrix (encoding 'index') or -1. */
  catIndex: number;
  /** First one-hot column in the numeric matrix (encoding 'onehot') or -1. */
  onehot: number;
}

export class TabularTransformer {
  private readonly opts: NormalizedOptions;
  private placed: Placed[] | null = null;
  private numericWidth = 0;
  private categoricalWidth = 0;
  private excludedColumns: { name: string; reason: string }[] = [];

  constructor(options: TabularTransformerOptions = {}) {
    this.opts = normalizeOptions(options);
  }

  get fitted(): boolean {
    return this.placed !== null;
  }

  get categoricalEncoding(): CategoricalEncoding {
    return this.opts.categoricalEncoding;
  }

  /** Columns left out at fit (they look like identifiers), with the reason. */
  get excluded(): { name: string; reason: string }[] {
    return this.excludedColumns.map((e) => ({ ...e }));
  }

  /** Column metadata in the original column order (excluded columns not included). */
  get columns(): TransformerColumn[] {
    return this.fittedState('columns').map((p) => {
      const c = p.spec;
      const first = p.value >= 0 ? p.value : p.onehot;
      const out: TransformerColumn = {
        name: c.name, kind: c.kind, nonnegative: c.nonnegative, quantile: c.quantile !== null, mean: c.mean, sd: c.sd,
        min: c.lo, max: c.hi, missing: c.gap, pointMasses: c.masses.slice(),
        offset: first >= 0 ? first : 0, width: (p.value >= 0 ? 1 : 0) + (p.onehot >= 0 ? p.classes : 0), categoricalIndex: p.catIndex,
        ...(c.categories ? { categories: c.categories.slice() } : {}),
      };
      return Object.freeze(out);
    });
  }

  /** Columns of the numeric (Gaussian) matrix. */
  get outputDim(): number {
    this.fittedState('outputDim');
    return this.numericWidth;
  }

  /** Number of classes of each column of the categorical index matrix (encoding 'index'). */
  get categoricalCardinalities(): number[] {
    return this.fittedState('categoricalCardinalities').filter((p) => p.catIndex >= 0).map((p) => p.classes);
  }

  /** Names of the categorical index matrix's columns: the column, or `name#mode` for a numeric column's mode. */
  get categoricalNames(): string[] {
    return this.fittedState('categoricalNames').filter((p) => p.catIndex >= 0).map((p) => (p.spec.kind === 'categorical' ? p.spec.name : `${p.spec.name}#mode`));
  }

  /** Names of the numeric matrix columns; one-hot columns are `name=class`. */
  get transformedNames(): string[] {
    const names = new Array<string>(this.outputDim);
    for (const p of this.placed!) {
      if (p.value >= 0) names[p.value] = p.spec.name;
      if (p.onehot >= 0) discreteNames(p.spec).forEach((cls, k) => (names[p.onehot + k] = `${p.spec.name}=${cls}`));
    }
    return names;
  }

  fit(rows: TableInput): this {
    this.fitMixed(rows);
    return this;
  }

  fitTransform(rows: TableInput): Matrix {
    const mixed = this.fitMixed(rows);
    this.requireNoIndexColumns('fitTransform');
    return mixed.numeric;
  }

  fitTransformMixed(rows: TableInput): MixedMatrices {
    return this.fitMixed(rows);
  }

  /** Rows -> numeric matrix. With discrete parts under encoding 'index' use transformMixed. */
  transform(rows: TableInput): Matrix {
    this.fittedState('transform');
    this.requireNoIndexColumns('transform');
    return this.transformMixed(rows).numeric;
  }

  transformMixed(rows: TableInput): MixedMatrices {
    const placed = this.fittedState('transform');
    const view = tableView(rows, 'rows');
    requireRows(view);
    const parsed = placed.map((p) => parseForSpec(p.spec, view.column(p.spec.name)));
    return this.encode(parsed, view.nRows);
  }

  inverseTransform(values: MatrixLike, options: InverseTransformOptions = {}): OutputRow[] {
    return columnsToRows(this.inverseTransformColumns(values, options));
  }

  /** Like inverseTransform, but columnar: numbers as Float64Array (NaN = gap), others as arrays (null = gap). */
  inverseTransformColumns(values: MatrixLike, options: InverseTransformOptions = {}): OutputColumns {
    this.fittedState('inverseTransform');
    this.requireNoIndexColumns('inverseTransform');
    return this.decode(toMatrix(values, 'values'), null, options);
  }

  inverseTransformMixed(values: { numeric: MatrixLike; categorical?: IntMatrix }, options: InverseTransformOptions = {}): OutputRow[] {
    return columnsToRows(this.inverseTransformMixedColumns(values, options));
  }

  inverseTransformMixedColumns(values: { numeric: MatrixLike; categorical?: IntMatrix }, options: InverseTransformOptions = {}): OutputColumns {
    this.fittedState('inverseTransformMixed');
    if (values == null || typeof values !== 'object') throw new TypeError('values: expected { numeric: Matrix, categorical: IntMatrix }');
    return this.decode(toMatrix(values.numeric, 'values.numeric'), values.categorical ?? null, options);
  }

  /** Per numeric-matrix column: the clip range in transformed space. */
  transformedBounds(): { lower: Float64Array; upper: Float64Array } {
    const placed = this.fittedState('transformedBounds');
    const lower = new Float64Array(this.numericWidth);
    const upper = new Float64Array(this.numericWidth).fill(1);
    for (const p of placed) {
      if (p.value < 0) continue;
      lower[p.value] = encodeValue(p.spec, p.spec.lo);
      upper[p.value] = encodeValue(p.spec, p.spec.hi);
    }
    return { lower, upper };
  }

  toJSON(): TransformerState {
    const placed = this.fittedState('toJSON');
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      options: { categoricalEncoding: this.opts.categoricalEncoding },
      columns: placed.map((p) => specToState(p.spec)),
      excluded: this.excluded,
    };
  }

  /** Rebuilds a fitted transformer from toJSON() output (an object or its JSON text). */
  static fromJSON(input: TransformerState | string): TabularTransformer {
    const where = 'TabularTransformer.fromJSON';
    let state: unknown = input;
    if (typeof input === 'string') {
      try {
        state = JSON.parse(input);
      } catch (e) {
        throw new TypeError(`${where}: not valid JSON (${(e as Error).message})`);
      }
    }
    const s = expectObject(state, 'state', where);
    if (s.format !== STATE_FORMAT) throw new TypeError(`${where}: state.format must be "${STATE_FORMAT}", got ${describe(s.format)}`);
    if (s.version !== STATE_VERSION) {
      const newer = typeof s.version === 'number' && s.version > STATE_VERSION;
      throw new RangeError(`${where}: state.version ${describe(s.version)} ${newer ? 'is newer than this build reads' : 'is not read by this build'} (it reads ${STATE_VERSION})${newer ? '; upgrade tabular-diffusion' : '; refit the model'}`);
    }
    const options = expectObject(s.options, 'state.options', where);
    const encoding = options.categoricalEncoding;
    if (encoding !== 'onehot' && encoding !== 'index') throw new TypeError(`${where}: state.options.categoricalEncoding must be 'onehot' or 'index'`);
    if (!Array.isArray(s.columns) || s.columns.length === 0) throw new TypeError(`${where}: state.columns must be a non-empty array`);
    const seen = new Set<string>();
    const specs = s.columns.map((raw, j) => {
      const c = stateToSpec(raw, `state.columns[${j}]`, where);
      if (seen.has(c.name)) throw new TypeError(`${where}: duplicate column name "${c.name}"`);
      seen.add(c.name);
      return c;
    });
    const tf = new TabularTransformer({ categoricalEncoding: encoding });
    const excluded = s.excluded ?? [];
    if (!Array.isArray(excluded) || !excluded.every((e) => e && typeof e.name === 'string' && typeof e.reason === 'string')) {
      throw new TypeError(`${where}: state.excluded must be an array of { name, reason }`);
    }
    tf.excludedColumns = excluded.map((e) => ({ name: e.name as string, reason: e.reason as string }));
    tf.install(specs);
    return tf;
  }

  // ---------------------------------------------------------------------------------------

  private fittedState(method: string): Placed[] {
    if (this.placed === null) throw new Error(`TabularTransformer.${method}: the transformer is not fitted; call fit(rows) first`);
    return this.placed;
  }

  private requireNoIndexColumns(method: string): void {
    if (this.categoricalWidth > 0) {
      throw new Error(
        `TabularTransformer.${method}: categoricalEncoding is 'index' and the data has discrete parts (categorical columns, gaps or point masses); ` +
          `use ${method.startsWith('inverse') ? 'inverseTransformMixed' : `${method}Mixed`} instead`,
      );
    }
  }

  private fitMixed(rows: TableInput): MixedMatrices {
    const view = tableView(rows, 'rows');
    requireRows(view);
    const { lists } = this.opts;
    const named = [...Object.entries(lists), ...(Array.isArray(this.opts.quantile) ? [['quantile', this.opts.quantile] as const] : [])];
    for (const [option, names] of named) {
      for (const name of names) {
        if (!view.names.includes(name)) {
          throw new TabularDataError(`option "${option}" names column "${name}", which is not in the data (columns: ${view.names.join(', ')})`, name);
        }
      }
    }
    const parsed: ParsedColumn[] = [];
    const specs: ColumnSpec[] = [];
    const excluded: { name: string; reason: string }[] = [];
    for (const name of view.names) {
      const raw = view.column(name);
      const o = this.columnOptions(name);
      const reason = o.forced === null && this.opts.identifiers === 'exclude' ? identifierReason(raw) : null;
      if (reason !== null) {
        excluded.push({ name, reason });
        continue;
      }
      const { spec, parsed: p } = fitColumn(name, raw, o);
      specs.push(spec);
      parsed.push(p);
    }
    if (specs.length === 0) {
      throw new TabularDataError(`rows: every column looks like an identifier (${excluded.map((e) => e.name).join(', ')}); pass identifiers: 'keep' or list their kinds`);
    }
    this.excludedColumns = excluded;
    this.install(specs);
    return this.encode(parsed, view.nRows);
  }

  private columnOptions(name: string): ColumnFitOptions {
    const { lists, quantile } = this.opts;
    const forced = KIND_LISTS.find((k) => lists[k]?.includes(name)) ?? null;
    return {
      forced,
      nonnegative: lists.nonnegative?.includes(name) ?? false,
      quantile: quantile === true || (Array.isArray(quantile) && quantile.includes(name)),
      missing: this.opts.missing,
      maxCategories: this.opts.maxCategories,
      pointMasses: this.opts.pointMasses,
    };
  }

  /** Places each column's parts in the matrices; the specs become the fitted state. */
  private install(specs: ColumnSpec[]): void {
    let width = 0;
    let catIndex = 0;
    const index = this.opts.categoricalEncoding === 'index';
    this.placed = specs.map((spec) => {
      const classes = discreteClasses(spec);
      const p: Placed = { spec, value: -1, classes, catIndex: -1, onehot: -1 };
      if (spec.kind !== 'categorical') p.value = width++;
      if (classes > 0) {
        if (index) p.catIndex = catIndex++;
        else {
          p.onehot = width;
          width += classes;
        }
      }
      return p;
    });
    this.numericWidth = width;
    this.categoricalWidth = catIndex;
  }

  private encode(parsed: ParsedColumn[], n: number): MixedMatrices {
    const W = this.numericWidth;
    const C = this.categoricalWidth;
    const numeric = new Float32Array(n * W);
    const categorical = new Int32Array(n * C);
    const observed = new Uint8Array(n * W).fill(1);
    let gaps = false;
    const putClass = (p: Placed, i: number, k: number): void => {
      if (p.catIndex >= 0) categorical[i * C + p.catIndex] = k;
      else numeric[i * W + p.onehot + k] = 1;
    };
    this.placed!.forEach((p, j) => {
      const col = parsed[j]!;
      if (col.kind === 'codes') {
        for (let i = 0; i < n; i++) putClass(p, i, col.codes[i]!);
        return;
      }
      const c = p.spec;
      const gapClass = 1;
      const massBase = c.gap ? 2 : 1;
      for (let i = 0; i < n; i++) {
        const x = col.values[i]!;
        let mode = 0;
        if (Number.isNaN(x)) mode = gapClass;
        else if (c.masses.length > 0) {
          const m = c.masses.indexOf(x);
          if (m >= 0) mode = massBase + m;
        }
        if (mode === 0) numeric[i * W + p.value] = encodeValue(c, x);
        else {
          observed[i * W + p.value] = 0;
          gaps = true;
        }
        if (p.classes > 0) putClass(p, i, mode);
      }
      fillPlaceholders(numeric, observed, n, W, p.value, j);
    });
    return { numeric: { rows: n, cols: W, data: numeric }, categorical: { rows: n, cols: C, data: categorical }, observed: gaps ? observed : null };
  }

  private decode(numeric: Matrix, categorical: IntMatrix | null, options: InverseTransformOptions): OutputColumns {
    const W = this.numericWidth;
    const C = this.categoricalWidth;
    const n = numeric.rows;
    if (numeric.cols !== W) {
      throw new RangeError(`values: expected ${W} columns per row (the transformed layout: ${this.transformedNames.join(', ')}), got ${numeric.cols}`);
    }
    if (C > 0) checkIntMatrix(categorical, n, C);
    const { sampleBinary, seed, clip } = readInverseOptions(options);
    const rng = sampleBinary ? mulberry32(seed) : null;
    const names = this.transformedNames;
    const cell = (i: number, k: number): number => {
      const v = numeric.data[i * W + k]!;
      if (!Number.isFinite(v)) throw new TabularDataError(`values: non-finite value ${v} at row ${i}, column ${k} ("${names[k]}")`, names[k], i);
      return v;
    };
    const classOf = (p: Placed, i: number): number => {
      if (p.catIndex >= 0) {
        const code = categorical!.data[i * C + p.catIndex]!;
        if (!(code >= 0 && code < p.classes)) {
          throw new TabularDataError(`values.categorical: row ${i}, column ${p.catIndex} ("${p.spec.name}") holds class ${code}, expected 0..${p.classes - 1}`, p.spec.name, i);
        }
        return code;
      }
      let best = 0;
      let bestValue = -Infinity;
      for (let k = 0; k < p.classes; k++) {
        const v = cell(i, p.onehot + k);
        if (v > bestValue) {
          bestValue = v;
          best = k;
        }
      }
      return best;
    };
    const out: OutputColumns = {};
    for (const p of this.placed!) {
      const c = p.spec;
      if (c.kind === 'categorical') {
        const cats = c.categories!;
        const col = new Array<string | null>(n);
        for (let i = 0; i < n; i++) {
          const k = classOf(p, i);
          col[i] = k < cats.length ? cats[k]! : null;
        }
        setOwn(out, c.name, col);
        continue;
      }
      const col = new Float64Array(n);
      const massBase = c.gap ? 2 : 1;
      for (let i = 0; i < n; i++) {
        const v = cell(i, p.value);
        const mode = p.classes > 0 ? classOf(p, i) : 0;
        if (mode === 0) {
          col[i] = c.kind === 'binary' ? (rng ? (rng() < Math.min(Math.max(v, 0), 1) ? 1 : 0) : v >= 0.5 ? 1 : 0) : decodeValue(c, v, clip);
        } else {
          col[i] = mode < massBase ? NaN : c.masses[mode - massBase]!;
        }
      }
      if (c.date) {
        const f = c.date;
        setOwn(out, c.name, Array.from(col, (x) => (Number.isNaN(x) ? null : formatDate(x, f))));
      } else {
        setOwn(out, c.name, col);
      }
    }
    return out;
  }
}
