// Streaming CSV reader into typed columns (csv-parse's stream API): the file is never held as one
// string nor as row objects. Per cell it keeps a float64 (NaN when not a decimal number) and a
// dictionary code of the cell's text, so a numeric column costs 12 bytes a cell and its text is
// dropped once the column has more than DICTIONARY_LIMIT distinct values and is still all numbers.
// The column rules are those of cli/csv.ts's checkNumericColumns (errors name the file and line).
import { createReadStream, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { parse } from 'csv-parse';

import { CliError } from '../cli/errors.js';
import { isGap } from '../table/gaps.js';
import { delimiterName, sniffFileDelimiter } from './delimiter.js';
import { ColumnTable, ColumnValues, DECIMAL, checkHeader, checkListed } from './table.js';

const DICTIONARY_LIMIT = 4096;
const NUMBER_TEXT_DROPPED = -1;

export interface ReadCsvOptions {
  /** Columns read as categories (their text kept exactly: "02134" stays "02134"). */
  categorical?: readonly string[];
  /** Columns that must hold numbers (a non-number there is an error naming its line). */
  numeric?: readonly string[];
  /** The field delimiter; default: sniffed from the first lines (see delimiter.ts). */
  delimiter?: string;
  /** Listed columns absent from the file are ignored (the caller reports them) instead of an error. */
  ignoreAbsent?: boolean;
  /** Told which delimiter was sniffed when it is not a comma. */
  onNote?: (message: string) => void;
}

/** One column being read: numbers, text codes, counts, the first non-number. */
class ColumnBuilder {
  numbers = new Float64Array(1024);
  codes = new Int32Array(1024);
  dictionary = new Map<string, number>();
  texts: string[] = [];
  numberCount = 0;
  otherCount = 0;
  /** Every non-gap, non-decimal cell is still a number to JavaScript's Number() (0x10, Infinity...). */
  othersNumberLike = true;
  firstOther: { row: number; value: string } | null = null;
  keepNumberText = true;

  constructor(readonly name: string, readonly categorical: boolean) {}

  private grow(n: number): void {
    if (n < this.numbers.length) return;
    const size = this.numbers.length * 2;
    const numbers = new Float64Array(size);
    numbers.set(this.numbers);
    this.numbers = numbers;
    const codes = new Int32Array(size);
    codes.set(this.codes);
    this.codes = codes;
  }

  private code(text: string): number {
    let c = this.dictionary.get(text);
    if (c === undefined) {
      c = this.texts.length;
      this.texts.push(text);
      this.dictionary.set(text, c);
    }
    return c;
  }

  add(row: number, text: string): void {
    this.grow(row);
    if (this.categorical) {
      this.numbers[row] = NaN;
      this.codes[row] = this.code(text);
      return;
    }
    if (isGap(text)) {
      this.numbers[row] = NaN;
      this.codes[row] = this.code(text);
    } else if (DECIMAL.test(text)) {
      this.numbers[row] = Number(text);
      this.numberCount++;
      if (this.keepNumberText && this.otherCount === 0 && this.texts.length >= DICTIONARY_LIMIT) this.keepNumberText = false;
      this.codes[row] = this.keepNumberText ? this.code(text) : NUMBER_TEXT_DROPPED;
    } else {
      this.numbers[row] = NaN;
      this.otherCount++;
      if (!Number.isFinite(Number(text))) this.othersNumberLike = false;
      if (this.firstOther === null) this.firstOther = { row, value: text };
      this.codes[row] = this.code(text);
    }
  }

  /** Numeric when listed so, or when numbers are at least as many as other values. */
  isNumeric(listed: boolean): boolean {
    return !this.categorical && (listed || (this.numberCount > 0 && this.numberCount >= this.otherCount));
  }

  release(): void {
    this.numbers = new Float64Array(0);
    this.codes = new Int32Array(0);
    this.dictionary.clear();
    this.texts = [];
  }

  values(n: number, numeric: boolean): ColumnValues {
    if (numeric) return this.numbers.slice(0, n);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const c = this.codes[i]!;
      out[i] = c === NUMBER_TEXT_DROPPED ? String(this.numbers[i]) : this.texts[c]!;
    }
    return out;
  }
}

