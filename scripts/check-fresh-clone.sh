#!/usr/bin/env bash
# Release check (not part of CI): on a fresh clone, (1) npm ci && npm test with the addon built
# from source; (2) npm run prebuild, then a second fresh clone with only that prebuild and no
# compiler on PATH: npm ci && npm test must still pass. Usage: scripts/check-fresh-clone.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== 1. source build: $work/src"
git clone -q "$repo" "$work/src"
(cd "$work/src" && npm ci --no-audit --no-fund && npm test)

echo "== 2. prebuild only, compiler removed from PATH"
(cd "$work/src" && npm run prebuild)
git clone -q "$repo" "$work/pre"
cp -r "$work/src/prebuilds" "$work/pre/"
# A PATH with node, npm and the basic tools but no cc, c++, g++, gcc, make or python3.
mkdir -p "$work/bin"
for tool in node npm npx sh bash env git cat ls mkdir rm cp mv sed grep dirname basename uname; do
  src="$(command -v "$tool" || true)"
  [ -n "$src" ] && ln -sf "$src" "$work/bin/$tool"
done
(cd "$work/pre" && PATH="$work/bin" bash -c '! command -v g++ && ! command -v make && npm ci --no-audit --no-fund && npm test')
echo "fresh-clone checks passed"
