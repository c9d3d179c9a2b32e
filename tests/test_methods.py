"""Tests of the multi-task directions against NumPy references, TorchJD 0.18 and their properties.

TorchJD conventions, read from its source: an aggregator is called on the Jacobian
matrix whose rows are the task gradients. `PCGrad` returns the sum of the projected
gradients, twice our average. `CAGrad` does not rescale, solves the dual with cvxpy
(Clarabel), and returns 0 where |gw| < 1e-4 after normalising the Gramian by its
trace. `MGDA` runs Frank-Wolfe, which for two tasks reaches the minimiser in its
first exact line search.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import minimize_scalar
from torchjd.aggregation import MGDA, CAGrad, Mean, PCGrad

from toyopt import methods
from toyopt.methods import METHODS, RESCALE_CHOICES, rescale_divisor

jitted = {
    "gd": jax.jit(methods.gd),
    "mgda": jax.jit(methods.mgda),
    "pcgrad": jax.jit(methods.pcgrad),
    "cagrad": jax.jit(methods.cagrad, static_argnames="rescale"),
}
jitted_cagrad_weight = jax.jit(methods.cagrad_weight)
METHOD_NAMES = tuple(jitted)
C_VALUES = (0.0, 0.1, 0.5, 0.9, 2.0, 10.0)


def direction(method: str, g1, g2, c: float = 0.5, rescale: str = "1+c") -> np.ndarray:
    g1, g2 = jnp.asarray(g1, dtype=float), jnp.asarray(g2, dtype=float)
    if method == "cagrad":
        return np.asarray(jitted["cagrad"](g1, g2, c, rescale=rescale))
    return np.asarray(jitted[method](g1, g2))


def _random_pairs() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(20211027)
    return [(rng.normal(size=n), rng.normal(size=n)) for n in (2, 5) for _ in range(20)]


RANDOM_PAIRS = _random_pairs()

BASE_VECTOR = np.array([1.0, -2.0, 0.5])
# CAGrad's dual weight for this pair is 0.174 at c = 0.5, inside (0, 1).
INTERIOR_PAIR = (np.array([2.0, 1.0, 0.0]), np.array([-1.0, 1.0, 1.0]))
DEGENERATE_PAIRS = {
    "both_zero": (np.zeros(3), np.zeros(3)),
    "first_zero": (np.zeros(3), BASE_VECTOR),
    "second_zero": (BASE_VECTOR, np.zeros(3)),
    "equal": (BASE_VECTOR, BASE_VECTOR.copy()),
    "parallel_same_direction": (BASE_VECTOR, 3.0 * BASE_VECTOR),
    "antiparallel_equal_norm": (BASE_VECTOR, -BASE_VECTOR),
    "antiparallel_unequal_norm": (BASE_VECTOR, -2.5 * BASE_VECTOR),
    "orthogonal": (np.array([1.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0])),
    "orthogonal_equal_norm": (np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])),
    "tiny": (1e-150 * INTERIOR_PAIR[0], 1e-150 * INTERIOR_PAIR[1]),
    "huge": (1e150 * INTERIOR_PAIR[0], 1e150 * INTERIOR_PAIR[1]),
}

# Reference values from TorchJD's unit tests, for the rows J = [[-4, 1, 1], [6, 1, 1]] and
# c = 0.5. TorchJD 0.18 reproduces them.
REFERENCE_J = (np.array([-4.0, 1.0, 1.0]), np.array([6.0, 1.0, 1.0]))
REFERENCE_VALUES = [
    ("cagrad_unscaled", [0.1835, 1.2041, 1.2041]),
    ("cagrad_divided_by_1.5", [0.1223, 0.8027, 0.8027]),
    ("mgda", [0.0, 1.0, 1.0]),
    ("pcgrad_summed", [0.5848, 3.8012, 3.8012]),
]


def _reference_case_direction(case: str) -> np.ndarray:
    g1, g2 = REFERENCE_J
    if case == "cagrad_unscaled":
        return direction("cagrad", g1, g2, 0.5, "none")
    if case == "cagrad_divided_by_1.5":
        return direction("cagrad", g1, g2, 0.5, "1+c")
    if case == "mgda":
        return direction("mgda", g1, g2)
    return 2 * direction("pcgrad", g1, g2)


def _scale(g1: np.ndarray, g2: np.ndarray) -> float:
    return float(np.linalg.norm(g1) + np.linalg.norm(g2))


def _assert_close(actual, expected, scale: float, rtol: float = 1e-12) -> None:
    error = np.linalg.norm(np.asarray(actual) - np.asarray(expected))
    assert error <= rtol * scale, f"{actual} != {expected} (error {error:.3g})"


@pytest.mark.parametrize(("case", "expected"), REFERENCE_VALUES)
def test_reference_values(case, expected):
    np.testing.assert_allclose(_reference_case_direction(case), expected, atol=1e-4)


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_matches_reference_on_random_pairs(method, reference_direction):
    for g1, g2 in RANDOM_PAIRS:
        _assert_close(
            direction(method, g1, g2), reference_direction(method, g1, g2), _scale(g1, g2)
        )


@pytest.mark.parametrize("method", METHOD_NAMES)
@pytest.mark.parametrize("case", DEGENERATE_PAIRS)
def test_matches_reference_on_degenerate_pairs(case, method, reference_direction):
    g1, g2 = DEGENERATE_PAIRS[case]
    _assert_close(direction(method, g1, g2), reference_direction(method, g1, g2), _scale(g1, g2))


@pytest.mark.parametrize("rescale", RESCALE_CHOICES)
@pytest.mark.parametrize("c", C_VALUES)
def test_cagrad_matches_reference(c, rescale, reference_direction):
    for g1, g2 in RANDOM_PAIRS:
        expected = reference_direction("cagrad", g1, g2, c, rescale)
        _assert_close(direction("cagrad", g1, g2, c, rescale), expected, _scale(g1, g2))


@pytest.mark.parametrize("c", C_VALUES)
def test_cagrad_weight_matches_reference(c, reference_cagrad_weight):
    for g1, g2 in RANDOM_PAIRS:
        actual = float(jitted_cagrad_weight(jnp.asarray(g1), jnp.asarray(g2), c))
        assert actual == pytest.approx(reference_cagrad_weight(g1, g2, c), abs=1e-10)


def _dual(w: float, g1: np.ndarray, g2: np.ndarray, c: float) -> float:
    g0 = (g1 + g2) / 2
    gw = w * g1 + (1 - w) * g2
    return float(gw @ g0 + c * np.linalg.norm(g0) * np.linalg.norm(gw))


@pytest.mark.parametrize("c", C_VALUES)
def test_cagrad_weight_minimises_dual(c):
    # SciPy's bounded Brent search on F itself is a second, independent minimiser.
    for g1, g2 in RANDOM_PAIRS:
        found = minimize_scalar(
            _dual, bounds=(0.0, 1.0), args=(g1, g2, c), method="bounded", options={"xatol": 1e-12}
        )
        ours = _dual(float(jitted_cagrad_weight(jnp.asarray(g1), jnp.asarray(g2), c)), g1, g2, c)
        assert ours <= found.fun + 1e-12 * _scale(g1, g2) ** 2


def _jacobian_tensor(g1: np.ndarray, g2: np.ndarray) -> torch.Tensor:
    return torch.tensor(np.stack([g1, g2]), dtype=torch.float64)


def test_gd_matches_torchjd_mean():
    for g1, g2 in RANDOM_PAIRS:
        expected = Mean()(_jacobian_tensor(g1, g2)).numpy()
        _assert_close(direction("gd", g1, g2), expected, _scale(g1, g2))


def test_mgda_matches_torchjd():
    for g1, g2 in RANDOM_PAIRS:
        expected = MGDA()(_jacobian_tensor(g1, g2)).numpy()
        _assert_close(direction("mgda", g1, g2), expected, _scale(g1, g2), rtol=1e-10)


def test_pcgrad_matches_torchjd_half_sum():
    for g1, g2 in RANDOM_PAIRS:
        expected = PCGrad()(_jacobian_tensor(g1, g2)).numpy() / 2
        _assert_close(direction("pcgrad", g1, g2), expected, _scale(g1, g2))


@pytest.mark.parametrize("c", [0.2, 0.5, 0.9])
def test_cagrad_unscaled_matches_torchjd(c):
    # Clarabel stops at about 1e-8 in the dual objective. The objective is flat at its
    # minimum, so the weight, and with it the direction, is only good to about 1e-4.
    for g1, g2 in RANDOM_PAIRS:
        expected = CAGrad(c=c)(_jacobian_tensor(g1, g2)).numpy()
        _assert_close(direction("cagrad", g1, g2, c, "none"), expected, _scale(g1, g2), 2e-4)


@pytest.mark.parametrize("c", [0.2, 0.5, 0.9])
def test_cagrad_dual_not_worse_than_torchjd(c):
    # TorchJD's weights are 1/2 + k w_opt, where w_opt sums to 1, so w_opt follows from
    # the part above 1/2. The solver may leave [0, 1] by about 1e-9, hence the clip.
    # Our weight must reach a dual value at least as low.
    for g1, g2 in RANDOM_PAIRS:
        jacobian = _jacobian_tensor(g1, g2)
        excess = CAGrad(c=c).gramian_weighting(jacobian @ jacobian.T).numpy() - 0.5
        torchjd_w = float(np.clip(excess[0] / excess.sum(), 0.0, 1.0))
        ours_w = float(jitted_cagrad_weight(jnp.asarray(g1), jnp.asarray(g2), c))
        assert _dual(ours_w, g1, g2, c) <= _dual(torchjd_w, g1, g2, c) + 1e-14


@pytest.mark.parametrize("rescale", RESCALE_CHOICES)
def test_cagrad_zero_c_is_gd(rescale):
    for g1, g2 in RANDOM_PAIRS:
        np.testing.assert_array_equal(direction("cagrad", g1, g2, 0.0, rescale), (g1 + g2) / 2)


@pytest.mark.parametrize("c", C_VALUES)
def test_cagrad_stays_in_ball(c):
    # Undoing the division by 1 + c must give a point of the ball |d - g0| <= c |g0|.
    for g1, g2 in RANDOM_PAIRS:
        g0 = (g1 + g2) / 2
        d = direction("cagrad", g1, g2, c, "1+c")
        distance = np.linalg.norm(d * (1 + c) - g0)
        assert distance <= c * np.linalg.norm(g0) * (1 + 1e-12) + 1e-15


def _worst_improvement(g1: np.ndarray, g2: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Return min_i gi . d for a direction of shape (n,) or directions of shape (k, n)."""
    return np.minimum(d @ g1, d @ g2)


