// Sampling across machines: shard k of N draws rows [floor(k*n/N), floor((k+1)*n/N)) of the one
// big run of the seed (rows are a pure function of seed and row index, whatever the chunking), and
// writes them to <dir>/part-KKKKK-of-NNNNN.<ext>, a name DuckDB, Spark and pandas read as one
// table with the folder. k comes from --shard k/N, or with --shards N from the index a scheduler
// sets: JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or SLURM_ARRAY_TASK_ID (Slurm job arrays,
// counted from SLURM_ARRAY_TASK_MIN). See docs/sharding.md.
import { join } from 'node:path';

import { CliError } from './errors.js';

export interface Shard {
  index: number;
  count: number;
  /** Where the index came from (for the log line). */
  source: string;
}

const MAX_SHARDS = 100000;

function parseIndex(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new CliError(`${what}: expected a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text.trim());
}

/** The shard of this process, or null when the run is not sharded. */
export function resolveShard(flags: { shard?: string; shards?: number }, env: NodeJS.ProcessEnv = process.env): Shard | null {
  if (flags.shard !== undefined && flags.shards !== undefined) throw new CliError('pass --shard k/N or --shards N (index from the environment), not both');
  if (flags.shard !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(flags.shard);
    if (!m) throw new CliError(`--shard: expected k/N with 0 <= k < N, e.g. 0/4, got ${JSON.stringify(flags.shard)}`);
    return check(Number(m[1]), Number(m[2]), '--shard');
  }
  if (flags.shards === undefined) return null;
  const job = env.JOB_COMPLETION_INDEX;
  if (job !== undefined && job !== '') return check(parseIndex(job, 'JOB_COMPLETION_INDEX'), flags.shards, 'JOB_COMPLETION_INDEX');
  const task = env.SLURM_ARRAY_TASK_ID;
  if (task !== undefined && task !== '') {
    const min = env.SLURM_ARRAY_TASK_MIN ? parseIndex(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN') : 0;
    return check(parseIndex(task, 'SLURM_ARRAY_TASK_ID') - min, flags.shards, 'SLURM_ARRAY_TASK_ID');
  }
  throw new CliError('--shards N: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set; use --shard k/N to give the index');
}

function check(index: number, count: number, source: string): Shard {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS) throw new CliError(`${source}: the shard count must be an integer in [1, ${MAX_SHARDS}], got ${count}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) throw new CliError(`${source}: shard index ${index} is outside [0, ${count - 1}]`);
  return { index, count, source };
}

/** Rows [start, end) of n for a shard. */
export function shardRows(n: number, shard: Shard): { start: number; end: number } {
  // Exact for any n up to 2^53 / count: the products stay integers below 2^53.
  const start = Math.floor((shard.index * n) / shard.count);
  const end = Math.floor(((shard.index + 1) * n) / shard.count);
  return { start, end };
}

/** part-00002-of-00004.parquet */
export function partFileName(shard: Shard, extension: string): string {
  const pad = (x: number): string => String(x).padStart(5, '0');
  return `part-${pad(shard.index)}-of-${pad(shard.count)}.${extension}`;
}

export function partPath(dir: string, shard: Shard, extension: string): string {
  return join(dir, partFileName(shard, extension));
}
