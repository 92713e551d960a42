// A small CSV read whole into row strings (the demo's --data file) and the output-path check.
// tabdiff fit/eval stream their input into typed columns (io/csv-columns.ts); sample writes
// through io/sinks.ts.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { parse } from 'csv-parse/sync';

import { delimiterName, sniffDelimiter } from '../io/delimiter.js';
import { DECIMAL } from '../io/table.js';
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
  const delimiter = sniffDelimiter(text.subarray(0, 64 * 1024).toString('utf8'));
  if (delimiter !== ',') process.stderr.write(`tabdiff: ${path}: fields separated by ${delimiterName(delimiter)} (detected from the first lines)\n`);
  try {
    rows = parse(text, {
      delimiter,
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

/** Decimal numbers only: "0x10" is text, not 16. */
function isNumber(v: string): boolean {
  return DECIMAL.test(v.trim());
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