@pytest.mark.parametrize("c", [0.1, 0.5, 0.9, 2.0])
def test_cagrad_maximises_worst_improvement(c):
    rng = np.random.default_rng(7)
    for g1, g2 in RANDOM_PAIRS:
        g0 = (g1 + g2) / 2
        radius = c * np.linalg.norm(g0)

        # Points of the ball: random directions at random radii, a third of them on
        # the boundary sphere where the optimum lies.
        unit = rng.normal(size=(3000, g0.size))
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
        r = np.concatenate([rng.uniform(0, 1, 2000), np.ones(1000)])
        samples = g0 + radius * r[:, None] * unit

        best = _worst_improvement(g1, g2, direction("cagrad", g1, g2, c, "none"))
        sampled = _worst_improvement(g1, g2, samples).max()
        assert best >= sampled - 1e-12 * _scale(g1, g2) ** 2


def test_cagrad_large_c_approaches_mgda():
    for g1, g2 in RANDOM_PAIRS:
        d = direction("cagrad", g1, g2, 1e6, "none")
        m = direction("mgda", g1, g2)
        gap = np.linalg.norm(d / np.linalg.norm(d) - m / np.linalg.norm(m))
        assert gap < 1e-4


@pytest.mark.parametrize("ratio", [3.0, 0.25, 1e6])
def test_cagrad_antiparallel_large_c_keeps_mean(ratio):
    # With c >= 1 the dual picks gw = 0 on the segment; the convention is d = g0.
    # Rounding must not leave a noise-directed correction of length c |g0|.
    g1 = jnp.array([1.0, -2.0, 0.5])
    g2 = -ratio * g1

    d = np.asarray(methods.cagrad(g1, g2, c=2.0, rescale="none"))

    np.testing.assert_allclose(d, np.asarray(methods.gd(g1, g2)), rtol=1e-12)


