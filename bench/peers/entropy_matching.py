#!/usr/bin/python3
"""Entropy matching against eps-prediction on our models' configuration (issue 14): a measurement.

Entropy matching (Premkumar, "Diffusion Density Estimators", arXiv 2410.06986; "Neural Entropy",
arXiv 2409.03817) changes only what the network's output means: e(x_t, t) is the score plus x_t,
the deviation of the score from the score -x_t of the VP process's N(0, I) equilibrium. In our
eps terms eps_hat = sigma_t (x_t - e(x_t, t)), sigma_t = sqrt(1 - alphaBar_t). The loss is the same
unweighted denoising loss |eps_hat - eps|^2 as ours (the paper's default). Our baseline is
eps_hat = net(x_t, t).

Both parameterisations get the same network (bench/peers/torch_ddpm.py's Denoiser: MLP on
[x_t, sinusoidal e(t)], SiLU), the same initial weights, the same minibatches (rows, t and noise
from one generator per seed), the same AdamW and learning-rate decay, and the same EMA; the
EMA weights are snapshotted at the checkpoints of one run and evaluated with the path-integral
log-density estimator of docs/density.md section 2 (control variate, antithetic pairs, levels
rho = rho0 + L w^2 with the pairs stratified over the density p(w) of native/cpu/density_path.cpp),
re-implemented here in torch on eps_hat, so it serves both parameterisations.

Data: (a) the 3-D Gaussian mixture of test/fixtures/density-oracle.mjs (MIXTURE; the one
bench/density.mjs section 1 uses), rows drawn with numpy; KL(true || model) on fresh rows.
(b) the 9 numeric columns of california_housing.csv (rows with a gap dropped), standardised with
the training split's mean and sd, 80/20 split; held-out NLL and held-out denoising loss.

Usage (the committed run: bench/results/entropy-matching.md):
  /usr/bin/python3 bench/peers/entropy_matching.py run --data mixture --seed 1 --out /tmp/em/mix-1.json
  /usr/bin/python3 bench/peers/entropy_matching.py oracle --out /tmp/em/oracle.json
  /usr/bin/python3 bench/peers/entropy_matching.py timing --out /tmp/em/timing.json
  /usr/bin/python3 bench/peers/entropy_matching.py report /tmp/em/*.json --conclusion CONCLUSION.md --commands "..."
Options of run: --data mixture|california, --seed, --steps 20000, --checkpoints 1000,2000,5000,10000,20000,
  --hidden 128,128, --lr 3e-3, --throws 200, --test-rows 2000 (mixture; california uses all held-out rows).
"""
import argparse
import glob
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_ddpm import Denoiser, time_embedding  # noqa: E402  (the same network as our PyTorch peer)

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
RESULTS = os.path.join(ROOT, 'bench', 'results')

# Our models' configuration: src/auto-config.ts (T = 500, batch 256, lr decayed linearly to 0,
# EMA 0.999) and src/diffusion/options.ts (timeDim 64; linear betas 1e-4..0.02 scaled by 1000 / T).
T = 500
BETA_START, BETA_END = 1e-4 * 1000 / T, 0.02 * 1000 / T
TIME_DIM = 64
BATCH = 256
EMA = 0.999

# test/fixtures/density-oracle.mjs, MIXTURE.
MIX_W = np.array([0.5, 0.3, 0.2])
MIX_M = np.array([[-1.5, 0, 0.5], [1.5, 1, -0.5], [0, -1.5, 1]], dtype=np.float64)
MIX_C = np.array([
    [[0.3, 0.1, 0], [0.1, 0.4, 0], [0, 0, 0.2]],
    [[0.25, -0.1, 0.05], [-0.1, 0.3, 0], [0.05, 0, 0.35]],
    [[0.5, 0, 0], [0, 0.2, 0.05], [0, 0.05, 0.3]],
], dtype=np.float64)

PARAMS = ('eps', 'em')  # eps-prediction (ours), entropy matching


def schedule():
    betas = torch.linspace(BETA_START, BETA_END, T, dtype=torch.float64)
    return torch.cumprod(1.0 - betas, dim=0)


def eps_hat(net, param, xt, emb, sigma):
    """The noise predictor of either parameterisation. emb: [rows or 1, timeDim]; sigma: [rows, 1] or scalar."""
    if emb.shape[0] != xt.shape[0]:
        emb = emb.expand(xt.shape[0], -1)
    out = net.net(torch.cat([xt, emb], dim=1))
    return out if param == 'eps' else sigma * (xt - out)


# ---- data ----------------------------------------------------------------------------------------

