// tabdiff report real.csv synth.csv -o report.html: the HTML report of src/report/report.ts.
import { writeFileSync } from 'node:fs';

import { Command, InvalidArgumentError } from 'commander';

import { report } from '../report/report.js';
import { checkNumericColumns, checkWritable, readCsv } from './csv.js';
import { CliError } from './errors.js';

interface ReportFlags {
  output: string;
  model?: string;
  target?: string;
  holdout?: string;
  categorical?: string[];
  seed?: number;
  title?: string;
}

function seedArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new InvalidArgumentError('expected an integer in [0, 2^32)');
  return n;
}

async function reportCommand(realPath: string, synthPath: string, flags: ReportFlags): Promise<void> {
  checkWritable(flags.output);
  const real = readCsv(realPath);
  const synthetic = readCsv(synthPath);
  const holdout = flags.holdout !== undefined ? readCsv(flags.holdout) : undefined;
  // Numbers where the real file has numbers: a stray word in a numeric column is an error here.
  const numeric = checkNumericColumns(real, { categorical: flags.categorical });
  const categorical = real.columns.filter((c) => !numeric.includes(c));
  for (const t of [synthetic, ...(holdout ? [holdout] : [])]) {
    checkNumericColumns(t, { categorical: categorical.filter((c) => t.columns.includes(c)), numeric: numeric.filter((c) => t.columns.includes(c)) });
  }
  const t0 = performance.now();
  let html: string;
  try {
    html = report(real.rows, synthetic.rows, {
      ...(flags.model !== undefined ? { model: flags.model } : {}),
      ...(flags.target !== undefined ? { target: flags.target } : {}),
      ...(holdout ? { holdout: holdout.rows } : {}),
      ...(flags.categorical ? { categorical: flags.categorical } : {}),
      ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
      ...(flags.title !== undefined ? { title: flags.title } : {}),
    });
  } catch (err) {
    // Say which file an argument name stands for.
    const e = err as Error;
    if (e && (e.name === 'TabularDataError' || e instanceof RangeError || e instanceof TypeError) && typeof e.message === 'string') {
      const files: Record<string, string> = { real: realPath, train: realPath, synthetic: synthPath, 'options.holdout': flags.holdout ?? '--holdout', 'options.target': '--target', 'options.model': '--model' };
      const m = /^([\w.[\]]+): /.exec(e.message);
      if (m && files[m[1]!] !== undefined) throw new CliError(`${files[m[1]!]}: ${e.message.slice(m[0].length)}`);
    }
    throw err;
  }
  writeFileSync(flags.output, html);
  process.stderr.write(`tabdiff: wrote ${flags.output} (${(html.length / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

/** Adds `tabdiff report` to the program. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write a self-contained HTML report: fidelity, utility, privacy, detection, charts')
    .argument('<real.csv>', 'real rows (those the model was fitted on)')
    .argument('<synth.csv>', 'synthetic rows (same columns)')
    .requiredOption('-o, --output <report.html>', 'the HTML file to write')
    .option('--model <m.tdm>', 'model file: adds the training loss curve')
    .option('--target <col>', 'column to predict for the utility figures')
    .option('--holdout <h.csv>', 'real rows held out from fitting (else real.csv is split 80/20)')
    .option('--categorical <cols>', 'columns to treat as categorical even when numeric', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--seed <n>', 'seed of the baselines, splits and learners (default 0)', seedArg)
    .option('--title <text>', 'page title')
    .action(reportCommand);
}
