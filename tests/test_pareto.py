"""Tests of the numerical Pareto set and front of the CAGrad toy problem."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from toyopt.pareto import pareto_distance, pareto_set


@pytest.fixture(scope="module")
def pareto():
    return pareto_set("cagrad-toy")


# Points of the Pareto set, measured independently with SciPy Nelder-Mead on
# w L1 + (1 - w) L2 and rounded to 5 decimals.
PARETO_POINTS = [
    (-7.0, -8.43446),
    (-3.5, -8.37599),
    (0.0, -8.35511),
    (3.5, -8.37599),
    (7.0, -8.43446),
]

# Ends of the Pareto front (L1, L2), rounded to 3 decimals. w = 0 minimises L2 alone.
FRONT_ENDS = [
    (0, (-0.398, -19.989)),
    (-1, (-19.989, -0.398)),
]


@pytest.mark.parametrize("point", PARETO_POINTS)
def test_set_passes_through(pareto, point):
    # 1e-5 covers the rounding of the reference points.
    assert pareto.distance(np.asarray(point)) < 1e-5


@pytest.mark.parametrize(("index", "expected"), FRONT_ENDS)
def test_front_ends(pareto, index, expected):
    np.testing.assert_allclose(pareto.losses[index], expected, atol=5e-4)


def test_samples_are_stationary(pareto, toy_jacobian):
    _, jacobians = toy_jacobian(pareto.x)
    w = pareto.weights[:, None]
    gradient = w * jacobians[:, 0] + (1 - w) * jacobians[:, 1]
    assert np.abs(gradient).max() < 1e-10


def test_samples_are_minima(pareto, toy_losses):
    # Every point at distance 1e-3 around a sample has a larger weighted sum.
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = 1e-3 * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    points = torch.tensor(pareto.x[:, None, :] + ring[None])
    centres = torch.tensor(pareto.x)
    w = torch.tensor(pareto.weights)

    def weighted(losses: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return weights * losses[..., 0] + (1 - weights) * losses[..., 1]

    around = weighted(toy_losses(points), w[:, None])
    at_sample = weighted(toy_losses(centres), w)
    assert torch.all(around > at_sample[:, None])


def test_x1_linear_in_weight(pareto):
    # Along the set x1 = 14 w - 7, measured independently to about 1e-8.
    np.testing.assert_allclose(pareto.x[:, 0], 14 * pareto.weights - 7, atol=1e-8)


def test_losses_match_torch(pareto, toy_jacobian):
    expected, _ = toy_jacobian(pareto.x)
    np.testing.assert_allclose(pareto.losses, expected, rtol=1e-12)


def test_weights_even_and_increasing(pareto):
    np.testing.assert_allclose(pareto.weights, np.linspace(0.0, 1.0, 401))


def test_shapes(pareto):
    assert pareto.x.shape == (401, 2)
    assert pareto.losses.shape == (401, 2)


def _brute_force_distance(samples: np.ndarray, points: np.ndarray, per_segment: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[None, :, None]
    dense = samples[:-1, None] + t * (samples[1:] - samples[:-1])[:, None]
    dense = np.concatenate([dense.reshape(-1, 2), samples[-1:]])
    return np.linalg.norm(points[:, None] - dense[None], axis=-1).min(axis=1)


def test_distance_matches_brute_force(pareto):
    rng = np.random.default_rng(5)
    points = np.concatenate(
        [
            rng.uniform(-11, 11, size=(200, 2)),
            # Points near the set, where the nearest segment matters most.
            np.stack([rng.uniform(-8, 8, 200), rng.normal(-8.4, 0.05, 200)], axis=-1),
        ]
    )
    per_segment = 25
    brute = _brute_force_distance(pareto.x, points, per_segment)
    ours = pareto.distance(points)

    # Dense sampling can only overestimate, by at most half its spacing.
    spacing = np.linalg.norm(np.diff(pareto.x, axis=0), axis=1).max() / per_segment
    assert np.all(ours <= brute + 1e-12)
    assert np.all(brute - ours <= spacing / 2 + 1e-12)


def test_distance_zero_at_samples(pareto):
    assert np.all(pareto.distance(pareto.x) < 1e-12)


def test_distance_keeps_leading_shape(pareto):
    points = np.zeros((3, 4, 2))
    assert pareto.distance(points).shape == (3, 4)


def test_pareto_distance_uses_default_set(pareto):
    points = np.array([[0.0, 0.0], [5.0, -9.0]])
    np.testing.assert_array_equal(pareto_distance("cagrad-toy", points), pareto.distance(points))
