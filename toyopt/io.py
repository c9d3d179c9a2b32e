"""JSON and CSV forms of a `RunResult`, and readers that validate them.

JSON layout (`result_to_dict`)::

    {"config": {...every setting, as config.config_to_dict...},
     "runs": [{"method": "cagrad", "start": [x1, x2],
               "final": {"step": N, "x": [x1, x2], "L1": .., "L2": .., "L0": ..,
                         "pareto_distance": .., "diverged_at": null},
               "trajectory": {"step": [...], "x": [[x1, x2], ...],
                              "L1": [...], "L2": [...]}}]}

There is one run per (method, start) pair: every start of the first method, then
every start of the next. CSV layout (`result_to_csv`): one row per recorded point
with the columns of CSV_COLUMNS. Both write floats with `repr`, so the readers
return exactly the numbers of the result.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator

import numpy as np

from toyopt.config import config_from_dict, config_to_dict, show_value
from toyopt.engine import METHOD_NAMES, NOT_DIVERGED, RunResult
from toyopt.pareto import pareto_distance

CSV_COLUMNS: tuple[str, ...] = ("method", "start_index", "step", "x1", "x2", "L1", "L2", "L0")
"""CSV header. start_index counts from 0 in the order of `config.starts`."""


class ResultFormatError(ValueError):
    """Result JSON or CSV text that does not have the documented layout."""


def _floats(values: np.ndarray) -> list:
    """Convert an array to nested lists of floats, with None in place of NaN and inf.

    JSON has no literal for non-finite numbers. Positions are always finite because
    the engine stops a run before a non-finite step, but a loss can overflow far
    from the origin.
    """
    values = np.asarray(values, dtype=np.float64)
    if np.all(np.isfinite(values)):
        return values.tolist()
    return np.where(np.isfinite(values), values, None).tolist()


def _kept_records(result: RunResult, method_index: int, start_index: int) -> np.ndarray:
    """Return the record indices up to the run's final step.

    A diverged run keeps its last finite point in every later record, and those
    repeated records are dropped.
    """
    final_step = result.final_step[method_index, start_index]
    return np.flatnonzero(result.record_steps <= final_step)


def _final_l0(result: RunResult) -> np.ndarray:
    return (result.final_losses[..., 0] + result.final_losses[..., 1]) / 2


def result_to_dict(result: RunResult) -> dict:
    """Convert a result to the JSON layout described in the module docstring.

    Returns:
        A dictionary of JSON-safe values: lists, floats, ints, strings and None.
        `final.diverged_at` is None for a run that stayed finite, otherwise the
        step whose update was not finite. `final.pareto_distance` is the distance
        from the final point to the problem's Pareto set.
    """
    config = result.config
    distances = pareto_distance(config.problem, result.final_x)
    final_l0 = _final_l0(result)

    runs = []
    for m, method in enumerate(config.methods):
        for s, start in enumerate(config.starts):
            record_indices = _kept_records(result, m, s)
            diverged_at = int(result.diverged_at[m, s])
            final = {
                "step": int(result.final_step[m, s]),
                "x": _floats(result.final_x[m, s]),
                "L1": _floats(result.final_losses[m, s, 0]),
                "L2": _floats(result.final_losses[m, s, 1]),
                "L0": _floats(final_l0[m, s]),
                "pareto_distance": _floats(distances[m, s]),
                "diverged_at": None if diverged_at == NOT_DIVERGED else diverged_at,
            }
            trajectory = {
                "step": result.record_steps[record_indices].tolist(),
                "x": _floats(result.x[m, s, record_indices]),
                "L1": _floats(result.losses[m, s, record_indices, 0]),
                "L2": _floats(result.losses[m, s, record_indices, 1]),
            }
            runs.append(
                {
                    "method": method,
                    "start": [float(start[0]), float(start[1])],
                    "final": final,
                    "trajectory": trajectory,
                }
            )
    return {"config": config_to_dict(config), "runs": runs}


def result_to_json(result: RunResult) -> str:
    """Serialise a result as compact JSON text (see `result_to_dict`), ending in a newline."""
    return json.dumps(result_to_dict(result), allow_nan=False, separators=(",", ":")) + "\n"


def _csv_rows(result: RunResult) -> Iterator[list[str]]:
    config = result.config
    for m, method in enumerate(config.methods):
        for s in range(len(config.starts)):
            for r in _kept_records(result, m, s):
                x1, x2 = result.x[m, s, r]
                l1, l2 = result.losses[m, s, r]
                l0 = (l1 + l2) / 2
                numbers = (float(v) for v in (x1, x2, l1, l2, l0))
                yield [method, str(s), str(int(result.record_steps[r])), *map(repr, numbers)]


def result_to_csv(result: RunResult) -> str:
    """Serialise a result as tidy CSV: the header CSV_COLUMNS, then one row per record.

    Rows follow the JSON run order, then the step. A diverged run has rows only up
    to its final step. Floats use `repr` (full precision, "inf" or "nan" if a loss
    overflowed), and L0 = (L1 + L2) / 2.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows(result))
    return buffer.getvalue()


