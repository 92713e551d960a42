// tabdiff score model.tdm data.csv -o scores.csv: the anomaly score (-log-density, nats per
// unit of the user's values) of each row of a CSV under a fitted model (src/density/table.ts).
// One output row per input row: its line in the file, the score, the log-density, the Monte
// Carlo standard error, and the log-density in the model's coordinates (finite where the
// user-unit one is not: values on a tie of a quantile map, beyond its range, gaps of a
// Gaussian-only model). Mixed models: the discrete chain's part is included (a bound; see parts).
import { Command, Option } from 'commander';

import { digitsArg } from './args.js';
import { memorisationGap } from '../density/memorisation.js';
import { TabularSynthesizer } from '../synthesizer.js';
import { outputFormat } from '../io/format.js';
import { openSink } from '../io/sinks.js';
import { writeColumns } from './sample-output.js';
import { readTable } from '../io/read-table.js';
import { ColumnTable, ColumnValues, tableErrorInFileTerms } from '../io/table.js';
import { checkWritable, inFileTerms, readCsv } from './csv.js';

interface ScoreFlags {
  output?: string;
  method?: 'path-integral' | 'ode';
  throws?: number;
  steps?: number;
  probes?: number;
  seed?: number;
  threads?: number;
}

async function scoreCommand(model: string, data: string, flags: ScoreFlags, signal: AbortSignal): Promise<void> {
  if (flags.output !== undefined && flags.output !== '-') checkWritable(flags.output);
  const table = readCsv(data);
  const synth = await TabularSynthesizer.load(model, flags.threads !== undefined ? { threads: flags.threads } : {});
  try {
    let result;
    try {
      result = await synth.logDensity(table.rows, {
        method: flags.method, throws: flags.throws, steps: flags.steps, probes: flags.probes, seed: flags.seed, signal,
      });
    } catch (err) {
      throw inFileTerms(err, table);
    }
    const columns = {
      line: Float64Array.from(table.lines),
      score: Float64Array.from(result.logDensity, (lp) => -lp),
      logDensity: Float64Array.from(result.logDensity),
      standardError: Float64Array.from(result.standardError),
      modelLogDensity: Float64Array.from(result.gaussian),
    };
    const names = Object.keys(columns);
    // The output format follows the extension (.csv, .jsonl, .parquet), as tabdiff sample's does.
    const sink = await openSink(outputFormat(flags.output, undefined), flags.output, names, names.map(() => 'number' as const));
    await writeColumns(sink, columns);
    const rows = table.lines;
    const notes = result.parts.map((p) => `  ${p.part} (${p.status}): ${p.note}`).join('\n');
    process.stderr.write(`tabdiff: scored ${rows.length} rows (${result.method}); parts:\n${notes}\n`);
  } finally {
    synth.dispose();
  }
}

/** Adds the score command to the program; `signal` is the CLI's Ctrl-C signal. */
export function registerScoreCommand(program: Command, signal: () => AbortSignal): void {
  program
    .command('score')
    .description('anomaly score (-log-density per row, user units) of the rows of a CSV under a fitted model')
    .argument('<model.tdm>', 'model written by tabdiff fit')
    .argument('<data.csv>', 'rows to score (the model\'s columns, header row required)')
    .option('-o, --output <scores.csv>', "output file; '-' or none: stdout")
    .addOption(new Option('--method <name>', 'estimator (default path-integral)').choices(['path-integral', 'ode']))
    .option('--throws <n>', 'path integral: network evaluations per row (default 100)', digitsArg(1, 100000))
    .option('--steps <n>', 'ODE: RK4 steps (default 100)', digitsArg(1, 100000))
    .option('--probes <n>', 'ODE: Hutchinson probes (default 0 = exact divergence up to 64 columns)', digitsArg(0, 256))
    .option('--seed <n>', 'seed of the Monte Carlo draws (default 0)', digitsArg(0, Number.MAX_SAFE_INTEGER))
    .option('--threads <n>', 'CPU threads', digitsArg(1, 256))
    .action((model: string, data: string, flags: ScoreFlags) => scoreCommand(model, data, flags, signal()));
}

/** The first k rows of a table read by the CLI (a view of each column where it can be). */
function headRows(t: ColumnTable, k: number): ColumnTable {
  if (t.nRows <= k) return t;
  const data: Record<string, ColumnValues> = Object.create(null);
  for (const name of t.columns) {
    const v = t.data[name]!;
    data[name] = v instanceof Float64Array ? v.subarray(0, k) : v.slice(0, k);
  }
  return { ...t, data, nRows: k };
}

/**
 * tabdiff eval --model m.tdm --train train.csv: the memorisation gap's report lines, with the
 * real table eval already read as the held-out rows; the training file is read with its column
 * kinds (and format options), so both sides are parsed alike.
 */
export async function memorisationLines(
  modelPath: string, trainPath: string, real: ColumnTable, signal: AbortSignal, read: { format?: string; delimiter?: string } = {},
): Promise<string[]> {
  const train = await readTable(trainPath, {
    ...read, categorical: real.columns.filter((c) => !real.numeric.includes(c)), numeric: real.numeric, ignoreAbsent: true,
  });
  const synth = await TabularSynthesizer.load(modelPath);
  try {
    // At most 2000 rows per side (the first ones): the gap's SE is then about 0.03 nats on adult.
    const [tr, re] = [headRows(train, 2000), headRows(real, 2000)];
    let g;
    try {
      g = await memorisationGap(synth, tr.data, re.data, { throws: 100, seed: 0, signal });
    } catch (err) {
      throw tableErrorInFileTerms(err, tr.nRows > 0 ? tr : re);
    }
    const left = g.leftOut.train + g.leftOut.heldOut > 0
      ? ` (${g.leftOut.train} + ${g.leftOut.heldOut} rows with a non-finite log-density left out)` : '';
    const lines = [
      `Memorisation gap under ${modelPath} (path integral, 100 throws, model coordinates): mean log-density of ${g.trainRows} rows of ${trainPath} ` +
        `${g.trainMean.toFixed(3)} minus ${g.heldOutRows} rows of ${real.path} ${g.heldOutMean.toFixed(3)} = ${g.gap.toFixed(3)} ± ${g.standardError.toFixed(3)} nats${left}`,
    ];
    if (g.userUnits) {
      const u = g.userUnits;
      lines.push(`  in user units (over the ${u.trainRows} + ${u.heldOutRows} rows finite there): ${u.gap.toFixed(3)} ± ${u.standardError.toFixed(3)} nats`);
    }
    return lines;
  } finally {
    synth.dispose();
  }
}
