"""Tests of toyopt.io: the JSON and CSV result layouts, their readers and round trips."""

from __future__ import annotations

import copy
import dataclasses
import json

import numpy as np
import pytest

from toyopt import engine
from toyopt.config import config_to_dict
from toyopt.engine import RunConfig, RunResult
from toyopt.io import (
    CSV_COLUMNS,
    ResultFormatError,
    read_result_csv,
    read_result_json,
    result_to_csv,
    result_to_dict,
    result_to_json,
)

RUN_KEYS = {"method", "start", "final", "trajectory"}
FINAL_KEYS = {"step", "x", "L1", "L2", "L0", "pareto_distance", "diverged_at"}
TRAJECTORY_KEYS = {"step", "x", "L1", "L2"}

# The Pareto set of the CAGrad toy problem runs from (-7, -8.43446) through
# (0, -8.35511) to (7, -8.43446): within 0.08 of the segment x2 = -8.3552, |x1| <= 7.
PARETO_SEGMENT_X2 = -8.3552
PARETO_SEGMENT_TOLERANCE = 0.08


@pytest.fixture(scope="module")
def result() -> RunResult:
    # record_every does not divide steps, so the last record is a partial stride.
    config = RunConfig(
        methods=("cagrad", "gd", "mgda"),
        starts=((9.0, 9.0), (-8.5, -5.0)),
        steps=2000,
        record_every=300,
    )
    return engine.run(config)


@pytest.fixture(scope="module")
def diverged(result: RunResult) -> RunResult:
    """Return `result` with run (gd, start 1) marked as diverged at step 700.

    The sgd and momentum settings tried within the command-line limits gave no
    non-finite update on the CAGrad toy problem, so the engine's divergence output
    is imitated here.
    """
    diverged_at = result.diverged_at.copy()
    final_step = result.final_step.copy()
    diverged_at[1, 1] = 700
    final_step[1, 1] = 699
    return dataclasses.replace(result, diverged_at=diverged_at, final_step=final_step)


def segment_distance(point: list[float]) -> float:
    """Distance from a point to the segment x2 = PARETO_SEGMENT_X2, |x1| <= 7."""
    x1, x2 = point
    dx = max(abs(x1) - 7.0, 0.0)
    return float(np.hypot(dx, x2 - PARETO_SEGMENT_X2))


# JSON layout.


def test_json_top_level(result):
    document = result_to_dict(result)
    assert set(document) == {"config", "runs"}
    assert document["config"] == config_to_dict(result.config)


def test_json_run_order(result):
    runs = result_to_dict(result)["runs"]
    config = result.config
    expected = [(m, list(s)) for m in config.methods for s in config.starts]
    assert [(run["method"], run["start"]) for run in runs] == expected


def test_json_run_keys(result):
    for run in result_to_dict(result)["runs"]:
        assert set(run) == RUN_KEYS
        assert set(run["final"]) == FINAL_KEYS
        assert set(run["trajectory"]) == TRAJECTORY_KEYS


def test_json_final_values(result):
    runs = result_to_dict(result)["runs"]
    n_starts = len(result.config.starts)
    for index, run in enumerate(runs):
        m, s = divmod(index, n_starts)
        final = run["final"]
        assert final["step"] == result.config.steps
        assert final["x"] == result.final_x[m, s].tolist()
        assert final["L1"] == result.final_losses[m, s, 0]
        assert final["L2"] == result.final_losses[m, s, 1]
        assert final["L0"] == (final["L1"] + final["L2"]) / 2
        assert final["diverged_at"] is None


def test_json_pareto_distance(result):
    for run in result_to_dict(result)["runs"]:
        distance = run["final"]["pareto_distance"]
        reference = segment_distance(run["final"]["x"])
        assert distance >= 0
        assert abs(distance - reference) <= PARETO_SEGMENT_TOLERANCE


def test_json_trajectory_values(result):
    runs = result_to_dict(result)["runs"]
    n_starts = len(result.config.starts)
    for index, run in enumerate(runs):
        m, s = divmod(index, n_starts)
        trajectory = run["trajectory"]
        assert trajectory["step"] == [0, 300, 600, 900, 1200, 1500, 1800, 2000]
        assert trajectory["x"] == result.x[m, s].tolist()
        assert trajectory["x"][0] == run["start"]
        assert trajectory["x"][-1] == run["final"]["x"]
        assert trajectory["L1"] == result.losses[m, s, :, 0].tolist()
        assert trajectory["L2"] == result.losses[m, s, :, 1].tolist()


def test_json_types_are_plain(result):
    run = result_to_dict(result)["runs"][0]
    assert type(run["final"]["step"]) is int
    assert type(run["final"]["L0"]) is float
    assert type(run["final"]["pareto_distance"]) is float
    assert all(type(step) is int for step in run["trajectory"]["step"])
    assert all(type(v) is float for point in run["trajectory"]["x"] for v in point)


def test_json_diverged_run(diverged):
    runs = result_to_dict(diverged)["runs"]
    run = runs[3]
    assert run["final"]["diverged_at"] == 700
    assert run["final"]["step"] == 699
    assert run["trajectory"]["step"] == [0, 300, 600]
    assert len(run["trajectory"]["x"]) == 3
    assert len(run["trajectory"]["L1"]) == 3
    assert len(run["trajectory"]["L2"]) == 3
    assert all(r["final"]["diverged_at"] is None for i, r in enumerate(runs) if i != 3)


