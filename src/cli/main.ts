#!/usr/bin/env node
// tabdiff: the command line of tabular-diffusion.
//
//   tabdiff fit data.csv -o model.tdm [options]     learn a table
//   tabdiff sample model.tdm -n 100000 -o out.csv    draw rows (streamed, bounded memory)
//   tabdiff eval real.csv synth.csv                  fidelity metrics and baselines
//   tabdiff report real.csv synth.csv -o r.html      HTML report (src/cli/report.ts)
//   tabdiff export model.tdm -o model.safetensors    weights for other tools
//   tabdiff demo                                     fit/sample/evaluate the bundled Lalonde data
//   tabdiff info                                     backend, kernel, threads
//
// Every failure is one line on stderr, `tabdiff: <message>`, and exit code 1 (130 on Ctrl-C);
// TABDIFF_DEBUG=1 prints the stack as well.
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Command, CommanderError, Option } from 'commander';

import { backendInfo } from '../backend-info.js';
import { compareToBaselines, formatBaselineTable } from '../baselines.js';
import { formatMetricsTable } from '../metrics.js';
import { SamplerName } from '../diffusion.js';
import { TabularSynthesizer } from '../synthesizer.js';
import { extensionOf, outputFormat, INPUT_FORMATS, OUTPUT_FORMATS } from '../io/format.js';
import { readTable } from '../io/read-table.js';
import { openSink } from '../io/sinks.js';
import { delimiterArg, integer, list, nonNegative, positive, real, seedArg, threadsArg, widths } from './args.js';
import { checkWritable } from './csv.js';
import { FitFlags, fitCommand } from './fit.js';
import { DemoOptions, runDemo } from './demo.js';
import { registerImpute } from './impute.js';
import { CliError, formatError, isAbortError } from './errors.js';
import { createProgress } from './progress.js';
import { memorisationLines, registerScoreCommand } from './score.js';
import { registerReportCommand } from './report.js';
import { registerExport } from './export.js';
import { writeSampleRows } from './sample-output.js';
import { partPath, resolveShard, shardRows } from './shard.js';

// ------------------------------------------------------------------------------------------
// Shared plumbing

interface GlobalState {
  controller: AbortController;
}

const state: GlobalState = { controller: new AbortController() };

