/**
 * TabularTransformer: the "Trex statistical contract" between rows of a table and the
 * standardised matrices the diffusion models work on.
 *
 * - continuous / integer columns: standardised with the mean and the population standard
 *   deviation (divide by n); a constant column gets sd = 1 so nothing divides by zero.
 *   Optionally (option `quantile`, Tab-DDPM's choice) mapped through the empirical CDF and the
 *   standard normal quantile function instead.
 * - binary columns (values 0/1): kept on the 0/1 scale.
 * - categorical columns: a one-hot block in the Gaussian matrix (encoding 'onehot', default) or
 *   class indices in a separate Int32 matrix for discrete diffusion (encoding 'index', see
 *   transformMixed / inverseTransformMixed).
 *
 * The inverse rounds integers, rounds (or Bernoulli-samples) binaries, clips non-negative
 * columns at 0, takes the argmax of one-hot blocks and restores column names and order.
 * Values are stored as float32, so integers are restored exactly while |x - mean| < ~4e6.
 */
import { Matrix, MatrixLike, toMatrix } from './matrix.js';
import { mulberry32 } from './prng.js';

export type ColumnKind = 'continuous' | 'integer' | 'binary' | 'categorical';
export type CategoricalEncoding = 'onehot' | 'index';
/** One row as an object record: `{ column: value }`. */
export type RowRecord = Readonly<Record<string, unknown>>;
/** A columnar table: `{ column: values[] }` (arrays or typed arrays, all the same length). */
export type ColumnarTable = Readonly<Record<string, ArrayLike<unknown>>>;
export type TableInput = readonly RowRecord[] | ColumnarTable;
export type OutputRow = Record<string, number | string>;
export type OutputColumns = Record<string, Float64Array | string[]>;

export interface TabularTransformerOptions {
  categorical?: readonly string[];
  binary?: readonly string[];
  nonnegative?: readonly string[];
  integer?: readonly string[];
  continuous?: readonly string[];
  /** Quantile-normal transform for all (true) or the listed numeric columns. Default false. */
  quantile?: boolean | readonly string[];
  categoricalEncoding?: CategoricalEncoding;
  /** A categorical column with more distinct values than this is an error. Default 1000. */
  maxCategories?: number;
}

/** A dense row-major int32 matrix: class indices of the categorical columns. */
export interface IntMatrix {
  rows: number;
  cols: number;
  data: Int32Array;
}

export interface MixedMatrices {
  /** Gaussian part: numeric columns (and one-hot blocks under encoding 'onehot'). */
  numeric: Matrix;
  /** Class index per categorical column (0 columns under encoding 'onehot'). */
  categorical: IntMatrix;
}

export interface InverseTransformOptions {
  /** Draw binary columns as Bernoulli(clip(value, 0, 1)) instead of rounding. */
  sampleBinary?: boolean;
  /** Seed of the Bernoulli draws (default 0). */
  seed?: number;
}

export interface TransformerColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Clipped at 0 on the way back (detected when all training values are >= 0, or listed). */
  readonly nonnegative: boolean;
  readonly quantile: boolean;
  /** Standardisation parameters (0 and 1 for binary, categorical and quantile columns). */
  readonly mean: number;
  readonly sd: number;
  /** Range of the training values (numeric columns; NaN for categorical). */
  readonly min: number;
  readonly max: number;
  /** Vocabulary (sorted unique strings) of a categorical column. */
  readonly categories?: readonly string[];
  /** First column of this column in the numeric matrix, and how many it uses (0 if none). */
  readonly offset: number;
  readonly width: number;
  /** Column in the categorical index matrix (encoding 'index'), else -1. */
  readonly categoricalIndex: number;
}

export interface TransformerColumnState {
  name: string;
  kind: ColumnKind;
  nonnegative: boolean;
  quantile: boolean;
  mean: number;
  sd: number;
  min: number | null;
  max: number | null;
  categories?: string[];
  quantiles?: number[];
}

/** Plain-JSON persistence format of a fitted transformer. */
export interface TransformerState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  options: {
    categoricalEncoding: CategoricalEncoding;
    maxCategories: number;
    quantile: boolean | string[];
    categorical?: string[];
    binary?: string[];
    nonnegative?: string[];
    integer?: string[];
    continuous?: string[];
  };
  columns: TransformerColumnState[];
  bounds: { lower: number[]; upper: number[] };
}

/** Bad data: the message names the column and (where one applies) the row. */
export class TabularDataError extends Error {
  readonly column: string | undefined;
  readonly row: number | undefined;
  constructor(message: string, column?: string, row?: number) {
    super(message);
    this.name = 'TabularDataError';
    this.column = column;
    this.row = row;
  }
}

const STATE_FORMAT = 'tabular-diffusion/transformer';
const STATE_VERSION = 1;
const MAX_QUANTILES = 1000;
/** As sklearn's QuantileTransformer: keeps the normal scores finite (|z| <= 5.2). */
const QUANTILE_CLIP = 1e-7;
const KIND_LISTS = ['categorical', 'binary', 'integer', 'continuous'] as const;
/** Strings that mean "missing" in CSV exports; in a numeric column they are an error. */
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', '-nan', 'null', 'none', '?']);

