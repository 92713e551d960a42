// Apache Arrow tables in and out, without a dependency on apache-arrow: an input table is
// recognised by its shape (schema.fields, getChild, numRows), so nothing is imported when the
// package is absent; output needs it (an optional peer dependency) and loads it only then.
// Out: numeric columns wrap the Float64Array that sampling produced (zero-copy; gaps as a null
// bitmap beside it), categorical columns are dictionary-encoded, dates are millisecond timestamps.
import type { ColumnarTable, OutputColumns } from './transformer.js';

/** The part of an apache-arrow Table this library reads. */
export interface ArrowTableLike {
  readonly numRows: number;
  readonly schema: { readonly fields: readonly { readonly name: string; readonly type: { readonly typeId: number; readonly unit?: number } }[] };
  getChild(name: string): ArrowVectorLike | null;
}

interface ArrowVectorLike {
  readonly length: number;
  readonly nullCount: number;
  get(i: number): unknown;
  toArray(): ArrayLike<unknown>;
}

// apache-arrow's Type enum (stable across versions): the ids read here.
const TYPE = { Int: 2, Float: 3, Utf8: 5, Bool: 6, Decimal: 7, Date: 8, Timestamp: 10, LargeUtf8: 20, Dictionary: -1 } as const;
const TIME_UNIT_PER_MS = [1e-3, 1, 1e3, 1e6]; // SECOND, MILLISECOND, MICROSECOND, NANOSECOND

/** True for an apache-arrow Table (any version), recognised by shape. */
export function isArrowTable(value: unknown): value is ArrowTableLike {
  const t = value as Partial<ArrowTableLike> | null;
  return t !== null && typeof t === 'object' && typeof t.getChild === 'function' && typeof t.numRows === 'number' &&
    Array.isArray(t.schema?.fields);
}

/** An Arrow table as the columnar input the library reads ({ column: values }). */
export function arrowToColumns(table: ArrowTableLike): ColumnarTable {
  const out: Record<string, ArrayLike<unknown>> = Object.create(null) as Record<string, ArrayLike<unknown>>;
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name);
    if (!vector) throw new TypeError(`rows: Arrow table has no column "${field.name}"`);
    const id = field.type.typeId;
    const n = vector.length;
    if ((id === TYPE.Float || id === TYPE.Int) && vector.nullCount === 0) {
      out[field.name] = vector.toArray(); // the typed array itself (Int64: BigInt64Array, read as numbers)
    } else if (id === TYPE.Float || id === TYPE.Int || id === TYPE.Bool || id === TYPE.Decimal) {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = vector.get(i);
        values[i] = v === null || v === undefined ? NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v as number | bigint);
      }
      out[field.name] = values;
    } else if (id === TYPE.Date || id === TYPE.Timestamp) {
      const perMs = id === TYPE.Timestamp && typeof field.type.unit === 'number' ? TIME_UNIT_PER_MS[field.type.unit] ?? 1 : 1;
      const values = new Array<Date | null>(n);
      for (let i = 0; i < n; i++) {
        const v = vector.get(i);
        values[i] = v === null || v === undefined ? null : v instanceof Date ? v : typeof v === 'bigint' ? new Date(Number(v) / perMs) : new Date(Number(v));
      }
      out[field.name] = values;
    } else if (id === TYPE.Utf8 || id === TYPE.LargeUtf8 || id === TYPE.Dictionary) {
      const values = new Array<unknown>(n);
      for (let i = 0; i < n; i++) values[i] = vector.get(i);
      out[field.name] = values;
    } else {
      throw new TypeError(`rows: Arrow column "${field.name}" has type id ${id}; numbers, booleans, strings, dictionaries, dates and timestamps can be modelled`);
    }
  }
  return out;
}

/** Loads apache-arrow (the caller's copy) or says how to get it. */
function requireArrow(): typeof import('apache-arrow') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('apache-arrow') as typeof import('apache-arrow');
  } catch (err) {
    if ((err as { code?: string }).code === 'MODULE_NOT_FOUND') {
      throw new Error("format: 'arrow' needs the apache-arrow package (an optional peer dependency): npm install apache-arrow");
    }
    throw err;
  }
}

/** Output columns as an Arrow table: numbers zero-copy from their Float64Array. */
export function columnsToArrow(columns: OutputColumns): ArrowTableLike {
  const arrow = requireArrow();
  const vectors: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(columns)) {
    if (values instanceof Float64Array) {
      let nullCount = 0;
      let bitmap: Uint8Array | undefined;
      for (let i = 0; i < values.length; i++) {
        if (!Number.isNaN(values[i]!)) continue;
        if (!bitmap) bitmap = new Uint8Array(Math.ceil(values.length / 8)).fill(0xff);
        bitmap[i >> 3]! &= ~(1 << (i & 7));
        nullCount++;
      }
      const data = arrow.makeData({ type: new arrow.Float64(), length: values.length, nullCount, nullBitmap: bitmap ?? null, data: values });
      vectors[name] = arrow.makeVector(data);
    } else if (values.some((v) => v instanceof Date)) {
      vectors[name] = arrow.vectorFromArray(values.map((v) => (v instanceof Date ? v : null)), new arrow.TimestampMillisecond());
    } else {
      vectors[name] = arrow.vectorFromArray(values, new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
    }
  }
  return new arrow.Table(vectors as unknown as ConstructorParameters<typeof arrow.Table>[0]) as unknown as ArrowTableLike;
}
