// tabdiff fit: read a table, fit a TabularSynthesizer on it, save the model file.
import { TabularSynthesizer, TabularSynthesizerOptions } from '../synthesizer.js';
import { readTable } from '../io/read-table.js';
import type { TransformerColumn } from '../table/types.js';
import { tableErrorInFileTerms } from '../io/table.js';
import { checkWritable } from './csv.js';
import { CliError } from './errors.js';
import { createProgress } from './progress.js';

export interface FitFlags {
  output: string;
  steps?: number;
  hidden?: number[];
  timeDim?: number;
  timesteps?: number;
  schedule?: 'linear' | 'cosine';
  betaStart?: number;
  betaEnd?: number;
  lr?: number;
  lrDecay?: boolean;
  emaDecay?: number;
  weightDecay?: number;
  dropout?: number;
  batchSize?: number;
  seed?: number;
  categorical?: string[];
  binary?: string[];
  integer?: string[];
  nonnegative?: string[];
  continuous?: string[];
  quantile?: boolean;
  quantileColumns?: string[];
  threads?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  date?: string[];
  validation?: number;
  missing?: 'model' | 'error';
  conditioning?: 'none' | 'any';
  keepIdentifiers?: boolean;
  standardise?: boolean;
  format?: string;
  delimiter?: string;
}

export async function fitCommand(data: string, flags: FitFlags, signal: AbortSignal, info: (line: string) => void): Promise<void> {
  if (flags.quantile && flags.quantileColumns) throw new CliError('pass --quantile (all numeric columns) or --quantile-columns, not both');
  checkWritable(flags.output);
  const numericLists = [...(flags.binary ?? []), ...(flags.integer ?? []), ...(flags.nonnegative ?? []), ...(flags.continuous ?? []), ...(flags.quantileColumns ?? [])];
  for (const name of numericLists) {
    if (flags.categorical?.includes(name)) throw new CliError(`column "${name}" is listed as categorical and as numeric`);
  }
  const table = await readTable(data, {
    format: flags.format, delimiter: flags.delimiter, categorical: flags.categorical, numeric: numericLists, onNote: (m) => info(`tabdiff: ${m}`),
  });
  // Text the library would read as numbers (0x10) stays categorical, as the CLI read it.
  const categorical = [...(flags.categorical ?? []), ...table.forceCategorical];

  const options: TabularSynthesizerOptions = {
    categorical: categorical.length > 0 ? categorical : undefined,
    binary: flags.binary,
    integer: flags.integer,
    nonnegative: flags.nonnegative,
    continuous: flags.continuous,
    date: flags.date,
    quantile: flags.standardise ? false : flags.quantileColumns ?? flags.quantile,
    missing: flags.missing,
    conditioning: flags.conditioning,
    identifiers: flags.keepIdentifiers ? 'keep' : undefined,
    hiddenDims: flags.hidden,
    timeDim: flags.timeDim,
    nTimesteps: flags.timesteps,
    schedule: flags.schedule,
    betaStart: flags.betaStart,
    betaEnd: flags.betaEnd,
    maxSteps: flags.steps,
    batchSize: flags.batchSize,
    lr: flags.lr,
    lrDecay: flags.lrDecay,
    emaDecay: flags.emaDecay,
    weightDecay: flags.weightDecay,
    dropout: flags.dropout,
    seed: flags.seed,
    threads: flags.threads,
    device: flags.device,
  };
  // The transformer reads lists as given; drop the unset keys so defaults apply.
  for (const key of Object.keys(options) as (keyof TabularSynthesizerOptions)[]) {
    if (options[key] === undefined) delete options[key];
  }
  const synth = new TabularSynthesizer(options);
  try {
    let bar: ReturnType<typeof createProgress> | undefined;
    const t0 = performance.now();
    let result: { steps: number; loss: number };
    try {
      result = await synth.fit(table.data, {
        signal,
        validation: flags.validation,
        onWarning: (message) => info(`tabdiff: warning: ${message}`),
        onSettings: (s) => {
          for (const line of s.notes) info(`tabdiff: ${line}`);
          info(`tabdiff: default sampler ${s.sampler.sampler}${s.sampler.steps ? ` (${s.sampler.steps} steps)` : ''}`);
          bar = createProgress(s.diffusion.maxSteps!, 'fit    [{bar}] {percentage}% | {value}/{total} steps | loss {loss} | ETA {eta_formatted}', { loss: '-' });
        },
        onValidation: (r) => {
          bar?.stop();
          info(`tabdiff: step ${r.step}: held-out loss ${r.heldOutLoss.toFixed(4)}, fidelity ${r.fidelity.toFixed(4)} (shape ${r.shape.toFixed(4)}, trend ${r.trend === null ? '-' : r.trend.toFixed(4)})`);
        },
        onProgress: ({ step, loss }) => bar?.update(step, { loss: Number.isFinite(loss) ? loss.toFixed(4) : String(loss) }),
      });
    } catch (err) {
      throw tableErrorInFileTerms(err, table);
    } finally {
      bar?.stop();
    }
    const validation = synth.settings?.validation;
    if (validation) info(`tabdiff: kept the weights of step ${validation.bestStep} (best held-out fidelity of ${validation.history.length} checks on ${validation.heldOutRows} rows)`);
    const seconds = (performance.now() - t0) / 1000;
    await synth.save(flags.output);
    const kinds = synth.transformer.columns.map(columnLabel).join(' ');
    info(
      `tabdiff: fitted ${table.nRows} rows x ${table.columns.length} columns in ${seconds.toFixed(1)} s ` +
        `(${result.steps} steps, final batch loss ${result.loss.toFixed(4)}); saved ${flags.output}`,
    );
    info(`tabdiff: columns ${kinds}`);
  } finally {
    synth.dispose();
  }
}

/**
 * "name:kind(notes)": q = quantile-normal map; gaps = the column's gaps are modelled (numeric:
 * a gap mode on the discrete chain; categorical: a class); point masses = values held as
 * classes of the discrete part (at most three listed); constant = a text column with one value.
 */
function columnLabel(c: TransformerColumn): string {
  const masses = c.pointMasses.length === 0 ? '' : `point mass${c.pointMasses.length > 1 ? 'es' : ''} ${c.pointMasses.slice(0, 3).join('/')}${c.pointMasses.length > 3 ? '/...' : ''}`;
  const constant = c.kind === 'categorical' && c.categories?.length === 1 && !c.missing ? `constant ${JSON.stringify(c.categories[0])}` : '';
  const notes = [c.quantile ? 'q' : '', c.missing ? 'gaps' : '', masses, constant].filter(Boolean);
  return `${c.name}:${c.kind}${notes.length ? `(${notes.join('; ')})` : ''}`;
}