interface ColumnState {
  name: string;
  kind: ColumnKind;
  nonnegative: boolean;
  quantile: boolean;
  mean: number;
  sd: number;
  min: number;
  max: number;
  categories: string[] | null;
  lookup: Map<string, number> | null;
  quantiles: Float64Array | null;
  offset: number;
  width: number;
  catIndex: number;
}

/** Parsed training or transform data of one column. */
type ParsedColumn = Float64Array | Int32Array;

interface NormalizedOptions {
  lists: Partial<Record<(typeof KIND_LISTS)[number] | 'nonnegative', string[]>>;
  quantile: boolean | string[];
  categoricalEncoding: CategoricalEncoding;
  maxCategories: number;
}

export class TabularTransformer {
  private readonly opts: NormalizedOptions;
  private state: ColumnState[] | null = null;
  private numericWidth = 0;
  private categoricalWidth = 0;
  private lower: Float64Array | null = null;
  private upper: Float64Array | null = null;

  constructor(options: TabularTransformerOptions = {}) {
    this.opts = normalizeOptions(options);
  }

  get fitted(): boolean {
    return this.state !== null;
  }

  get categoricalEncoding(): CategoricalEncoding {
    return this.opts.categoricalEncoding;
  }

  /** Column metadata in the original column order. */
  get columns(): TransformerColumn[] {
    return this.fittedState('columns').map((c) => {
      const out: TransformerColumn = {
        name: c.name,
        kind: c.kind,
        nonnegative: c.nonnegative,
        quantile: c.quantile,
        mean: c.mean,
        sd: c.sd,
        min: c.min,
        max: c.max,
        offset: c.offset,
        width: c.width,
        categoricalIndex: c.catIndex,
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

  /** Number of classes of each categorical column in the index matrix (encoding 'index'). */
  get categoricalCardinalities(): number[] {
    return this.fittedState('categoricalCardinalities')
      .filter((c) => c.catIndex >= 0)
      .map((c) => c.categories!.length);
  }

  /** Names of the numeric matrix columns; one-hot columns are `name=category`. */
  get transformedNames(): string[] {
    const names: string[] = [];
    for (const c of this.fittedState('transformedNames')) {
      if (c.width === 0) continue;
      if (c.kind === 'categorical') for (const cat of c.categories!) names.push(`${c.name}=${cat}`);
      else names.push(c.name);
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

  /** Rows -> numeric matrix. Under encoding 'index' with categorical columns use transformMixed. */
  transform(rows: TableInput): Matrix {
    this.fittedState('transform');
    this.requireNoIndexColumns('transform');
    return this.transformMixed(rows).numeric;
  }

  transformMixed(rows: TableInput): MixedMatrices {
    const state = this.fittedState('transform');
    const view = tableView(rows, 'rows');
    requireRows(view);
    const parsed = state.map((c) => parseForTransform(c, view));
    return this.encode(parsed, view.nRows);
  }

  inverseTransform(values: MatrixLike, options: InverseTransformOptions = {}): OutputRow[] {
    return columnsToRows(this.inverseTransformColumns(values, options), this.fittedState('inverseTransform'));
  }

  /** Like inverseTransform, but columnar: numeric columns as Float64Array, categorical as string[]. */
  inverseTransformColumns(values: MatrixLike, options: InverseTransformOptions = {}): OutputColumns {
    this.fittedState('inverseTransform');
    this.requireNoIndexColumns('inverseTransform');
    const numeric = toMatrix(values, 'values');
    return this.decode(numeric, null, options);
  }

  inverseTransformMixed(values: { numeric: MatrixLike; categorical?: IntMatrix }, options: InverseTransformOptions = {}): OutputRow[] {
    return columnsToRows(this.inverseTransformMixedColumns(values, options), this.fittedState('inverseTransformMixed'));
  }

  inverseTransformMixedColumns(values: { numeric: MatrixLike; categorical?: IntMatrix }, options: InverseTransformOptions = {}): OutputColumns {
    this.fittedState('inverseTransformMixed');
    if (values == null || typeof values !== 'object') {
      throw new TypeError('values: expected { numeric: Matrix, categorical: IntMatrix }');
    }
    const numeric = toMatrix(values.numeric, 'values.numeric');
    return this.decode(numeric, values.categorical ?? null, options);
  }

  /** Per numeric-matrix column: min and max of the training data in transformed space. */
  transformedBounds(): { lower: Float64Array; upper: Float64Array } {
    this.fittedState('transformedBounds');
    return { lower: this.lower!.slice(), upper: this.upper!.slice() };
  }

  toJSON(): TransformerState {
    const state = this.fittedState('toJSON');
    const o = this.opts;
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      options: {
        categoricalEncoding: o.categoricalEncoding,
        maxCategories: o.maxCategories,
        quantile: Array.isArray(o.quantile) ? o.quantile.slice() : o.quantile,
        ...Object.fromEntries(Object.entries(o.lists).map(([k, v]) => [k, v.slice()])),
      },
      columns: state.map((c) => {
        const s: TransformerColumnState = {
          name: c.name,
          kind: c.kind,
          nonnegative: c.nonnegative,
          quantile: c.quantile,
          mean: c.mean,
          sd: c.sd,
          min: Number.isNaN(c.min) ? null : c.min,
          max: Number.isNaN(c.max) ? null : c.max,
        };
        if (c.categories) s.categories = c.categories.slice();
        if (c.quantiles) s.quantiles = Array.from(c.quantiles);
        return s;
      }),
      bounds: { lower: Array.from(this.lower!), upper: Array.from(this.upper!) },
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
    if (s.version !== STATE_VERSION) throw new RangeError(`${where}: unsupported state.version ${describe(s.version)} (this build reads ${STATE_VERSION})`);
    const options = expectObject(s.options, 'state.options', where);
    let tf: TabularTransformer;
    try {
      tf = new TabularTransformer(options as TabularTransformerOptions);
    } catch (e) {
      throw new TypeError(`${where}: state.options: ${(e as Error).message}`);
    }
    if (!Array.isArray(s.columns) || s.columns.length === 0) throw new TypeError(`${where}: state.columns must be a non-empty array`);
    const seen = new Set<string>();
    const columns = s.columns.map((raw, j) => {
      const c = readColumnState(raw, `state.columns[${j}]`, where);
      if (seen.has(c.name)) throw new TypeError(`${where}: duplicate column name "${c.name}"`);
      seen.add(c.name);
      return c;
    });
    tf.install(columns);
    const bounds = expectObject(s.bounds, 'state.bounds', where);
    tf.lower = readNumberArray(bounds.lower, 'state.bounds.lower', tf.numericWidth, where);
    tf.upper = readNumberArray(bounds.upper, 'state.bounds.upper', tf.numericWidth, where);
    return tf;
  }

  // ---------------------------------------------------------------------------------------

  private fittedState(method: string): ColumnState[] {
    if (this.state === null) throw new Error(`TabularTransformer.${method}: the transformer is not fitted; call fit(rows) first`);
    return this.state;
  }

  private requireNoIndexColumns(method: string): void {
    if (this.categoricalWidth > 0) {
      throw new Error(
        `TabularTransformer.${method}: categoricalEncoding is 'index' and there are categorical columns; ` +
          `use ${method.startsWith('inverse') ? 'inverseTransformMixed' : `${method}Mixed`} instead`,
      );
    }
  }

  private fitMixed(rows: TableInput): MixedMatrices {
    const view = tableView(rows, 'rows');
    requireRows(view);
    const { lists } = this.opts;
    for (const [option, names] of Object.entries(lists)) {
      for (const name of names) {
        if (!view.names.includes(name)) {
          throw new TabularDataError(`option "${option}" names column "${name}", which is not in the data (columns: ${view.names.join(', ')})`, name);
        }
      }
    }
    if (Array.isArray(this.opts.quantile)) {
      for (const name of this.opts.quantile) {
        if (!view.names.includes(name)) throw new TabularDataError(`option "quantile" names column "${name}", which is not in the data`, name);
      }
    }
    const parsed: ParsedColumn[] = [];
    const columns = view.names.map((name) => {
      const { state, data } = this.fitColumn(name, view.column(name));
      parsed.push(data);
      return state;
    });
    this.install(columns);
    const mixed = this.encode(parsed, view.nRows);
    this.computeBounds(mixed.numeric);
    return mixed;
  }

  /** Detects the kind of one column (explicit lists first) and estimates its statistics. */
  private fitColumn(name: string, raw: ArrayLike<unknown>): { state: ColumnState; data: ParsedColumn } {
    const { lists, quantile, maxCategories } = this.opts;
    const listed = (key: keyof NormalizedOptions['lists']): boolean => lists[key]?.includes(name) ?? false;
    const base = { name, mean: 0, sd: 1, offset: 0, width: 0, catIndex: -1, lookup: null, quantiles: null, quantile: false };
    let values: Float64Array | null = null;
    if (!listed('categorical')) {
      const explicitNumeric = listed('binary') || listed('integer') || listed('continuous') || listed('nonnegative');
      values = parseNumeric(raw, name, explicitNumeric);
    }
    if (values === null) {
      const { categories, codes } = fitCategories(raw, name, maxCategories);
      const state: ColumnState = { ...base, kind: 'categorical', nonnegative: false, min: NaN, max: NaN, categories };
      return { state, data: codes };
    }
    let min = Infinity;
    let max = -Infinity;
    let allBinary = true;
    let allInteger = true;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (x < min) min = x;
      if (x > max) max = x;
      if (x !== 0 && x !== 1) allBinary = false;
      if (allInteger && !Number.isInteger(x)) allInteger = false;
    }
    let kind: ColumnKind;
    if (listed('binary')) kind = 'binary';
    else if (listed('integer')) kind = 'integer';
    else if (listed('continuous')) kind = 'continuous';
    else kind = allBinary ? 'binary' : allInteger ? 'integer' : 'continuous';

    if (kind === 'binary' && !allBinary) {
      const i = values.findIndex((x) => x !== 0 && x !== 1);
      throw new TabularDataError(`column "${name}", row ${i}: binary column holds ${values[i]} (expected 0 or 1)`, name, i);
    }
    if (listed('nonnegative') && min < 0) {
      const i = values.findIndex((x) => x < 0);
      throw new TabularDataError(`column "${name}", row ${i}: column is listed as nonnegative but holds ${values[i]}`, name, i);
    }
    const useQuantile = quantile === true ? kind !== 'binary' : Array.isArray(quantile) && quantile.includes(name);
    if (useQuantile && kind === 'binary') {
      throw new TabularDataError(`option "quantile" names column "${name}", which is binary (quantile applies to continuous and integer columns)`, name);
    }
    const state: ColumnState = { ...base, kind, nonnegative: kind !== 'binary' && min >= 0, min, max, categories: null };
    if (useQuantile) {
      state.quantile = true;
      state.quantiles = empiricalQuantiles(values);
    } else if (kind !== 'binary') {
      const { mean, sd } = meanSd(values, min, max);
      state.mean = mean;
      state.sd = sd;
    }
    return { state, data: values };
  }

  /** Assigns matrix offsets and lookups; the state becomes the fitted state. */
  private install(columns: ColumnState[]): void {
    let offset = 0;
    let catIndex = 0;
    for (const c of columns) {
      c.offset = offset;
      c.catIndex = -1;
      if (c.kind === 'categorical') {
        c.lookup = new Map(c.categories!.map((v, k) => [v, k]));
        if (this.opts.categoricalEncoding === 'index') {
          c.width = 0;
          c.catIndex = catIndex++;
        } else {
          c.width = c.categories!.length;
        }
      } else {
        c.width = 1;
      }
      offset += c.width;
    }
    this.state = columns;
    this.numericWidth = offset;
    this.categoricalWidth = catIndex;
  }

  private encode(parsed: ParsedColumn[], n: number): MixedMatrices {
    const state = this.state!;
    const W = this.numericWidth;
    const C = this.categoricalWidth;
    const numeric = new Float32Array(n * W);
    const categorical = new Int32Array(n * C);
    state.forEach((c, j) => {
      const src = parsed[j]!;
      if (c.kind === 'categorical') {
        if (c.catIndex >= 0) for (let i = 0; i < n; i++) categorical[i * C + c.catIndex] = src[i]!;
        else for (let i = 0; i < n; i++) numeric[i * W + c.offset + src[i]!] = 1;
      } else if (c.quantile) {
        const q = c.quantiles!;
        for (let i = 0; i < n; i++) numeric[i * W + c.offset] = quantileToNormal(q, src[i]!);
      } else {
        const { mean, sd } = c;
        for (let i = 0; i < n; i++) numeric[i * W + c.offset] = (src[i]! - mean) / sd;
      }
    });
    return { numeric: { rows: n, cols: W, data: numeric }, categorical: { rows: n, cols: C, data: categorical } };
  }

  /** Bounds are read off the float32 training matrix itself, so they contain it exactly. */
  private computeBounds(m: Matrix): void {
    const lower = new Float64Array(m.cols).fill(Infinity);
    const upper = new Float64Array(m.cols).fill(-Infinity);
    for (let i = 0; i < m.rows; i++) {
      const base = i * m.cols;
      for (let k = 0; k < m.cols; k++) {
        const v = m.data[base + k]!;
        if (v < lower[k]!) lower[k] = v;
        if (v > upper[k]!) upper[k] = v;
      }
    }
    for (let k = 0; k < m.cols; k++) {
      lower[k] = lower[k]! + 0; // -0 -> 0
      upper[k] = upper[k]! + 0;
    }
    this.lower = lower;
    this.upper = upper;
  }

  private decode(numeric: Matrix, categorical: IntMatrix | null, options: InverseTransformOptions): OutputColumns {
    const state = this.state!;
    const W = this.numericWidth;
    const C = this.categoricalWidth;
    const n = numeric.rows;
    if (numeric.cols !== W) {
      throw new RangeError(
        `values: expected ${W} columns per row (the transformed layout: ${this.transformedNames.join(', ')}), got ${numeric.cols}`,
      );
    }
    if (C > 0) checkIntMatrix(categorical, n, C);
    const { sampleBinary, seed } = readInverseOptions(options);
    const rng = sampleBinary ? mulberry32(seed) : null;
    const names = this.transformedNames;
    const nonFinite = (i: number, k: number): never => {
      throw new TabularDataError(`values: non-finite value ${numeric.data[i * W + k]} at row ${i}, column ${k} ("${names[k]}")`, names[k], i);
    };
    const out: OutputColumns = {};
    for (const c of state) {
      if (c.kind === 'categorical') {
        const cats = c.categories!;
        const col = new Array<string>(n);
        if (c.catIndex >= 0) {
          const K = cats.length;
          for (let i = 0; i < n; i++) {
            const code = categorical!.data[i * C + c.catIndex]!;
            if (!(code >= 0 && code < K)) {
              throw new TabularDataError(`values.categorical: row ${i}, column ${c.catIndex} ("${c.name}") holds class ${code}, expected 0..${K - 1}`, c.name, i);
            }
            col[i] = cats[code]!;
          }
        } else {
          for (let i = 0; i < n; i++) {
            const base = i * W + c.offset;
            let best = 0;
            let bestValue = -Infinity;
            for (let k = 0; k < c.width; k++) {
              const v = numeric.data[base + k]!;
              if (!Number.isFinite(v)) nonFinite(i, c.offset + k);
              if (v > bestValue) {
                bestValue = v;
                best = k;
              }
            }
            col[i] = cats[best]!;
          }
        }
        out[c.name] = col;
        continue;
      }
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = numeric.data[i * W + c.offset]!;
        if (!Number.isFinite(v)) nonFinite(i, c.offset);
        let x: number;
        if (c.kind === 'binary') {
          x = rng ? (rng() < Math.min(Math.max(v, 0), 1) ? 1 : 0) : v >= 0.5 ? 1 : 0;
        } else {
          x = c.quantile ? normalToQuantile(c.quantiles!, v) : v * c.sd + c.mean;
          if (c.kind === 'integer') x = Math.round(x) || 0; // `|| 0` turns -0 into 0
          if (c.nonnegative && x < 0) x = 0;
        }
        col[i] = x;
      }
      out[c.name] = col;
    }
    return out;
  }
}

// ----------------------------------------------------------------------------------------
// Table input

/** Uniform read access to records or columnar input. @internal (shared with metrics/baselines) */
export interface TableView {
  readonly names: readonly string[];
  readonly nRows: number;
  readonly format: 'records' | 'columnar';
  /** The values of one column; throws naming the column and row when a record lacks it. */
  column(name: string): ArrayLike<unknown>;
}

/** @internal Wraps records (`{col: v}[]`) or a columnar object (`{col: v[]}`) for column access. */
export function tableView(input: unknown, argName = 'rows'): TableView {
  if (Array.isArray(input)) {
    const rows = input as readonly unknown[];
    const first = rows[0];
    if (rows.length > 0 && (first === null || typeof first !== 'object' || Array.isArray(first))) {
      throw new TypeError(`${argName}: row 0 is not an object record ({ column: value })`);
    }
    const names = rows.length > 0 ? Object.keys(first as object) : [];
    return {
      names,
      nRows: rows.length,
      format: 'records',
      column(name: string): unknown[] {
        const out = new Array<unknown>(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as Record<string, unknown> | null;
          if (row === null || typeof row !== 'object') throw new TabularDataError(`${argName}: row ${i} is not an object record`, undefined, i);
          const v = row[name];
          if (v === undefined && !(name in row)) {
            throw new TabularDataError(`${argName}: missing column "${name}" in row ${i}`, name, i);
          }
          out[i] = v;
        }
        return out;
      },
    };
  }
  if (input === null || typeof input !== 'object' || ArrayBuffer.isView(input)) {
    throw new TypeError(`${argName}: expected an array of records or a columnar object { column: values[] }`);
  }
  const table = input as Record<string, unknown>;
  const names = Object.keys(table);
  let nRows = 0;
  names.forEach((name, j) => {
    const values = table[name];
    const isArray = Array.isArray(values) || (ArrayBuffer.isView(values) && !(values instanceof DataView));
    if (!isArray) throw new TypeError(`${argName}: column "${name}" is not an array of values`);
    const len = (values as ArrayLike<unknown>).length;
    if (j === 0) nRows = len;
    else if (len !== nRows) {
      const row = Math.min(len, nRows);
      throw new TabularDataError(
        `${argName}: ragged columnar input: column "${name}" has ${len} rows but column "${names[0]}" has ${nRows} (they differ from row ${row})`,
        name,
        row,
      );
    }
  });
  return {
    names,
    nRows,
    format: 'columnar',
    column(name: string): ArrayLike<unknown> {
      if (!Object.prototype.hasOwnProperty.call(table, name)) {
        throw new TabularDataError(`${argName}: missing column "${name}" (columnar input has ${names.join(', ')}; row 0)`, name, 0);
      }
      return table[name] as ArrayLike<unknown>;
    },
  };
}

function requireRows(view: TableView): void {
  if (view.nRows === 0) throw new TabularDataError('rows: empty data (0 rows)');
  if (view.names.length === 0) throw new TabularDataError('rows: no columns in row 0');
}

/**
 * @internal Reads a column as numbers; CSV strings like "3.5" count as numbers.
 * strict = false: returns null at the first non-numeric string (the column is categorical).
 * strict = true: such a string is an error. Missing values and NaN/Infinity are always errors.
 */
export function parseNumeric(raw: ArrayLike<unknown>, name: string, strict: boolean): Float64Array | null {
  const n = raw.length;
  const out = new Float64Array(n);
  let firstMissing = -1;
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    let x: number;
    if (typeof v === 'number') {
      x = v;
    } else if (typeof v === 'string') {
      x = Number(v);
      if (x === 0 && v.trim() === '') x = NaN; // Number('') is 0
      if (Number.isNaN(x)) {
        if (MISSING_TOKENS.has(v.trim().toLowerCase())) {
          if (firstMissing < 0) firstMissing = i;
          continue;
        }
        if (!strict) return null;
        throw new TabularDataError(`column "${name}", row ${i}: ${JSON.stringify(v)} is not a number (numeric column)`, name, i);
      }
    } else if (typeof v === 'boolean') {
      x = v ? 1 : 0;
    } else if (typeof v === 'bigint') {
      x = Number(v);
    } else if (v === null || v === undefined) {
      if (firstMissing < 0) firstMissing = i;
      continue;
    } else {
      throw new TabularDataError(`column "${name}", row ${i}: expected a number or string, got ${typeof v}`, name, i);
    }
    if (!Number.isFinite(x)) {
      throw new TabularDataError(`column "${name}", row ${i}: non-finite value ${String(v)}`, name, i);
    }
    out[i] = x;
  }
  if (firstMissing >= 0) {
    const v = raw[firstMissing];
    throw new TabularDataError(
      `column "${name}", row ${firstMissing}: missing value (${v === '' ? 'empty string' : String(v)}); drop or impute missing values first`,
      name,
      firstMissing,
    );
  }
  return out;
}

/** @internal A categorical value as its string key; missing values are errors. */
export function categoryKey(v: unknown, name: string, row: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) throw new TabularDataError(`column "${name}", row ${row}: missing value (${String(v)})`, name, row);
  throw new TabularDataError(`column "${name}", row ${row}: expected a string or number, got ${typeof v}`, name, row);
}

function fitCategories(raw: ArrayLike<unknown>, name: string, maxCategories: number): { categories: string[]; codes: Int32Array } {
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const key = categoryKey(raw[i], name, i);
    if (!seen.has(key)) {
      if (seen.size === maxCategories) {
        throw new TabularDataError(
          `column "${name}", row ${i}: more than maxCategories = ${maxCategories} distinct categories (raise the option maxCategories, or mark the column as numeric)`,
          name,
          i,
        );
      }
      seen.add(key);
    }
  }
  // Plain code-unit order: deterministic and locale-independent.
  const categories = Array.from(seen).sort();
  const lookup = new Map(categories.map((v, k) => [v, k]));
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) codes[i] = lookup.get(categoryKey(raw[i], name, i))!;
  return { categories, codes };
}

