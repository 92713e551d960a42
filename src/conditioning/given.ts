// Conditions of sample({ given }) and impute(): the user's cells -> the observed cells of the
// chains (numeric cells in the transformed space, held by inpainting; classes of discrete parts,
// held on the discrete chain), and the output fix-ups (given cells restored, ranges clamped).
// docs/imputation.md describes the method; test/impute.test.mjs checks it.
import { encodeCategories, ColumnSpec, parseForSpec } from '../table/columns.js';
import { TabularDataError } from '../table/input.js';
import { normalCdf, normalQuantile } from '../table/normal.js';
import { toNormal } from '../table/quantile-map.js';
import { stateToSpec } from '../table/state.js';
import type { IntMatrix, OutputColumns, TabularTransformer, TransformerColumn } from '../transformer.js';
import type { KnownCells } from './known.js';
import { rangeUniforms } from './ranges.js';

/** A range condition on a numeric column: the value is drawn inside [min, max]. */
export interface RangeCondition {
  min?: number | Date | string;
  max?: number | Date | string;
}

/** One given row: a value (held), a range (numeric columns) or a gap / absent key (drawn). */
export type GivenRow = Readonly<Record<string, unknown>>;

interface Placement {
  column: TransformerColumn;
  spec: ColumnSpec;
  /** Index in the transformer's column list (which uniform the range draw uses). */
  index: number;
}

/** A parsed cell: held value (numeric value in user units, or class), range, or free. */
type Cell =
  | { kind: 'free' }
  | { kind: 'value'; x: number; raw: unknown }
  | { kind: 'class'; code: number; raw: unknown }
  | { kind: 'range'; lo: number; hi: number; zLo: number; zHi: number; outLo: number; outHi: number; masses: RangeMass[]; pValue: number; total: number };

/** A point mass inside a range: its value, its index among the column's masses, its training share. */
interface RangeMass {
  value: number;
  index: number;
  share: number;
}

/** A numeric column whose gap or point masses are classes of a mode part. */
const hasModes = (p: Placement): boolean => p.column.kind !== 'categorical' && (p.column.missing || p.column.pointMasses.length > 0);

/**
 * Parsed conditions of `rows` given rows (1 = shared by all sampled rows). `purpose` names the
 * argument in errors ('given' or 'rows').
 */
export class Conditions {
  readonly rows: number;
  private readonly cells: Cell[][]; // [column][row]
  private readonly placed: Placement[];
  private readonly W: number;
  private readonly C: number;
  private readonly onehot: boolean;

  constructor(
    private readonly transformer: TabularTransformer,
    given: readonly GivenRow[],
    private readonly purpose: string,
    /** impute: gaps are free cells (drawn); sample: a gap is free too, a null is not a condition. */
    options: { allowUnknownColumns?: boolean } = {},
  ) {
    this.rows = given.length;
    const columns = transformer.columns;
    const states = transformer.toJSON().columns;
    this.placed = columns.map((column, index) => ({ column, index, spec: stateToSpec(states[index], column.name, purpose) }));
    this.W = transformer.outputDim;
    this.C = transformer.categoricalEncoding === 'index' ? transformer.categoricalCardinalities.length : 0;
    this.onehot = transformer.categoricalEncoding === 'onehot';
    if (!options.allowUnknownColumns) {
      const names = new Set(columns.map((c) => c.name));
      given.forEach((row, i) => {
        if (row === null || typeof row !== 'object' || Array.isArray(row)) {
          throw new TypeError(`${purpose}: row ${i} is not an object record ({ column: value })`);
        }
        for (const key of Object.keys(row)) {
          if (!names.has(key)) {
            throw new TabularDataError(`${purpose}: row ${i}: column "${key}" is not in the model (columns: ${[...names].join(', ')})`, key, i);
          }
        }
      });
    }
    this.cells = this.placed.map((p) => this.parseColumn(p, given));
  }

  /** True when no cell of any row is held or ranged. */
  get empty(): boolean {
    return this.cells.every((col) => col.every((c) => c.kind === 'free'));
  }

  /** Whether a row is needed per sampled row (a range draws per row). */
  get perRow(): boolean {
    return this.rows > 1 || this.cells.some((col) => col.some((c) => c.kind === 'range'));
  }

  /**
   * True when some given row holds a cell that encode() writes to the Gaussian chain (a value, a
   * range, or a class of a one-hot column). Decided over all given rows, not per chunk, so every
   * chunk of a call runs the same chain (with resampling) and a row's draw does not depend on its
   * chunk; encode() returns known cells exactly when this holds.
   */
  private get inpaints(): boolean {
    // The cells encode() writes to the Gaussian chain: ranges, values other than a point mass of a
    // column with modes, and classes of columns without a discrete part (one-hot blocks).
    this.inpaintsCache ??= this.placed.some((p) => {
      const oneHot = p.column.categoricalIndex < 0;
      const modes = hasModes(p);
      return this.cells[p.index]!.some((c) => {
        if (c.kind === 'free') return false;
        if (c.kind === 'class') return oneHot;
        if (c.kind === 'range') return true;
        return !(modes && p.spec.masses.indexOf(c.x) >= 0) || oneHot;
      });
    });
    return this.inpaintsCache;
  }
  private inpaintsCache: boolean | undefined;

