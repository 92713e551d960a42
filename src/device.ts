// Chooses the compute backend. Only the CPU backend exists in this build; 'auto' resolves
// to it and says why, and 'cuda' is a clear error rather than a silent CPU run.
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
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv !== 'auto' && fromEnv !== 'cpu' && fromEnv !== 'cuda') {
      throw new RangeError(`${ENV_VAR}: expected 'cpu', 'cuda' or 'auto', got '${fromEnv}'`);
    }
    choice = fromEnv;
  }
  if (choice !== 'auto' && choice !== 'cpu' && choice !== 'cuda') {
    throw new RangeError(`device: expected 'auto', 'cpu' or 'cuda', got '${String(choice)}'`);
  }
  const cudaMissing = 'this build has no CUDA backend library (build it with "npm run build:cuda")';
  if (choice === 'cuda') {
    throw new Error(`device: 'cuda' was requested but ${cudaMissing}; use device 'cpu' or 'auto'`);
  }
  return { device: 'cpu', requested: choice, reason: choice === 'auto' ? `auto: CPU, because ${cudaMissing}` : 'cpu requested' };
}
