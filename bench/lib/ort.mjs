// onnxruntime-node as an optional peer, installed outside the project (no change to its
// package.json or lock): `npm install --no-save onnxruntime-node` in a scratch folder, with
// ONNXRUNTIME_NODE_INSTALL=skip so its install script does not try to download CUDA binaries
// (the CPU binaries are bundled in the npm package). Returns { dir } or { skip: reason }.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ORT_DIR = process.env.BENCH_ORT_DIR || '/tmp/ortpeer';

function loads(dir) {
  try {
    execFileSync(process.execPath, ['-e', "require('onnxruntime-node').InferenceSession"], { cwd: dir, stdio: 'pipe', timeout: 60000 });
    return true;
  } catch {
    return false;
  }
}

export function ensureOrt(log = () => {}) {
  const dir = ORT_DIR;
  if (existsSync(join(dir, 'node_modules', 'onnxruntime-node')) && loads(dir)) return { dir };
  try {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{"name":"ortpeer","private":true}\n');
    log(`installing onnxruntime-node into ${dir} (npm install --no-save) ...`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['install', '--no-save', '--no-audit', '--no-fund', 'onnxruntime-node'], {
      cwd: dir, stdio: 'pipe', timeout: 300000, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', ONNXRUNTIME_NODE_INSTALL_CUDA: 'skip' },
    });
  } catch (err) {
    const text = String(err.stderr || err.message).trim().split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' / ');
    return { skip: `onnxruntime-node did not install: ${text || err.message}` };
  }
  if (!loads(dir)) return { skip: 'onnxruntime-node installed but does not load on this machine' };
  return { dir };
}