def test_cagrad_weight_in_unit_interval():
    for c in C_VALUES:
        for g1, g2 in RANDOM_PAIRS:
            w = float(jitted_cagrad_weight(jnp.asarray(g1), jnp.asarray(g2), c))
            assert 0.0 <= w <= 1.0


def test_mgda_min_norm_on_segment():
    weights = np.linspace(0.0, 1.0, 1001)
    for g1, g2 in RANDOM_PAIRS:
        segment = weights[:, None] * g1 + (1 - weights[:, None]) * g2
        d_norm = np.linalg.norm(direction("mgda", g1, g2))
        assert d_norm <= np.linalg.norm(segment, axis=1).min() * (1 + 1e-12)


@pytest.mark.parametrize("method", ["mgda", "pcgrad"])
def test_non_conflicting(method):
    # MGDA and two-task PCGrad never increase either task loss to first order.
    for g1, g2 in RANDOM_PAIRS:
        d = direction(method, g1, g2)
        assert _worst_improvement(g1, g2, d) >= -1e-12 * _scale(g1, g2) ** 2


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_task_order_invariant(method):
    for g1, g2 in RANDOM_PAIRS:
        _assert_close(direction(method, g1, g2), direction(method, g2, g1), _scale(g1, g2))


@pytest.mark.parametrize("method", METHOD_NAMES)
@pytest.mark.parametrize("power", [-40, 40])
def test_positively_homogeneous(method, power):
    # Scaling both gradients by a power of two is exact in floating point.
    scale = 2.0**power
    for g1, g2 in RANDOM_PAIRS:
        expected = scale * direction(method, g1, g2)
        _assert_close(direction(method, scale * g1, scale * g2), expected, scale * _scale(g1, g2))


