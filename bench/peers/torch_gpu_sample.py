"""PyTorch peer for the GPU sampling benchmark: the Trex MLP (input [x_t, sinusoidal time
embedding], SiLU hidden layers, linear eps output) and the DDPM reverse chain, timed on the GPU.
Weights are random: throughput does not depend on them. Prints one JSON object.

usage: python3 torch_gpu_sample.py --rows 10000,100000,1000000 --steps 100 --hidden 128,128 --dim 10
"""
import argparse
import json
import math
import time

import torch


def time_embedding(t, dim, device):
    half = dim // 2
    w = torch.pow(10000.0, -torch.arange(half, device=device, dtype=torch.float64) / half)
    a = t * w
    return torch.cat([torch.sin(a), torch.cos(a)]).float()


def build(dim, time_dim, hidden, device):
    layers, width = [], dim + time_dim
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.SiLU()]
        width = h
    layers.append(torch.nn.Linear(width, dim))
    return torch.nn.Sequential(*layers).to(device)


@torch.no_grad()
def sample(net, n, steps, dim, time_dim, betas, abar, device, dtype):
    x = torch.randn(n, dim, device=device)
    for t in reversed(range(steps)):
        emb = time_embedding(float(t), time_dim, device).expand(n, time_dim)
        with torch.autocast("cuda", dtype=dtype, enabled=dtype != torch.float32):
            eps = net(torch.cat([x, emb], dim=1)).float()
        beta, a = betas[t], abar[t]
        x = (x - beta / math.sqrt(1 - a) * eps) / math.sqrt(1 - beta)
        if t > 0:
            x = x + math.sqrt(beta) * torch.randn_like(x)
    return x


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", default="10000,100000,1000000")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--hidden", default="128,128")
    p.add_argument("--dim", type=int, default=10)
    p.add_argument("--time-dim", type=int, default=64)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"skipped": "torch.cuda.is_available() is False"}))
        return
    device = "cuda"
    hidden = [int(h) for h in args.hidden.split(",")]
    net = build(args.dim, args.time_dim, hidden, device).eval()
    betas = [1e-4 + (0.02 - 1e-4) * i / (args.steps - 1) for i in range(args.steps)]
    abar, prod = [], 1.0
    for b in betas:
        prod *= 1 - b
        abar.append(prod)
    results = []
    for precision, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        for n in (int(r) for r in args.rows.split(",")):
            sample(net, min(n, 1000), 3, args.dim, args.time_dim, betas, abar, device, dtype)  # warm-up
            best = math.inf
            for _ in range(args.repeats):
                torch.cuda.synchronize()
                t0 = time.perf_counter()
                sample(net, n, args.steps, args.dim, args.time_dim, betas, abar, device, dtype)
                torch.cuda.synchronize()
                best = min(best, time.perf_counter() - t0)
            results.append({"precision": precision, "rows": n, "seconds": best, "rowStepsPerSec": n * args.steps / best})
    print(json.dumps({"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "results": results}))


if __name__ == "__main__":
    main()
