#!/usr/bin/python3
"""numpy float32 matmul (Debian's numpy on OpenBLAS) on given GEMM shapes: the machine's practical
sgemm limit for bench/run.mjs. Same timing method as bench/jobs/ours_sgemm.mjs: batches of calls
of ~3 ms each over a fixed window per shape; the median batch rate in process CPU time ("gflops",
robust to other load on a shared machine) and in wall time ("gflopsWall").

Usage: numpy_sgemm.py SHAPES.json [seconds per shape]
SHAPES: [{"m", "n", "k", "transA", "transB"}, ...]; trans_a -> A stored k x m, trans_b -> B stored n x k
(as the C++ engine stores them). OPENBLAS_NUM_THREADS must be set by the caller (run.mjs sets 1).
Prints JSON: {"blas", "corename", "numpy", "threads", "gflops": {"MxNxK_TT": GFLOP/s}, "gflopsWall", "maxRssKB"}.
"""
import ctypes
import ctypes.util
import json
import os
import resource
import sys
import time

import numpy as np


def blas_core():
    """OpenBLAS's name for the kernel set it picked on this CPU (e.g. Zen, SkylakeX, Cooperlake)."""
    for path in ("/usr/lib/x86_64-linux-gnu/libblas.so.3", ctypes.util.find_library("openblas") or ""):
        try:
            lib = ctypes.CDLL(path)
            fn = lib.openblas_get_corename
            fn.restype = ctypes.c_char_p
            cfg = lib.openblas_get_config
            cfg.restype = ctypes.c_char_p
            return fn().decode(), cfg().decode()
        except (OSError, AttributeError):
            continue
    return "unknown", "unknown"


def key(s):
    return "%dx%dx%d_%s%s" % (s["m"], s["n"], s["k"], "T" if s["transA"] else "N", "T" if s["transB"] else "N")


def bench(s, window):
    m, n, k, ta, tb = s["m"], s["n"], s["k"], s["transA"], s["transB"]
    rng = np.random.default_rng(0)
    a_st = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
    b_st = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
    a = a_st.T if ta else a_st
    b = b_st.T if tb else b_st
    out = np.empty((m, n), dtype=np.float32)
    flops = 2.0 * m * n * k
    for _ in range(3):
        np.matmul(a, b, out=out)
    batch = max(1, int(100e6 / flops))  # ~3 ms at 30 GFLOP/s
    rates, cpu_rates = [], []
    start = time.perf_counter()
    while time.perf_counter() - start < window or len(rates) < 5:
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(batch):
            np.matmul(a, b, out=out)
        rates.append(flops * batch / (time.perf_counter() - t0) / 1e9)
        cpu_rates.append(flops * batch / (time.process_time() - c0) / 1e9)
    rates.sort()
    cpu_rates.sort()
    return cpu_rates[len(cpu_rates) // 2], rates[len(rates) // 2]


def main():
    with open(sys.argv[1]) as f:
        shapes = json.load(f)
    window = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
    core, config = blas_core()
    res, wall = {}, {}
    for s in shapes:
        cpu, w = bench(s, window)
        res[key(s)] = round(cpu, 3)
        wall[key(s)] = round(w, 3)
    print(json.dumps({"peer": "numpy-openblas", "blas": config, "corename": core, "numpy": np.__version__,
                      "threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0), "gflops": res, "gflopsWall": wall,
                      "maxRssKB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
