"""PyTorch baseline of the `sde` workload (bench/workloads/sde.mjs), run by torch_numpy.py --engine torch.

dX = −tanh(X)dt + (0.5·sin(X) + 0.2)dW with diagonal noise, batch 256 × 4, 1000 fixed steps on [0, 1],
float32 (sizes from the `sde` entry of bench/lib/config.mjs), initial states from the same low-discrepancy
sequence as nabla's `sdeInitial`. Cases:

- `sde/plain-loop`: a plain-PyTorch Euler–Maruyama loop with N(0, dt) increments from torch.randn each step
  (no re-queryable Brownian path), the same algorithm as nabla's `sde/plain-loop`;
- `sde/diffeqsolve-interval`: only when torchsde is importable, `torchsde.sdeint(method='euler')` with
  torchsde's BrownianInterval on the same problem (the counterpart of nabla's diffeqsolve + BrownianInterval);
  otherwise recorded as skipped;
- `sde/diffeqsolve-vbt`: skipped (no counterpart of nabla's VirtualBrownianTree in the baseline).
"""

import math

import torch


def sde_initial(batch, dim):
    """Same values as sdeInitial in bench/lib/config.mjs."""
    out = []
    for i in range(batch):
        row = []
        for j in range(dim):
            x = 0.5 + i * 0.6180339887 + j * 0.4142135623
            row.append(2 * (x - math.floor(x)) - 1)
        out.append(row)
    return out


def drift(y):
    return -torch.tanh(y)


def diffusion(y):
    return 0.5 * torch.sin(y) + 0.2


def plain_setup(c):
    dtype = getattr(torch, c["dtype"])
    y0 = torch.tensor(sde_initial(c["batch"], c["dim"]), dtype=torch.float64).to(dtype)
    steps = c["steps"]
    h = (c["t1"] - c["t0"]) / steps
    sq = math.sqrt(h)
    last = [float("nan")]
    gen = torch.Generator().manual_seed(0)

    def run():
        with torch.no_grad():
            y = y0
            for _ in range(steps):
                dw = torch.randn(y.shape, dtype=dtype, generator=gen) * sq
                y = y + drift(y) * h + diffusion(y) * dw
            last[0] = float(y[0, 0])

    return {"fn": run, "check": lambda: last[0]}


def torchsde_setup(c):
    import torchsde  # noqa: PLC0415 — optional

    dtype = getattr(torch, c["dtype"])
    y0 = torch.tensor(sde_initial(c["batch"], c["dim"]), dtype=torch.float64).to(dtype)
    steps = c["steps"]
    h = (c["t1"] - c["t0"]) / steps
    last = [float("nan")]

    class SDE(torch.nn.Module):
        noise_type = "diagonal"
        sde_type = "ito"

        def f(self, _t, y):
            return drift(y)

        def g(self, _t, y):
            return diffusion(y)

    sde = SDE()
    ts = torch.tensor([c["t0"], c["t1"]], dtype=dtype)

    def run():
        with torch.no_grad():
            bm = torchsde.BrownianInterval(t0=c["t0"], t1=c["t1"], size=y0.shape, dtype=dtype, entropy=0)
            ys = torchsde.sdeint(sde, y0, ts, bm=bm, method="euler", dt=h)
            last[0] = float(ys[-1, 0, 0])

    return {"fn": run, "check": lambda: last[0], "note": f"torchsde {torchsde.__version__} sdeint(method='euler')"}


def run_sde(rec, cfg, configs):
    """Registers the `sde` cases with the torch engine's recorder (bench/peers/torch_numpy.py)."""
    c = cfg["sde"]
    rec.run("sde/plain-loop", lambda: plain_setup(c), configs)
    skips = {"sde/diffeqsolve-vbt": "no counterpart of VirtualBrownianTree in the PyTorch baseline"}
    try:
        import torchsde  # noqa: F401, PLC0415
    except ImportError:
        skips["sde/diffeqsolve-interval"] = "torchsde is not installed"
    else:
        rec.run("sde/diffeqsolve-interval", lambda: torchsde_setup(c), configs)
    for case, reason in skips.items():
        if case in rec.selected:
            rec.doc["skipped"].append({"case": case, "reason": reason})
    rec.flush()
