// Parquet in and out through hyparquet and hyparquet-writer (pure JavaScript; the choice and its
// measurement: bench/README.md, "Parquet library"). Reading goes row group by row group into the
// same typed columns as CSV (io/table.ts); writing appends one row group per sampled chunk, so
// memory stays bounded whatever the number of rows. Both libraries are ES modules: imported
// dynamically from this CommonJS build (tsc keeps import() under module node16).
import type { OutputColumns } from '../transformer.js';
import { CliError } from '../cli/errors.js';
import { ColumnTable, ColumnValues, checkHeader, checkListed } from './table.js';

type Hyparquet = typeof import('hyparquet', { with: { 'resolution-mode': 'import' } });
type HyparquetWriter = typeof import('hyparquet-writer', { with: { 'resolution-mode': 'import' } });
type SchemaElement = import('hyparquet', { with: { 'resolution-mode': 'import' } }).SchemaElement;

/** How a flat Parquet column is read: numbers (float64), text, or dates. */
function columnKind(e: SchemaElement): 'number' | 'text' | 'date' | null {
  const logical = e.logical_type?.type;
  if (e.num_children) return null;
  if (logical === 'STRING' || logical === 'ENUM' || logical === 'UUID' || e.converted_type === 'UTF8' || e.converted_type === 'ENUM') return 'text';
  if (logical === 'DATE' || logical === 'TIMESTAMP' || e.converted_type === 'DATE' || e.converted_type?.startsWith('TIMESTAMP') || e.type === 'INT96') return 'date';
  if (e.type === 'BYTE_ARRAY') return 'text';
  if (e.type === 'BOOLEAN' || e.type === 'INT32' || e.type === 'INT64' || e.type === 'FLOAT' || e.type === 'DOUBLE') return 'number';
  if (e.type === 'FIXED_LEN_BYTE_ARRAY' && (logical === 'DECIMAL' || e.converted_type === 'DECIMAL')) return 'number';
  return null;
}

/** Reads a Parquet file's flat columns: numbers as Float64Array (null = NaN), text and dates as arrays. */
export async function readParquetColumns(
  path: string, options: { categorical?: readonly string[]; numeric?: readonly string[]; ignoreAbsent?: boolean } = {},
): Promise<ColumnTable> {
  const hp = await import('hyparquet');
  let file: Awaited<ReturnType<Hyparquet['asyncBufferFromFile']>>;
  try {
    file = await hp.asyncBufferFromFile(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new CliError(`${path}: no such file`);
    if (code === 'EISDIR') throw new CliError(`${path}: is a directory, expected a Parquet file`);
    throw err;
  }
  let metadata: Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
  try {
    metadata = await hp.parquetMetadataAsync(file);
  } catch (err) {
    throw new CliError(`${path}: not a readable Parquet file (${(err as Error).message})`);
  }
  const schema = metadata.schema;
  const top: SchemaElement[] = [];
  for (let i = 1; i < schema.length; i++) {
    const e = schema[i]!;
    top.push(e);
    if (e.num_children) {
      throw new CliError(`${path}: column "${e.name}" is nested (a struct or list); only flat columns can be modelled`);
    }
  }
  const columns = top.map((e) => e.name);
  checkHeader(path, columns, 'schema');
  if (!options.ignoreAbsent) checkListed({ path, columns }, [...(options.categorical ?? []), ...(options.numeric ?? [])]);
  const n = Number(metadata.num_rows);
  if (n === 0) throw new CliError(`${path}: no rows`);
  const categorical = new Set(options.categorical ?? []);
  const kinds = top.map((e) => {
    const kind = columnKind(e);
    if (kind === null) throw new CliError(`${path}: column "${e.name}" has Parquet type ${e.type}${e.logical_type ? ` (${e.logical_type.type})` : ''}, which cannot be modelled`);
    return categorical.has(e.name) ? 'text' : kind;
  });
  const data: Record<string, ColumnValues> = Object.create(null) as Record<string, ColumnValues>;
  columns.forEach((name, j) => {
    data[name] = kinds[j] === 'number' ? new Float64Array(n) : new Array<string | Date | null>(n).fill(null);
  });
  await hp.parquetRead({
    file,
    metadata,
    columns,
    onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
      const out = data[columnName]!;
      const j = columns.indexOf(columnName);
      for (let i = rowStart; i < rowEnd && i < n; i++) {
        const v = (columnData as ArrayLike<unknown>)[i - rowStart];
        if (out instanceof Float64Array) {
          out[i] = v === null || v === undefined ? NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v as number | bigint);
        } else if (v === null || v === undefined) {
          out[i] = null;
        } else if (v instanceof Date) {
          out[i] = kinds[j] === 'text' ? v.toISOString() : v;
        } else {
          out[i] = typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : new TextDecoder().decode(v as Uint8Array);
        }
      }
    },
  });
  const numeric = columns.filter((_, j) => kinds[j] === 'number');
  for (const name of options.numeric ?? []) {
    if (columns.includes(name) && !numeric.includes(name)) throw new CliError(`${path}: column "${name}" is listed as numeric but holds ${kinds[columns.indexOf(name)]} values`);
  }
  return { path, format: 'parquet', columns, nRows: n, data, numeric, forceCategorical: [], where: (i) => `row ${i + 1}` };
}

