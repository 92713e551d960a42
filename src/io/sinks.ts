// Where sampled chunks go: CSV, JSON Lines or Parquet, to a file (through io/atomic-file.ts) or,
// for the text formats, to stdout. Each chunk is written before the next is drawn, so memory is
// one chunk whatever the row count, and a write error is the error the command reports.
import { closeSync, openSync, writeSync } from 'node:fs';

import { stringify } from 'csv-stringify/sync';

import type { OutputColumns } from '../transformer.js';
import { columnsToRows } from '../transformer.js';
import { CliError } from '../cli/errors.js';
import { OutputTarget, outputTarget } from './atomic-file.js';
import { ParquetSink } from './parquet.js';

export type OutputFormat = 'csv' | 'jsonl' | 'parquet';
export type ColumnKindHint = 'number' | 'text' | 'date';

export interface TableSink {
  write(columns: OutputColumns): Promise<void>;
  /** Finishes the file and moves it into place. */
  close(): Promise<void>;
  /** After a failure: removes what this command created, never the target. */
  discard(): void;
}

/**
 * Numbers as text: integers exactly, other values to 9 significant digits. The network works in
 * float32 (about 7 significant digits), so the extra digits of the float64 back-transform carry
 * no information; dropping them makes files about a third smaller.
 */
export function formatNumber(x: number): string {
  if (Number.isInteger(x) || !Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(9)));
}

/** Bytes to a file descriptor or to stdout (waiting for 'drain'; a reader that left ends the output quietly). */
interface ByteOut {
  write(text: string): Promise<void>;
  end(): void;
}

class StdoutClosed extends Error {}

function stdoutBytes(): ByteOut {
  let failure: Error | null = null;
  const onError = (err: Error): void => {
    failure = err;
  };
  process.stdout.on('error', onError);
  return {
    async write(text) {
      if (failure) throw (failure as { code?: string }).code === 'EPIPE' ? new StdoutClosed() : failure;
      if (!process.stdout.write(text)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            process.stdout.off('drain', done);
            process.stdout.off('error', done);
            resolve();
          };
          process.stdout.once('drain', done);
          process.stdout.once('error', done);
        });
      }
      if (failure) throw (failure as { code?: string }).code === 'EPIPE' ? new StdoutClosed() : failure;
    },
    end() {
      process.stdout.off('error', onError);
    },
  };
}

function fileBytes(path: string): ByteOut {
  const fd = openSync(path, 'w');
  return {
    async write(text) {
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    },
    end() {
      closeSync(fd);
    },
  };
}

/** One JSON object per line, keys in column order; gaps are null, Dates ISO 8601 strings. */
function jsonLines(columns: OutputColumns, names: readonly string[]): string {
  const keys = names.map((name) => JSON.stringify(name));
  const cols = names.map((name) => columns[name]!);
  const n = cols.length > 0 ? cols[0]!.length : 0;
  let out = '';
  for (let i = 0; i < n; i++) {
    let line = '{';
    for (let j = 0; j < names.length; j++) {
      const v = cols[j]![i];
      let text: string;
      if (typeof v === 'number') text = Number.isFinite(v) ? formatNumber(v) : 'null';
      else if (v === null || v === undefined) text = 'null';
      else if (v instanceof Date) text = Number.isNaN(v.getTime()) ? 'null' : JSON.stringify(v.toISOString());
      else text = JSON.stringify(v);
      line += `${j > 0 ? ',' : ''}${keys[j]}:${text}`;
    }
    out += `${line}}\n`;
  }
  return out;
}

function csvText(columns: OutputColumns | null, names: readonly string[], header: boolean): string {
  const rows = columns ? columnsToRows(columns) : [];
  return stringify(rows, {
    header,
    columns: names.slice(),
    cast: { number: formatNumber, date: (d: Date) => d.toISOString() },
  });
}

/** A text sink (CSV or JSON Lines). `out` undefined or '-': stdout. */
function textSink(format: 'csv' | 'jsonl', out: string | undefined, names: readonly string[]): TableSink {
  const toStdout = out === undefined || out === '-';
  const target: OutputTarget | null = toStdout ? null : outputTarget(out!);
  let bytes: ByteOut | null = null;
  let written = false;
  const open = (): ByteOut => (bytes ??= toStdout ? stdoutBytes() : fileBytes(target!.writePath));
  const put = async (text: string): Promise<void> => open().write(text);
  return {
    async write(columns) {
      const text = format === 'csv' ? csvText(columns, names, !written) : jsonLines(columns, names);
      written = true;
      await put(text);
    },
    async close() {
      // The CSV header is written even when there are no rows.
      if (!written && format === 'csv') await put(csvText(null, names, true));
      open().end();
      bytes = null;
      target?.commit();
    },
    discard() {
      try {
        bytes?.end();
      } catch {
        // closing after a failed write: the first error is the one reported
      }
      bytes = null;
      target?.discard();
    },
  };
}

async function parquetSink(out: string, names: readonly string[], kinds: readonly ColumnKindHint[]): Promise<TableSink> {
  const target = outputTarget(out);
  let sink: ParquetSink;
  try {
    sink = await ParquetSink.open(target.writePath, names, kinds);
  } catch (err) {
    target.discard();
    throw err;
  }
  return {
    async write(columns) {
      sink.write(columns);
    },
    async close() {
      sink.close();
      target.commit();
    },
    discard() {
      target.discard();
    },
  };
}

/** Opens the sink for `format` at `out` (stdout for undefined or '-', text formats only). */
export async function openSink(format: OutputFormat, out: string | undefined, names: readonly string[], kinds: readonly ColumnKindHint[]): Promise<TableSink> {
  if (format === 'parquet') {
    if (out === undefined || out === '-') throw new CliError('parquet output needs a file: pass -o FILE.parquet');
    return parquetSink(out, names, kinds);
  }
  return textSink(format, out, names);
}

export { StdoutClosed };
