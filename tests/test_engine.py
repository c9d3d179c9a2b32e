"""Tests of the compiled engine: Figure 1 of the CAGrad paper, records, order, padding, divergence.

Most tests share one program shape, 12 runs with 1001 records, so JAX compiles the
Adam program once for the whole module (and once more for the padded single run).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest

from toyopt.engine import (
    METHOD_NAMES,
    NOT_DIVERGED,
    NOT_REACHED,
    REACH_TOLERANCE,
    RunConfig,
    run,
    validate_config,
)
from toyopt.pareto import pareto_distance
from toyopt.problems import CAGRAD_TOY

L0_MINIMUM = np.array([0.0, -8.35511])  # measured independently with SciPy Nelder-Mead
FIGURE1_STARTS = ((-8.5, 7.5), (-8.5, -5.0), (9.0, 9.0))

# 1000 Adam steps, one record per step: the same program shape as Figure 1.
SHORT = RunConfig(steps=1000, record_every=1)


@pytest.fixture(scope="module")
def figure1():
    return run(RunConfig())


@pytest.fixture(scope="module")
def short_run():
    return run(SHORT)


# Outcome of each Figure 1 run (Adam, lr 0.001, 100,000 steps, c = 0.5).
FIGURE1_OUTCOMES = [
    ("gd", 0, "stuck"),
    ("gd", 1, "l0_minimum"),
    ("gd", 2, "stuck"),
    ("mgda", 0, "pareto_set"),
    ("mgda", 1, "pareto_set"),
    ("mgda", 2, "pareto_set"),
    ("pcgrad", 0, "pareto_set"),
    ("pcgrad", 1, "pareto_set"),
    ("pcgrad", 2, "pareto_set"),
    ("cagrad", 0, "l0_minimum"),
    ("cagrad", 1, "l0_minimum"),
    ("cagrad", 2, "l0_minimum"),
]


def _final_point(result, method: str, start: int) -> np.ndarray:
    return result.final_x[result.run_index(method, start)]


def test_figure1_config_defaults():
    config = RunConfig()
    assert (config.optimizer, config.lr, config.steps, config.c, config.rescale) == (
        "adam",
        0.001,
        100_000,
        0.5,
        "1+c",
    )
    assert config.starts == FIGURE1_STARTS


@pytest.mark.slow
@pytest.mark.parametrize(("method", "start", "outcome"), FIGURE1_OUTCOMES)
def test_figure1_distance_to_l0_minimum(figure1, method, start, outcome):
    distance = np.linalg.norm(_final_point(figure1, method, start) - L0_MINIMUM)
    if outcome == "l0_minimum":
        assert distance < 1e-2
    elif outcome == "stuck":
        assert distance > 1.0
    else:
        assert distance > 0.5


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "start"), [(m, s) for m, s, outcome in FIGURE1_OUTCOMES if outcome == "pareto_set"]
)
def test_figure1_ends_on_pareto_set(figure1, method, start):
    assert pareto_distance("cagrad-toy", _final_point(figure1, method, start)) < 1e-2


@pytest.mark.slow
def test_figure1_no_divergence(figure1):
    assert np.all(figure1.diverged_at == NOT_DIVERGED)


def test_result_shapes(short_run):
    n_methods, n_starts, n_records = len(METHOD_NAMES), len(FIGURE1_STARTS), 1001
    assert short_run.record_steps.shape == (n_records,)
    assert short_run.x.shape == (n_methods, n_starts, n_records, 2)
    assert short_run.losses.shape == (n_methods, n_starts, n_records, 2)
    assert short_run.final_x.shape == (n_methods, n_starts, 2)
    assert short_run.final_losses.shape == (n_methods, n_starts, 2)
    assert short_run.final_step.shape == (n_methods, n_starts)
    assert short_run.diverged_at.shape == (n_methods, n_starts)


def test_first_record_is_start(short_run):
    expected = np.broadcast_to(np.asarray(FIGURE1_STARTS), short_run.x[:, :, 0].shape)
    np.testing.assert_array_equal(short_run.x[:, :, 0], expected)


def test_recorded_losses_match_torch(short_run, toy_jacobian):
    expected, _ = toy_jacobian(short_run.x.reshape(-1, 2))
    np.testing.assert_allclose(short_run.losses.reshape(-1, 2), expected, rtol=1e-12)


def test_final_state_is_last_record(short_run):
    np.testing.assert_array_equal(short_run.final_x, short_run.x[:, :, -1])


def test_final_losses_are_last_record(short_run):
    np.testing.assert_allclose(short_run.final_losses, short_run.losses[:, :, -1], rtol=1e-14)


def test_final_step_is_steps(short_run):
    assert np.all(short_run.final_step == SHORT.steps)


RECORD_STEP_CASES = [
    ((1, 1), [0, 1]),
    ((9, 3), [0, 3, 6, 9]),
    ((10, 3), [0, 3, 6, 9, 10]),
    ((100_000, 100), list(range(0, 100_001, 100))),
]


@pytest.mark.parametrize(("steps_and_stride", "expected"), RECORD_STEP_CASES)
def test_record_steps(steps_and_stride, expected):
    steps, record_every = steps_and_stride
    config = RunConfig(steps=steps, record_every=record_every)
    assert config.record_steps().tolist() == expected
    assert config.n_records == len(expected)


@pytest.fixture(scope="module")
def uneven_run():
    # 2999 steps at stride 3 give 1001 records, the same shape as `short_run`, and the
    # last stride has 2 steps.
    return run(replace(SHORT, steps=2999, record_every=3))


def test_uneven_record_steps(uneven_run):
    expected = [*range(0, 2998, 3), 2999]
    assert uneven_run.record_steps.tolist() == expected


def test_uneven_records_match_every_step(uneven_run, short_run):
    # Records at steps 0, 3, ..., 999 must be the states after exactly that many steps.
    np.testing.assert_array_equal(uneven_run.x[:, :, :334], short_run.x[:, :, 0:1000:3])


def test_uneven_final_state_is_last_record(uneven_run):
    np.testing.assert_array_equal(uneven_run.final_x, uneven_run.x[:, :, -1])


def test_uneven_final_step(uneven_run):
    assert np.all(uneven_run.final_step == 2999)


def test_methods_and_starts_order_preserved(short_run):
    reordered = run(
        replace(SHORT, methods=tuple(reversed(METHOD_NAMES)), starts=FIGURE1_STARTS[::-1])
    )
    np.testing.assert_array_equal(reordered.x, short_run.x[::-1, ::-1])


def test_run_index(short_run):
    assert short_run.run_index("pcgrad", 2) == (METHOD_NAMES.index("pcgrad"), 2)


def test_single_run_matches_batch(short_run):
    # One run is padded to a batch of 4. Its trajectory must not depend on that.
    alone = run(replace(SHORT, methods=("cagrad",), starts=(FIGURE1_STARTS[2],)))
    expected = short_run.x[short_run.run_index("cagrad", 2)]
    np.testing.assert_allclose(alone.x[0, 0], expected, rtol=1e-14, atol=1e-14)


# SGD with lr 20 from x2 = -1e152: x1 grows by a factor of about 3 per step until
# the quadratic branch overflows after about 320 steps. The loss at the start,
# about 1e302, is still finite.
DIVERGING_START = (-8.5, -1e152)
DIVERGING = replace(SHORT, optimizer="sgd", lr=20.0, starts=(DIVERGING_START, *FIGURE1_STARTS[1:]))


@pytest.fixture(scope="module")
def diverging_run():
    return run(DIVERGING)


def test_divergence_reported_late(diverging_run):
    assert np.all(diverging_run.diverged_at[:, 0] > 100)


def test_divergence_keeps_final_x_finite(diverging_run):
    assert np.all(np.isfinite(diverging_run.final_x))


def test_divergence_final_step(diverging_run):
    np.testing.assert_array_equal(
        diverging_run.final_step[:, 0], diverging_run.diverged_at[:, 0] - 1
    )


def test_divergence_freezes_state(diverging_run):
    # With one record per step, record k is the state after k steps, so every record
    # from final_step on must be the last finite point.
    for i in range(len(METHOD_NAMES)):
        last_finite = diverging_run.final_step[i, 0]
        frozen = diverging_run.x[i, 0, last_finite:]
        assert np.all(frozen == diverging_run.final_x[i, 0])


def test_divergence_leaves_other_runs_alone(diverging_run):
    clean = run(replace(DIVERGING, starts=FIGURE1_STARTS))
    np.testing.assert_array_equal(diverging_run.x[:, 1:], clean.x[:, 1:])


def test_divergence_other_runs_not_flagged(diverging_run):
    assert np.all(diverging_run.diverged_at[:, 1:] == NOT_DIVERGED)


# At (1e160, -1e160) the quadratic branch is inf and its gate's slope is 0, so the
# Jacobian contains inf * 0 = NaN and the first update is rejected.
OVERFLOWING_START = (1e160, -1e160)


@pytest.fixture(scope="module")
def overflowing_run():
    return run(replace(SHORT, starts=(FIGURE1_STARTS[0], OVERFLOWING_START, FIGURE1_STARTS[2])))


def test_overflowing_start_diverges_first_step(overflowing_run):
    assert np.all(overflowing_run.diverged_at[:, 1] == 1)


def test_overflowing_start_final_x_is_start(overflowing_run):
    assert np.all(overflowing_run.final_x[:, 1] == OVERFLOWING_START)


def test_overflowing_start_leaves_other_runs_alone(overflowing_run, short_run):
    np.testing.assert_array_equal(overflowing_run.x[:, [0, 2]], short_run.x[:, [0, 2]])


INVALID_CONFIGS = [
    ({"problem": "no-such-problem"}, "no-such-problem"),
    ({"methods": ("gd", "adamw")}, "'adamw'"),
    ({"methods": ()}, "no methods"),
    ({"starts": ()}, "no start points"),
    ({"starts": ((0.0, math.nan),)}, "(0.0, nan)"),
    ({"starts": ((0.0, 1.0, 2.0),)}, "(0.0, 1.0, 2.0)"),
    ({"optimizer": "lbfgs"}, "'lbfgs'"),
    ({"rescale": "1+c^3"}, "'1+c^3'"),
    ({"steps": 0}, "steps (0)"),
    ({"record_every": 0}, "record_every (0)"),
    ({"lr": 0.0}, "0.0"),
    ({"lr": -1.0}, "-1.0"),
    ({"lr": math.inf}, "inf"),
    ({"lr": math.nan}, "nan"),
    ({"c": -0.5}, "-0.5"),
    ({"c": math.nan}, "nan"),
]


@pytest.mark.parametrize(("fields", "named"), INVALID_CONFIGS)
def test_validate_config_rejects(fields, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        validate_config(replace(RunConfig(), **fields))


def test_validate_config_accepts_defaults():
    validate_config(RunConfig())


def test_run_rejects_invalid_config():
    with pytest.raises(ValueError, match="'adamw'"):
        run(replace(SHORT, methods=("adamw",)))


def test_reached_at_matches_every_step_records():
    config = RunConfig(
        methods=("gd", "cagrad"), starts=((0.6, -8.0), (-8.5, 7.5)), steps=1500, record_every=1
    )

    result = run(config)
    distance = np.linalg.norm(result.x - np.asarray(CAGRAD_TOY.l0_minimum), axis=-1)

    for m in range(2):
        for s in range(2):
            within = np.flatnonzero(distance[m, s] < REACH_TOLERANCE)
            expected = int(result.record_steps[within[0]]) if within.size else NOT_REACHED
            assert result.reached_at[m, s] == expected
    assert result.reached_at[0, 0] > 0
    assert result.reached_at[0, 1] == NOT_REACHED


def test_reached_at_zero_for_start_at_minimum():
    config = RunConfig(methods=("mgda",), starts=((0.001, -8.355),), steps=10, record_every=5)

    assert run(config).reached_at[0, 0] == 0
