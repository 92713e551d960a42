#!/bin/sh
# Builds the standalone GEMM test/bench driver with the project's compile flags.
# Usage: bench/gemm/build.sh && bench/gemm/gemm_driver [test|bench [--json]]
set -e
here=$(cd "$(dirname "$0")" && pwd)
root="$here/../.."
g++ -O3 -std=c++17 -ffp-contract=off -fno-fast-math -Wall -Wextra -pthread \
  "$here/gemm_driver.cpp" "$root"/native/cpu/gemm*.cpp "$root/native/cpu/thread_pool.cpp" \
  -o "$here/gemm_driver"
echo "built $here/gemm_driver"
