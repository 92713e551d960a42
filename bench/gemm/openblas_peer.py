#!/usr/bin/env python3
"""Times numpy float32 matmul (OpenBLAS, when numpy is linked to it) on the GEMM bench shapes.

Prints JSON: {"blas": ..., "threads": N, "gflops": {"MxNxK_TT": GFLOP/s, ...}} with the same keys
as `gemm_driver bench --json`. Usage: openblas_peer.py [--threads N]  (default 1).
The thread count is fixed through the environment before numpy is imported.
"""
import os
import sys

threads = "1"
if "--threads" in sys.argv:
    threads = sys.argv[sys.argv.index("--threads") + 1]
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[var] = threads

import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

# (m, n, k, trans_a, trans_b), as in bench/gemm/gemm_driver.cpp
SHAPES = [
    (256, 128, 74, False, False), (256, 128, 128, False, False), (256, 10, 128, False, False),
    (74, 128, 256, True, False), (128, 128, 256, True, False), (128, 10, 256, True, False),
    (256, 128, 128, False, True), (256, 128, 10, False, True),
    (256, 512, 512, False, False), (512, 512, 256, True, False), (256, 512, 512, False, True),
    (512, 512, 512, False, False),
    (4096, 128, 74, False, False), (4096, 128, 128, False, False), (4096, 10, 128, False, False),
]


def blas_name():
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return "%s %s" % (blas.get("name", "?"), blas.get("version", ""))
    except Exception:  # older numpy: no mode argument
        return "unknown (numpy %s)" % np.__version__


def bench(m, n, k, ta, tb):
    rng = np.random.default_rng(0)
    # Stored as in the C++ driver: trans_a -> A stored k x m, trans_b -> B stored n x k.
    a_st = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
    b_st = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
    a = a_st.T if ta else a_st
    b = b_st.T if tb else b_st
    out = np.empty((m, n), dtype=np.float32)
    for _ in range(3):
        np.matmul(a, b, out=out)
    # Best of many short batches (each >= ~1 ms): robust against other load on the machine.
    flops = 2.0 * m * n * k
    batch = max(1, int(2e6 / flops * 40))
    best = 0.0
    start = time.perf_counter()
    while time.perf_counter() - start < 0.4:
        t0 = time.perf_counter()
        for _ in range(batch):
            np.matmul(a, b, out=out)
        best = max(best, flops * batch / (time.perf_counter() - t0) / 1e9)
    return best


def main():
    res = {}
    for m, n, k, ta, tb in SHAPES:
        key = "%dx%dx%d_%s%s" % (m, n, k, "T" if ta else "N", "T" if tb else "N")
        res[key] = round(bench(m, n, k, ta, tb), 2)
    print(json.dumps({"blas": blas_name(), "numpy": np.__version__, "threads": int(threads), "gflops": res}))


if __name__ == "__main__":
    main()