def test_json_text_round_trip(result, diverged):
    for item in (result, diverged):
        text = result_to_json(item)
        assert text.endswith("\n")
        assert read_result_json(text) == result_to_dict(item)
        assert json.loads(text) == result_to_dict(item)


def test_json_non_finite_loss_is_null(result):
    losses = result.losses.copy()
    losses[0, 0, 2, 0] = np.inf
    text = result_to_json(dataclasses.replace(result, losses=losses))
    document = read_result_json(text)
    assert "Infinity" not in text
    assert document["runs"][0]["trajectory"]["L1"][2] is None


def mutate(document: dict, path: tuple, value: object) -> dict:
    """Return a deep copy of `document` with the item at `path` replaced (or deleted)."""
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


DELETE = object()

JSON_REJECTS = [
    # (path, replacement, text in the message)
    (("runs",), [], "runs"),
    (("extra",), 1, "top level"),
    (("config", "lr"), "fast", "invalid lr"),
    (("runs", 0, "method"), "gd", "runs[0].method"),
    (("runs", 1, "start"), [0.0, 0.0], "runs[1].start"),
    (("runs", 0, "final", "x"), [1.0], "runs[0].final.x"),
    (("runs", 0, "final", "L0"), "low", "runs[0].final.L0"),
    (("runs", 0, "final", "step"), 5000, "runs[0].final.step"),
    (("runs", 0, "final", "diverged_at"), 3, "runs[0].final.diverged_at"),
    (("runs", 0, "final", "pareto_distance"), DELETE, "runs[0].final"),
    (("runs", 2, "trajectory", "step"), [0, 0], "runs[2].trajectory.step"),
    (("runs", 2, "trajectory", "x"), [[0.0, 0.0]], "runs[2].trajectory.x"),
    (("runs", 2, "trajectory", "L1", 0), True, "runs[2].trajectory.L1"),
]


@pytest.mark.parametrize(("path", "value", "where"), JSON_REJECTS)
def test_read_json_rejects(result, path, value, where):
    text = json.dumps(mutate(result_to_dict(result), path, value))
    with pytest.raises(ValueError) as caught:
        read_result_json(text)
    assert where in str(caught.value)


def test_read_json_rejects_malformed():
    with pytest.raises(ResultFormatError, match="invalid result JSON"):
        read_result_json("{")


# CSV layout.


def test_csv_header_and_rows(result):
    lines = result_to_csv(result).splitlines()
    n_runs = len(result.config.methods) * len(result.config.starts)
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert lines[0] == "method,start_index,step,x1,x2,L1,L2,L0"
    assert len(lines) == 1 + n_runs * result.config.n_records


def test_csv_values_exact(result):
    rows = read_result_csv(result_to_csv(result))
    config = result.config
    index = 0
    for m, method in enumerate(config.methods):
        for s in range(len(config.starts)):
            for r, step in enumerate(result.record_steps):
                row = rows[index]
                assert row["method"] == method
                assert row["start_index"] == s
                assert row["step"] == step
                assert row["x1"] == result.x[m, s, r, 0]
                assert row["x2"] == result.x[m, s, r, 1]
                assert row["L1"] == result.losses[m, s, r, 0]
                assert row["L2"] == result.losses[m, s, r, 1]
                assert row["L0"] == (row["L1"] + row["L2"]) / 2
                index += 1
    assert index == len(rows)


def test_csv_matches_json(result):
    rows = read_result_csv(result_to_csv(result))
    runs = result_to_dict(result)["runs"]
    flattened = [
        (run["method"], step, *point, l1, l2)
        for run in runs
        for step, point, l1, l2 in zip(
            *(run["trajectory"][k] for k in ("step", "x", "L1", "L2")), strict=True
        )
    ]
    from_csv = [(r["method"], r["step"], r["x1"], r["x2"], r["L1"], r["L2"]) for r in rows]
    assert from_csv == flattened


def test_csv_diverged_run(diverged):
    rows = read_result_csv(result_to_csv(diverged))
    steps = [r["step"] for r in rows if r["method"] == "gd" and r["start_index"] == 1]
    assert steps == [0, 300, 600]
    assert len(rows) == 6 * diverged.config.n_records - 5


def test_csv_full_precision(result):
    text = result_to_csv(result)
    value = float(result.x[0, 0, 1, 0])
    assert repr(value) in text


CSV_REJECTS = [
    ("x,y\n", "header"),
    ("method,start_index,step,x1,x2,L1,L2,L0\ngd,0,0,1,2,3,4\n", "line 2"),
    ("method,start_index,step,x1,x2,L1,L2,L0\ngd,a,0,1,2,3,4,5\n", "line 2"),
    ("method,start_index,step,x1,x2,L1,L2,L0\nadam,0,0,1,2,3,4,5\n", "line 2"),
    ("method,start_index,step,x1,x2,L1,L2,L0\ngd,-1,0,1,2,3,4,5\n", "line 2"),
    ("", "header"),
]


@pytest.mark.parametrize(("text", "where"), CSV_REJECTS)
def test_read_csv_rejects(text, where):
    with pytest.raises(ResultFormatError) as caught:
        read_result_csv(text)
    assert where in str(caught.value)
