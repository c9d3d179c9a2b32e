"""Loss values on a regular grid, for contour plots and surfaces.

The grid extends one unit past the problem's plot domain on every side (so
[-11, 11]^2 for the CAGrad toy problem, whose domain is [-10, 10]^2), which keeps
contour lines from stopping short at the edge of the visible box.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from toyopt import _jax_setup  # noqa: F401
from toyopt.problems import get_problem

GRID_MARGIN = 1.0
"""Distance by which the grid extends past the plot domain on each side."""

DEFAULT_RESOLUTION = 400


@dataclass(frozen=True)
class LossGrid:
    """Task losses and their average sampled on a regular grid.

    The arrays are read-only because one instance is cached and shared per problem.

    Attributes:
        x1: Grid coordinates along x1, shape (n,).
        x2: Grid coordinates along x2, shape (n,).
        l1: L1 at (x1[j], x2[i]), shape (n, n), rows along x2 as matplotlib expects.
        l2: L2, shape (n, n).
        l0: The average loss (L1 + L2) / 2, shape (n, n).
    """

    x1: np.ndarray
    x2: np.ndarray
    l1: np.ndarray
    l2: np.ndarray
    l0: np.ndarray

    def loss(self, name: str) -> np.ndarray:
        """Return the grid of the loss named "L0", "L1" or "L2".

        Raises:
            ValueError: For any other name.
        """
        grids = {"L0": self.l0, "L1": self.l1, "L2": self.l2}
        if name not in grids:
            raise ValueError(f"unknown loss {name!r}; choose from L0, L1, L2")
        return grids[name]


@functools.lru_cache(maxsize=8)
def loss_grid(problem_name: str, resolution: int = DEFAULT_RESOLUTION) -> LossGrid:
    """Evaluate a problem's losses on a `resolution` x `resolution` grid, cached.

    Args:
        problem_name: Name of a problem in `problems.PROBLEMS`.
        resolution: Number of samples along each axis, at least 2.

    Returns:
        The grid over the problem's domain widened by `GRID_MARGIN` on each side.

    Raises:
        KeyError: If the problem is unknown.
        ValueError: If `resolution` is below 2.
    """
    if resolution < 2:
        raise ValueError(f"invalid grid resolution {resolution!r}; expected at least 2")
    problem = get_problem(problem_name)
    (x1_low, x1_high), (x2_low, x2_high) = problem.domain

    x1 = np.linspace(x1_low - GRID_MARGIN, x1_high + GRID_MARGIN, resolution)
    x2 = np.linspace(x2_low - GRID_MARGIN, x2_high + GRID_MARGIN, resolution)
    mesh1, mesh2 = np.meshgrid(x1, x2)
    points = jnp.asarray(np.stack([mesh1.ravel(), mesh2.ravel()], axis=1))
    losses = np.asarray(jax.jit(jax.vmap(problem.losses))(points))

    l1 = losses[:, 0].reshape(mesh1.shape)
    l2 = losses[:, 1].reshape(mesh1.shape)
    l0 = (l1 + l2) / 2
    for array in (x1, x2, l1, l2, l0):
        array.setflags(write=False)
    return LossGrid(x1=x1, x2=x2, l1=l1, l2=l2, l0=l0)


def contour_levels(values: np.ndarray, n: int = 26) -> np.ndarray:
    """Choose contour levels at evenly spaced quantiles of `values`.

    Each band between two neighbouring levels then covers about the same area of the
    grid. Evenly spaced levels would crowd into the steep step along x2 = 0 of the
    CAGrad toy problem and leave its narrow log-valleys and its flat bowl almost
    empty.

    Args:
        values: Loss values on a grid, any shape.
        n: Maximum number of levels.

    Returns:
        Strictly increasing levels, at most n of them (fewer where quantiles tie).
    """
    finite = np.asarray(values)[np.isfinite(values)]
    quantiles = np.linspace(0.0, 1.0, n + 2)[1:-1]
    return np.unique(np.quantile(finite, quantiles))
