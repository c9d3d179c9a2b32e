"""Two-objective toy problems on the plane.

A problem maps a point x = (x1, x2) to its two task losses (L1, L2). The losses are
written once in `jax.numpy`; every gradient, Jacobian and Hessian is derived from them
by automatic differentiation. L0 = (L1 + L2) / 2 is the average loss that plain
gradient descent minimises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from toyopt import _jax_setup  # noqa: F401  (enables float64 before any array exists)

Array = jax.Array


@dataclass(frozen=True)
class Problem:
    """A named two-objective problem with its plot domain and known points.

    Attributes:
        name: Identifier used by the CLI, the app and share links.
        title: Human-readable name for legends and titles.
        losses: Function from a point of shape (2,) to the task losses, shape (2,).
        domain: Plot box ((x1_min, x1_max), (x2_min, x2_max)).
        default_starts: Start points of the reference figure, shape (k, 2).
        l0_minimum: Minimiser of the average loss L0.
        pareto_x1_range: Range of x1 covered by the Pareto set, used to seed the
            numerical Pareto-set solver.
    """

    name: str
    title: str
    losses: Callable[[Array], Array]
    domain: tuple[tuple[float, float], tuple[float, float]]
    default_starts: tuple[tuple[float, float], ...]
    l0_minimum: tuple[float, float]
    pareto_x1_range: tuple[float, float]

    def average_loss(self, x: Array) -> Array:
        """Compute L0 = (L1 + L2) / 2 at x."""
        return jnp.mean(self.losses(x), axis=-1)

    def jacobian(self, x: Array) -> Array:
        """Compute the Jacobian of (L1, L2) at x: row i is the gradient of task i."""
        return jax.jacfwd(self.losses)(x)


def clamp_min(v: Array, low: float) -> Array:
    """Compute max(v, low) with PyTorch's gradient convention.

    `torch.clamp_min` passes the gradient through wherever v >= low, ties included,
    while `jnp.maximum` splits it in half at a tie. The tie matters on the line
    x2 = 0 of the CAGrad toy problem, where both gates equal their floor 0.
    """
    return jnp.where(v >= low, v, low)


def abs_torch(v: Array) -> Array:
    """Compute |v| with PyTorch's gradient convention (derivative sign(v), 0 at 0).

    `jnp.abs` has derivative 1 at 0.
    """
    return jnp.where(v > 0, v, jnp.where(v < 0, -v, 0.0 * v))


LOG_FLOOR = 5e-6
"""Smallest argument of the logarithms in the CAGrad toy problem."""


def cagrad_toy_losses(x: Array) -> Array:
    """Compute (L1, L2) of the toy problem from the CAGrad paper (Liu et al., 2021).

    Above the x1 axis each task loss is a log-valley, below it a shallow quadratic
    bowl; the gates c1 = max(tanh(x2/2), 0) and c2 = max(tanh(-x2/2), 0) blend the
    two. The formulas follow the public toy script of the paper, arXiv 2110.14048.
    """
    x1, x2 = x[0], x[1]

    f1_log = jnp.log(clamp_min(abs_torch(0.5 * (-x1 - 7) - jnp.tanh(-x2)), LOG_FLOOR)) + 6
    f2_log = jnp.log(clamp_min(abs_torch(0.5 * (-x1 + 3) + jnp.tanh(-x2) + 2), LOG_FLOOR)) + 6
    f1_sq = ((-x1 + 7) ** 2 + 0.1 * (-x2 - 8) ** 2) / 10 - 20
    f2_sq = ((-x1 - 7) ** 2 + 0.1 * (-x2 - 8) ** 2) / 10 - 20

    c1 = clamp_min(jnp.tanh(x2 / 2), 0.0)
    c2 = clamp_min(jnp.tanh(-x2 / 2), 0.0)

    loss1 = f1_log * c1 + f1_sq * c2
    loss2 = f2_log * c1 + f2_sq * c2
    return jnp.stack([loss1, loss2])


CAGRAD_TOY = Problem(
    name="cagrad-toy",
    title="CAGrad toy problem",
    losses=cagrad_toy_losses,
    domain=((-10.0, 10.0), (-10.0, 10.0)),
    default_starts=((-8.5, 7.5), (-8.5, -5.0), (9.0, 9.0)),
    l0_minimum=(0.0, -8.35510978),
    pareto_x1_range=(-7.0, 7.0),
)

PROBLEMS: dict[str, Problem] = {CAGRAD_TOY.name: CAGRAD_TOY}


def get_problem(name: str) -> Problem:
    """Look up a problem by name.

    Raises:
        KeyError: If no problem has that name; the message lists the known names.
    """
    try:
        return PROBLEMS[name]
    except KeyError:
        known = ", ".join(sorted(PROBLEMS))
        raise KeyError(f"unknown problem {name!r}; known problems: {known}") from None