def draw_mixture(n, rng):
    k = rng.choice(3, size=n, p=MIX_W / MIX_W.sum())
    chol = np.linalg.cholesky(MIX_C)
    z = rng.standard_normal((n, 3))
    return MIX_M[k] + np.einsum('nab,nb->na', chol[k], z)


def log_mixture(x, extra=0.0):
    """log p of the mixture (float64), each covariance plus extra * I."""
    x = np.asarray(x, dtype=np.float64)
    terms = []
    for k in range(3):
        c = MIX_C[k] + extra * np.eye(3)
        l = np.linalg.cholesky(c)
        z = np.linalg.solve(l, (x - MIX_M[k]).T).T
        terms.append(math.log(MIX_W[k] / MIX_W.sum()) - 1.5 * math.log(2 * math.pi) - np.log(np.diag(l)).sum() - 0.5 * (z * z).sum(1))
    t = np.stack(terms, 1)
    top = t.max(1, keepdims=True)
    return (top + np.log(np.exp(t - top).sum(1, keepdims=True)))[:, 0]


def load_data(name, seed_data=12345):
    if name == 'mixture':
        rng = np.random.default_rng(seed_data)
        train = draw_mixture(20000, rng)
        test = draw_mixture(2000, np.random.default_rng(seed_data + 1))
        return {'train': train.astype(np.float32), 'test': test.astype(np.float32), 'truth': log_mixture(test),
                'note': 'MIXTURE of test/fixtures/density-oracle.mjs; 20000 training and 2000 test rows drawn with numpy'}
    path = os.path.join(ROOT, '..', 'shared', 'data', 'california_housing.csv')
    import csv
    with open(path) as f:
        r = csv.reader(f)
        head = next(r)
        rows = [row for row in r]
    cols = [i for i, h in enumerate(head) if h != 'ocean_proximity']
    x = []
    for row in rows:
        if any(row[i] == '' for i in cols):
            continue
        x.append([float(row[i]) for i in cols])
    x = np.array(x, dtype=np.float64)
    perm = np.random.default_rng(seed_data).permutation(len(x))
    n_train = int(round(0.8 * len(x)))
    tr, te = x[perm[:n_train]], x[perm[n_train:]]
    mu, sd = tr.mean(0), tr.std(0)
    names = [head[i] for i in cols]
    # Rows with a top-coded cell (median_house_value 500001, housing_median_age 52): atoms of the data.
    capped = (te[:, names.index('median_house_value')] >= 500001) | (te[:, names.index('housing_median_age')] >= 52)
    return {'testCapped': capped,'train': ((tr - mu) / sd).astype(np.float32), 'test': ((te - mu) / sd).astype(np.float32),
            'columns': [head[i] for i in cols], 'rowsTotal': len(rows), 'rowsKept': len(x),
            'note': f'{len(cols)} numeric columns of california_housing.csv, {len(rows) - len(x)} rows with a gap dropped, '
                    f'standardised with the training split; {n_train} training / {len(x) - n_train} held-out rows'}


# ---- training ------------------------------------------------------------------------------------

