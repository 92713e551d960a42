// The format of a table file: --format when given, else the file's extension.
import { extname } from 'node:path';

import { CliError } from '../cli/errors.js';
import type { OutputFormat } from './sinks.js';

export type InputFormat = 'csv' | 'parquet';
export const INPUT_FORMATS: readonly InputFormat[] = ['csv', 'parquet'];
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['csv', 'jsonl', 'parquet'];

const BY_EXTENSION: Record<string, OutputFormat> = {
  '.csv': 'csv', '.parquet': 'parquet', '.pq': 'parquet', '.jsonl': 'jsonl', '.ndjson': 'jsonl',
};

/** Input: parquet for .parquet/.pq, JSON Lines refused, CSV otherwise (the historical default). */
export function inputFormat(path: string, explicit: string | undefined): InputFormat {
  const f = explicit ?? BY_EXTENSION[extname(path).toLowerCase()] ?? 'csv';
  if (f === 'jsonl') throw new CliError(`${path}: JSON Lines is an output format; training data is read from CSV or Parquet`);
  if (!(INPUT_FORMATS as readonly string[]).includes(f)) throw new CliError(`--format: expected ${INPUT_FORMATS.join(' or ')}, got ${JSON.stringify(f)}`);
  return f as InputFormat;
}

/** Output: the extension decides (.parquet, .jsonl/.ndjson, else CSV); stdout is CSV unless --format says. */
export function outputFormat(path: string | undefined, explicit: string | undefined): OutputFormat {
  if (explicit !== undefined) return explicit as OutputFormat;
  if (path === undefined || path === '-') return 'csv';
  return BY_EXTENSION[extname(path).toLowerCase()] ?? 'csv';
}

/** The extension of a part file in a sharded run. */
export function extensionOf(format: OutputFormat): string {
  return format === 'parquet' ? 'parquet' : format === 'jsonl' ? 'jsonl' : 'csv';
}
