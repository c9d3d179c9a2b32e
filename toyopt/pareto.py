"""Numerical Pareto set and front of a two-objective problem.

The Pareto set is traced as the minimisers of the weighted sum
w L1 + (1 - w) L2 for a grid of weights w in [0, 1]. Each minimiser is found by
damped Newton iterations in JAX, started from the line between the two single-task
optima. This recovers the whole set when the front is convex, as it is for the
built-in problems.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from toyopt import _jax_setup  # noqa: F401
from toyopt.problems import Problem, get_problem

NEWTON_ITERATIONS = 60


@dataclass(frozen=True)
class ParetoSet:
    """Sampled Pareto set (parameter space) and front (objective space).

    Attributes:
        weights: Weight w of L1 for each sample, increasing, shape (n,).
        x: Minimiser of w L1 + (1 - w) L2 for each weight, shape (n, 2).
        losses: (L1, L2) at each minimiser, shape (n, 2).
    """

    weights: np.ndarray
    x: np.ndarray
    losses: np.ndarray

    def distance(self, points: np.ndarray) -> np.ndarray:
        """Compute the Euclidean distance from each point to the sampled Pareto set.

        The set is treated as the polyline through its samples.

        Args:
            points: Array of shape (..., 2).

        Returns:
            Distances, shape (...).
        """
        points = np.asarray(points, dtype=np.float64)
        flat = points.reshape(-1, 2)
        start, end = self.x[:-1], self.x[1:]
        segment = end - start
        length2 = np.einsum("ij,ij->i", segment, segment)
        length2 = np.where(length2 > 0, length2, 1.0)

        relative = flat[:, None, :] - start[None, :, :]
        t = np.clip(np.einsum("pij,ij->pi", relative, segment) / length2, 0.0, 1.0)
        nearest = start[None] + t[..., None] * segment[None]
        distance = np.linalg.norm(flat[:, None, :] - nearest, axis=-1).min(axis=1)
        return distance.reshape(points.shape[:-1])


@functools.lru_cache(maxsize=8)
def _newton_solver(problem_name: str):
    problem = get_problem(problem_name)

    def scalarised(x, w):
        losses = problem.losses(x)
        return w * losses[0] + (1 - w) * losses[1]

    gradient = jax.grad(scalarised)
    hessian = jax.hessian(scalarised)

    def solve(w, x0):
        def newton_step(x, _):
            g = gradient(x, w)
            h = hessian(x, w)
            # A Hessian that is not positive definite (far from the set) gets a
            # gradient step instead of a Newton step.
            newton = jnp.linalg.solve(h + 1e-12 * jnp.eye(2), g)
            positive = jnp.linalg.eigvalsh(h)[0] > 0
            dx = jnp.where(positive, newton, 0.1 * g)
            return x - dx, None

        x, _ = jax.lax.scan(newton_step, x0, None, length=NEWTON_ITERATIONS)
        return x

    return jax.jit(jax.vmap(solve))


@functools.lru_cache(maxsize=8)
def pareto_set(problem_name: str, n: int = 401) -> ParetoSet:
    """Compute `n` samples of the Pareto set of a problem, evenly spaced in w.

    Args:
        problem_name: Name of a problem in `problems.PROBLEMS`.
        n: Number of weights, at least 2.

    Returns:
        The sampled set and front; cached per (problem, n).
    """
    problem: Problem = get_problem(problem_name)
    weights = np.linspace(0.0, 1.0, n)

    # Seed: the straight line between the ends of the set, at the height of L0's
    # minimum. w = 1 minimises L1 alone, which sits at the right end.
    x1_low, x1_high = problem.pareto_x1_range
    seeds = np.stack(
        [x1_low + weights * (x1_high - x1_low), np.full(n, problem.l0_minimum[1])], axis=1
    )
    x = np.asarray(_newton_solver(problem_name)(jnp.asarray(weights), jnp.asarray(seeds)))
    losses = np.asarray(jax.vmap(problem.losses)(jnp.asarray(x)))
    return ParetoSet(weights=weights, x=x, losses=losses)


def pareto_distance(problem_name: str, points: np.ndarray) -> np.ndarray:
    """Compute the distance from each point of shape (..., 2) to a problem's Pareto set."""
    return pareto_set(problem_name).distance(points)