def train(param, data, seed, steps, checkpoints, hidden, lr):
    torch.manual_seed(seed)
    d = data.shape[1]
    net = Denoiser(d, hidden, TIME_DIM)  # same initial weights for both parameterisations
    ab = schedule()
    sab, s1ab = ab.sqrt().float(), (1 - ab).sqrt().float()
    emb_table = time_embedding(torch.arange(T), TIME_DIM)
    x = torch.from_numpy(data)
    gen = torch.Generator().manual_seed(1000 + seed)  # same minibatches for both
    opt = torch.optim.AdamW(net.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    params = list(net.parameters())
    ema = [p.detach().clone() for p in params]
    snaps, losses, acc, n_acc = {}, [], 0.0, 0
    window = max(1, steps // 40)
    wall = cpu = 0.0
    for step in range(steps):
        w0, c0 = time.perf_counter(), time.process_time()
        idx = torch.randint(0, x.shape[0], (BATCH,), generator=gen)
        t = torch.randint(0, T, (BATCH,), generator=gen)
        eps = torch.randn((BATCH, d), generator=gen)
        x0 = x[idx]
        xt = sab[t][:, None] * x0 + s1ab[t][:, None] * eps
        loss = torch.mean((eps_hat(net, param, xt, emb_table[t], s1ab[t][:, None]) - eps) ** 2)
        for g in opt.param_groups:  # linear decay to 0 (native/cpu/trainer.cpp)
            g['lr'] = lr * (1.0 - step / steps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            torch._foreach_mul_(ema, EMA)
            torch._foreach_add_(ema, params, alpha=1 - EMA)
        lv = loss.item()
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        if not math.isfinite(lv):
            raise FloatingPointError(f'{param}: loss {lv} at step {step}')
        acc += lv
        n_acc += 1
        if (step + 1) % window == 0:
            losses.append([step + 1, acc / n_acc])
            acc, n_acc = 0.0, 0
        if step + 1 in checkpoints:
            snaps[step + 1] = {'ema': [e.clone() for e in ema], 'raw': [q.detach().clone() for q in params]}
    return net, snaps, {'trainLoss': losses, 'wallSeconds': wall, 'cpuSeconds': cpu, 'secondsPerStep': wall / steps,
                        'cpuSecondsPerStep': cpu / steps}


def load_weights(net, weights):
    with torch.no_grad():
        for p, w in zip(net.parameters(), weights):
            p.copy_(w)


# ---- the path-integral estimator (docs/density.md section 2) ----------------------------------------

K_FLOOR, K_CENTRE, K_WIDTH, K_GRID = 0.3, -1.0, 1.2, 2048


class Clock:
    def __init__(self, alpha_bars):
        ab = alpha_bars.double().numpy()
        self.rho = 0.5 * np.log((1 - ab) / ab)
        self.rho0, self.rho_end = self.rho[0], self.rho[-1]
        self.L = self.rho_end - self.rho0

    def t_of(self, r):
        if r <= self.rho[0]:
            return 0.0
        if r >= self.rho[-1]:
            return float(T - 1)
        hi = int(np.searchsorted(self.rho, r, side='right'))
        lo = hi - 1
        return lo + (r - self.rho[lo]) / (self.rho[hi] - self.rho[lo])

    def levels(self, pairs, seed):
        """The level of each antithetic pair: (t, eta, alpha, sigma, b, weight), stratified over p(w)."""
        w = (np.arange(K_GRID) + 0.5) / K_GRID
        z = (self.rho0 + self.L * w * w - K_CENTRE) / K_WIDTH
        pdf = K_FLOOR + np.exp(-0.5 * z * z)
        pdf /= pdf.sum() / K_GRID
        cdf = np.concatenate([[0.0], np.cumsum(pdf / K_GRID)])
        cdf /= cdf[-1]
        u = (np.arange(pairs) + np.random.default_rng(seed).random(pairs)) / pairs
        out = []
        eta0 = math.exp(self.rho0)
        for uj in u:
            i = min(max(int(np.searchsorted(cdf, uj, side='right')) - 1, 0), K_GRID - 1)
            wj = min(max((i + (uj - cdf[i]) / (pdf[i] / K_GRID)) / K_GRID, 0.0), 1.0)
            r = self.rho0 + self.L * wj * wj
            eta = math.exp(r)
            alpha = 1 / math.sqrt(1 + eta * eta)
            b = math.sqrt(max(0.0, eta * eta - eta0 * eta0))
            out.append((self.t_of(r), eta, alpha, eta * alpha, b, 2 * self.L * wj / pdf[i]))
        return out


@torch.inference_mode()
def path_logp(predict, x, alpha_bars, throws, seed, chunk=4096):
    """log p~(x) per row and its per-row SE. predict(xt, t, sigma) -> eps_hat, all float32 tensors."""
    clock = Clock(alpha_bars)
    eta0 = math.exp(clock.rho0)
    pairs = (throws + 1) // 2
    levels = clock.levels(pairs, seed)
    n, d = x.shape
    x = torch.as_tensor(x, dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed + 1)
    noise_seeds = torch.randint(0, 2 ** 62, (pairs,), generator=gen).tolist()
    s1 = torch.zeros(n, dtype=torch.float64)
    s2 = torch.zeros(n, dtype=torch.float64)
    for j, (t, eta, alpha, sigma, b, weight) in enumerate(levels):
        g = torch.Generator().manual_seed(noise_seeds[j])
        eps = torch.randn((n, d), generator=g)  # the same noise for every model evaluated with this seed
        c = eta / b if b > 0 else 0.0
        ref = eta / (1 + eta * eta)
        val = torch.zeros(n, dtype=torch.float64)
        for sign in (1.0, -1.0):
            e = sign * eps
            y = x + b * e
            for a in range(0, n, chunk):
                eh = predict(alpha * y[a:a + chunk], t, sigma).double()
                er = ref * y[a:a + chunk].double()
                ed = e[a:a + chunk].double()
                h = (eh * eh).sum(1) - (er * er).sum(1) - 2 * c * ((eh - er) * ed).sum(1)
                val[a:a + chunk] += 0.5 * h
        gj = -weight * val
        s1 += gj
        s2 += gj * gj
    mean = s1 / pairs
    reference = (-0.5 * d * math.log(2 * math.pi * (1 + eta0 ** 2)) - 0.5 * (x.double() ** 2).sum(1) / (1 + eta0 ** 2))
    se = torch.sqrt(torch.clamp((s2 - pairs * mean * mean) / (pairs - 1), min=0) / pairs)
    return (reference + mean).numpy(), se.numpy()


def net_predictor(net, param):
    def predict(xt, t, sigma):
        emb = time_embedding(torch.tensor([t], dtype=torch.float64), TIME_DIM)
        return eps_hat(net, param, xt, emb, sigma)
    return predict


def mixture_predictor():
    """The exact eps of the mixture: x_t ~ sum_k w_k N(alpha m_k, alpha^2 C_k + sigma^2 I), eps = -sigma grad log p."""
    w = torch.tensor(MIX_W / MIX_W.sum(), dtype=torch.float64)
    m = torch.tensor(MIX_M)
    c = torch.tensor(MIX_C)

    def predict(xt, t, sigma):
        alpha = math.sqrt(1 - sigma * sigma)
        x = xt.double()
        cov = alpha * alpha * c + sigma * sigma * torch.eye(3, dtype=torch.float64)
        inv = torch.linalg.inv(cov)
        logdet = torch.logdet(cov)
        diff = x[:, None, :] - alpha * m[None]  # [n, K, d]
        sol = torch.einsum('kab,nkb->nka', inv, diff)
        logs = torch.log(w)[None] - 0.5 * logdet[None] - 0.5 * (diff * sol).sum(2)
        r = torch.softmax(logs, 1)
        score = -(r[:, :, None] * sol).sum(1)
        return (-sigma * score).float()
    return predict


@torch.inference_mode()
def heldout_loss(net, param, x, alpha_bars, draws, seed):
    """Mean |eps_hat - eps|^2 / d over held-out rows, `draws` uniform t per row (the same draws for every model)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(x, dtype=torch.float32)
    sab, s1ab = alpha_bars.sqrt().float(), (1 - alpha_bars).sqrt().float()
    emb_table = time_embedding(torch.arange(T), TIME_DIM)
    per_row = torch.zeros(x.shape[0], dtype=torch.float64)
    for _ in range(draws):
        t = torch.randint(0, T, (x.shape[0],), generator=g)
        eps = torch.randn(x.shape, generator=g)
        xt = sab[t][:, None] * x + s1ab[t][:, None] * eps
        err = ((eps_hat(net, param, xt, emb_table[t], s1ab[t][:, None]) - eps) ** 2).mean(1)
        per_row += err.double() / draws
    return float(per_row.mean()), float(per_row.std() / math.sqrt(x.shape[0]))


# ---- commands ------------------------------------------------------------------------------------

def machine():
    load = os.getloadavg()
    cpu = 'unknown'
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(l.split(':', 1)[1].strip() for l in f if l.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return {'cpu': cpu, 'logicalCpus': os.cpu_count(), 'torchThreads': torch.get_num_threads(), 'torch': torch.__version__,
            'python': platform.python_version(), 'loadAverage': [round(v, 2) for v in load]}


def cmd_run(a):
    data = load_data(a.data)
    ab = schedule()
    checkpoints = [int(s) for s in a.checkpoints.split(',')]
    hidden = [int(h) for h in a.hidden.split(',')]
    out = {'kind': 'run', 'data': a.data, 'dataNote': data['note'], 'seed': a.seed, 'steps': a.steps, 'checkpoints': checkpoints,
           'hidden': hidden, 'lr': a.lr, 'T': T, 'betas': [BETA_START, BETA_END], 'timeDim': TIME_DIM, 'batch': BATCH, 'ema': EMA,
           'throws': a.throws, 'machineStart': machine(), 'params': {}}
    test = data['test'] if a.data == 'california' else data['test'][:a.test_rows]
    train_sub = data['train'][:len(test)] if a.data == 'california' else None
    for param in PARAMS:
        t0 = time.perf_counter()
        net, snaps, info = train(param, data['train'], a.seed, a.steps, set(checkpoints), hidden, a.lr)
        info['checkpoints'] = {}
        for step in checkpoints:
            # The raw (non-EMA) weights too, the main figure only: the EMA starts from the initial weights.
            load_weights(net, snaps[step]['raw'])
            lp_raw, _ = path_logp(net_predictor(net, param), test, ab, a.throws, seed=777)
            load_weights(net, snaps[step]['ema'])
            lp, se = path_logp(net_predictor(net, param), test, ab, a.throws, seed=777)
            row = {'meanRowSe': float(se.mean())}
            if a.data == 'mixture':
                diff = data['truth'][:len(test)] - lp
                row.update(kl=float(diff.mean()), klSe=float(diff.std(ddof=1) / math.sqrt(len(diff))), logp=lp.tolist(),
                           klRaw=float((data['truth'][:len(test)] - lp_raw).mean()))
            else:
                row.update(nll=float(-lp.mean()), nllSe=float(lp.std(ddof=1) / math.sqrt(len(lp))), logp=lp.tolist(),
                           nllRaw=float(-lp_raw.mean()))
                tl, _ = path_logp(net_predictor(net, param), train_sub, ab, a.throws, seed=777)
                row['trainNll'] = float(-tl.mean())
            row['heldoutLoss'], row['heldoutLossSe'] = heldout_loss(net, param, test, ab, draws=10, seed=4242)
            info['checkpoints'][step] = row
            print(f'{a.data} seed {a.seed} {param} step {step}: ' +
                  ', '.join(f'{k} {v:.4f}' for k, v in row.items() if isinstance(v, float)), flush=True)
        info['totalSeconds'] = time.perf_counter() - t0
        out['params'][param] = info
    out['machineEnd'] = machine()
    with open(a.out, 'w') as f:
        json.dump(out, f)


def cmd_oracle(a):
    """The estimator with the exact eps_hat of the mixture must return log p_true within its SE."""
    ab = schedule()
    x = draw_mixture(a.rows, np.random.default_rng(99)).astype(np.float32)
    eta0_sq = float((1 - ab[0]) / ab[0])
    truth_s = log_mixture(x, extra=eta0_sq)  # the estimator's target: data smoothed by N(0, eta0^2 I)
    truth = log_mixture(x)
    res = {'kind': 'oracle', 'rows': a.rows, 'eta0Sq': eta0_sq, 'runs': []}
    for throws in (20, 200, 2000):
        t0 = time.perf_counter()
        lp, se = path_logp(mixture_predictor(), x, ab, throws, seed=777)
        err = lp - truth_s
        z = err / se
        r = {'throws': throws, 'meanError': float(err.mean()), 'meanErrorSe': float(err.std(ddof=1) / math.sqrt(len(err))),
             'rmsError': float(np.sqrt((err ** 2).mean())), 'meanRowSe': float(se.mean()), 'meanZ2': float((z ** 2).mean()),
             'meanErrorVsUnsmoothed': float((lp - truth).mean()), 'seconds': time.perf_counter() - t0}
        res['runs'].append(r)
        print(json.dumps(r), flush=True)
    # The levels are shared by all rows (common random numbers), so the SE over rows leaves out their
    # noise: the spread of the mean error over estimator seeds at 200 throws measures it.
    means = []
    for seed in range(800, 810):
        lp, _ = path_logp(mixture_predictor(), x, ab, 200, seed=seed)
        means.append(float((lp - truth_s).mean()))
    res['seedSpread200'] = {'seeds': 10, 'meanOfMeans': float(np.mean(means)), 'sdOfMeans': float(np.std(means, ddof=1)), 'means': means}
    print(json.dumps(res['seedSpread200']), flush=True)
    with open(a.out, 'w') as f:
        json.dump(res, f)


def cmd_timing(a):
    """Seconds per training step of both, in alternating blocks in one process (the load varies)."""
    res = {'kind': 'timing', 'machineStart': machine(), 'configs': []}
    for data_name, hidden in (('mixture', [128, 128]), ('california', [128, 128]), ('california', [256, 256])):
        data = load_data(data_name)['train']
        per = {p: [] for p in PARAMS}
        for _ in range(a.rounds):
            for p in PARAMS:
                _, _, info = train(p, data, 1, a.block, set(), hidden, 3e-3)
                per[p].append(info['secondsPerStep'])
        res['configs'].append({'data': data_name, 'hidden': hidden, 'block': a.block,
                               'secondsPerStep': {p: {'median': float(np.median(v)), 'min': float(min(v)), 'all': v} for p, v in per.items()}})
        print(json.dumps(res['configs'][-1]), flush=True)
    res['machineEnd'] = machine()
    with open(a.out, 'w') as f:
        json.dump(res, f)


def fmt(m, s, digits=3):
    return f'{m:.{digits}f} ± {s:.{digits}f}'


def cmd_report(a):
    files = [json.load(open(p)) for p in a.files]
    runs = [f for f in files if f['kind'] == 'run']
    oracle = next((f for f in files if f['kind'] == 'oracle'), None)
    timing = next((f for f in files if f['kind'] == 'timing'), None)
    groups = {}
    for r in runs:
        groups.setdefault((r['data'], tuple(r['hidden']), r['steps']), []).append(r)
    summary = {'groups': []}
    lines = ['# Entropy matching against eps-prediction (issue 14)', '']
    lines.append('Measured by `bench/peers/entropy_matching.py` (PyTorch, CPU). Both parameterisations train the same network from the '
                 'same initial weights on the same minibatches (rows, timesteps, noise) with the same AdamW, learning-rate decay and '
                 'EMA; only the meaning of the output differs: eps-prediction (ours) eps_hat = net(x_t, t); entropy matching '
                 'eps_hat = sigma_t (x_t - net(x_t, t)), the output being score + x_t. Loss: unweighted |eps_hat - eps|^2 for both. '
                 'Configuration: T = 500 linear betas 2e-4..0.04, timeDim 64, batch 256, AdamW (0.9, 0.999, wd 0), lr decayed '
                 'linearly to 0 over the run, EMA 0.999 (the EMA weights are evaluated), uniform integer t. The checkpoints are '
                 'snapshots of one run per seed, so the early ones are taken while the learning rate is still high.')
    lines.append('')
    end_rows = []
    for (data, hidden, steps), rs in sorted(groups.items(), key=lambda kv: (kv[0][0] != 'mixture', kv[0][1], -kv[0][2])):
        rs.sort(key=lambda r: r['seed'])
        seeds = [r['seed'] for r in rs]
        cps = rs[0]['checkpoints']
        g = {'data': data, 'hidden': list(hidden), 'seeds': seeds, 'lr': rs[0]['lr'], 'steps': rs[0]['steps'], 'throws': rs[0]['throws'],
             'dataNote': rs[0]['dataNote'], 'rows': []}
        mix = data == 'mixture'
        key = 'kl' if mix else 'nll'
        lines.append(f'## {"3-D Gaussian mixture: KL(true ‖ model)" if mix else "california_housing: held-out NLL"}, '
                     f'hidden {list(hidden)}, lr {rs[0]["lr"]}, a run of {steps} steps, seeds {seeds}')
        lines.append('')
        lines.append(f'{rs[0]["dataNote"]}. Path integral with {rs[0]["throws"]} throws per row. Each cell: mean ± sd over the '
                     f'{len(rs)} seeds (in brackets: the mean over seeds of the within-run SE over rows). "Paired difference" is '
                     f'entropy matching minus eps-prediction per seed on the same rows and the same estimator noise, mean ± sd '
                     f'over seeds (negative: entropy matching better).')
        lines.append('')
        what = 'KL (nats)' if mix else 'held-out NLL (nats/row)'
        extra = '' if mix else ' | training-rows NLL eps / EM'
        lines.append(f'| steps | {what}, eps-prediction | {what}, entropy matching | paired difference | raw weights eps / EM | '
                     f'held-out loss, eps | held-out loss, EM{extra} |')
        lines.append('|---:|---:|---:|---:|---:|---:|---:|' + ('' if mix else '---:|'))
        capped = None if mix else load_data('california')['testCapped']
        split_lines = []
        for cp in cps:
            c = str(cp)
            vals = {p: np.array([r['params'][p]['checkpoints'][c][key] for r in rs]) for p in PARAMS}
            ses = {p: np.mean([r['params'][p]['checkpoints'][c][key + 'Se'] for r in rs]) for p in PARAMS}
            loss = {p: np.array([r['params'][p]['checkpoints'][c]['heldoutLoss'] for r in rs]) for p in PARAMS}
            diffs = []
            for r in rs:
                a_ = np.array(r['params']['em']['checkpoints'][c]['logp'])
                b_ = np.array(r['params']['eps']['checkpoints'][c]['logp'])
                diffs.append(float(np.mean(b_ - a_)))  # KL_em - KL_eps = NLL_em - NLL_eps = mean(logp_eps - logp_em)
            diffs = np.array(diffs)
            pair_se = np.mean([np.std(np.array(r['params']['eps']['checkpoints'][c]['logp']) - np.array(r['params']['em']['checkpoints'][c]['logp']), ddof=1)
                               / math.sqrt(len(r['params']['em']['checkpoints'][c]['logp'])) for r in rs])
            sd = lambda v: float(v.std(ddof=1)) if len(v) > 1 else float('nan')
            raw = {p: np.array([r['params'][p]['checkpoints'][c][key + 'Raw'] for r in rs]) for p in PARAMS}
            row = {'steps': cp}
            if not mix:
                dc, dn = [], []
                for r in rs:
                    dd = np.array(r['params']['eps']['checkpoints'][c]['logp']) - np.array(r['params']['em']['checkpoints'][c]['logp'])
                    dc.append(float(dd[capped].mean()))
                    dn.append(float(dd[~capped].mean()))
                dc, dn = np.array(dc), np.array(dn)
                row['pairedDifferenceCapped'] = {'mean': float(dc.mean()), 'sd': sd(dc), 'rows': int(capped.sum())}
                row['pairedDifferenceOther'] = {'mean': float(dn.mean()), 'sd': sd(dn), 'rows': int((~capped).sum())}
                split_lines.append(f'| {cp} | {fmt(dc.mean(), sd(dc))} | {fmt(dn.mean(), sd(dn))} |')
            for p in PARAMS:
                row[p] = {key: float(vals[p].mean()), key + 'Sd': sd(vals[p]), key + 'WithinSe': float(ses[p]),
                          key + 'Raw': float(raw[p].mean()), key + 'RawSd': sd(raw[p]),
                          'heldoutLoss': float(loss[p].mean()), 'heldoutLossSd': sd(loss[p]), 'perSeed': vals[p].tolist()}
                if not mix:
                    row[p]['trainNll'] = float(np.mean([r['params'][p]['checkpoints'][c]['trainNll'] for r in rs]))
            row['pairedDifference'] = {'mean': float(diffs.mean()), 'sd': sd(diffs), 'withinSe': float(pair_se), 'perSeed': diffs.tolist()}
            g['rows'].append(row)
            tr = '' if mix else f' | {row["eps"]["trainNll"]:.3f} / {row["em"]["trainNll"]:.3f}'
            lines.append(f'| {cp} | {fmt(vals["eps"].mean(), sd(vals["eps"]))} ({ses["eps"]:.3f}) | '
                         f'{fmt(vals["em"].mean(), sd(vals["em"]))} ({ses["em"]:.3f}) | {fmt(diffs.mean(), sd(diffs))} ({pair_se:.3f}) | '
                         f'{raw["eps"].mean():.3f} / {raw["em"].mean():.3f} | {fmt(loss["eps"].mean(), sd(loss["eps"]), 4)} | {fmt(loss["em"].mean(), sd(loss["em"]), 4)}{tr} |')
        last = g['rows'][-1]
        end_rows.append(f'| {"mixture KL" if mix else "california held-out NLL"} | {list(hidden)} | {steps} | '
                        f'{fmt(last["eps"][key], last["eps"][key + "Sd"])} | {fmt(last["em"][key], last["em"][key + "Sd"])} | '
                        f'{fmt(last["pairedDifference"]["mean"], last["pairedDifference"]["sd"])} | '
                        f'{sum(1 for v in last["pairedDifference"]["perSeed"] if v < 0)} of {len(seeds)} |')
        if not mix:
            lines.append('')
            lines.append(f'Paired difference (entropy matching minus eps-prediction, held-out NLL) split by rows: the '
                         f'{int(capped.sum())} held-out rows with a top-coded cell (median_house_value 500001 or housing_median_age 52, '
                         f'atoms of the data) and the {int((~capped).sum())} others; mean ± sd over seeds.')
            lines.append('')
            lines.append('| steps | rows with a top-coded cell | other rows |')
            lines.append('|---:|---:|---:|')
            lines.extend(split_lines)
        sps = {p: [r['params'][p]['secondsPerStep'] for r in rs] for p in PARAMS}
        g['secondsPerStepInRun'] = {p: float(np.median(v)) for p, v in sps.items()}
        lines.append('')
        lines.append(f'Seconds per training step inside these runs (median over seeds, incl. the EMA update; two runs went in '
                     f'parallel on the 2 cores beside other jobs, load averages in the JSON: see the alternating-block timing below '
                     f'for the comparison): eps {g["secondsPerStepInRun"]["eps"] * 1e3:.2f} ms, entropy matching '
                     f'{g["secondsPerStepInRun"]["em"] * 1e3:.2f} ms.')
        lines.append('')
        summary['groups'].append(g)
    head = ['## End of each run (learning rate decayed to 0: the model the library would return)', '',
            'Mean ± sd over seeds; paired difference = entropy matching minus eps-prediction (negative: entropy matching better).', '',
            '| measure | hidden | run length (steps) | eps-prediction | entropy matching | paired difference | seeds where EM is better |',
            '|---|---|---:|---:|---:|---:|---:|'] + end_rows + ['']
    lines[4:4] = head
    if timing:
        lines.append('## Seconds per training step (alternating blocks in one process)')
        lines.append('')
        lines.append('| data | hidden | eps-prediction (ms/step, median) | entropy matching (ms/step, median) |')
        lines.append('|---|---|---:|---:|')
        for c in timing['configs']:
            s = c['secondsPerStep']
            lines.append(f'| {c["data"]} | {c["hidden"]} | {s["eps"]["median"] * 1e3:.2f} | {s["em"]["median"] * 1e3:.2f} |')
        lines.append('')
        summary['timing'] = timing
    if oracle:
        lines.append('## Estimator check with the exact eps_hat of the mixture')
        lines.append('')
        lines.append(f'{oracle["rows"]} rows of the mixture; error = estimate - log p of the data smoothed by N(0, eta0^2 I), '
                     f'eta0^2 = {oracle["eta0Sq"]:.2e} (the estimator\'s target; docs/density.md section 1).')
        lines.append('')
        lines.append('| throws | mean error ± SE | RMS error | mean per-row SE | mean z^2 | mean (estimate - unsmoothed log p) |')
        lines.append('|---:|---:|---:|---:|---:|---:|')
        for r in oracle['runs']:
            lines.append(f'| {r["throws"]} | {r["meanError"]:.4f} ± {r["meanErrorSe"]:.4f} | {r["rmsError"]:.3f} | {r["meanRowSe"]:.3f} | '
                         f'{r["meanZ2"]:.2f} | {r["meanErrorVsUnsmoothed"]:.4f} |')
        if 'seedSpread200' in oracle:
            sp = oracle['seedSpread200']
            lines.append('')
            lines.append(f'The levels of the throws are shared by all rows (common random numbers), so the SE over rows leaves out their '
                         f'noise: over {sp["seeds"]} estimator seeds at 200 throws the mean error is {sp["meanOfMeans"]:.4f} with sd '
                         f'{sp["sdOfMeans"]:.4f} nats. Every model here is evaluated with the same seed (the same levels and noise), so '
                         f'that part of the noise is common to the two parameterisations and cancels in their paired difference.')
        lines.append('')
        summary['oracle'] = oracle
    summary['machine'] = runs[0]['machineStart'] if runs else machine()
    summary['loadAverages'] = [[r['data'], r['seed'], r['machineStart']['loadAverage'], r['machineEnd']['loadAverage']] for r in runs]
    if a.conclusion:
        lines[2:2] = [open(a.conclusion).read().strip(), '']
    m = summary['machine']
    lines.append(f'Machine: {m["cpu"]}, {m["logicalCpus"]} logical CPUs shared with other jobs, torch {m["torch"]} with '
                 f'{m["torchThreads"]} thread per process, Python {m["python"]}. Load averages at the start/end of each run are in '
                 f'the JSON.')
    lines.append('')
    lines.append('Rerun: see the header of bench/peers/entropy_matching.py; the committed run used')
    lines.append('')
    lines.append('```')
    lines.append(a.commands.strip() if a.commands else '(commands not recorded)')
    lines.append('```')
    summary['commands'] = a.commands
    with open(os.path.join(RESULTS, 'entropy-matching.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(os.path.join(RESULTS, 'entropy-matching.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print('\n'.join(lines))


def main():
    torch.set_num_threads(1)
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run')
    r.add_argument('--data', choices=['mixture', 'california'], required=True)
    r.add_argument('--seed', type=int, default=1)
    r.add_argument('--steps', type=int, default=20000)
    r.add_argument('--checkpoints', default='1000,2000,5000,10000,20000')
    r.add_argument('--hidden', default='128,128')
    r.add_argument('--lr', type=float, default=3e-3)
    r.add_argument('--throws', type=int, default=200)
    r.add_argument('--test-rows', type=int, default=2000)
    r.add_argument('--out', required=True)
    o = sub.add_parser('oracle')
    o.add_argument('--rows', type=int, default=2000)
    o.add_argument('--out', required=True)
    t = sub.add_parser('timing')
    t.add_argument('--rounds', type=int, default=5)
    t.add_argument('--block', type=int, default=300)
    t.add_argument('--out', required=True)
    rep = sub.add_parser('report')
    rep.add_argument('files', nargs='+')
    rep.add_argument('--commands', default='')
    rep.add_argument('--conclusion', default='')
    a = p.parse_args()
    {'run': cmd_run, 'oracle': cmd_oracle, 'timing': cmd_timing, 'report': cmd_report}[a.cmd](a)


if __name__ == '__main__':
    main()
