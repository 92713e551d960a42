// CSV in and out for the command line: csv-parse for reading (strings, header row), csv-stringify
// for streaming rows out with backpressure.
import { createWriteStream, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify';

import { CliError } from './errors.js';

/** A CSV file read as strings: one record per data row, keyed by the header. */
export interface CsvTable {
  /** The path as the user gave it (used in messages). */
  path: string;
  columns: string[];
  rows: Record<string, string>[];
  /** 1-based line of the file on which each row ends (for messages). */
  lines: number[];
}

import { isGap } from '../table/gaps.js';

/** Reads a CSV file with a header row. Ragged rows, bad quoting and empty files are CliErrors. */
export function readCsv(path: string): CsvTable {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new CliError(`${path}: no such file`);
    if (code === 'EISDIR') throw new CliError(`${path}: is a directory, expected a CSV file`);
    if (code === 'EACCES') throw new CliError(`${path}: permission denied`);
    throw err;
  }
  let columns: string[] = [];
  const lines: number[] = [];
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      columns: (header: string[]) => {
        const seen = new Set<string>();
        header.forEach((name, k) => {
          if (name === '') throw new CliError(`${path}: line 1: column ${k + 1} of the header has no name`);
          if (seen.has(name)) throw new CliError(`${path}: line 1: the header names column "${name}" twice`);
          seen.add(name);
        });
        columns = header;
        return header;
      },
      on_record: (record: Record<string, string>, context: { lines: number }) => {
        lines.push(context.lines);
        return record;
      },
    }) as Record<string, string>[];
  } catch (err) {
    if (err instanceof CliError) throw err;
    // csv-parse messages already say what and where ("... on line 3").
    throw new CliError(`${path}: ${(err as Error).message}`);
  }
  if (columns.length === 0) throw new CliError(`${path}: empty file (expected a header row and data rows)`);
  if (rows.length === 0) throw new CliError(`${path}: no data rows after the header`);
  return { path, columns, rows, lines };
}

function isNumber(v: string): boolean {
  return v !== '' && Number.isFinite(Number(v));
}

/**
 * Guards the CSV values before they reach the library, with file and line in the message:
 * - a column listed in `numeric` (binary, integer, nonnegative...) must hold numbers only;
 * - a column not listed in `categorical` whose values are mostly numbers is numeric, and a
 *   non-number there (a typo, a stray "n/a") is an error rather than a silent switch of the
 *   whole column to categorical;
 * - gaps (see table/gaps.ts) are allowed anywhere: the model learns them.
 * Returns the names of the columns read as numeric.
 */
export function checkNumericColumns(
  table: CsvTable,
  options: { categorical?: readonly string[]; numeric?: readonly string[] } = {},
): string[] {
  const categorical = new Set(options.categorical ?? []);
  const listed = new Set(options.numeric ?? []);
  for (const name of [...categorical, ...listed]) {
    if (!table.columns.includes(name)) {
      throw new CliError(`${table.path}: no column "${name}" (columns: ${table.columns.join(', ')})`);
    }
  }
  const numeric: string[] = [];
  for (const name of table.columns) {
    if (categorical.has(name)) continue;
    let numbers = 0;
    let others = 0;
    for (const row of table.rows) {
      const v = row[name]!;
      if (isNumber(v)) numbers++;
      else if (!isGap(v)) others++;
    }
    const isNumeric = listed.has(name) || (numbers > 0 && numbers >= others);
    if (!isNumeric) continue;
    numeric.push(name);
    for (let i = 0; i < table.rows.length; i++) {
      const v = table.rows[i]![name]!;
      if (isNumber(v) || isGap(v)) continue;
      const where = `${table.path}: line ${table.lines[i]}, column "${name}"`;
      const hint = listed.has(name) ? '' : ` (${numbers} of ${table.rows.length} values in this column are numbers; pass --categorical ${name} if it is categorical)`;
      throw new CliError(`${where}: ${JSON.stringify(v)} is not a number${hint}`);
    }
  }
  return numeric;
}

/** Fails early (before a long fit or sample) when a file cannot be created at `path`. */
export function checkWritable(path: string): void {
  const dir = dirname(resolve(path));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new CliError(`${path}: cannot write here: directory ${dir} does not exist`);
  }
  if (!isDir) throw new CliError(`${path}: cannot write here: ${dir} is not a directory`);
  try {
    if (statSync(path).isDirectory()) throw new CliError(`${path}: is a directory, expected a file name`);
  } catch (err) {
    if (err instanceof CliError) throw err;
  }
}

/**
 * Streams row objects to a CSV file (or to stdout for '-' / undefined) through csv-stringify,
 * with backpressure end to end: memory stays bounded whatever the number of rows. The header is
 * written even when there are no rows. A failed write to a file removes the partial file.
 */
export async function writeCsvStream(rows: Readable, columns: readonly string[], out: string | undefined): Promise<void> {
  const stringifier = stringify({ header: true, columns: columns.slice(), cast: { number: formatNumber } });
  if (out === undefined || out === '-') {
    try {
      await pipeline(rows, stringifier, stdoutSink());
    } catch (err) {
      // `tabdiff sample ... | head`: the reader left; that is not an error.
      if ((err as { code?: string }).code === 'EPIPE') return;
      throw err;
    }
    return;
  }
  const file = createWriteStream(out);
  try {
    await pipeline(rows, stringifier, file);
  } catch (err) {
    try {
      unlinkSync(out);
    } catch {
      // nothing was created
    }
    throw err;
  }
}

/**
 * Numbers as CSV text: integers exactly, other values to 9 significant digits. The network works
 * in float32 (about 7 significant digits), so the extra digits of the float64 back-transform
 * carry no information; dropping them makes files about a third smaller.
 */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) || !Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(9)));
}

/** process.stdout as a pipeline destination that is not closed at the end. */
function stdoutSink(): Writable {
  return new Writable({
    write(chunk, _encoding, callback) {
      if (process.stdout.write(chunk)) callback();
      else process.stdout.once('drain', () => callback());
    },
    final(callback) {
      callback();
    },
    construct(callback) {
      process.stdout.once('error', (err) => this.destroy(err));
      callback();
    },
  });
}

/**
 * A library data error about `rows[i]` / row i, said in the file's terms: "<path>: line L: ...".
 * Other errors pass through.
 */
export function inFileTerms(err: unknown, table: CsvTable): unknown {
  const e = err as { name?: string; row?: number; message?: string };
  if (!e || e.name !== 'TabularDataError' || typeof e.message !== 'string') return err;
  const message = e.message.replace(/\b(?:rows\[(\d+)\]|row (\d+))/g, (_m, a: string | undefined, b: string | undefined) => {
    const i = Number(a ?? b);
    return table.lines[i] !== undefined ? `line ${table.lines[i]}` : `row ${i}`;
  });
  return new CliError(`${table.path}: ${message}`);
}
