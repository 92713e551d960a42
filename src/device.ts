// Chooses the compute backend for a model: the option, overridden by the environment
// variable, checked against what the addon can load. 'auto' prefers a usable GPU and says why
// when it falls back to the CPU; 'cuda' without one is a clear error, never a silent CPU run.
import { loadNative } from './native.js';

export type DeviceOption = 'auto' | 'cpu' | 'cuda';

export interface BackendChoice {
  device: 'cpu' | 'cuda';
  requested: DeviceOption;
  reason: string;
}

const ENV_VAR = 'TABULAR_DIFFUSION_DEVICE';

export function resolveDevice(requested: DeviceOption | undefined): BackendChoice {
  const fromEnv = process.env[ENV_VAR];
  let choice: DeviceOption = requested ?? 'auto';
  if (choice !== 'auto' && choice !== 'cpu' && choice !== 'cuda') {
    throw new RangeError(`device: expected 'auto', 'cpu' or 'cuda', got '${String(choice)}'`);
  }
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv !== 'auto' && fromEnv !== 'cpu' && fromEnv !== 'cuda') {
      throw new RangeError(`${ENV_VAR}: expected 'cpu', 'cuda' or 'auto', got '${fromEnv}'`);
    }
    choice = fromEnv;
  }
  if (choice === 'cpu') return { device: 'cpu', requested: choice, reason: 'cpu requested' };
  const cuda = loadNative().backendInfo().cuda;
  if (cuda.available) return { device: 'cuda', requested: choice, reason: `cuda: ${cuda.device}` };
  if (choice === 'cuda') {
    throw new Error(`device: 'cuda' was requested but ${cuda.reason}; use device 'cpu' or 'auto'`);
  }
  return { device: 'cpu', requested: choice, reason: `auto: CPU, because ${cuda.reason}` };
}
