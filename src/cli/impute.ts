// tabdiff impute model.tdm data.csv -o filled.csv [--draws m] [--point]: every gap of the model's
// columns drawn given the row's observed cells (TabularSynthesizer.impute). With --draws m > 1 the
// m completed tables are written one after the other with a leading column ".imp" (1..m), the long
// format of R's mice; with --point one table of best guesses pooled over the draws (default 50),
// and with --interval 0.9 the bounds of each numeric or date gap cell's prediction interval in
// columns <name>_lo and <name>_hi after each such column. Observed cells and other columns are
// written as read.
import { Command, Option } from 'commander';

import { digitsArg, real, shareArg } from './args.js';
import { createProgress } from './progress.js';
import { POINT_DRAWS } from '../conditioning/pool.js';
import { TabularSynthesizer } from '../synthesizer.js';
import { isGap } from '../table/gaps.js';
import type { OutputColumns, OutputRow } from '../transformer.js';
import { outputFormat } from '../io/format.js';
import { formatNumber, openSink } from '../io/sinks.js';
import { writeColumns } from './sample-output.js';
import { checkWritable, inFileTerms, readCsv } from './csv.js';

interface ImputeFlags {
  output?: string;
  draws?: number;
  point?: boolean;
  interval?: number;
  seed?: number;
  sampler?: 'ddpm' | 'ddim' | 'dpm-solver++';
  steps?: number;
  eta?: number;
  jumps?: number;
  jumpLength?: number;
  jumpStart?: number;
  threads?: number;
  device?: 'auto' | 'cpu' | 'cuda';
}

