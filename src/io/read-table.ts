// Reads the CLI's training or comparison data: CSV (streamed, delimiter sniffed) or Parquet.
import { inputFormat } from './format.js';
import { readCsvColumns } from './csv-columns.js';
import { readParquetColumns } from './parquet.js';
import type { ColumnTable } from './table.js';

export interface ReadTableOptions {
  format?: string;
  delimiter?: string;
  categorical?: readonly string[];
  numeric?: readonly string[];
  ignoreAbsent?: boolean;
  onNote?: (message: string) => void;
}

export async function readTable(path: string, options: ReadTableOptions = {}): Promise<ColumnTable> {
  const format = inputFormat(path, options.format);
  if (format === 'parquet') return readParquetColumns(path, options);
  return readCsvColumns(path, options);
}
