// Which character separates the fields of a CSV file: ',' unless the first lines say otherwise.
// Spreadsheets in many locales export ';' (the decimal mark is ','), databases export tabs; read
// with ',' such a file becomes one column named "a;b;c". The first lines decide: the candidate
// that splits the header into the most fields and every sampled line into as many.
import { closeSync, openSync, readSync } from 'node:fs';

export const DELIMITERS = [',', ';', '\t', '|'] as const;
const SAMPLE_BYTES = 64 * 1024;
const SAMPLE_LINES = 50;

export function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : d === ',' ? 'comma' : d === ';' ? 'semicolon' : d === '|' ? 'pipe' : JSON.stringify(d);
}

/** Fields per line for one delimiter, quotes respected (a quoted field may hold the delimiter). */
function fieldCounts(lines: readonly string[], d: string): number[] {
  return lines.map((line) => {
    let count = 1;
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '"') quoted = !quoted;
      else if (c === d && !quoted) count++;
    }
    return count;
  });
}

/**
 * The delimiter of `text` (the start of a file): the candidate giving the header the most fields
 * (more than one) with every complete sampled line agreeing; ',' when none does.
 */
export function sniffDelimiter(text: string): string {
  const all = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // The last piece may be cut off by the sample's end; blank lines are skipped by the parser too.
  const lines = (text.length >= SAMPLE_BYTES ? all.slice(0, -1) : all).filter((l) => l.trim() !== '').slice(0, SAMPLE_LINES);
  if (lines.length === 0) return ',';
  let best = ',';
  let bestFields = 1;
  for (const d of DELIMITERS) {
    const counts = fieldCounts(lines, d);
    // A quoted field spanning lines breaks the per-line count: with quotes, 80% of lines must agree.
    const agree = counts.filter((c) => c === counts[0]).length / counts.length;
    const consistent = agree >= (text.includes('"') ? 0.8 : 1);
    if (counts[0]! > bestFields && consistent) {
      best = d;
      bestFields = counts[0]!;
    }
  }
  return best;
}

/** Reads the start of the file at `path` and sniffs its delimiter. */
export function sniffFileDelimiter(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const n = readSync(fd, buf, 0, SAMPLE_BYTES, 0);
    return sniffDelimiter(buf.subarray(0, n).toString('utf8'));
  } finally {
    closeSync(fd);
  }
}