async function imputeCommand(model: string, data: string, flags: ImputeFlags, signal: AbortSignal, info: (line: string) => void): Promise<void> {
  if (flags.interval !== undefined && flags.point !== true) throw new Error('--interval: applies with --point (the bounds are pooled over the draws)');
  const toStdout = flags.output === undefined || flags.output === '-';
  if (!toStdout) checkWritable(flags.output!);
  const table = readCsv(data);
  const synth = await TabularSynthesizer.load(model, {
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    ...(flags.device !== undefined ? { device: flags.device } : {}),
  });
  try {
    const resample = flags.jumps !== undefined || flags.jumpLength !== undefined || flags.jumpStart !== undefined
      ? { jumps: flags.jumps, length: flags.jumpLength, start: flags.jumpStart } : undefined;
    const t0 = performance.now();
    let bar: ReturnType<typeof createProgress> | undefined;
    let tables;
    try {
      tables = await synth.impute(table.rows, {
        draws: flags.draws, point: flags.point === true, interval: flags.interval, seed: flags.seed, sampler: flags.sampler, steps: flags.steps, eta: flags.eta, resample, signal,
        onWarning: (message) => info(`tabdiff: ${message}`),
        onProgress: ({ rowsDone, rows }) => {
          bar ??= createProgress(rows, 'impute [{bar}] {percentage}% | {value}/{total} row draws | ETA {eta_formatted}');
          bar.update(rowsDone);
        },
      });
    } catch (err) {
      throw inFileTerms(err, table);
    } finally {
      bar?.stop();
    }
    const long = !flags.point && tables.length > 1;
    let columns = long ? ['.imp', ...table.columns] : table.columns;
    let rows = long ? tables.flatMap((t, d) => t.map((r) => ({ '.imp': d + 1, ...r }))) : tables[0]!;
    if (flags.interval !== undefined) ({ columns, rows } = withBounds(synth, table, tables as [OutputRow[], OutputRow[], OutputRow[]]));
    const format = outputFormat(flags.output, undefined);
    const { data, kinds } = toColumns(rows, columns, format === 'parquet');
    const sink = await openSink(format, flags.output, columns, kinds);
    await writeColumns(sink, data);
    if (!toStdout) {
      info(`tabdiff: wrote ${flags.point ? `one table of best guesses (${flags.draws ?? POINT_DRAWS} draws pooled${flags.interval !== undefined ? `, ${Number((flags.interval * 100).toPrecision(12))}% interval bounds` : ''})` : `${tables.length} completed table(s)`} of ${table.rows.length} rows to ${flags.output} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    synth.dispose();
  }
}

/**
 * The point table with <name>_lo and <name>_hi after each continuous, integer or date column with
 * a gap in the input (observed cells are their own bounds).
 */
function withBounds(
  synth: TabularSynthesizer, table: { columns: string[]; rows: Record<string, unknown>[] }, [point, lower, upper]: [OutputRow[], OutputRow[], OutputRow[]],
): { columns: string[]; rows: OutputRow[] } {
  const ordered = new Set(['continuous', 'integer', 'date']);
  const bounded = new Set(synth.transformer.columns
    .filter((c) => ordered.has(c.kind) && table.columns.includes(c.name) && table.rows.some((r) => isGap(r[c.name])))
    .map((c) => c.name));
  const columns = table.columns.flatMap((name) => (bounded.has(name) ? [name, `${name}_lo`, `${name}_hi`] : [name]));
  for (const name of bounded) {
    for (const added of [`${name}_lo`, `${name}_hi`]) {
      if (table.columns.includes(added)) throw new Error(`--interval: the file already has a column "${added}", where the bounds of "${name}" would go`);
    }
  }
  const rows = point.map((r, i) => {
    const out: OutputRow = {};
    for (const name of table.columns) {
      out[name] = r[name]!;
      if (bounded.has(name)) {
        out[`${name}_lo`] = lower[i]![name]!;
        out[`${name}_hi`] = upper[i]![name]!;
      }
    }
    return out;
  });
  return { columns, rows };
}

/**
 * Rows (observed cells as read, drawn cells as numbers or categories) to the sinks' columns. A
 * column whose cells are all numbers or gaps is numeric; Parquet gets it as doubles (gap = null)
 * and any other column as text.
 */
function toColumns(rows: readonly Record<string, unknown>[], names: readonly string[], parquet: boolean): { data: OutputColumns; kinds: ('number' | 'text')[] } {
  const data: Record<string, unknown> = Object.create(null);
  const kinds = names.map((name) => {
    const values = rows.map((r) => (Object.prototype.hasOwnProperty.call(r, name) ? r[name] : null) ?? null);
    const numeric = values.every((v) => v === null || typeof v === 'number');
    if (!parquet) data[name] = values;
    else if (numeric) data[name] = Float64Array.from(values, (v) => (v === null ? NaN : (v as number)));
    else data[name] = values.map((v) => (v === null ? null : typeof v === 'number' ? formatNumber(v) : v instanceof Date ? v.toISOString() : String(v)));
    return numeric ? 'number' : 'text';
  });
  return { data: data as OutputColumns, kinds };
}

/** Adds the impute command; `signal` is the CLI's Ctrl-C signal, `info` its stderr line. */
export function registerImpute(program: Command, signal: () => AbortSignal, info: (line: string) => void): void {
  program
    .command('impute')
    .description("fill the gaps of a CSV with draws from a fitted model, given each row's observed cells")
    .argument('<model.tdm>', 'model written by tabdiff fit')
    .argument('<data.csv>', 'table with gaps (empty, NA, ?, null ...) in the model\'s columns')
    .option('-o, --output <file.csv>', "output file; '-' or none: stdout")
    .option('--draws <m>', `completed tables (multiple imputation; m > 1 adds a leading column .imp), or with --point the draws pooled (default 1; ${POINT_DRAWS} with --point)`, digitsArg(1, 10000))
    .option('--point', 'one table of best guesses: per gap the mean of the draws (numeric), the most frequent (categorical, binary), the median (dates)')
    .option('--interval <level>', 'with --point: adds <column>_lo and <column>_hi after each numeric or date column with gaps, the bounds of a prediction interval of this level (e.g. 0.9) from the draws', real(0, 1, { openMin: true }))
    .option('--seed <n>', 'seed: the same seed gives the same draws (default: random)', digitsArg(0, Number.MAX_SAFE_INTEGER))
    .addOption(new Option('--sampler <name>', 'reverse process (default: ddim, eta 1, 0.4 T steps (200 of the default T = 500), with 10 jumps of 5 steps over the last quarter; a model fitted with --conditioning any: the model\'s)').choices(['ddpm', 'ddim', 'dpm-solver++']))
    .option('--steps <n>', 'model evaluations for ddim / dpm-solver++', digitsArg(1, 100000))
    .option('--eta <x>', 'DDIM noise scale (0 = deterministic; 1 = ancestral)', real(0, 1e6))
    .option('--jumps <r>', 'RePaint resampling: runs of each resampled block of steps (default 10; 1 = plain replacement)', digitsArg(1, 100))
    .option('--jump-length <j>', 'RePaint resampling: steps per block (default 5; 10 with --sampler ddpm)', digitsArg(1, 100000))
    .option('--jump-start <share>', 'RePaint resampling: share of the chain before the first resampled block (default 0.75)', shareArg)
    .option('--threads <n>', 'CPU threads', digitsArg(1, 256))
    .addOption(new Option('--device <device>', 'compute device (default auto: the GPU where one is usable)').choices(['auto', 'cpu', 'cuda']))
    .action((model: string, data: string, flags: ImputeFlags) => imputeCommand(model, data, flags, signal(), info));
}