function parseForTransform(c: ColumnState, view: TableView): ParsedColumn {
  const raw = view.column(c.name);
  if (c.kind === 'categorical') {
    const codes = new Int32Array(raw.length);
    const lookup = c.lookup!;
    for (let i = 0; i < raw.length; i++) {
      const key = categoryKey(raw[i], c.name, i);
      const code = lookup.get(key);
      if (code === undefined) {
        throw new TabularDataError(`column "${c.name}", row ${i}: category ${JSON.stringify(key)} was not seen in fit`, c.name, i);
      }
      codes[i] = code;
    }
    return codes;
  }
  const values = parseNumeric(raw, c.name, true)!;
  if (c.kind === 'binary') {
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (x !== 0 && x !== 1) throw new TabularDataError(`column "${c.name}", row ${i}: binary column holds ${x} (expected 0 or 1)`, c.name, i);
    }
  }
  return values;
}

function columnsToRows(columns: OutputColumns, state: ColumnState[]): OutputRow[] {
  const names = state.map((c) => c.name);
  const cols = names.map((name) => columns[name]!);
  const n = cols.length > 0 ? cols[0]!.length : 0;
  const rows = new Array<OutputRow>(n);
  for (let i = 0; i < n; i++) {
    const row: OutputRow = {};
    for (let j = 0; j < names.length; j++) row[names[j]!] = cols[j]![i]!;
    rows[i] = row;
  }
  return rows;
}

