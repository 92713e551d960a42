#!/usr/bin/python3
"""PyTorch peer of tabular-diffusion: the Trex Gaussian DDPM, written the way a PyTorch user would.

Model: MLP on [x_t, e(t)] with e(t) = (sin(t w), cos(t w)), w_i = 10000^(-i/k), k = time_dim/2,
Linear+SiLU hidden layers, Linear eps output (PyTorch's default init, U(+-1/sqrt(in)), as ours).
Training: AdamW (weight decay 0, betas 0.9/0.999, eps 1e-8), linear betas, uniform t, random
minibatches drawn with replacement, eps-MSE loss. Sampling: DDPM with sigma^2 = beta_t (no noise
at t = 0) and DDIM eta = 0 on the rounded-linspace subsequence of T-1..0 that ours uses.

Usage: torch_ddpm.py JOB.json   (run with /usr/bin/python3, Debian's python3-torch)
JOB: {"data": path of row-major float32, "rows", "cols", "hidden": [..], "timeDim", "T", "betaStart",
      "betaEnd", "batch", "steps", "lr", "seed", "threads", "windows": 10,
      "save": path (optional, state after training), "load": path (optional, skips training),
      "sample": [{"n", "sampler": "ddpm"|"ddim", "steps", "reps", "chunk"}], "moments": {"n", "sampler", "steps"} (optional)}
Prints one JSON object on stdout.
"""
import json
import math
import resource
import sys
import time

import numpy as np
import torch
from torch import nn


def time_embedding(t, dim):
    half = dim // 2
    w = torch.pow(torch.tensor(10000.0, dtype=torch.float64), -torch.arange(half, dtype=torch.float64) / half)
    a = t.to(torch.float64)[:, None] * w[None, :]
    return torch.cat([torch.sin(a), torch.cos(a)], dim=1).to(torch.float32)


class Denoiser(nn.Module):
    def __init__(self, d, hidden, time_dim):
        super().__init__()
        self.time_dim = time_dim
        layers, last = [], d + time_dim
        for h in hidden:
            layers += [nn.Linear(last, h), nn.SiLU()]
            last = h
        layers.append(nn.Linear(last, d))
        self.net = nn.Sequential(*layers)

    def forward(self, x, t):
        return self.net(torch.cat([x, time_embedding(t, self.time_dim)], dim=1))


def median(values):
    v = sorted(values)
    if not v:
        return None
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def schedule(T, beta_start, beta_end):
    betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
    alpha_bars = torch.cumprod(1.0 - betas, dim=0)
    return betas, alpha_bars


