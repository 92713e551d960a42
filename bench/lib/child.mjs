// Runs one benchmark job in a child process and parses the JSON object it prints last.
// Each job measures its own peak RSS (process.resourceUsage().maxRSS / ru_maxrss), so a job
// in its own process gives the peak of that job alone.
import { spawn } from 'node:child_process';

export const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';

export function runJson(command, args, { cwd, env, timeoutMs = 30 * 60 * 1000, label } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = out.trim().split('\n');
      const last = lines[lines.length - 1];
      if (code === 0 && last) {
        try {
          return resolve(JSON.parse(last));
        } catch {
          /* fall through */
        }
      }
      const tail = (err || out).trim().split('\n').slice(-8).join('\n');
      reject(new Error(`${label ?? command}: exited with ${signal ?? code}\n${tail}`));
    });
  });
}

/** A node job of bench/jobs/ with its JSON spec passed as one argument. */
export function runNodeJob(script, spec, options = {}) {
  return runJson(process.execPath, ['--expose-gc', script, JSON.stringify(spec)], { label: script, ...options });
}

/** A python peer, single-threaded BLAS unless the spec says otherwise. */
export function runPythonJob(script, args, threads = 1, options = {}) {
  const t = String(threads);
  const env = { OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t };
  return runJson(PYTHON, [script, ...args], { env, label: script, ...options });
}
