// tabdiff export model.tdm -o model.safetensors: the weights for tools outside Node.
import { Command } from 'commander';

import { TabularSynthesizer } from '../synthesizer.js';
import { checkWritable } from './csv.js';
import { CliError } from './errors.js';

async function exportCommand(model: string, flags: { output: string }): Promise<void> {
  if (!/\.safetensors$/i.test(flags.output)) throw new CliError(`${flags.output}: expected a .safetensors file name (the only export format)`);
  checkWritable(flags.output);
  const synth = await TabularSynthesizer.load(model, { device: 'cpu' });
  try {
    synth.exportWeights(flags.output);
  } finally {
    synth.dispose();
  }
  process.stderr.write(`tabdiff: wrote ${flags.output} (safetensors: float32 weights, transformer state and settings in __metadata__)\n`);
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a model\'s weights as safetensors (PyTorch, JAX, candle read it), its transformer and settings as metadata')
    .argument('<model.tdm>', 'model written by tabdiff fit')
    .requiredOption('-o, --output <file.safetensors>', 'where to write')
    .action(exportCommand);
}