function checkIntMatrix(m: IntMatrix | null, rows: number, cols: number): void {
  if (m == null || typeof m !== 'object' || !(m.data instanceof Int32Array)) {
    throw new TypeError('values.categorical: expected { rows, cols, data: Int32Array } with the class indices of the categorical columns');
  }
  if (m.rows !== rows) throw new RangeError(`values.categorical: has ${m.rows} rows but values.numeric has ${rows}`);
  if (m.cols !== cols) throw new RangeError(`values.categorical: expected ${cols} columns (one per categorical column), got ${m.cols}`);
  if (m.data.length !== rows * cols) throw new RangeError(`values.categorical: data has ${m.data.length} values, expected rows*cols = ${rows * cols}`);
}

function readInverseOptions(options: InverseTransformOptions): { sampleBinary: boolean; seed: number } {
  if (options == null || typeof options !== 'object') throw new TypeError('options: expected an object');
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new TypeError(`options.seed: expected a finite number, got ${describe(seed)}`);
  return { sampleBinary: options.sampleBinary === true, seed };
}

// ----------------------------------------------------------------------------------------
// Statistics

/** Population mean and sd (divide by n); a constant column gets sd = 1 and mean = its value. */
function meanSd(values: Float64Array, min: number, max: number): { mean: number; sd: number } {
  if (min === max) return { mean: min, sd: 1 };
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    ss += d * d;
  }
  const sd = Math.sqrt(ss / n);
  return { mean, sd: sd > 0 ? sd : 1 };
}

