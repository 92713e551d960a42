// Prints the C++ sources of the CPU addon, one per line, for binding.gyp and CMakeLists.txt,
// so both build systems always compile the same files.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const dirs = ['native/core', 'native/cpu', 'native/backend', 'native/addon'];
for (const dir of dirs) {
  for (const file of fs.readdirSync(path.join(root, dir)).sort()) {
    if (file.endsWith('.cpp')) console.log(`${dir}/${file}`);
  }
}
