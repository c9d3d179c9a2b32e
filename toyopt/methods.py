"""Multi-task descent directions for two tasks.

Each method is a pure function of the two task gradients g1 and g2 (arrays of the
same shape) that returns the update direction d. The optimizer then treats d as
if it were the gradient. Notation: g0 = (g1 + g2) / 2 is the mean gradient and
gij = gi . gj are the entries of the Gramian.

Every method returns a finite direction for finite input. The degenerate cases
(zero, equal, parallel and antiparallel gradients) are handled where they arise,
with the convention stated in a comment.
"""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp

from toyopt import _jax_setup  # noqa: F401

Array = jnp.ndarray

_EPS = float(jnp.finfo(jnp.float64).eps)

RESCALE_CHOICES = ("1+c", "1+c^2", "none")
"""CAGrad output scalings: divide by 1 + c (the toy script published with Liu et al.,
2021), by 1 + c^2 (their NYUv2 code) or not at all (TorchJD 0.18)."""


def _safe_divide(numerator: Array, denominator: Array, fallback: Array | float) -> Array:
    """Divide where the denominator is non-zero and use `fallback` elsewhere.

    The inner `where` keeps the unused branch finite, so no NaN leaks into values
    or into gradients taken through this function.
    """
    nonzero = denominator != 0
    safe = jnp.where(nonzero, denominator, 1.0)
    return jnp.where(nonzero, numerator / safe, fallback)


def gd(g1: Array, g2: Array) -> Array:
    """Return the mean gradient g0 = (g1 + g2) / 2, the direction of plain descent on L0."""
    return (g1 + g2) / 2


def mgda_weight(g1: Array, g2: Array) -> Array:
    """Compute the MGDA weight alpha of g1 in the min-norm point of the segment [g2, g1].

    alpha = clip((g22 - g12) / |g1 - g2|^2, 0, 1), from Sener and Koltun (2018),
    "Multi-Task Learning as Multi-Objective Optimization", Algorithm 1.
    """
    g12 = jnp.vdot(g1, g2)
    g22 = jnp.vdot(g2, g2)
    gap = jnp.vdot(g1 - g2, g1 - g2)

    # Equal gradients (g1 == g2, both zero included): every point of the segment is
    # the same vector, so any weight gives the same direction; take 1/2.
    alpha = _safe_divide(g22 - g12, gap, 0.5)
    return jnp.clip(alpha, 0.0, 1.0)


def mgda(g1: Array, g2: Array) -> Array:
    """Return the min-norm element of the convex hull of {g1, g2} (MGDA).

    The result is zero exactly when some convex combination of the task gradients
    vanishes, which is the Pareto-stationarity condition. Antiparallel gradients
    therefore give d = 0.
    """
    alpha = mgda_weight(g1, g2)
    return alpha * g1 + (1 - alpha) * g2


def pcgrad(g1: Array, g2: Array) -> Array:
    """Return the PCGrad direction (Yu et al., 2020, "Gradient Surgery for Multi-Task Learning").

    When the gradients conflict (g12 < 0), each one is projected onto the normal plane
    of the other and the two projections are averaged. Otherwise d = g0. TorchJD and
    LibMTL return the sum of the projections, twice this direction. With two tasks
    the random task order of the paper does not change the result.
    """
    g11 = jnp.vdot(g1, g1)
    g12 = jnp.vdot(g1, g2)
    g22 = jnp.vdot(g2, g2)

    # g12 < 0 implies g11 > 0 and g22 > 0, so a zero gradient never reaches the
    # division; the fallback 0 only keeps the unused branch finite.
    g1_projected = g1 - _safe_divide(g12, g22, 0.0) * g2
    g2_projected = g2 - _safe_divide(g12, g11, 0.0) * g1

    # Antiparallel gradients project to exactly 0, so d = 0 there.
    conflict = g12 < 0
    return jnp.where(conflict, (g1_projected + g2_projected) / 2, gd(g1, g2))