/** Up to 1000 evenly spaced quantiles (linear interpolation, numpy's default) of the data. */
function empiricalQuantiles(values: Float64Array): Float64Array {
  const sorted = values.slice().sort();
  const n = sorted.length;
  const m = Math.max(2, Math.min(MAX_QUANTILES, n));
  const q = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const pos = (k * (n - 1)) / (m - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    const frac = pos - lo;
    q[k] = frac === 0 ? sorted[lo]! : sorted[lo]! + frac * (sorted[hi]! - sorted[lo]!);
  }
  return q;
}

/**
 * Empirical CDF (interpolated between stored quantiles, ties get the middle of their run, as
 * sklearn's QuantileTransformer) followed by the standard normal quantile function.
 */
function quantileToNormal(q: Float64Array, x: number): number {
  const m = q.length;
  const lo = lowerBound(q, x); // first k with q[k] >= x
  let u: number;
  if (lo < m && q[lo] === x) {
    const hi = upperBound(q, x, lo); // first k with q[k] > x
    u = (lo + hi - 1) / 2 / (m - 1);
  } else if (lo === 0) {
    u = 0;
  } else if (lo === m) {
    u = 1;
  } else {
    const k = lo - 1;
    u = (k + (x - q[k]!) / (q[lo]! - q[k]!)) / (m - 1);
  }
  u = Math.min(Math.max(u, QUANTILE_CLIP), 1 - QUANTILE_CLIP);
  return normalQuantile(u);
}

