// The numeric reverse chain one step at a time through the native ops, for per-step sample
// hooks (TabularDiffusion.sample with onSampleStep callbacks). Mixed models: sedd/mixed.ts.
import type { DiffusionCallback, SampleState } from '../callbacks.js';
import type { Matrix } from '../matrix.js';
import type { NativeAddon, NativeModel } from '../native.js';
import { NoiseSchedule, dpmSolverBefore } from '../schedule.js';
import type { SamplerName } from './options.js';
import { abortError } from './jobs.js';

/** Same draws and arithmetic as the native loop, so it returns the same bytes. */
export async function sampleNumericStepwise(
  addon: NativeAddon,
  native: NativeModel,
  schedule: NoiseSchedule,
  variance: 'beta' | 'posterior',
  n: number,
  cols: number,
  a: {
    sampler: SamplerName; timesteps: Int32Array; eta: number; seed: number; offset: number; context: Matrix | undefined;
    callbacks: DiffusionCallback[]; state: SampleState; signal: AbortSignal | undefined;
  },
): Promise<Float32Array> {
  const SAMPLE_INIT_STREAM = 6; // kStreamSampleInit in native/core/philox.h
  let x = addon.draws({ seed: a.seed, stream: SAMPLE_INIT_STREAM, rowStart: a.offset, rows: n, step: 0, cols });
  const x0Prev = new Float32Array(x.length);
  const { betas, alphaBars } = schedule;
  for (let k = 0; k < a.timesteps.length; k++) {
    if (a.signal?.aborted) throw abortError(a.signal);
    const t = a.timesteps[k]!;
    const prev = k + 1 < a.timesteps.length ? a.timesteps[k + 1]! : -1;
    const epsHat = native.predictEps(x, t, { rows: n, context: a.context?.data, contextRows: a.context?.rows });
    const common = { x, epsHat, rows: n, cols, t, alphaBars, seed: a.seed, rowOffset: a.offset };
    if (a.sampler === 'ddpm') x = addon.ddpmStep({ ...common, betas, variance });
    else if (a.sampler === 'ddim') x = addon.ddimStep({ ...common, prev, eta: a.eta });
    else x = addon.dpmSolverStep({ ...common, prev, before: dpmSolverBefore(a.timesteps, k), x0Prev });
    a.state.step = k + 1;
    a.state.t = t;
    a.state.x = { rows: n, cols, data: x };
    for (const c of a.callbacks) await c.onSampleStep?.(a.state);
  }
  a.state.x = undefined;
  return x;
}