# Readers.


def _fail(path: str, expected: str) -> ResultFormatError:
    return ResultFormatError(f"invalid result JSON at {path}: expected {expected}")


def _require_keys(value: object, path: str, keys: tuple[str, ...]) -> dict:
    if not isinstance(value, dict) or set(value) != set(keys):
        raise _fail(path, "an object with exactly the keys " + ", ".join(keys))
    return value


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_loss(value: object) -> bool:
    return value is None or _is_real(value)


def _is_point(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_is_real(v) for v in value)


def _is_step(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_run(run: object, path: str, method: str, start: list[float], steps: int) -> None:
    _require_keys(run, path, ("method", "start", "final", "trajectory"))
    if run["method"] != method:
        raise _fail(f"{path}.method", repr(method))
    if run["start"] != start:
        raise _fail(f"{path}.start", repr(start))

    final = _require_keys(
        run["final"],
        f"{path}.final",
        ("step", "x", "L1", "L2", "L0", "pareto_distance", "diverged_at"),
    )
    if not (_is_step(final["step"]) and final["step"] <= steps):
        raise _fail(f"{path}.final.step", f"an integer in [0, {steps}]")
    if not _is_point(final["x"]):
        raise _fail(f"{path}.final.x", "a pair of numbers")
    for key in ("L1", "L2", "L0", "pareto_distance"):
        if not _is_loss(final[key]):
            raise _fail(f"{path}.final.{key}", "a number or null")
    diverged_at = final["diverged_at"]
    if not (diverged_at is None or (_is_step(diverged_at) and diverged_at == final["step"] + 1)):
        raise _fail(f"{path}.final.diverged_at", "null or the final step + 1")

    trajectory = _require_keys(run["trajectory"], f"{path}.trajectory", ("step", "x", "L1", "L2"))
    record_steps = trajectory["step"]
    if not (isinstance(record_steps, list) and all(_is_step(v) for v in record_steps)):
        raise _fail(f"{path}.trajectory.step", "a list of step numbers")
    if any(b <= a for a, b in itertools.pairwise(record_steps)):
        raise _fail(f"{path}.trajectory.step", "increasing step numbers")
    checks = {"x": _is_point, "L1": _is_loss, "L2": _is_loss}
    for key, check in checks.items():
        values = trajectory[key]
        if not (isinstance(values, list) and len(values) == len(record_steps)):
            raise _fail(f"{path}.trajectory.{key}", f"a list of {len(record_steps)} values")
        if not all(check(v) for v in values):
            raise _fail(f"{path}.trajectory.{key}", "a list of numbers")


def read_result_json(text: str | bytes) -> dict:
    """Parse result JSON written by `result_to_json` and check its layout.

    Returns:
        The dictionary of `result_to_dict`, unchanged.

    Raises:
        ResultFormatError: If the text is not JSON or does not have that layout. The
            message gives the path of the first offending value, such as
            "runs[3].final.x".
        config.ConfigError: If the stored configuration is invalid.
    """
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise ResultFormatError(f"invalid result JSON: {error}") from None

    _require_keys(document, "top level", ("config", "runs"))
    config = config_from_dict(document["config"])
    runs = document["runs"]
    n_runs = len(config.methods) * len(config.starts)
    if not (isinstance(runs, list) and len(runs) == n_runs):
        raise _fail("runs", f"a list of {n_runs} runs, one per (method, start)")

    for index, run in enumerate(runs):
        method = config.methods[index // len(config.starts)]
        start = list(config.starts[index % len(config.starts)])
        _check_run(run, f"runs[{index}]", method, start, config.steps)
    return document


def _parse_csv_row(row: list[str], line: int) -> dict:
    try:
        method, start_index, step, *numbers = row
        record = {"method": method, "start_index": int(start_index), "step": int(step)}
        record.update(zip(CSV_COLUMNS[3:], map(float, numbers), strict=True))
    except ValueError:
        raise ResultFormatError(
            f"invalid result CSV at line {line}: expected a method, two integers and "
            f"five numbers, got {show_value(row)}"
        ) from None
    if method not in METHOD_NAMES or record["start_index"] < 0 or record["step"] < 0:
        raise ResultFormatError(
            f"invalid result CSV at line {line}: unknown method or negative index "
            f"in {show_value(row)}"
        )
    return record


def read_result_csv(text: str) -> list[dict]:
    """Parse result CSV written by `result_to_csv`.

    Returns:
        One dictionary per row with the keys of CSV_COLUMNS: method (str),
        start_index and step (int), and x1, x2, L1, L2, L0 (float). NaN and inf
        are read back as floats.

    Raises:
        ResultFormatError: If the header differs from CSV_COLUMNS or a row is
            malformed; the message gives the line number.
    """
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != list(CSV_COLUMNS):
        raise ResultFormatError(
            f"invalid result CSV header {header!r}: expected {','.join(CSV_COLUMNS)}"
        )
    return [_parse_csv_row(row, line) for line, row in enumerate(reader, start=2)]