function normalToQuantile(q: Float64Array, z: number): number {
  const m = q.length;
  const pos = normalCdf(z) * (m - 1);
  const k = Math.min(Math.max(Math.floor(pos), 0), m - 2);
  const frac = Math.min(Math.max(pos - k, 0), 1);
  return q[k]! + frac * (q[k + 1]! - q[k]!);
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, x: number, from = 0): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Standard normal CDF: Hart's double-precision approximation (as given by G. West, 2005);
 * relative error below 1e-8 in the far tail and about 1e-14 in the body.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  let c: number;
  if (a > 37) {
    c = 0;
  } else {
    const e = Math.exp((-a * a) / 2);
    if (a < 7.07106781186547) {
      let num = 3.52624965998911e-2 * a + 0.700383064443688;
      num = num * a + 6.37396220353165;
      num = num * a + 33.912866078383;
      num = num * a + 112.079291497871;
      num = num * a + 221.213596169931;
      num = num * a + 220.206867912376;
      let den = 8.83883476483184e-2 * a + 1.75566716318264;
      den = den * a + 16.064177579207;
      den = den * a + 86.7807322029461;
      den = den * a + 296.564248779674;
      den = den * a + 637.333633378831;
      den = den * a + 793.826512519948;
      den = den * a + 440.413735824752;
      c = (e * num) / den;
    } else {
      let b = a + 0.65;
      b = a + 4 / b;
      b = a + 3 / b;
      b = a + 2 / b;
      b = a + 1 / b;
      c = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - c : c;
}

// Acklam's coefficients (central region a/b, tails c/d).
const A0 = -3.969683028665376e1, A1 = 2.209460984245205e2, A2 = -2.759285104469687e2;
const A3 = 1.38357751867269e2, A4 = -3.066479806614716e1, A5 = 2.506628277459239;
const B0 = -5.447609879822406e1, B1 = 1.615858368580409e2, B2 = -1.556989798598866e2;
const B3 = 6.680131188771972e1, B4 = -1.328068155288572e1;
const C0 = -7.784894002430293e-3, C1 = -3.223964580411365e-1, C2 = -2.400758277161838;
const C3 = -2.549732539343734, C4 = 4.374664141464968, C5 = 2.938163982698783;
const D0 = 7.784695709041462e-3, D1 = 3.224671290700398e-1, D2 = 2.445134137142996, D3 = 3.754408661907416;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * Standard normal quantile function: Acklam's rational approximation (relative error 1.2e-9)
 * refined by one Halley step against normalCdf, which brings it to about 1e-14 in the body.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0)) return p === 0 ? -Infinity : NaN;
  if (!(p < 1)) return p === 1 ? Infinity : NaN;
  const pLow = 0.02425;
  let x: number;
  if (p < pLow || p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(p < pLow ? p : 1 - p));
    x = (((((C0 * q + C1) * q + C2) * q + C3) * q + C4) * q + C5) / ((((D0 * q + D1) * q + D2) * q + D3) * q + 1);
    if (p > pLow) x = -x;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A0 * r + A1) * r + A2) * r + A3) * r + A4) * r + A5) * q) / (((((B0 * r + B1) * r + B2) * r + B3) * r + B4) * r + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * SQRT_2PI * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}


