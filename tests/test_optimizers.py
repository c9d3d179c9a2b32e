"""Tests of the optax optimizers against torch.optim (float64, PyTorch defaults).

Each optimizer is fed the same directions on both sides: first a fixed sequence of
random directions, then the directions of every method along 1000-step runs of the
compiled engine from the three Figure 1 starts.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch

from toyopt.engine import RunConfig, run
from toyopt.optimizers import OPTIMIZERS, make_optimizer

# Learning rate per optimizer: large enough that every run moves by more than 0.5
# in 1000 steps, small enough that none becomes chaotic.
LEARNING_RATES = {"adam": 1e-3, "sgd": 1e-2, "momentum": 1e-3, "rmsprop": 1e-3}

TORCH_OPTIMIZERS = {
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "rmsprop": lambda params, lr: torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8),
}

ENGINE_STEPS = 1000


def _torch_positions(name: str, lr: float, x0: np.ndarray, directions) -> np.ndarray:
    """Step a torch optimizer with directions(x) written into the gradient.

    Returns:
        The positions before the first and after every step, shape (steps + 1, ...).
    """
    parameter = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    optimizer = TORCH_OPTIMIZERS[name]([parameter], lr)
    positions = [parameter.detach().numpy().copy()]
    for direction in directions:
        parameter.grad = torch.tensor(direction(parameter.detach().numpy()))
        optimizer.step()
        positions.append(parameter.detach().numpy().copy())
    return np.stack(positions)


def _optax_positions(name: str, lr: float, x0: np.ndarray, directions: np.ndarray) -> np.ndarray:
    optimizer = make_optimizer(name, lr)

    def step(state, direction):
        x, opt_state = state
        updates, opt_state = optimizer.update(direction, opt_state, x)
        x = optax.apply_updates(x, updates)
        return (x, opt_state), x

    x0 = jnp.asarray(x0)
    _, xs = jax.jit(lambda d: jax.lax.scan(step, (x0, optimizer.init(x0)), d))(directions)
    return np.concatenate([np.asarray(x0)[None], np.asarray(xs)])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_matches_torch_on_fixed_directions(name):
    # Direction sizes from 1e-6 to 1e3, where the placement of eps matters.
    rng = np.random.default_rng(3)
    directions = rng.normal(size=(200, 3)) * 10.0 ** rng.uniform(-6, 3, size=(200, 1))
    x0 = np.array([1.0, -2.0, 0.5])
    lr = LEARNING_RATES[name]

    expected = _torch_positions(name, lr, x0, [lambda x, d=d: d for d in directions])
    actual = _optax_positions(name, lr, x0, jnp.asarray(directions))
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)


@pytest.fixture(scope="module")
def engine_runs():
    """Map each optimizer name to its 1000-step engine run of every method and start."""
    return {
        name: run(
            RunConfig(optimizer=name, lr=LEARNING_RATES[name], steps=ENGINE_STEPS, record_every=1)
        )
        for name in OPTIMIZERS
    }


def _torch_trajectories(result, toy_jacobian, reference_direction) -> np.ndarray:
    """Rerun every (method, start) pair of an engine result with torch.optim.

    All runs share one torch parameter of shape (runs, 2). Every optimizer here
    updates each entry from that entry's own history, so the runs stay independent.
    """
    config = result.config
    methods = np.repeat(config.methods, len(config.starts))
    x0 = np.tile(np.asarray(config.starts, dtype=np.float64), (len(config.methods), 1))

    def directions(x: np.ndarray) -> np.ndarray:
        _, jacobians = toy_jacobian(x)
        return np.stack(
            [
                reference_direction(method, jacobian[0], jacobian[1], config.c, config.rescale)
                for method, jacobian in zip(methods, jacobians, strict=True)
            ]
        )

    positions = _torch_positions(
        config.optimizer, config.lr, x0, [directions] * config.steps
    )  # (steps + 1, runs, 2)
    positions = positions.transpose(1, 0, 2)
    return positions.reshape(len(config.methods), len(config.starts), config.steps + 1, 2)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_engine_matches_torch_loop(name, engine_runs, toy_jacobian, reference_direction):
    result = engine_runs[name]
    expected = _torch_trajectories(result, toy_jacobian, reference_direction)
    for i, method in enumerate(result.config.methods):
        np.testing.assert_allclose(
            result.x[i], expected[i], rtol=1e-10, atol=1e-10, err_msg=f"method {method}"
        )


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_engine_runs_move(name, engine_runs):
    # Guards the comparison above: runs that barely move would agree trivially.
    result = engine_runs[name]
    moved = np.linalg.norm(result.x[:, :, -1] - result.x[:, :, 0], axis=-1)
    assert moved.min() > 0.5


def test_optimizer_names():
    assert tuple(OPTIMIZERS) == ("adam", "sgd", "momentum", "rmsprop")


def test_make_optimizer_unknown_name_raises():
    with pytest.raises(ValueError, match="'adagrad'"):
        make_optimizer("adagrad", 0.1)
