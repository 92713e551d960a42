// npm's install hook. With a prebuilt binary at hand (the platform package that npm installed
// from optionalDependencies, or prebuilds/ in this package) there is nothing to do; otherwise
// node-gyp-build compiles the addon from source (python3, make and a C++17 compiler).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const platformPackage = `tabular-diffusion-${process.platform}-${process.arch}`;
try {
  const { addon } = require(platformPackage);
  require(addon);
  process.exit(0);
} catch (err) {
  if (err && err.code !== 'MODULE_NOT_FOUND') {
    console.warn(`tabular-diffusion: ${platformPackage} is installed but did not load (${String(err.message).split('\n')[0]}); building from source`);
  }
}
const bin = require.resolve('node-gyp-build/bin.js');
const result = spawnSync(process.execPath, [bin], { stdio: 'inherit', cwd: path.join(__dirname, '..') });
process.exit(result.status === null ? 1 : result.status);
