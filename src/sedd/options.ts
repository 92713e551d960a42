// Options of the categorical (discrete) chain of a mixed-type model and their validation.
import type { DiscreteNoiseName, DiscreteSamplerName, GraphName } from '../native-types.js';

export type CategoricalMethod = 'sedd' | 'multinomial';

/**
 * How categorical columns are diffused. SEDD (Lou, Meng & Ermon 2024) learns concrete scores
 * on a discrete graph; multinomial diffusion (Tab-DDPM) predicts x0 on the Gaussian schedule.
 */
export interface CategoricalOptions {
  /** 'sedd' (default) or 'multinomial'. */
  method?: CategoricalMethod;
  /** SEDD graph: 'absorbing' (extra MASK state, default) or 'uniform'. */
  graph?: GraphName;
  /** SEDD noise: default 'loglinear' for absorbing, 'geometric' for uniform (as the reference). */
  noise?: DiscreteNoiseName;
  /** SEDD reverse step: 'analytic' (Tweedie, default) or 'euler' (tau-leaping). */
  sampler?: DiscreteSamplerName;
  /** Log-linear noise: sigma_bar(1) = -log(noiseEps). Default 1e-3. */
  noiseEps?: number;
  /** Geometric noise range. Defaults 1e-4 and 20. */
  sigmaMin?: number;
  sigmaMax?: number;
}

export type ResolvedCategoricalOptions = Required<CategoricalOptions>;

/** Classes a categorical column may have under SEDD / multinomial (dense heads). */
export const MAX_CATEGORICAL_CLASSES = 1000;

const KEYS = ['method', 'graph', 'noise', 'sampler', 'noiseEps', 'sigmaMin', 'sigmaMax'] as const;

export function resolveCategoricalOptions(value: unknown, name = 'categorical'): ResolvedCategoricalOptions {
  if (value === undefined) value = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${name}: expected an object like { method: 'sedd', graph: 'absorbing' }`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(KEYS as readonly string[]).includes(key) && o[key] !== undefined) {
      throw new RangeError(`${name}.${key}: unknown option (known: ${KEYS.join(', ')})`);
    }
  }
  const pick = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = o[key] ?? fallback;
    if (!(allowed as readonly unknown[]).includes(v)) {
      throw new RangeError(`${name}.${key}: expected ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  };
  const num = (key: string, fallback: number, min: number, max: number): number => {
    const v = o[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new RangeError(`${name}.${key}: expected a number in [${min}, ${max}], got ${String(v)}`);
    }
    return v;
  };
  const method = pick('method', ['sedd', 'multinomial'] as const, 'sedd');
  const graph = pick('graph', ['absorbing', 'uniform'] as const, 'absorbing');
  const noise = pick('noise', ['loglinear', 'geometric'] as const, graph === 'uniform' ? 'geometric' : 'loglinear');
  const sampler = pick('sampler', ['analytic', 'euler'] as const, 'analytic');
  if (method === 'multinomial' && sampler === 'euler') {
    throw new RangeError(`${name}.sampler: 'euler' applies to SEDD; multinomial diffusion has one step kind`);
  }
  const resolved = {
    method, graph, noise, sampler,
    noiseEps: num('noiseEps', 1e-3, 1e-12, 0.5),
    sigmaMin: num('sigmaMin', 1e-4, 1e-12, 100),
    sigmaMax: num('sigmaMax', 20, 1e-12, 100),
  };
  if (!(resolved.sigmaMax > resolved.sigmaMin)) throw new RangeError(`${name}.sigmaMax: must be greater than sigmaMin`);
  return resolved;
}

/** Checks class counts before any native work; `names` (when known) put column names in the messages. */
export function checkCardinalities(classes: readonly number[], names?: readonly string[]): void {
  classes.forEach((k, j) => {
    const what = names?.[j] !== undefined ? `categorical column "${names[j]}"` : `categorical column ${j}`;
    // One class is allowed: a constant column rides the chain and always comes back as its value.
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`${what} has ${k} classes; a categorical column needs at least 1`);
    if (k > MAX_CATEGORICAL_CLASSES) {
      throw new RangeError(`${what} has ${k} classes, more than the limit of ${MAX_CATEGORICAL_CLASSES} for categorical diffusion`);
    }
  });
}

/** The NativeModel options of the categorical chain. */
export function nativeCategoricalOptions(classes: readonly number[], o: ResolvedCategoricalOptions): Record<string, unknown> {
  return {
    categoricalClasses: Int32Array.from(classes), categoricalMethod: o.method, graph: o.graph, noise: o.noise,
    noiseEps: o.noiseEps, sigmaMin: o.sigmaMin, sigmaMax: o.sigmaMax,
  };
}