def timestep_sequence(T, steps):
    if steps == 1:
        return [T - 1]
    den = steps - 1
    return [(2 * (T - 1) * (den - i) + den) // (2 * den) for i in range(steps)]


def train(model, x, job, alpha_bars):
    T, batch, steps = job["T"], job["batch"], job["steps"]
    sab = torch.sqrt(alpha_bars).to(torch.float32)
    s1ab = torch.sqrt(1.0 - alpha_bars).to(torch.float32)
    opt = torch.optim.AdamW(model.parameters(), lr=job["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    windows = job.get("windows", 10)
    per_window = max(1, steps // windows)
    losses, rates, cpu_rates, acc, n_acc = [], [], [], 0.0, 0
    rows = x.shape[0]
    start = time.perf_counter()
    start_cpu = time.process_time()
    w_start, w_cpu = start, start_cpu
    for step in range(steps):
        idx = torch.randint(0, rows, (batch,))
        t = torch.randint(0, T, (batch,))
        x0 = x[idx]
        eps = torch.randn_like(x0)
        xt = sab[t][:, None] * x0 + s1ab[t][:, None] * eps
        loss = torch.mean((model(xt, t) - eps) ** 2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        acc += loss.item()
        n_acc += 1
        if (step + 1) % per_window == 0:
            now, cpu = time.perf_counter(), time.process_time()
            losses.append(acc / n_acc)
            rates.append(n_acc / (now - w_start))
            cpu_rates.append(n_acc / (cpu - w_cpu))
            acc, n_acc, w_start, w_cpu = 0.0, 0, now, cpu
    total = time.perf_counter() - start
    return {"steps": steps, "seconds": total, "cpuSeconds": time.process_time() - start_cpu, "stepsPerSec": steps / total,
            "windowStepsPerSec": rates, "medianStepsPerSec": median(rates),
            "windowStepsPerCpuSec": cpu_rates, "medianStepsPerCpuSec": median(cpu_rates), "lossWindows": losses, "lastLoss": losses[-1] if losses else None}


@torch.inference_mode()
def sample(model, n, sampler, steps, chunk, betas, alpha_bars, T, gen):
    seq = list(range(T - 1, -1, -1)) if sampler == "ddpm" else timestep_sequence(T, steps)
    out = torch.empty((n, model.net[-1].out_features))
    for first in range(0, n, chunk):
        rows = min(chunk, n - first)
        x = torch.randn((rows, out.shape[1]), generator=gen)
        for k, t in enumerate(seq):
            tt = torch.full((rows,), t, dtype=torch.long)
            eps = model(x, tt)
            ab = float(alpha_bars[t])
            if sampler == "ddpm":
                beta = float(betas[t])
                x = (x - (beta / math.sqrt(1.0 - ab)) * eps) / math.sqrt(1.0 - beta)
                if t > 0:
                    x = x + math.sqrt(beta) * torch.randn(x.shape, generator=gen)
            else:
                p = seq[k + 1] if k + 1 < len(seq) else -1
                ab_p = float(alpha_bars[p]) if p >= 0 else 1.0
                x0 = (x - math.sqrt(1.0 - ab) * eps) / math.sqrt(ab)
                x = math.sqrt(ab_p) * x0 + math.sqrt(1.0 - ab_p) * eps
        out[first:first + rows] = x
    return out, len(seq)


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    torch.set_num_threads(int(job.get("threads", 1)))
    torch.manual_seed(int(job.get("seed", 0)))
    d = job["cols"]
    model = Denoiser(d, job["hidden"], job["timeDim"])
    betas, alpha_bars = schedule(job["T"], job["betaStart"], job["betaEnd"])
    result = {"peer": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads()}
    if job.get("load"):
        model.load_state_dict(torch.load(job["load"]))
    else:
        x = torch.from_numpy(np.fromfile(job["data"], dtype=np.float32).reshape(job["rows"], d).copy())
        result["train"] = train(model, x, job, alpha_bars)
        if job.get("save"):
            torch.save(model.state_dict(), job["save"])
    model.eval()
    gen = torch.Generator().manual_seed(int(job.get("seed", 0)) + 1)
    if job.get("moments"):
        mspec = job["moments"]
        s, _ = sample(model, int(mspec["n"]), mspec["sampler"], mspec.get("steps"), 1024, betas, alpha_bars, job["T"], gen)
        result["moments"] = {"n": s.shape[0], "mean": s.mean(0).tolist(), "sd": s.std(0, unbiased=False).tolist()}
    runs = []
    if job.get("sample"):
        sample(model, 1024, "ddim", 2, 1024, betas, alpha_bars, job["T"], gen)  # warm-up
    for spec in job.get("sample", []):
        times, cpus = [], []
        nsteps = 0
        for _ in range(int(spec.get("reps", 1))):
            t0, c0 = time.perf_counter(), time.process_time()
            _, nsteps = sample(model, int(spec["n"]), spec["sampler"], spec.get("steps"), int(spec.get("chunk", 1024)),
                               betas, alpha_bars, job["T"], gen)
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        runs.append({"n": spec["n"], "sampler": spec["sampler"], "steps": nsteps, "seconds": times, "cpuSeconds": cpus,
                     "rowStepsPerSec": spec["n"] * nsteps / median(times),
                     "rowStepsPerCpuSec": spec["n"] * nsteps / median(cpus)})
    result["sample"] = runs
    result["maxRssKB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(result))


if __name__ == "__main__":
    main()