function info(line: string): void {
  process.stderr.write(`${line}\n`);
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function deviceOption(): Option {
  return new Option('--device <device>', 'compute device').choices(['auto', 'cpu', 'cuda']);
}

// ------------------------------------------------------------------------------------------
// Commands

interface SampleFlags {
  rows: number;
  output?: string;
  seed?: number;
  sampler?: SamplerName;
  steps?: number;
  eta?: number;
  chunkRows?: number;
  threads?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  precision?: 'fp32' | 'bf16' | 'fp16';
  format?: string;
  shard?: string;
  shards?: number;
}

async function sampleCommand(model: string, flags: SampleFlags): Promise<void> {
  const shard = resolveShard(flags);
  let out = flags.output;
  let format = outputFormat(out, flags.format);
  if (shard) {
    if (out === undefined || out === '-') throw new CliError('a sharded run writes part files: pass -o DIR (the folder of the parts)');
    // Without a seed each shard would draw from its own random run.
    if (flags.seed === undefined) throw new CliError('a sharded run needs --seed: every shard draws its rows of the same seeded run');
    format = (flags.format as typeof format | undefined) ?? 'parquet';
    try {
      mkdirSync(out, { recursive: true });
    } catch (err) {
      throw new CliError(`${out}: cannot create the folder of the parts (${formatError(err)})`);
    }
    out = partPath(out, shard, extensionOf(format));
  }
  const toStdout = out === undefined || out === '-';
  if (!toStdout) checkWritable(out!);
  if (format === 'parquet' && toStdout) throw new CliError('parquet output needs a file: pass -o FILE.parquet');
  const synth = await TabularSynthesizer.load(model, {
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
    ...(flags.device !== undefined ? { device: flags.device } : {}),
    ...(flags.precision !== undefined ? { precision: flags.precision } : {}),
  });
  let failed = false;
  try {
    const columns = synth.transformer.columns;
    const names = columns.map((c) => c.name);
    const kinds = columns.map((c) => (c.kind === 'categorical' || c.kind === 'date' ? 'text' as const : 'number' as const));
    const { start, end } = shard ? shardRows(flags.rows, shard) : { start: 0, end: flags.rows };
    const n = end - start;
    const seed = flags.seed ?? randomInt(0, 2 ** 48 - 1);
    const bar = createProgress(n, 'sample [{bar}] {percentage}% | {value}/{total} rows | ETA {eta_formatted}');
    // A small default chunk for small n keeps the progress bar moving; results do not depend on it.
    const chunkRows = flags.chunkRows ?? Math.max(1024, Math.min(65536, Math.ceil(n / 50)));
    const t0 = performance.now();
    try {
      const sink = await openSink(format, out, names, kinds);
      await writeSampleRows(synth, sink, {
        start, end, seed, chunkRows, sampler: flags.sampler, steps: flags.steps, eta: flags.eta,
        signal: state.controller.signal, onProgress: (rowsDone) => bar.update(rowsDone),
      });
    } finally {
      bar.stop();
    }
    const part = shard ? ` (rows ${start} to ${end} of ${flags.rows}: shard ${shard.index} of ${shard.count}, from ${shard.source})` : '';
    if (!toStdout) info(`tabdiff: wrote ${n} rows x ${names.length} columns to ${out}${part} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // The first error is the one to report: a failure to release after it must not replace it.
    try {
      synth.dispose();
    } catch (err) {
      if (!failed) throw err;
    }
  }
}

interface EvalFlags {
  model?: string;
  train?: string;
  format?: string;
  delimiter?: string;
  categorical?: string[];
  seed?: number;
  bins?: number;
  json?: boolean;
}

async function evalCommand(realPath: string, synthPath: string, flags: EvalFlags): Promise<void> {
  if ((flags.model === undefined) !== (flags.train === undefined)) throw new CliError('--model and --train go together (the memorisation gap)');
  if (flags.model !== undefined && flags.json) throw new CliError('--model: the memorisation gap is reported in the text output, not with --json');
  const note = (m: string): void => info(`tabdiff: ${m}`);
  const real = await readTable(realPath, { format: flags.format, delimiter: flags.delimiter, categorical: flags.categorical, onNote: note });
  // A column is numeric when it is numeric in the real data; the synthetic file must agree.
  const synthetic = await readTable(synthPath, {
    format: flags.format, delimiter: flags.delimiter, categorical: real.columns.filter((c) => !real.numeric.includes(c)), numeric: real.numeric,
    ignoreAbsent: true, onNote: note,
  });
  const missing = real.columns.filter((c) => !synthetic.columns.includes(c));
  if (missing.length > 0) throw new CliError(`${synthPath}: lacks column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} of ${realPath}`);
  const categorical = [...(flags.categorical ?? []), ...real.forceCategorical];
  const comparison = compareToBaselines(real.data, synthetic.data, {
    categorical, seed: flags.seed ?? 0, ...(flags.bins !== undefined ? { bins: flags.bins } : {}),
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
    return;
  }
  const lines = [
    `Real ${realPath} (${real.nRows} rows) vs synthetic ${synthPath} (${synthetic.nRows} rows):`,
    formatMetricsTable(comparison.model),
    '',
    `Baselines (${synthetic.nRows} rows each, drawn from ${realPath} itself: optimistic for them):`,
    formatBaselineTable(comparison),
  ];
  if (flags.model) lines.push('', ...(await memorisationLines(flags.model, flags.train!, real, state.controller.signal, { format: flags.format, delimiter: flags.delimiter })));
  process.stdout.write(`${lines.join('\n')}\n`);
}

type DemoFlags = Pick<DemoOptions, 'steps' | 'seed' | 'quick' | 'samples' | 'threads' | 'device'> & { data?: string };

async function demoCommand(flags: DemoFlags): Promise<void> {
  await runDemo({
    steps: flags.steps,
    seed: flags.seed,
    quick: flags.quick,
    samples: flags.samples,
    threads: flags.threads,
    device: flags.device,
    dataPath: flags.data,
    progress: true,
    signal: state.controller.signal,
    log: (line) => process.stdout.write(`${line}\n`),
  });
}

function infoCommand(flags: { json?: boolean }): void {
  const b = backendInfo();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ version: packageVersion(), ...b }, null, 2)}\n`);
    return;
  }
  const lines = [
    `tabular-diffusion ${packageVersion()} (node ${process.version}, ${process.platform}-${process.arch})`,
    `backend:         ${b.backend}`,
    `GEMM kernel:     ${b.gemmKernel}`,
    `default threads: ${b.defaultThreads}`,
    `device choice:   ${b.deviceChoice}`,
    `addon:           ${b.binary.path ?? '-'} (${b.binary.source ?? '-'})`,
    `CUDA library:    ${b.cuda.library ?? 'none found'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ------------------------------------------------------------------------------------------
// The program

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tabdiff')
    .description('Diffusion models that learn a table and draw synthetic rows from it')
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Errors are printed by main() as one line; help and version text go through unchanged.
      outputError: () => {},
    });

  program
    .command('fit')
    .description('fit a diffusion model to the rows of a CSV or Parquet file (CSV: header row required)')
    .argument('<data.csv>', 'training data (.parquet/.pq: Parquet; otherwise CSV, streamed)')
    .addOption(new Option('--format <format>', 'input format (default: from the extension)').choices([...INPUT_FORMATS]))
    .option('--delimiter <char>', 'CSV field delimiter (default: detected from the first lines)', delimiterArg)
    .requiredOption('-o, --output <model.tdm>', 'where to write the fitted model')
    .option('--steps <n>', 'training steps (default: scaled to the table, 10000 to 30000)', positive)
    .option('--hidden <widths>', 'hidden layer widths, e.g. 128,128', widths)
    .option('--time-dim <n>', 'width of the time embedding (even)', positive)
    .option('--timesteps <n>', 'diffusion steps T (default 500)', positive)
    .addOption(new Option('--schedule <name>', 'noise schedule').choices(['linear', 'cosine']))
    .option('--beta-start <x>', 'first beta of the linear schedule', real(0, 1, { openMin: true }))
    .option('--beta-end <x>', 'last beta of the linear schedule', real(0, 1, { openMin: true }))
    .option('--lr <x>', 'learning rate (default 3e-3, 2e-3 for large tables)', real(0, 10, { openMin: true }))
    .option('--lr-decay', 'decay the learning rate linearly to 0 (default on)')
    .option('--ema-decay <x>', 'EMA of the weights used for sampling (default 0.999)', real(0, 0.999999))
    .option('--weight-decay <x>', 'AdamW weight decay', real(0, 1000))
    .option('--dropout <x>', 'dropout rate', real(0, 0.99))
    .option('--batch-size <n>', 'rows per training batch (default 256)', positive)
    .option('--seed <n>', 'seed of initialisation and training (default 0)', seedArg)
    .option('--categorical <cols>', 'columns to treat as categorical (comma-separated)', list)
    .option('--binary <cols>', 'columns holding 0/1', list)
    .option('--integer <cols>', 'integer columns (rounded on output)', list)
    .option('--nonnegative <cols>', 'columns clipped at 0 on output', list)
    .option('--continuous <cols>', 'numeric columns kept continuous', list)
    .option('--quantile', 'quantile-normal transform of all numeric columns (the default)')
    .option('--quantile-columns <cols>', 'quantile-normal transform of these columns only', list)
    .option('--standardise', 'standardise numeric columns instead of the quantile-normal map')
    .option('--date <cols>', 'date columns (detected anyway: ISO 8601 dates and date-times)', list)
    .option('--validation <share>', 'hold out this share of rows; check held-out loss and fidelity during the fit and keep the best weights', real(0, 0.9, { openMin: true }))
    .addOption(new Option('--missing <how>', "gaps (empty, NA, ?, null ...): 'model' them (default) or make them an 'error'").choices(['model', 'error']))
    .addOption(new Option('--conditioning <mode>', "'any': train for arbitrary conditioning (impute and given draw in about one pass; docs/imputation.md); default 'none' (inpainting)").choices(['none', 'any']))
    .option('--keep-identifiers', 'model columns that look like identifiers instead of leaving them out')
    .option('--threads <n>', 'CPU threads', threadsArg)
    .addOption(deviceOption())
    .action((data: string, flags: FitFlags) => fitCommand(data, flags, state.controller.signal, info));

  program
    .command('sample')
    .description('draw synthetic rows from a fitted model as CSV, JSON Lines or Parquet (streamed: any number of rows in bounded memory)')
    .argument('<model.tdm>', 'model written by tabdiff fit')
    .requiredOption('-n, --rows <n>', 'number of rows (of the whole run, when sharded)', nonNegative)
    .option('-o, --output <file>', "output file (.csv, .jsonl, .parquet); '-' or none: stdout (CSV unless --format); a folder when sharded")
    .addOption(new Option('--format <format>', 'output format (default: from the extension; parquet for shards)').choices([...OUTPUT_FORMATS]))
    .option('--shard <k/N>', 'draw shard k (0-based) of N: rows [k*n/N, (k+1)*n/N) of the seeded run, into DIR/part-k-of-N.<ext>')
    .option('--shards <N>', 'like --shard, with k from JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm)', integer(1, 100000))
    .option('--seed <n>', 'seed: the same seed gives the same rows (default: random)', seedArg)
    .addOption(new Option('--sampler <name>', 'reverse process (default ddpm)').choices(['ddpm', 'ddim', 'dpm-solver++']))
    .option('--steps <n>', 'model evaluations for ddim / dpm-solver++', positive)
    .option('--eta <x>', 'DDIM noise scale (0 = deterministic)', real(0, 1e6))
    .option('--chunk-rows <n>', 'rows generated per chunk (memory bound; results do not depend on it)', integer(1, 1 << 20))
    .option('--threads <n>', 'CPU threads', threadsArg)
    .addOption(deviceOption())
    .addOption(new Option('--precision <p>', 'GPU sampling arithmetic (bf16/fp16 use the tensor cores)').choices(['fp32', 'bf16', 'fp16']))
    .action(sampleCommand);

  registerImpute(program, () => state.controller.signal, info);

  program
    .command('eval')
    .description('compare a synthetic CSV with the real one: per-column KS/W1/TV, correlations, baselines')
    .argument('<real.csv>', 'real data')
    .argument('<synth.csv>', 'synthetic data (same columns)')
    .addOption(new Option('--format <format>', 'format of both files (default: from each extension)').choices([...INPUT_FORMATS]))
    .option('--delimiter <char>', 'CSV field delimiter (default: detected from the first lines)', delimiterArg)
    .option('--categorical <cols>', 'columns to treat as categorical even when numeric', list)
    .option('--seed <n>', 'seed of the baseline draws (default 0)', seedArg)
    .option('--bins <n>', 'bins for numeric columns in contingency pairs (default 10)', positive)
    .option('--json', 'print the full comparison as JSON')
    .option('--model <model.tdm>', 'with --train: report the memorisation gap (mean log-density of training rows minus real rows; text output only)')
    .option('--train <train.csv>', 'the rows the model was fitted on (with --model)')
    .action(evalCommand);

  registerScoreCommand(program, () => state.controller.signal);
  registerReportCommand(program);

  program
    .command('demo')
    .description('fit, sample and evaluate on the bundled Lalonde data (under a minute on 2 cores)')
    .option('--steps <n>', 'training steps (default 10000; 3000 with --quick)', positive)
    .option('--seed <n>', 'seed (default 0)', seedArg)
    .option('--quick', 'a reduced run: fewer steps, 614 synthetic rows')
    .option('--samples <n>', 'synthetic rows (default 6140; 614 with --quick)', positive)
    .option('--data <file.csv>', 'use this CSV instead of the bundled data/lalonde.csv (same columns)')
    .option('--threads <n>', 'CPU threads', threadsArg)
    .addOption(deviceOption())
    .action(demoCommand);

  registerExport(program);

  program
    .command('info')
    .description('print the compute backend, GEMM kernel and default thread count')
    .option('--json', 'as JSON')
    .action(infoCommand);

  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  const onSigint = (): void => {
    if (state.controller.signal.aborted) process.exit(130); // second Ctrl-C: leave now
    state.controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      return 1;
    }
    await program.parseAsync(argv as string[]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors; commander has printed them.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return err.exitCode;
      process.stderr.write(`tabdiff: ${formatError(err).replace(/^error: /, '')}\n`);
      return err.exitCode === 0 ? 1 : err.exitCode;
    }
    if (isAbortError(err) && state.controller.signal.aborted) {
      process.stderr.write('tabdiff: interrupted\n');
      return 130;
    }
    if (process.env.TABDIFF_DEBUG === '1') process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.stderr.write(`tabdiff: ${formatError(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`tabdiff: ${formatError(err)}\n`);
      process.exitCode = 1;
    },
  );
}