RESCALE_DIVISORS = [("1+c", 1.5), ("1+c^2", 1.25), ("none", 1.0)]


@pytest.mark.parametrize(("rescale", "expected"), RESCALE_DIVISORS)
def test_rescale_divisor_values(rescale, expected):
    assert float(rescale_divisor(0.5, rescale)) == expected


def test_rescale_divisor_invalid_name_raises():
    with pytest.raises(ValueError, match="1\\+c\\^3"):
        rescale_divisor(0.5, "1+c^3")


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_method_table_matches_functions(method):
    # The engine calls METHODS[name](g1, g2, c, divisor).
    c, rescale = 0.7, "1+c^2"
    divisor = rescale_divisor(c, rescale)
    for g1, g2 in RANDOM_PAIRS[:5]:
        table = np.asarray(jax.jit(METHODS[method])(jnp.asarray(g1), jnp.asarray(g2), c, divisor))
        np.testing.assert_allclose(table, direction(method, g1, g2, c, rescale), rtol=1e-14)


# Hypothesis: finite output for finite input. Entries are bounded by 1e150 so that
# every Gramian entry gi . gj, a sum of at most 5 products below 1e300, and
# |g1 - g2|^2 <= 2e301 stay below the float64 maximum of 1.8e308. Zeros, subnormal
# numbers and exactly parallel or antiparallel pairs are generated on purpose.
_entries = st.one_of(
    st.just(0.0),
    st.floats(-1e150, 1e150, allow_nan=False, allow_infinity=False, allow_subnormal=True),
)


def _vector(n: int):
    return arrays(np.float64, n, elements=_entries)


@st.composite
def gradient_pairs(draw):
    n = draw(st.sampled_from([2, 5]))
    g1 = draw(_vector(n))
    kind = draw(st.sampled_from(["independent", "equal", "negated", "zero", "scaled"]))
    if kind == "independent":
        return g1, draw(_vector(n))
    if kind == "equal":
        return g1, g1.copy()
    if kind == "negated":
        return g1, -g1
    if kind == "zero":
        return g1, np.zeros(n)
    return g1, g1 * draw(st.floats(-1.0, 1.0))


@pytest.mark.parametrize("method", ["gd", "mgda", "pcgrad"])
@settings(max_examples=150, deadline=None)
@given(pair=gradient_pairs())
def test_finite_output(method, pair):
    g1, g2 = pair
    assert np.all(np.isfinite(direction(method, g1, g2)))


@pytest.mark.parametrize("rescale", RESCALE_CHOICES)
@settings(max_examples=150, deadline=None)
@given(pair=gradient_pairs(), c=st.floats(0.0, 10.0))
def test_cagrad_finite_output(rescale, pair, c):
    g1, g2 = pair
    assert np.all(np.isfinite(direction("cagrad", g1, g2, c, rescale)))
