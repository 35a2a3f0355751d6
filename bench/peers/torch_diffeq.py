"""PyTorch baselines of the diffeq workloads (`vdp`, `node-train`), run by torch_numpy.py --engine torch.

A plain-PyTorch Dormand–Prince 5(4) loop with the same algorithm as nabla's `Dopri5` + `PIDController`
defaults (src/diffeq/controllers/pid.ts): joint stepping of the whole batch, error
‖err / (atol + rtol·max(|y0|, |y1|))‖ with the RMS norm over all components, an I controller
factor = safety·(1/q)^(1/5) clipped to [1, factormax] on acceptance and [factormin, safety] on rejection
(safety 0.9, factormin 0.2, factormax 10), the last step shortened to land on t1 (a clipped accepted step
keeps its pre-clip proposal), Hairer's initial step, and Shampine's quartic dense output for saved times.

Loop time = wall time of the solve minus the time spent inside the vector field (torchode's definition,
the same as nabla's `stats.loopTimeMs`); per step = loop time / (accepted + rejected steps).

`node-train` gradients: DTO = backprop through this loop (torch autograd records every op, the step-size
controller works on detached floats as nabla's does); backsolve = the augmented adjoint ODE
(y, a, a_θ) solved backwards from t1 with the same Dopri5 loop and tolerances, vjps by torch.autograd.grad
(torchdiffeq's odeint_adjoint without its extras; RMS norm over all augmented components, as nabla's
BacksolveAdjoint default).
"""

import math
import time

import torch

# Dormand–Prince 5(4) tableau (as src/diffeq/solvers/tableaus.ts).
C = [0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0]
A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
B = [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0]
E = [35 / 384 - 1951 / 21600, 0.0, 500 / 1113 - 22642 / 50085, 125 / 192 - 451 / 720,
     -2187 / 6784 - -12231 / 42400, 11 / 84 - 649 / 6300, -1.0 / 60.0]
MID = [6025192743 / 30085553152 / 2, 0.0, 51252292925 / 65400821598 / 2, -2691868925 / 45128329728 / 2,
       187940372067 / 1594534317056 / 2, -1776094331 / 19743644256 / 2, 11237099 / 235043384 / 2]


def _dense():
    """Shampine's quartic: y(t + θh) = y + h Σ_p θ^p Σ_i D[i][p] k_i (p = 1..4)."""
    rows = []
    for i, (b, m) in enumerate(zip(B, MID)):
        d0 = 1.0 if i == 0 else 0.0
        d1 = 1.0 if i == len(B) - 1 else 0.0
        rows.append([d0, d1 - 4 * d0 + 16 * m - 5 * b, 5 * d0 - 3 * d1 + 14 * b - 32 * m,
                     2 * (d1 - d0) + 16 * m - 8 * b])
    return rows


DENSE = _dense()
ORDER = 5  # errorOrder of nabla's Dopri5 tableau: the controller exponent is 1/5
SAFETY, FACTORMIN, FACTORMAX = 0.9, 0.2, 10.0


def rms_scaled(x, a, b, rtol, atol):
    scale = atol + rtol * (a.abs() if b is None else torch.maximum(a.abs(), b.abs()))
    return float(torch.sqrt(torch.mean((x / scale) ** 2)))


def initial_step(f, t0, y0, f0, rtol, atol):
    """Hairer's initial step (as nabla's initialStepSize, joint batch)."""
    d0 = rms_scaled(y0, y0, None, rtol, atol)
    d1 = rms_scaled(f0, y0, None, rtol, atol)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 or not math.isfinite(d0 / d1) else 0.01 * d0 / d1
    f1 = f(t0 + h0, y0 + f0 * h0)
    d2 = rms_scaled(f1 - f0, y0, None, rtol, atol) / h0
    m = max(d1, d2)
    h1 = max(1e-6, h0 * 1e-3) if m <= 1e-15 or not math.isfinite(m) else (0.01 / m) ** (1 / ORDER)
    return min(100 * h0, h1)


