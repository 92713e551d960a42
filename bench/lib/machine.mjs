// What the benchmarks ran on: CPU model, cores, memory, versions of the peers.
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

function lscpu() {
  try {
    const text = execFileSync('lscpu', { encoding: 'utf8' });
    const get = (key) => (text.match(new RegExp(`^${key}:\\s*(.+)$`, 'm')) || [])[1]?.trim();
    const flags = get('Flags') || '';
    const simd = ['avx2', 'fma', 'avx512f', 'avx512_bf16', 'amx_tile'].filter((f) => flags.split(/\s+/).includes(f));
    return { model: get('Model name'), cpus: Number(get('CPU\\(s\\)')), mhz: get('CPU max MHz') || get('CPU MHz'), simd };
  } catch {
    return { model: os.cpus()[0]?.model, cpus: os.cpus().length, simd: [] };
  }
}

export function machineInfo() {
  const cpu = lscpu();
  return {
    cpuModel: cpu.model ?? 'unknown',
    logicalCpus: cpu.cpus,
    simd: cpu.simd,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function machineLine(m) {
  return `${m.cpuModel} (${m.logicalCpus} logical CPUs, ${m.simd.join('/') || 'no SIMD flags read'}), ${m.memoryGiB} GiB, ` +
    `Node ${m.node}, load average at start ${m.loadAverage.join(' ')}`;
}

/** The commit the run measured, and whether native/ or src/ had uncommitted changes. */
export function sourceInfo(root) {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'native', 'src', 'binding.gyp'], { cwd: root, encoding: 'utf8' })
      .split('\n').filter(Boolean).length;
    return { commit, uncommittedFiles: dirty, line: `commit ${commit}${dirty ? ` + ${dirty} uncommitted file(s) in native/ src/` : ''}` };
  } catch {
    return { commit: null, uncommittedFiles: null, line: 'commit unknown (not a git checkout)' };
  }
}