/** A Parquet file written chunk by chunk: one row group per write(). */
export class ParquetSink {
  private writer: InstanceType<HyparquetWriter['ParquetWriter']> | null = null;
  private schema: SchemaElement[] | null = null;

  private constructor(private readonly hw: HyparquetWriter, private readonly path: string, private readonly names: readonly string[], private readonly kinds: readonly ('number' | 'text' | 'date')[]) {}

  /** `kinds` per column: the fallback schema when no rows are written (see write()). */
  static async open(path: string, names: readonly string[], kinds: readonly ('number' | 'text' | 'date')[]): Promise<ParquetSink> {
    return new ParquetSink(await import('hyparquet-writer'), path, names, kinds);
  }

  private start(columns: OutputColumns | null): void {
    // A column's type: Float64Array -> DOUBLE; Dates -> TIMESTAMP (ms); text -> UTF8 string.
    const elements = this.names.map((name, j): SchemaElement => {
      const values = columns?.[name];
      let kind = this.kinds[j]!;
      if (values instanceof Float64Array) kind = 'number';
      else if (values) {
        const first = values.find((v) => v !== null);
        if (first instanceof Date) kind = 'date';
        else if (typeof first === 'string') kind = 'text';
      }
      if (kind === 'number') return { name, type: 'DOUBLE', repetition_type: 'OPTIONAL' };
      if (kind === 'date') return { name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' };
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' };
    });
    this.schema = [{ name: 'root', num_children: elements.length }, ...elements];
    this.writer = new this.hw.ParquetWriter({ writer: this.hw.fileWriter(this.path), schema: this.schema, createdBy: 'tabular-diffusion' });
  }

  write(columns: OutputColumns): void {
    if (!this.writer) this.start(columns);
    const first = columns[this.names[0]!];
    const rows = first ? first.length : 0;
    if (rows === 0) return;
    const columnData = this.names.map((name, j) => {
      const values = columns[name]!;
      const element = this.schema![j + 1]!;
      let data: unknown[];
      if (values instanceof Float64Array) data = Array.from(values, (x) => (Number.isNaN(x) ? null : x));
      else if (element.type === 'INT64') data = values.map((v) => (v instanceof Date ? v : v === null ? null : new Date(String(v))));
      else data = values.map((v) => (v === null ? null : v instanceof Date ? v.toISOString() : String(v)));
      return { name, data: data as never[] };
    });
    void this.writer!.write({ columnData, rowGroupSize: rows });
  }

  close(): void {
    if (!this.writer) this.start(null);
    this.writer!.finish();
  }
}