function openError(path: string, err: unknown): CliError | unknown {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return new CliError(`${path}: no such file`);
  if (code === 'EISDIR') return new CliError(`${path}: is a directory, expected a CSV file`);
  if (code === 'EACCES') return new CliError(`${path}: permission denied`);
  return err;
}

/** Reads a CSV file with a header row into columns. Ragged rows, bad quoting and empty files are CliErrors. */
export async function readCsvColumns(path: string, options: ReadCsvOptions = {}): Promise<ColumnTable> {
  let delimiter = options.delimiter;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    if (delimiter === undefined) {
      delimiter = sniffFileDelimiter(path);
      if (delimiter !== ',') options.onNote?.(`${path}: fields separated by ${delimiterName(delimiter)} (detected from the first lines; --delimiter sets it)`);
    }
  } catch (err) {
    throw openError(path, err);
  }
  const categorical = new Set(options.categorical ?? []);
  const listedNumeric = new Set(options.numeric ?? []);
  let header = null as string[] | null;
  let builders: ColumnBuilder[] = [];
  let lineStore = new Int32Array(1024);
  let n = 0;

  // Records are consumed inside the parser (on_record returns null: nothing is queued downstream).
  const onRecord = (record: string[], lineNumber: number): void => {
    if (header === null) {
      checkHeader(path, record);
      header = record;
      if (!options.ignoreAbsent) checkListed({ path, columns: header }, [...categorical, ...listedNumeric]);
      builders = header.map((name) => new ColumnBuilder(name, categorical.has(name)));
      return;
    }
    if (n >= lineStore.length) {
      const grown = new Int32Array(lineStore.length * 2);
      grown.set(lineStore);
      lineStore = grown;
    }
    lineStore[n] = lineNumber;
    for (let j = 0; j < builders.length; j++) builders[j]!.add(n, record[j]!);
    n++;
  };
  try {
    const parser = parse({
      bom: true, trim: true, skip_empty_lines: true, delimiter,
      on_record: (record: string[], context: { lines: number }) => {
        onRecord(record, context.lines);
        return null;
      },
    });
    await pipeline(createReadStream(path), parser, new Writable({ objectMode: true, write: (_r, _e, done) => done() }));
  } catch (err) {
    if (err instanceof CliError) throw err;
    const e = openError(path, err);
    if (e instanceof CliError) throw e;
    // csv-parse messages already say what and where ("... on line 3").
    throw new CliError(`${path}: ${(err as Error).message}`);
  }
  if (header === null) throw new CliError(`${path}: empty file (expected a header row and data rows)`);
  if (n === 0) throw new CliError(`${path}: no data rows after the header`);
  if (header.length === 1 && delimiter === ',' && /[;\t|]/.test(header[0]!)) {
    options.onNote?.(`${path}: one column named ${JSON.stringify(header[0])}; if its fields are separated by another character, pass --delimiter`);
  }

  const where = (i: number): string => `line ${lineStore[i]}`;
  const data: Record<string, ColumnValues> = Object.create(null) as Record<string, ColumnValues>;
  const numeric: string[] = [];
  const forceCategorical: string[] = [];
  for (const b of builders) {
    const listed = listedNumeric.has(b.name);
    const isNumeric = b.isNumeric(listed);
    if (isNumeric && b.firstOther !== null) {
      const hint = listed ? '' : ` (${b.numberCount} of ${n} values in this column are numbers; pass --categorical ${b.name} if it is categorical)`;
      const hex = Number.isFinite(Number(b.firstOther.value)) ? ' (numbers in CSV cells are decimal)' : '';
      throw new CliError(`${path}: ${where(b.firstOther.row)}, column "${b.name}": ${JSON.stringify(b.firstOther.value)} is not a number${hex}${hint}`);
    }
    if (isNumeric) numeric.push(b.name);
    else if (!b.categorical && b.otherCount > 0 && b.othersNumberLike) forceCategorical.push(b.name);
    data[b.name] = b.values(n, isNumeric);
    b.release(); // one column's copy at a time, not all of them
  }
  return { path, format: 'csv', columns: header, nRows: n, data, numeric, forceCategorical, where };
}