def _cagrad_solution(g1: Array, g2: Array, c: Array | float) -> tuple[Array, Array]:
    """Solve CAGrad's dual and return (w, r) such that d = g0 + r gw, gw = w g1 + (1 - w) g2.

    Everything is computed from the Gramian entries g11, g12, g22, so a step costs
    three dot products and some scalar arithmetic. See `cagrad_weight` for the math.
    """
    # Scaling both gradients by s > 0 scales F by s^2 and leaves w and r unchanged.
    # The terms below are of degree 4 and 8 in the gradients, so they overflow or
    # underflow from about |g| = 1e38 or 1e-38 on. Solve with max |entry| = 1.
    scale = jnp.maximum(jnp.max(jnp.abs(g1)), jnp.max(jnp.abs(g2)))
    g1 = _safe_divide(g1, scale, 0.0)
    g2 = _safe_divide(g2, scale, 0.0)
    g11, g12, g22 = jnp.vdot(g1, g1), jnp.vdot(g1, g2), jnp.vdot(g2, g2)

    # With a = g1 - g2: A = |a|^2, B = a . g2, p = a . g0; D = A |g2|^2 - B^2 equals
    # the Gram determinant g11 g22 - g12^2.
    big_a = g11 - 2 * g12 + g22
    big_b = g12 - g22
    p = (g11 - g22) / 2
    radius = c * jnp.sqrt(jnp.maximum((g11 + 2 * g12 + g22) / 4, 0.0))
    gram_det = g11 * g22 - g12**2
    # For parallel or antiparallel gradients D is 0, but rounding leaves a residue
    # of a few eps * g11 g22, whose square root would move w by about 1e-8.
    gram_det = jnp.where(gram_det > 16 * _EPS * g11 * g22, gram_det, 0.0)

    discriminant = big_a * radius**2 - p**2
    u_squared = _safe_divide(p**2 * gram_det, discriminant, 0.0)
    u = -jnp.sign(p) * jnp.sqrt(jnp.maximum(u_squared, 0.0))
    # A = 0 means g1 == g2: gw does not depend on w, so the weight is arbitrary.
    w_root = jnp.clip(_safe_divide(u - big_b, big_a, 0.5), 0.0, 1.0)
    w_root = jnp.where(discriminant > 0, w_root, 0.0)

    # F(w) = gw . g0 + radius |gw| at the three candidates, from the Gramian.
    w = jnp.stack([jnp.zeros_like(w_root), jnp.ones_like(w_root), w_root])
    gw_dot_g0 = (w * (g11 + g12) + (1 - w) * (g12 + g22)) / 2
    gw_norm2 = jnp.maximum(w**2 * g11 + 2 * w * (1 - w) * g12 + (1 - w) ** 2 * g22, 0.0)
    w = w[jnp.argmin(gw_dot_g0 + radius * jnp.sqrt(gw_norm2))]
    # |gw| from the vector itself: the Gramian form above loses half the digits
    # when gw nearly vanishes, which the zero test below must not.
    gw = w * g1 + (1 - w) * g2
    gw_norm2 = jnp.vdot(gw, gw)

    # gw = 0 happens when 0 lies on the segment [g1, g2] (antiparallel gradients,
    # for example on the Pareto set) and the dual picks that point, so
    # radius * gw / |gw| is 0/0. Convention: drop the correction and keep d = g0,
    # as the 1e-4 terms of the paper's toy script do in effect (TorchJD returns 0).
    # A computed gw at rounding level is that zero too: its direction is noise.
    negligible = gw_norm2 <= (16 * _EPS) ** 2 * jnp.maximum(g11, g22)
    r = jnp.where(negligible, 0.0, _safe_divide(radius, jnp.sqrt(gw_norm2), 0.0))
    return w, r


def cagrad_weight(g1: Array, g2: Array, c: Array | float) -> Array:
    """Solve CAGrad's two-task dual in closed form and return the weight w of g1.

    The dual is  min over w in [0, 1] of  F(w) = gw . g0 + c |g0| |gw|,  where
    gw = w g1 + (1 - w) g2. F is convex in w. Write a = g1 - g2, A = |a|^2,
    B = a . g2, p = a . g0, D = A |g2|^2 - B^2 (the Gram determinant) and
    k = c |g0|. Then F'(w) = p + k (A w + B) / |gw|, and with u = A w + B the
    stationarity condition squares to u^2 (A k^2 - p^2) = p^2 D. Its root has the
    sign opposite to p and exists only when A k^2 > p^2. Otherwise F is monotone on
    [0, 1]. Either way the minimiser is the best of w = 0, w = 1 and the clipped
    root, which this function picks without branching.
    """
    return _cagrad_solution(g1, g2, c)[0]


def rescale_divisor(c: Array | float, rescale: str) -> Array:
    """Return the number CAGrad divides its direction by, for a name in RESCALE_CHOICES.

    Raises:
        ValueError: If `rescale` is not one of RESCALE_CHOICES.
    """
    c = jnp.asarray(c, dtype=float)
    if rescale == "1+c":
        return 1 + c
    if rescale == "1+c^2":
        return 1 + c**2
    if rescale == "none":
        return jnp.ones_like(c)
    choices = ", ".join(RESCALE_CHOICES)
    raise ValueError(f"invalid CAGrad rescale {rescale!r}; choose one of {choices}")


def cagrad_scaled(g1: Array, g2: Array, c: Array | float, divisor: Array | float) -> Array:
    """Return the CAGrad direction divided by `divisor` (see `cagrad`)."""
    w, r = _cagrad_solution(g1, g2, c)
    # d = g0 + r gw = (1/2 + r w) g1 + (1/2 + r (1 - w)) g2
    return ((0.5 + r * w) * g1 + (0.5 + r * (1 - w)) * g2) / divisor


def cagrad(g1: Array, g2: Array, c: Array | float = 0.5, rescale: str = "1+c") -> Array:
    """Return the CAGrad direction (Liu et al., 2021, "Conflict-Averse Gradient Descent").

    CAGrad maximises the worst task improvement min_i gi . d over the ball
    |d - g0| <= c |g0|. From the dual weight w (see `cagrad_weight`) the direction
    is d = g0 + (c |g0| / |gw|) gw, then divided as `rescale` selects. c = 0 gives
    plain descent on L0, and as c grows d turns towards the MGDA direction.
    Convergence to a minimum of L0 is proved for 0 <= c < 1.

    Args:
        g1: Gradient of task 1.
        g2: Gradient of task 2, same shape as g1.
        c: Radius of the ball, relative to |g0|; c >= 0.
        rescale: One of RESCALE_CHOICES.

    Returns:
        The direction, same shape as g1.
    """
    return cagrad_scaled(g1, g2, c, rescale_divisor(c, rescale))


DirectionFn = Callable[[Array, Array, Array, Array], Array]
"""Uniform signature used by the engine: (g1, g2, c, divisor) -> d."""

METHODS: dict[str, DirectionFn] = {
    "gd": lambda g1, g2, c, divisor: gd(g1, g2),
    "mgda": lambda g1, g2, c, divisor: mgda(g1, g2),
    "pcgrad": lambda g1, g2, c, divisor: pcgrad(g1, g2),
    "cagrad": cagrad_scaled,
}
"""Direction functions by name, in the order the CLI and the app list them."""

METHOD_LABELS: dict[str, str] = {
    "gd": "GD (mean gradient)",
    "mgda": "MGDA",
    "pcgrad": "PCGrad",
    "cagrad": "CAGrad",
}
