"""Shared test oracles: the CAGrad toy problem in PyTorch and reference directions in NumPy.

Both are written from the formulas, independently of `toyopt`, so the tests compare
the JAX code with PyTorch autograd and with plain NumPy and SciPy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
from scipy.optimize import brentq

LOG_FLOOR = 5e-6


def toy_losses_torch(x: torch.Tensor) -> torch.Tensor:
    """Compute (L1, L2) of the CAGrad toy problem for points of shape (..., 2)."""
    x1, x2 = x[..., 0], x[..., 1]

    f1_log = torch.log(torch.clamp_min(torch.abs(0.5 * (-x1 - 7) - torch.tanh(-x2)), LOG_FLOOR)) + 6
    f2_log = (
        torch.log(torch.clamp_min(torch.abs(0.5 * (-x1 + 3) + torch.tanh(-x2) + 2), LOG_FLOOR)) + 6
    )
    f1_sq = ((-x1 + 7) ** 2 + 0.1 * (-x2 - 8) ** 2) / 10 - 20
    f2_sq = ((-x1 - 7) ** 2 + 0.1 * (-x2 - 8) ** 2) / 10 - 20

    c1 = torch.clamp_min(torch.tanh(x2 / 2), 0)
    c2 = torch.clamp_min(torch.tanh(-x2 / 2), 0)
    return torch.stack([f1_log * c1 + f1_sq * c2, f2_log * c1 + f2_sq * c2], dim=-1)


def toy_jacobian_torch(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compute the losses, shape (n, 2), and Jacobians, shape (n, 2, 2), with torch autograd.

    One backward pass serves both tasks: copy k of the points only feeds task k's
    loss, and the points are independent, so the gradient on copy k contains row k of
    every Jacobian.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    copies = torch.tensor(np.stack([points, points]), requires_grad=True)
    losses = toy_losses_torch(copies)
    (losses[0, :, 0].sum() + losses[1, :, 1].sum()).backward()
    return losses[0].detach().numpy(), copies.grad.transpose(0, 1).numpy()


def gd_reference(g1: np.ndarray, g2: np.ndarray) -> np.ndarray:
    return (g1 + g2) / 2


def mgda_reference(g1: np.ndarray, g2: np.ndarray) -> np.ndarray:
    """Project the origin onto the segment [g2, g1]."""
    edge = g1 - g2
    edge_norm2 = edge @ edge
    if edge_norm2 == 0:
        return g1.copy()
    t = min(max(-(g2 @ edge) / edge_norm2, 0.0), 1.0)
    return t * g1 + (1 - t) * g2


def pcgrad_reference(g1: np.ndarray, g2: np.ndarray) -> np.ndarray:
    """Average the two projected gradients; return g0 when they do not conflict."""
    g12 = g1 @ g2
    if g12 >= 0:
        return (g1 + g2) / 2
    g1_projected = g1 - (g12 / (g2 @ g2)) * g2
    g2_projected = g2 - (g12 / (g1 @ g1)) * g1
    return (g1_projected + g2_projected) / 2


def cagrad_weight_reference(g1: np.ndarray, g2: np.ndarray, c: float) -> float:
    """Minimise F(w) = gw . g0 + c |g0| |gw| over [0, 1] by root finding on F'.

    F is convex, so its right derivative is non-decreasing and the minimiser is where
    it changes sign. Brent's root finder locates that point to machine precision,
    which a bounded search on F itself cannot do (it stops near sqrt(eps) because F
    is flat at its minimum).
    """
    g0 = (g1 + g2) / 2
    edge = g1 - g2
    radius = c * np.linalg.norm(g0)

    def right_slope(w: float) -> float:
        gw = g2 + w * edge
        gw_norm = np.linalg.norm(gw)
        # At gw = 0 the right derivative of |gw| is |edge|. The division comes first
        # so that radius * (edge . gw) cannot overflow for gradients near 1e150.
        norm_slope = (edge @ gw) / gw_norm if gw_norm > 0 else np.linalg.norm(edge)
        return edge @ g0 + radius * norm_slope

    if right_slope(0.0) >= 0:
        return 0.0
    if right_slope(1.0) < 0:
        return 1.0
    return brentq(right_slope, 0.0, 1.0, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)


def cagrad_reference(g1: np.ndarray, g2: np.ndarray, c: float, rescale: str) -> np.ndarray:
    """Compute d = g0 + c |g0| gw / |gw|, or g0 where gw = 0, divided as `rescale` names."""
    g0 = (g1 + g2) / 2
    w = cagrad_weight_reference(g1, g2, c)
    gw = w * g1 + (1 - w) * g2
    gw_norm = np.linalg.norm(gw)
    direction = g0 if gw_norm == 0 else g0 + (c * np.linalg.norm(g0) / gw_norm) * gw
    divisor = {"1+c": 1 + c, "1+c^2": 1 + c**2, "none": 1.0}[rescale]
    return direction / divisor


ReferenceDirection = Callable[[str, np.ndarray, np.ndarray, float, str], np.ndarray]


def reference_direction_fn(
    method: str, g1: np.ndarray, g2: np.ndarray, c: float = 0.5, rescale: str = "1+c"
) -> np.ndarray:
    """Compute the direction of a method by name; c and rescale apply to CAGrad only."""
    g1 = np.asarray(g1, dtype=np.float64)
    g2 = np.asarray(g2, dtype=np.float64)
    if method == "gd":
        return gd_reference(g1, g2)
    if method == "mgda":
        return mgda_reference(g1, g2)
    if method == "pcgrad":
        return pcgrad_reference(g1, g2)
    if method == "cagrad":
        return cagrad_reference(g1, g2, c, rescale)
    raise ValueError(f"no reference for method {method!r}")


@pytest.fixture(scope="session")
def toy_losses() -> Callable[[torch.Tensor], torch.Tensor]:
    """The toy problem's (L1, L2) as a PyTorch function of points of shape (..., 2)."""
    return toy_losses_torch


@pytest.fixture(scope="session")
def toy_jacobian() -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Losses and Jacobians of the toy problem from PyTorch autograd (float64)."""
    return toy_jacobian_torch


@pytest.fixture(scope="session")
def reference_direction() -> ReferenceDirection:
    """Reference direction of each method, written in NumPy and SciPy."""
    return reference_direction_fn


@pytest.fixture(scope="session")
def reference_cagrad_weight() -> Callable[[np.ndarray, np.ndarray, float], float]:
    """Reference CAGrad dual weight of g1, found by root finding on the dual's slope."""
    return cagrad_weight_reference