// ----------------------------------------------------------------------------------------
// Options and persistence validation

function normalizeOptions(options: TabularTransformerOptions): NormalizedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
  const lists: NormalizedOptions['lists'] = {};
  const owner = new Map<string, string>();
  for (const key of [...KIND_LISTS, 'nonnegative'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    const names = readNameList(value, `options.${key}`);
    lists[key] = names;
    for (const name of names) {
      if (key === 'nonnegative') {
        if (lists.categorical?.includes(name)) throw new TypeError(`options: column "${name}" cannot be both categorical and nonnegative`);
        continue;
      }
      const prev = owner.get(name);
      if (prev) throw new TypeError(`options: column "${name}" is listed as both ${prev} and ${key}`);
      owner.set(name, key);
    }
  }
  let quantile: boolean | string[] = false;
  if (typeof options.quantile === 'boolean') quantile = options.quantile;
  else if (options.quantile !== undefined) {
    quantile = readNameList(options.quantile, 'options.quantile');
    for (const name of quantile) {
      const kind = owner.get(name);
      if (kind === 'categorical' || kind === 'binary') throw new TypeError(`options.quantile: column "${name}" is ${kind}; quantile applies to continuous and integer columns`);
    }
  }
  const encoding = options.categoricalEncoding ?? 'onehot';
  if (encoding !== 'onehot' && encoding !== 'index') {
    throw new TypeError(`options.categoricalEncoding: expected 'onehot' or 'index', got ${describe(encoding)}`);
  }
  const maxCategories = options.maxCategories ?? 1000;
  if (typeof maxCategories !== 'number' || !Number.isInteger(maxCategories) || maxCategories < 1) {
    throw new RangeError(`options.maxCategories: expected a positive integer, got ${describe(maxCategories)}`);
  }
  return { lists, quantile, categoricalEncoding: encoding, maxCategories };
}

