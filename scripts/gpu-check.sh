#!/usr/bin/env bash
# One call on a machine with an NVIDIA GPU: environment, the op-by-op smoke run (also under
# compute-sanitizer where it works), the GPU test suite and the GPU benchmark. Logs go to
# $OUT when set (the device tool), else bench/results/gpu-check/. Expects a built tree
# (npm run build:cuda && npm run build:ts); uses node directly so npm need not be there.
set -u
cd "$(dirname "$0")/.."
LOG=${OUT:-bench/results/gpu-check}
mkdir -p "$LOG"
step() { echo "=== $* ($(date +%T))"; }
{
  step environment
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
  node --version
  python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.is_available())'
  step smoke
  timeout 120 node scripts/gpu-smoke.mjs
} 2>&1 | tee "$LOG/smoke.txt"
step tests | tee "$LOG/tests.txt"
for f in test/gpu/*.test.mjs; do
  TD_REQUIRE_GPU=1 timeout 240 node --test --test-reporter=spec "$f" 2>&1 | tee -a "$LOG/tests.txt"
done
step bench | tee "$LOG/bench.txt"
timeout "${TD_BENCH_TIMEOUT:-300}" node bench/gpu.mjs 2>&1 | tee -a "$LOG/bench.txt"
cp bench/results/gpu-latest.json "$LOG/" 2>/dev/null
# Something failed or crashed: look for bad memory accesses in the smoke run.
if grep -q -E 'THREW|✖|fail [1-9]|Segmentation|Aborted|core dumped' "$LOG"/*.txt && command -v compute-sanitizer >/dev/null; then
  step compute-sanitizer memcheck | tee "$LOG/sanitizer.txt"
  TD_SMOKE_ROWS=200 timeout "${TD_SANITIZE_TIMEOUT:-150}" compute-sanitizer --tool memcheck --print-limit 20 \
    node scripts/gpu-smoke.mjs 2>&1 | tail -80 | tee -a "$LOG/sanitizer.txt"
fi
step done
