"""Tests of the CAGrad toy problem against the same formulas in PyTorch (float64).

The JAX losses and their forward-mode Jacobian are compared with PyTorch autograd on a
dense grid of [-11, 11]^2 and on the points where the problem is not smooth: the line
x2 = 0 where both gates tie with their floor 0, the zeros of the two log arguments,
points inside the log clamp |arg| < 5e-6, and exact clamp ties |arg| = 5e-6.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from toyopt.problems import CAGRAD_TOY, LOG_FLOOR, PROBLEMS, get_problem

# XLA's float64 tanh and PyTorch's differ by up to 6 ulp (measured on 200,000 points
# of [-11, 11], jax 0.10.2 and torch 2.13.0). The formulas subtract nearly equal
# numbers in the log arguments and in tanh's derivative 1 - tanh^2, which turns that
# gap into a relative error of about ulp / |arg| and ulp / (1 - tanh^2).
TANH_GAP_ULPS = 8
BASE_RTOL = 1e-12

_losses = jax.jit(jax.vmap(CAGRAD_TOY.losses))
_jacobians = jax.jit(jax.vmap(CAGRAD_TOY.jacobian))


def _log_arguments(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x1, x2 = points[:, 0], points[:, 1]
    return 0.5 * (-x1 - 7) - np.tanh(-x2), 0.5 * (-x1 + 3) + np.tanh(-x2) + 2


def _relative_tolerance(points: np.ndarray) -> np.ndarray:
    """Return BASE_RTOL plus the tanh gap amplified by cancellation, per point."""
    arg1, arg2 = _log_arguments(points)
    smallest_arg = np.maximum(np.minimum(np.abs(arg1), np.abs(arg2)), LOG_FLOOR)
    # The log branch only counts where its gate c1 = max(tanh(x2/2), 0) or the gate's
    # slope is non-zero, that is for x2 >= 0.
    log_term = np.where(points[:, 1] >= 0, 1 / smallest_arg, 0.0)
    gate_slope = 1 - np.tanh(points[:, 1] / 2) ** 2
    return BASE_RTOL + TANH_GAP_ULPS * np.finfo(float).eps * (log_term + 1 / gate_slope)


def _grid() -> np.ndarray:
    # Step 0.1 with exact 0.0 in both axes, so x2 = 0 and (+-7, 0) are on the grid.
    axis = np.arange(-110, 111) / 10
    return np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)


def _log_zero_points() -> np.ndarray:
    """Return points where a log argument is 0, inside the clamp, or just outside it."""
    x2 = np.arange(-110, 111) / 10
    points = []
    # arg1 = 0 on x1 = -7 + 2 tanh(x2) and arg2 = 0 on x1 = 7 - 2 tanh(x2). A shift of
    # x1 by dx moves the argument by dx / 2, so |dx| < 1e-5 stays inside the clamp.
    for zero_line in (-7 + 2 * np.tanh(x2), 7 - 2 * np.tanh(x2)):
        for shift in (0.0, 1e-6, -1e-6, 4e-6, -4e-6, 2e-5, -2e-5, 1e-3, -1e-3):
            points.append(np.stack([zero_line + shift, x2], axis=-1))

    # Exact zeros with x2 > 0: tanh(2^-30) = 2^-30 exactly in both libraries, and every
    # other operation on these inputs is exact.
    tiny = 2.0**-30
    points.append(np.array([[-7 + 2 * tiny, tiny], [7 - 2 * tiny, tiny]]))
    return np.concatenate(points)


def _clamp_tie_points() -> np.ndarray:
    """Return points with arg1 = +-LOG_FLOOR exactly, and a tiny x2 > 0 so c1 > 0.

    Near x1 = -7 the half-difference h = 0.5 (-x1 - 7) is a multiple of 2^-51, and
    tanh(-x2) = -x2 exactly for x2 < 1e-15, so x2 = target - h gives arg1 = target.
    """
    step = 2.0**-51
    below = np.floor(LOG_FLOOR / step) * step
    points = []
    for h, target in ((below, LOG_FLOOR), (-below - step, -LOG_FLOOR)):
        points.append((-7 - 2 * h, target - h))
    return np.array(points)


def _gate_tie_points() -> np.ndarray:
    x1 = np.array([-11.0, -7.0, -3.5, 0.0, 2.0, 7.0, 10.0])
    return np.concatenate(
        [np.stack([x1, np.zeros_like(x1)], -1), np.stack([x1, np.full_like(x1, -0.0)], -1)]
    )


POINT_SETS = {
    "grid": _grid(),
    "log_zeros": _log_zero_points(),
    "clamp_ties": _clamp_tie_points(),
    "gate_ties": _gate_tie_points(),
}


@pytest.fixture(scope="module")
def evaluated(toy_jacobian):
    """Map each point set to (points, torch losses, torch Jacobians, JAX losses, JAX Jacobians).

    All sets go through JAX in one batch, so each program is compiled once.
    """
    all_points = np.concatenate(list(POINT_SETS.values()))
    jax_losses = np.asarray(_losses(jnp.asarray(all_points)))
    jax_jacobians = np.asarray(_jacobians(jnp.asarray(all_points)))
    torch_losses, torch_jacobians = toy_jacobian(all_points)

    results = {}
    begin = 0
    for name, points in POINT_SETS.items():
        end = begin + len(points)
        results[name] = (
            points,
            torch_losses[begin:end],
            torch_jacobians[begin:end],
            jax_losses[begin:end],
            jax_jacobians[begin:end],
        )
        begin = end
    return results


@pytest.mark.parametrize("name", POINT_SETS)
def test_jacobian_matches_torch(name, evaluated):
    points, _, expected, _, actual = evaluated[name]

    # Compare each task gradient as a vector, because a component that is the sum of
    # two nearly cancelling terms has no useful relative accuracy on its own.
    error = np.linalg.norm(actual - expected, axis=-1)
    bound = _relative_tolerance(points)[:, None] * np.linalg.norm(expected, axis=-1)
    worst = np.argmax(error - bound)
    point, task = divmod(int(worst), 2)
    assert np.all(error <= bound), (
        f"gradient of L{task + 1} at {points[point].tolist()}: "
        f"{actual[point, task].tolist()} != torch {expected[point, task].tolist()}"
    )


@pytest.mark.parametrize("name", POINT_SETS)
def test_jacobian_zeros_match_torch(name, evaluated):
    _, _, expected, _, actual = evaluated[name]
    assert np.array_equal(actual == 0, expected == 0)


@pytest.mark.parametrize("name", POINT_SETS)
def test_losses_match_torch(name, evaluated):
    points, expected, _, actual, _ = evaluated[name]
    bound = _relative_tolerance(points)[:, None] * np.maximum(np.abs(expected), 1.0)
    assert np.all(np.abs(actual - expected) <= bound)


def test_clamp_tie_points_are_exact_ties():
    arg1, _ = _log_arguments(_clamp_tie_points())
    assert np.array_equal(np.abs(arg1), [LOG_FLOOR, LOG_FLOOR])


def test_clamp_tie_passes_gradient(evaluated):
    # PyTorch's clamp_min passes the gradient at a tie, so dL1/dx1 = c1 * 0.5 / arg1 != 0.
    _, _, expected, _, actual = evaluated["clamp_ties"]
    assert np.all(expected[:, 0, 0] != 0)
    assert np.all(actual[:, 0, 0] != 0)


def test_log_zero_points_inside_clamp():
    # Guards the point construction: the zero lines with |shift| < 1e-5 must be clamped.
    points = _log_zero_points()
    arg1, arg2 = _log_arguments(points)
    n_inside = np.sum((np.abs(arg1) < LOG_FLOOR) | (np.abs(arg2) < LOG_FLOOR))
    assert n_inside >= 2 * 5 * 221


def test_gate_ties_pass_full_slope(evaluated):
    # On x2 = 0 both gates equal 0 and PyTorch gives each gate the full slope +-1/2, so
    # dL1/dx2 = (f1_log - f1_sq) / 2. Splitting the tie (jnp.maximum) would halve it.
    points, _, _, _, actual = evaluated["gate_ties"]
    x1 = points[:, 0]
    f1_log = np.log(np.maximum(np.abs(0.5 * (-x1 - 7)), LOG_FLOOR)) + 6
    f1_sq = ((-x1 + 7) ** 2 + 0.1 * 64) / 10 - 20
    np.testing.assert_allclose(actual[:, 0, 1], (f1_log - f1_sq) / 2, rtol=1e-14)


# L at the start points of Figure 1, evaluated independently with SciPy to 3 decimals.
START_LOSSES = [
    ((-8.5, 7.5), (6.552, 7.901)),
    ((9.0, 9.0), (7.944, 6.691)),
]


@pytest.mark.parametrize(("start", "expected"), START_LOSSES)
def test_losses_at_starts(start, expected):
    actual = np.asarray(_losses(jnp.asarray([start])))[0]
    np.testing.assert_allclose(actual, expected, atol=5e-4)


def test_losses_at_default_starts_match_torch(toy_jacobian):
    starts = np.asarray(CAGRAD_TOY.default_starts)
    expected, _ = toy_jacobian(starts)
    actual = np.asarray(_losses(jnp.asarray(starts)))
    np.testing.assert_allclose(actual, expected, rtol=BASE_RTOL)


def test_default_starts_are_figure1_starts():
    assert CAGRAD_TOY.default_starts == ((-8.5, 7.5), (-8.5, -5.0), (9.0, 9.0))


def test_l0_minimum_location():
    # Minimiser of L0 measured independently with SciPy Nelder-Mead to about 1e-8.
    np.testing.assert_allclose(CAGRAD_TOY.l0_minimum, (0.0, -8.35511), atol=1e-5)


def test_l0_minimum_is_stationary(toy_jacobian):
    _, jacobian = toy_jacobian(np.asarray([CAGRAD_TOY.l0_minimum]))
    l0_gradient = jacobian[0].mean(axis=0)
    assert np.linalg.norm(l0_gradient) < 1e-7


def test_losses_at_l0_minimum(toy_jacobian):
    # Both task losses equal -15.0916 at the minimum of L0.
    losses, _ = toy_jacobian(np.asarray([CAGRAD_TOY.l0_minimum]))
    np.testing.assert_allclose(losses[0], (-15.0916, -15.0916), atol=1e-4)


def test_average_loss_is_mean():
    points = jnp.asarray(_grid())
    actual = jax.jit(jax.vmap(CAGRAD_TOY.average_loss))(points)
    expected = _losses(points).mean(axis=-1)
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=1e-15)


def test_get_problem_known_name():
    assert get_problem("cagrad-toy") is CAGRAD_TOY


def test_get_problem_unknown_name_raises():
    with pytest.raises(KeyError, match="no-such-problem"):
        get_problem("no-such-problem")


def test_problem_names_match_keys():
    assert all(problem.name == name for name, problem in PROBLEMS.items())
