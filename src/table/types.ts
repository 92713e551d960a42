// The public types of tables in and out of the transformer, and of its fitted state.
import type { Matrix } from '../matrix.js';
import type { ColumnBasics } from './columns.js';
import type { ColumnState, STATE_FORMAT, STATE_VERSION } from './state.js';

export type CategoricalEncoding = 'onehot' | 'index';
/** One row as an object record: `{ column: value }`. */
export type RowRecord = Readonly<Record<string, unknown>>;
/** A columnar table: `{ column: values[] }` (arrays or typed arrays, all the same length). */
export type ColumnarTable = Readonly<Record<string, ArrayLike<unknown>>>;
export type TableInput = readonly RowRecord[] | ColumnarTable;
/** A generated row: numbers, strings, Dates (for Date input) and null for gaps. */
export type OutputRow = Record<string, number | string | Date | null>;
/** Columns of generated rows: numbers (NaN = gap), strings or Dates (null = gap). */
export type OutputColumns = Record<string, Float64Array | (string | Date | null)[]>;

export interface TabularTransformerOptions {
  categorical?: readonly string[];
  binary?: readonly string[];
  nonnegative?: readonly string[];
  integer?: readonly string[];
  continuous?: readonly string[];
  /** Columns holding dates (detected anyway: JS Dates and ISO 8601 strings). */
  date?: readonly string[];
  /** Quantile-normal transform for all (true) or the listed numeric columns. Default false. */
  quantile?: boolean | readonly string[];
  categoricalEncoding?: CategoricalEncoding;
  /** A categorical column with more distinct values than this is an error. Default 1000. */
  maxCategories?: number;
  /** Gaps (see GAP_TOKENS): modelled (default) or an error. */
  missing?: 'model' | 'error';
  /** Columns that look like identifiers (unique strings or unique integers): left out (default) or kept. */
  identifiers?: 'exclude' | 'keep';
  /** Point masses (a value held by >= 5% of rows and >= 5 rows, such as zero incomes) get a class of their own. Default true. */
  pointMasses?: boolean;
}

/** A dense row-major int32 matrix: class indices of the categorical columns. */
export interface IntMatrix {
  rows: number;
  cols: number;
  data: Int32Array;
}

export interface MixedMatrices {
  /** Gaussian part: numeric values (and one-hot blocks under encoding 'onehot'). */
  numeric: Matrix;
  /** Class index per discrete part (categorical columns, numeric columns' modes); 0 columns under 'onehot'. */
  categorical: IntMatrix;
  /** 1 where a numeric cell holds a value, 0 where it is a placeholder (gap or point mass); null when all hold values. */
  observed: Uint8Array | null;
}

export interface InverseTransformOptions {
  /** Draw binary columns as Bernoulli(clip(value, 0, 1)) instead of rounding. */
  sampleBinary?: boolean;
  /** Seed of the Bernoulli draws (default 0). */
  seed?: number;
  /** Clip numeric columns to their training range (default true). */
  clip?: boolean;
}

/** A fitted column as TabularTransformer.columns shows it. */
export interface TransformerColumn extends Readonly<ColumnBasics> {
  readonly quantile: boolean;
  /** Clip range of a numeric column (inside the training range; NaN for categorical). */
  readonly min: number;
  readonly max: number;
  /** Vocabulary (sorted unique strings) of a categorical column. */
  readonly categories?: readonly string[];
  /** The column had gaps (modelled: a class or mode of their own). */
  readonly missing: boolean;
  /** Point masses of a numeric column. */
  readonly pointMasses: readonly number[];
  /** First column of this column in the numeric matrix, and how many it uses (0 if none). */
  readonly offset: number;
  readonly width: number;
  /** Column in the categorical index matrix (encoding 'index'): the category or the numeric mode; else -1. */
  readonly categoricalIndex: number;
}

/** Plain-JSON persistence format of a fitted transformer. */
export interface TransformerState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  options: { categoricalEncoding: CategoricalEncoding };
  columns: ColumnState[];
  /** Columns left out at fit (identifiers), with the reason. */
  excluded: { name: string; reason: string }[];
}
