"""Time Figure 1's work in the compiled engine against a per-step PyTorch loop.

Figure 1 of the CAGrad paper is 12 runs (4 methods x 3 starts) of 100,000 Adam
steps. The engine does them in one compiled JAX program. The baseline does them the
way the toy script published with the paper (Liu et al., 2021) does: one torch
autograd call plus one torch.optim.Adam step per Python iteration. It is timed on a
shorter run in this same process and compared per step.

Run: python benchmarks/engine.py [--baseline-steps N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jax
import numpy as np
import torch

from toyopt.engine import RunConfig, run

torch.set_default_dtype(torch.float64)


def torch_losses(x: torch.Tensor) -> torch.Tensor:
    """Compute the CAGrad toy losses in torch, with the formulas of the paper's toy script."""
    x1, x2 = x[0], x[1]
    f1 = torch.clamp_min(torch.abs(0.5 * (-x1 - 7) - torch.tanh(-x2)), 5e-6).log() + 6
    f2 = torch.clamp_min(torch.abs(0.5 * (-x1 + 3) + torch.tanh(-x2) + 2), 5e-6).log() + 6
    f1_sq = ((-x1 + 7) ** 2 + 0.1 * (-x2 - 8) ** 2) / 10 - 20
    f2_sq = ((-x1 - 7) ** 2 + 0.1 * (-x2 - 8) ** 2) / 10 - 20
    c1 = torch.clamp_min(torch.tanh(x2 / 2), 0)
    c2 = torch.clamp_min(torch.tanh(-x2 / 2), 0)
    return torch.stack([f1 * c1 + f1_sq * c2, f2 * c1 + f2_sq * c2])


def torch_direction(method: str, g1: torch.Tensor, g2: torch.Tensor) -> torch.Tensor:
    """Per-step directions in plain torch; CAGrad by a 200-point search of its dual."""
    g0 = (g1 + g2) / 2
    if method == "gd":
        return g0
    if method == "mgda":
        gap = (g1 - g2).dot(g1 - g2)
        alpha = ((g2.dot(g2) - g1.dot(g2)) / gap).clamp(0, 1) if gap > 0 else 0.5
        return alpha * g1 + (1 - alpha) * g2
    if method == "pcgrad":
        g12 = g1.dot(g2)
        if g12 >= 0:
            return g0
        return (g1 - g12 / g2.dot(g2) * g2 + g2 - g12 / g1.dot(g1) * g1) / 2
    c = 0.5
    w = torch.linspace(0, 1, 200)[:, None]
    gw = w * g1 + (1 - w) * g2
    radius = c * g0.norm()
    best = torch.argmin(gw @ g0 + radius * gw.norm(dim=1))
    direction = g0 + radius / (gw[best].norm() + 1e-12) * gw[best]
    return direction / (1 + c)


def baseline_seconds_per_step(steps: int) -> float:
    """Time the per-step torch loop over all 12 runs; return seconds per batch step."""
    config = RunConfig()
    began = time.perf_counter()
    for method in config.methods:
        for start in config.starts:
            x = torch.tensor(start, requires_grad=True)
            optimizer = torch.optim.Adam([x], lr=config.lr)
            for _ in range(steps):
                jacobian = torch.autograd.functional.jacobian(torch_losses, x)
                optimizer.zero_grad()
                x.grad = torch_direction(method, jacobian[0], jacobian[1])
                optimizer.step()
    return (time.perf_counter() - began) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline-steps", type=int, default=500, help="steps of the torch loop per run"
    )
    args = parser.parse_args()

    config = RunConfig()
    cold = run(config).seconds
    warm_times = [run(config).seconds for _ in range(5)]
    warm = float(np.median(warm_times))
    baseline = baseline_seconds_per_step(args.baseline_steps)
    engine_per_step = warm / config.steps

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"jax {jax.__version__}, torch {torch.__version__}, python {platform.python_version()}")
    print(f"work: 12 runs x {config.steps:,} steps (Figure 1)")
    print(f"engine cold (compile + run): {cold:.2f} s")
    print(f"engine warm (median of 5):   {warm:.3f} s  ({engine_per_step * 1e6:.2f} us/step)")
    print(
        f"torch per-step loop:         {baseline * 1e3:.2f} ms/step over 12 runs "
        f"(timed on {args.baseline_steps} steps), "
        f"{baseline * config.steps:.0f} s projected for Figure 1"
    )
    print(f"per-step speed-up: {baseline / engine_per_step:,.0f}x")


if __name__ == "__main__":
    main()
