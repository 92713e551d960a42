// tabdiff sample's loop: draw rows [start, end) of the seed's run chunk by chunk and hand each
// chunk to a sink before drawing the next (memory: one chunk). On any failure the sink removes
// only what this command created, and the first error is the one reported. writeColumns: the
// same for one block (impute, score).
import type { SamplerName } from '../diffusion.js';
import type { TabularSynthesizer } from '../synthesizer.js';
import type { TableSink } from '../io/sinks.js';
import { StdoutClosed } from '../io/sinks.js';

export interface SampleRunOptions {
  start: number;
  end: number;
  seed: number;
  chunkRows: number;
  sampler?: SamplerName;
  steps?: number;
  eta?: number;
  signal?: AbortSignal;
  onProgress?: (rowsDone: number) => void;
}

export async function writeSampleRows(synth: TabularSynthesizer, sink: TableSink, o: SampleRunOptions): Promise<void> {
  try {
    for (let offset = o.start; offset < o.end; ) {
      const rows = Math.min(o.chunkRows, o.end - offset);
      const columns = await synth.sampleColumns(rows, { seed: o.seed, offset, sampler: o.sampler, steps: o.steps, eta: o.eta, signal: o.signal });
      await sink.write(columns);
      offset += rows;
      o.onProgress?.(offset - o.start);
    }
    await sink.close();
  } catch (err) {
    sink.discard();
    // `tabdiff sample ... | head`: the reader left; that is not an error.
    if (err instanceof StdoutClosed) return;
    throw err;
  }
}

/** One block of columns to a sink, then close it; failures as writeSampleRows handles them. */
export async function writeColumns(sink: TableSink, columns: Parameters<TableSink['write']>[0]): Promise<void> {
  try {
    await sink.write(columns);
    await sink.close();
  } catch (err) {
    sink.discard();
    if (err instanceof StdoutClosed) return;
    throw err;
  }
}