  /**
   * The chains' observed cells for given rows [start, start + n) (row 0 for all when shared);
   * range draws at global rows [offset, offset + n) of `seed`.
   */
  encode(start: number, n: number, seed: number, offset: number): { known: KnownCells | undefined; fixed: IntMatrix | undefined } {
    const rows = this.perRow ? n : 1;
    const { W, C } = this;
    const values = new Float32Array(rows * W);
    const mask = new Uint8Array(rows * W);
    const fixed = new Int32Array(rows * C).fill(-1);
    let anyFixed = false;
    const ranged = this.cells.some((col) => col.some((c) => c.kind === 'range'));
    const u = ranged ? rangeUniforms(seed, offset, rows, this.placed.length) : null;
    const putClass = (p: Placement, i: number, k: number): void => {
      const col = p.column;
      if (col.categoricalIndex >= 0) {
        fixed[i * C + col.categoricalIndex] = k;
        anyFixed = true;
        return;
      }
      // One-hot block (Gaussian chain): the class's cell 1, the others 0, all observed.
      const first = col.kind === 'categorical' ? col.offset : col.offset + 1;
      const classes = col.kind === 'categorical' ? col.width : col.width - 1;
      for (let c = 0; c < classes; c++) {
        values[i * W + first + c] = c === k ? 1 : 0;
        mask[i * W + first + c] = 1;
      }
    };
    for (const p of this.placed) {
      const cells = this.cells[p.index]!;
      for (let i = 0; i < rows; i++) {
        const cell = cells[this.rows === 1 ? 0 : start + i]!;
        if (cell.kind === 'free') continue;
        if (cell.kind === 'class') {
          putClass(p, i, cell.code);
          continue;
        }
        let z: number;
        if (cell.kind === 'range') {
          // One uniform picks a mass inside the range or the value part, by training share; the
          // value part's draw reuses the remainder.
          let uu = u![i * this.placed.length + p.index]!;
          if (cell.total > 0) {
            let t = uu * cell.total;
            const mass = cell.masses.find((m) => (t -= m.share) < 0);
            if (mass) {
              putClass(p, i, (p.spec.gap ? 2 : 1) + mass.index);
              continue;
            }
            uu = cell.pValue > 0 ? Math.min(1, Math.max(0, t / cell.pValue)) : uu;
          }
          const a = normalCdf(cell.zLo), b = normalCdf(cell.zHi);
          z = normalQuantile(Math.min(1 - 1e-12, Math.max(1e-12, a + uu * (b - a))));
          z = Math.min(Math.max(z, cell.zLo), cell.zHi);
        } else {
          const mass = p.spec.masses.indexOf(cell.x);
          if (mass >= 0 && hasModes(p)) {
            // A point mass is a class of the mode; the value cell stays free (a placeholder).
            putClass(p, i, (p.spec.gap ? 2 : 1) + mass);
            continue;
          }
          z = encodeValue(p.spec, cell.x);
        }
        values[i * W + p.column.offset] = z;
        mask[i * W + p.column.offset] = 1;
        if (hasModes(p)) putClass(p, i, 0);
      }
    }
    return {
      known: this.inpaints ? { values, mask, rows } : undefined,
      fixed: anyFixed ? { rows, cols: C, data: fixed } : undefined,
    };
  }

  /** Output fix-ups for given rows [start, start + n): held cells restored, ranged cells clamped. */
  finish(out: OutputColumns, start: number, n: number): void {
    for (const p of this.placed) {
      const cells = this.cells[p.index]!;
      const col = out[p.column.name]!;
      for (let i = 0; i < n; i++) {
        const cell = cells[this.rows === 1 ? 0 : start + i]!;
        if (cell.kind === 'free') continue;
        if (cell.kind === 'class') {
          (col as (string | null)[])[i] = p.column.categories![cell.code] ?? null;
        } else if (cell.kind === 'value') {
          if (col instanceof Float64Array) col[i] = cell.x;
          else (col as unknown[])[i] = cell.raw;
        } else if (col instanceof Float64Array && !cell.masses.some((m) => m.value === col[i])) {
          col[i] = Math.min(Math.max(col[i]!, cell.outLo), cell.outHi);
        }
      }
    }
  }

  /** Per given row: the model columns whose cells are drawn (free). */
  freeColumns(row: number): string[] {
    return this.placed.filter((p) => this.cells[p.index]![row]!.kind === 'free').map((p) => p.column.name);
  }

  /** The same conditions for a subset of the given rows. */
  select(rows: readonly number[]): Conditions {
    const sub = Object.create(Conditions.prototype) as Conditions;
    Object.assign(sub, this, { rows: rows.length, cells: this.cells.map((col) => rows.map((i) => col[i]!)) });
    return sub;
  }