def dopri5_solve(f, t0, t1, y0, rtol, atol, ts=None, max_steps=100000):
    """Solves y' = f(t, y) on [t0, t1] (t1 > t0). Returns (y(t1) or ys at `ts` stacked [T, ...], stats).
    f is timed: stats['vfMs'] is the time inside it, stats['loopMs'] the rest of the solve."""
    vf_ms = [0.0]
    fevals = [0]

    def fv(t, y):
        s = time.perf_counter()
        out = f(t, y)
        vf_ms[0] += (time.perf_counter() - s) * 1e3
        fevals[0] += 1
        return out

    start = time.perf_counter()
    t = float(t0)
    y = y0
    k1 = fv(t, y)
    h = initial_step(fv, t, y, k1, rtol, atol)
    outs, out_i = [], 0
    if ts is not None:
        ts = [float(x) for x in ts]
        while out_i < len(ts) and ts[out_i] <= t:
            outs.append(y)
            out_i += 1
    accepted = rejected = 0
    dense = torch.tensor(DENSE, dtype=y0.dtype)  # [7, 4]
    while t < t1:
        if accepted + rejected >= max_steps:
            raise RuntimeError("maximum number of steps reached")
        proposed = h
        clipped = t + h >= t1
        if clipped:
            h = t1 - t
        ks = [k1]
        yi = y
        for i in range(1, 7):
            acc = ks[0] * A[i][0]
            for j in range(1, i):
                if A[i][j] != 0.0:
                    acc = acc + ks[j] * A[i][j]
            yi = y + acc * h
            ks.append(fv(t + C[i] * h, yi))
        y1 = yi  # FSAL: the last stage state is the 5th-order solution
        with torch.no_grad():
            err = ks[0] * E[0]
            for i in range(1, 7):
                if E[i] != 0.0:
                    err = err + ks[i] * E[i]
            q = rms_scaled(err * h, y.detach(), y1.detach(), rtol, atol)
        if not q >= 0:
            q = math.inf
        ok = q <= 1
        if not math.isfinite(q):
            factor = FACTORMIN
        else:
            inv = 1e10 if q == 0 else min(1e10, 1 / q)
            factor = SAFETY * inv ** (1 / ORDER)
            lo, hi = (1.0, FACTORMAX) if ok else (FACTORMIN, SAFETY)
            factor = min(hi, max(lo, factor))
        if ok:
            accepted += 1
            if ts is not None and out_i < len(ts) and ts[out_i] <= t + h:
                n0 = out_i
                while out_i < len(ts) and ts[out_i] <= t + h * (1 + 1e-12):
                    out_i += 1
                theta = torch.tensor([(x - t) / h for x in ts[n0:out_i]], dtype=y0.dtype)
                pw = torch.stack([theta, theta ** 2, theta ** 3, theta ** 4], 1)  # [n, 4]
                w = pw @ dense.T  # [n, 7]
                K = torch.stack(ks, 0)  # [7, ...]
                outs.append(y.unsqueeze(0) + h * torch.tensordot(w, K, dims=1))
            t = t1 if clipped else t + h
            y = y1
            k1 = ks[6]
            h = max(h * factor, proposed) if clipped else h * factor
        else:
            rejected += 1
            h = h * factor
    wall = (time.perf_counter() - start) * 1e3
    stats = {"steps": accepted + rejected, "accepted": accepted, "rejected": rejected, "fevals": fevals[0],
             "vfMs": vf_ms[0], "solveWallMs": wall, "loopMs": max(0.0, wall - vf_ms[0])}
    stats["loopPerStepMs"] = stats["loopMs"] / max(1, stats["steps"])
    if ts is None:
        return y, stats
    ys = torch.cat([o if o.dim() > y0.dim() else o.unsqueeze(0) for o in outs], 0)
    return ys, stats


class Stats:
    """Per-call statistics of the final measurement → medians (same as bench/lib/diffeq-stats.mjs)."""

    def __init__(self):
        self.rows = []

    def add(self, row):
        self.rows.append(row)

    def reset(self):
        self.rows = []

    def metrics(self):
        if not self.rows:
            return {}
        out = {"calls": len(self.rows)}
        for k in self.rows[0]:
            vals = sorted(r[k] for r in self.rows)
            n = len(vals)
            med = vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2
            out[k] = med
            if k.endswith("Ms"):
                out[k + "Min"] = vals[0]
        return out


def _frac(x):
    return x - math.floor(x)


def vdp_initial(batch):
    """Same values as vdpInitial in bench/lib/config.mjs."""
    return [[-2 + 4 * _frac(0.5 + i * 0.6180339887), -2 + 4 * _frac(0.25 + i * 0.4142135623)]
            for i in range(batch)]


def node_train_init(batch, dim, hidden):
    """Same values as nodeTrainInit in bench/lib/config.mjs."""
    def u(i, a, off):
        return 2 * _frac(off + i * a) - 1

    def mat(r, c, a, off, scale):
        return [[scale * u(i * c + j, a, off) for j in range(c)] for i in range(r)]
    return {"w1": mat(dim, hidden, 0.7548776662, 0.1, 1 / math.sqrt(dim)),
            "b1": mat(1, hidden, 0.5698402910, 0.2, 1 / math.sqrt(dim))[0],
            "w2": mat(hidden, dim, 0.6180339887, 0.3, 1 / math.sqrt(hidden)),
            "b2": mat(1, dim, 0.4142135623, 0.4, 1 / math.sqrt(hidden))[0],
            "y0": mat(batch, dim, 0.7320508076, 0.5, 1)}