function readNameList(value: unknown, argName: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new TypeError(`${argName}: expected an array of column names`);
  }
  return value.slice() as string[];
}

function expectObject(value: unknown, name: string, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${where}: ${name} must be an object`);
  return value as Record<string, unknown>;
}

function readNumberArray(value: unknown, name: string, length: number, where: string): Float64Array {
  if (!Array.isArray(value) || value.length !== length) {
    throw new TypeError(`${where}: ${name} must be an array of ${length} numbers`);
  }
  const out = new Float64Array(length);
  value.forEach((v, k) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${where}: ${name}[${k}] must be a finite number`);
    out[k] = v;
  });
  return out;
}

function readColumnState(raw: unknown, name: string, where: string): ColumnState {
  const c = expectObject(raw, name, where);
  if (typeof c.name !== 'string') throw new TypeError(`${where}: ${name}.name must be a string`);
  const kind = c.kind;
  if (kind !== 'continuous' && kind !== 'integer' && kind !== 'binary' && kind !== 'categorical') {
    throw new TypeError(`${where}: ${name}.kind must be continuous, integer, binary or categorical, got ${describe(kind)}`);
  }
  if (typeof c.nonnegative !== 'boolean' || typeof c.quantile !== 'boolean') {
    throw new TypeError(`${where}: ${name}.nonnegative and .quantile must be booleans`);
  }
  const finite = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${where}: ${name}.${key} must be a finite number`);
    return v;
  };
  const mean = finite('mean');
  const sd = finite('sd');
  if (!(sd > 0)) throw new RangeError(`${where}: ${name}.sd must be positive, got ${sd}`);
  const state: ColumnState = {
    name: c.name,
    kind,
    nonnegative: c.nonnegative,
    quantile: c.quantile,
    mean,
    sd,
    min: NaN,
    max: NaN,
    categories: null,
    lookup: null,
    quantiles: null,
    offset: 0,
    width: 0,
    catIndex: -1,
  };
  if (kind === 'categorical' || kind === 'binary') state.quantile = false;
  if (kind === 'categorical') {
    const cats = c.categories;
    if (!Array.isArray(cats) || cats.length === 0 || !cats.every((v) => typeof v === 'string')) {
      throw new TypeError(`${where}: ${name}.categories must be a non-empty array of strings`);
    }
    if (new Set(cats).size !== cats.length) throw new TypeError(`${where}: ${name}.categories has duplicates`);
    state.categories = cats.slice() as string[];
    return state;
  }
  state.min = finite('min');
  state.max = finite('max');
  if (state.min > state.max) throw new RangeError(`${where}: ${name}.min exceeds .max`);
  if (c.quantile) {
    const q = c.quantiles;
    if (!Array.isArray(q) || q.length < 2 || q.length > MAX_QUANTILES) {
      throw new TypeError(`${where}: ${name}.quantiles must be an array of 2..${MAX_QUANTILES} numbers`);
    }
    const quantiles = readNumberArray(q, `${name}.quantiles`, q.length, where);
    for (let k = 1; k < quantiles.length; k++) {
      if (quantiles[k]! < quantiles[k - 1]!) throw new RangeError(`${where}: ${name}.quantiles must be non-decreasing (index ${k})`);
    }
    state.quantiles = quantiles;
  }
  return state;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}