  private parseColumn(p: Placement, given: readonly GivenRow[]): Cell[] {
    const { column, spec } = p;
    const name = column.name;
    const g = given.length;
    const raw = new Array<unknown>(g);
    const ranges = new Map<number, RangeCondition>();
    for (let i = 0; i < g; i++) {
      const v = (given[i] as Record<string, unknown>)[name];
      if (isRange(v)) ranges.set(i, v as RangeCondition);
      else raw[i] = v === undefined ? null : v;
    }
    // Gaps parse as free cells whether or not the column had gaps in fit.
    const loose: ColumnSpec = { ...spec, gap: true };
    const cells = new Array<Cell>(g);
    const where = this.purpose;
    try {
      if (column.kind === 'categorical') {
        const codes = encodeCategories(loose, raw);
        for (let i = 0; i < g; i++) {
          if (ranges.has(i)) throw new TabularDataError(`column "${name}", row ${i}: a range applies to numeric columns; "${name}" is categorical`, name, i);
          cells[i] = codes[i] === spec.categories!.length ? { kind: 'free' } : { kind: 'class', code: codes[i]!, raw: raw[i] };
        }
        return cells;
      }
      const parsed = parseForSpec(loose, raw);
      if (parsed.kind !== 'numeric') throw new Error('unreachable: a numeric column parsed as codes');
      for (let i = 0; i < g; i++) {
        const range = ranges.get(i);
        if (range) cells[i] = this.parseRange(p, range, i);
        else cells[i] = Number.isNaN(parsed.values[i]!) ? { kind: 'free' } : { kind: 'value', x: parsed.values[i]!, raw: raw[i] };
      }
      return cells;
    } catch (err) {
      if (err instanceof TabularDataError) throw new TabularDataError(`${where}: ${err.message}`, err.column, err.row);
      throw err;
    }
  }

  private parseRange(p: Placement, range: RangeCondition, row: number): Cell {
    const { column, spec } = p;
    const name = column.name;
    const fail = (what: string): never => {
      throw new TabularDataError(`column "${name}", row ${row}: range ${what}`, name, row);
    };
    if (column.kind === 'binary') fail('applies to continuous, integer and date columns; give the binary value itself');
    if (!spec.quantile) fail(`needs a quantile-mapped column (the default; "${name}" was fitted with quantile off)`);
    const keys = Object.keys(range).filter((k) => k !== 'min' && k !== 'max');
    if (keys.length > 0) fail(`has unknown key "${keys[0]}" (expected { min, max })`);
    const bounds = parseForSpec({ ...spec, gap: true }, [range.min ?? null, range.max ?? null]);
    if (bounds.kind !== 'numeric') fail('bounds did not parse');
    const [minRaw, maxRaw] = (bounds as { values: Float64Array }).values;
    const min = Number.isNaN(minRaw!) ? -Infinity : minRaw!;
    const max = Number.isNaN(maxRaw!) ? Infinity : maxRaw!;
    if (!(min <= max)) fail(`has min ${String(range.min)} > max ${String(range.max)}`);
    const integral = column.kind === 'integer' || column.kind === 'date';
    const outLo = integral ? Math.ceil(min) : min;
    const outHi = integral ? Math.floor(max) : max;
    if (integral && outLo > outHi) fail(`[${String(range.min)}, ${String(range.max)}] holds no integer`);
    // Integers: the draw covers [lo - 0.5, hi + 0.5], so the end values keep their full share.
    const lo = Math.max(integral ? outLo - 0.5 : min, spec.lo);
    const hi = Math.min(integral ? outHi + 0.5 : max, spec.hi);
    // Point masses inside the range (a zero income in [0, 5000]) weigh against the value part's
    // share of the range; models saved before the shares were kept draw the value part only.
    const shares = spec.massShares;
    const masses: RangeMass[] = shares === null ? []
      : spec.masses.map((value, index) => ({ value, index, share: shares[index]! })).filter((m) => m.value >= min && m.value <= max);
    if (!(lo <= hi) && masses.length === 0) {
      fail(`[${String(range.min)}, ${String(range.max)}] lies outside the training support [${Math.min(spec.lo, ...spec.masses)}, ${Math.max(spec.hi, ...spec.masses)}]`);
    }
    const zLo = lo <= hi ? toNormal(spec.quantile!, lo) : 0, zHi = lo <= hi ? toNormal(spec.quantile!, hi) : 0;
    const valueShare = shares === null ? 1 : Math.max(0, 1 - shares.reduce((t, v) => t + v, 0));
    const pValue = lo <= hi ? valueShare * (normalCdf(zHi) - normalCdf(zLo)) : 0;
    const total = masses.reduce((t, m) => t + m.share, pValue);
    return { kind: 'range', lo, hi, zLo, zHi, outLo: Math.max(outLo, spec.lo), outHi: Math.min(outHi, spec.hi), masses, pValue, total };
  }
}

/** { min, max } (not a Date): a range condition. */
function isRange(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v);
}

/** A value -> its Gaussian cell (as the transformer's encode). */
function encodeValue(c: ColumnSpec, x: number): number {
  if (c.kind === 'binary') return x;
  return c.quantile ? toNormal(c.quantile, x) : (x - c.mean) / c.sd;
}
