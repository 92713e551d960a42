// Saving and restoring a fitted TabularDiffusion: the JSON part of its model-file header
// and its weight sections, validated on the way back in.
import { TabularDiffusion, TabularDiffusionOptions } from './diffusion.js';

export interface DiffusionHeader {
  options: TabularDiffusionOptions;
  dataDim: number;
  contextDim: number;
  step: number;
  layout: { name: string; rows: number; cols: number; offset: number }[];
  betas: number[];
  /** Class counts of the categorical columns on a discrete chain (absent: none). */
  categoricalClasses?: number[];
}

export function diffusionToState(model: TabularDiffusion): { header: DiffusionHeader; sections: [string, Float32Array][] } {
  const native = model.nativeModel();
  const { device: _device, threads: _threads, precision: _precision, ...options } = model.options;
  const ema = native.getWeights('ema');
  const sections: [string, Float32Array][] = [['params', native.getWeights('params')!]];
  if (ema) sections.push(['ema', ema]);
  return {
    header: {
      options, ...model.dims, step: native.info().step ?? 0, layout: native.layout(), betas: Array.from(model.schedule.betas),
    },
    sections,
  };
}

/** Rebuilds a model from a header and its sections; `runtime` carries device/threads for this machine. */
export function diffusionFromState(
  header: unknown,
  sections: Map<string, Float32Array>,
  runtime: Pick<TabularDiffusionOptions, 'device' | 'threads' | 'precision'> = {},
  source = 'model file',
): TabularDiffusion {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  const h = header as DiffusionHeader;
  if (!h || typeof h !== 'object' || !h.options || typeof h.options !== 'object') fail('diffusion header is missing');
  for (const key of ['dataDim', 'contextDim', 'step'] as const) {
    if (!Number.isInteger(h[key]) || h[key] < 0) fail(`diffusion header field ${key} is invalid`);
  }
  const classes = h.categoricalClasses ?? [];
  if (!Array.isArray(classes) || classes.some((k) => !Number.isInteger(k) || k < 1 || k > 1000)) {
    fail('diffusion header field categoricalClasses is invalid');
  }
  if (h.dataDim < (classes.length > 0 ? 0 : 1)) fail('diffusion header field dataDim is invalid');
  let model: TabularDiffusion;
  try {
    model = new TabularDiffusion({ ...h.options, ...runtime });
  } catch (err) {
    return fail(`stored options are invalid: ${(err as Error).message}`);
  }
  const betas = model.schedule.betas;
  if (!Array.isArray(h.betas) || h.betas.length !== betas.length || h.betas.some((b, i) => b !== betas[i])) {
    fail('the stored noise schedule does not match the one its options produce');
  }
  const params = sections.get('params');
  if (!params) fail("weight section 'params' is missing");
  try {
    model.restore({
      dataDim: h.dataDim, contextDim: h.contextDim, params: params!, ema: sections.get('ema') ?? null, step: h.step,
      categoricalClasses: classes,
    });
  } catch (err) {
    return fail(`weights do not fit the stored network: ${(err as Error).message}`);
  }
  const layout = model.nativeModel().layout();
  if (JSON.stringify(layout) !== JSON.stringify(h.layout)) {
    model.dispose();
    fail('the stored parameter layout does not match the network its options describe');
  }
  return model;
}