def run_diffeq(rec, cfg, configs):
    """Registers the diffeq cases with the torch engine's recorder."""

    def vdp_setup():
        c = cfg["vdp"]
        dtype = getattr(torch, c["dtype"])
        mu, batch, saves = c["mu"], c["batch"], c["saves"]
        y0 = torch.tensor(vdp_initial(batch), dtype=torch.float64).to(dtype)
        ts = [c["t0"] + (c["t1"] - c["t0"]) * i / (saves - 1) for i in range(saves)]
        stats = Stats()
        last = [float("nan")]

        def f(_t, y):
            x, v = y[:, 0], y[:, 1]
            return torch.stack([v, mu * (1 - x * x) * v - x], 1)

        def run():
            with torch.no_grad():
                ys, s = dopri5_solve(f, c["t0"], c["t1"], y0, c["rtol"], c["atol"], ts=ts)
            stats.add({k: s[k] for k in ["loopPerStepMs", "loopMs", "vfMs", "solveWallMs", "steps",
                                         "accepted", "rejected", "fevals"]})
            last[0] = float(ys[-1, 0, 0])
        return {"fn": run, "check": lambda: last[0], "reset": stats.reset, "metrics": stats.metrics}

    def node_setup(method):
        c = cfg["node-train"]
        dtype = getattr(torch, c["dtype"])
        init = node_train_init(c["batch"], c["dim"], c["hidden"])
        params = [torch.tensor(init[k], dtype=dtype, requires_grad=True) for k in ["w1", "b1", "w2", "b2"]]
        w1, b1, w2, b2 = params
        y0 = torch.tensor(init["y0"], dtype=dtype)
        rtol, atol, t0, t1 = c["rtol"], c["atol"], c["t0"], c["t1"]
        opt = torch.optim.Adam(params, lr=c["lr"])
        stats = Stats()
        last = [float("nan")]

        def f(_t, y):
            return torch.tanh(y @ w1 + b1) @ w2 + b2

        sizes = [y0.numel(), y0.numel()] + [p.numel() for p in params]

        def aug_backward(s, z):
            """Augmented dynamics in reversed time s = -t: d(y, a, a_θ)/ds = -(f, -aᵀ∂f/∂y, -aᵀ∂f/∂θ)."""
            parts = torch.split(z, sizes)
            y = parts[0].view_as(y0)
            a = parts[1].view_as(y0)
            with torch.enable_grad():
                yv = y.detach().requires_grad_(True)
                fy = f(-s, yv)
                vjps = torch.autograd.grad(fy, [yv, *params], a)
            return torch.cat([(-fy).detach().reshape(-1)] + [v.reshape(-1) for v in vjps])

        def step_dto():
            opt.zero_grad()
            t = time.perf_counter()
            y1, s = dopri5_solve(f, t0, t1, y0, rtol, atol)
            fwd = (time.perf_counter() - t) * 1e3
            loss = (y1 * y1).mean()
            loss.backward()
            opt.step()
            last[0] = loss.item()
            stats.add({"forwardMs": fwd, "forwardSteps": s["steps"], "forwardLoopPerStepMs": s["loopPerStepMs"]})

        def step_backsolve():
            opt.zero_grad()
            t = time.perf_counter()
            with torch.no_grad():
                y1, s = dopri5_solve(f, t0, t1, y0, rtol, atol)
            fwd = (time.perf_counter() - t) * 1e3
            y1g = y1.detach().requires_grad_(True)
            loss = (y1g * y1g).mean()
            (a1,) = torch.autograd.grad(loss, [y1g])
            z1 = torch.cat([y1.reshape(-1), a1.reshape(-1)] + [torch.zeros(p.numel(), dtype=dtype) for p in params])
            with torch.no_grad():
                z0, sb = dopri5_solve(aug_backward, -t1, -t0, z1, rtol, atol)
            parts = torch.split(z0, sizes)
            for p, g in zip(params, parts[2:]):
                p.grad = g.view_as(p).clone()
            opt.step()
            last[0] = loss.item()
            stats.add({"forwardMs": fwd, "forwardSteps": s["steps"], "forwardLoopPerStepMs": s["loopPerStepMs"],
                       "backwardSteps": sb["steps"]})

        fn = step_dto if method == "dto" else step_backsolve
        return {"fn": fn, "check": lambda: last[0], "reset": stats.reset, "metrics": stats.metrics}

    rec.run("vdp", vdp_setup, configs)
    rec.run("node-train/dto", lambda: node_setup("dto"), configs)
    rec.run("node-train/backsolve", lambda: node_setup("backsolve"), configs)
