"""Accepted ranges, validation and text formats of a run configuration.

One `Limits` value describes what an entry point accepts: `LIMITS` for the library
and the command line, `APP_LIMITS` for the interactive app. The same checks serve
three inputs:

- `config_from_dict`: strict. The first invalid value raises `ConfigError`.
- `load_config_file`: strict, for the JSON file written by `dump_config_file`.
- `config_from_query`: lenient, for the share-link query string. Each invalid
  value falls back to its default and adds a message, and nothing raises.

Only `json.loads` and plain string parsing read the input. Nothing is evaluated.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from toyopt.engine import METHOD_NAMES, RunConfig
from toyopt.methods import RESCALE_CHOICES
from toyopt.optimizers import OPTIMIZERS
from toyopt.problems import PROBLEMS, Problem, get_problem

DEFAULT_CONFIG = RunConfig()
"""Figure 1 of the CAGrad paper, and the fallback of every missing or invalid value."""

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RunConfig))
"""Keys of a configuration dictionary, in `RunConfig` order."""

CONFIG_FORMAT = "toyopt-config"
CONFIG_VERSION = 1
MAX_CONFIG_FILE_SIZE = 1_000_000
"""Maximum size of a configuration file, in bytes (or characters for `str` input)."""

QUERY_KEYS: tuple[str, ...] = (
    "problem",
    "methods",
    "starts",
    "c",
    "lr",
    "steps",
    "optimizer",
    "rescale",
)
"""Share-link parameters. record_every is not among them: the app sets it."""

MAX_NUMBER_LENGTH = 64
"""Maximum length of the text of one number, in characters."""

MAX_START_LENGTH = 64
"""Maximum text length per start point. A starts string may be max_starts times as long."""

MAX_METHODS_LENGTH = 256
"""Maximum length of a comma-separated method list, in characters."""

_NUMBER_PATTERN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER_PATTERN = re.compile(r"[+-]?[0-9]+")


def format_number(value: float) -> str:
    """Format a number as the shortest text that parses back to the same float.

    Integral values lose their ".0" ("-5" for -5.0), and every other float uses
    `repr`, which round-trips exactly.
    """
    if isinstance(value, numbers.Integral):
        return str(int(value))
    value = float(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


@dataclass(frozen=True)
class Interval:
    """Range of accepted numbers: [low, high], or (low, high] when `low_open` is set."""

    low: float
    high: float
    low_open: bool = False

    def __contains__(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        # NaN fails both comparisons, and Python compares large ints exactly.
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def __str__(self) -> str:
        opening = "(" if self.low_open else "["
        return f"{opening}{format_number(self.low)}, {format_number(self.high)}]"


@dataclass(frozen=True)
class Limits:
    """Ranges accepted by one entry point.

    Attributes:
        c: CAGrad's radius.
        lr: Learning rate.
        steps: Number of optimizer steps per run.
        max_starts: Maximum number of start points.
        coordinate: Range of each start coordinate, or None for the problem's plot
            domain (`Problem.domain`).
        max_points: Maximum number of recorded points in a batch, that is runs times
            records per run. It bounds the memory of the result arrays and outputs.
    """

    c: Interval
    lr: Interval
    steps: Interval
    max_starts: int
    coordinate: Interval | None
    max_points: int = 2_000_000

    def start_box(self, problem: Problem) -> tuple[Interval, Interval]:
        """Return the accepted ranges of x1 and x2 for start points of `problem`."""
        if self.coordinate is not None:
            return self.coordinate, self.coordinate
        (x1_low, x1_high), (x2_low, x2_high) = problem.domain
        return Interval(x1_low, x1_high), Interval(x2_low, x2_high)


LIMITS = Limits(
    c=Interval(0.0, 100.0),
    # Learning rates up to 100 let sgd show how a too-large step throws a run away.
    lr=Interval(0.0, 100.0, low_open=True),
    steps=Interval(1, 1_000_000),
    max_starts=64,
    coordinate=Interval(-1000.0, 1000.0),
)
"""Ranges of the library and the command line."""

APP_LIMITS = Limits(
    c=Interval(0.0, 10.0),
    lr=Interval(1e-4, 1e-1),
    steps=Interval(1000, 200_000),
    max_starts=12,
    coordinate=None,
)
"""Ranges of the interactive app, where start points must lie inside the plot domain."""


class ConfigError(ValueError):
    """Invalid configuration value or configuration file.

    Attributes:
        field: Name of the offending setting, or None when the error concerns the
            file as a whole.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def show_value(value: object, max_length: int = 40) -> str:
    """Return `repr(value)`, shortened for messages when longer than `max_length`."""
    if isinstance(value, str) and len(value) > max_length:
        return f"{value[:max_length]!r}... ({len(value)} characters)"
    text = repr(value)
    if len(text) > max_length:
        return f"{text[:max_length]}... ({len(text)} characters)"
    return text


def _invalid(field: str, value: object, expected: str) -> ConfigError:
    return ConfigError(f"invalid {field} {show_value(value)}: expected {expected}", field)


# Strict checks of typed values, shared by every entry point.


def _check_name(field: str, value: object, choices: Collection[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _invalid(field, value, "one of " + ", ".join(choices))
    return value


def _check_real(field: str, value: object, interval: Interval) -> float:
    if value not in interval:
        raise _invalid(field, value, f"a number in {interval}")
    return float(value)


def _check_integer(field: str, value: object, interval: Interval) -> int:
    if not isinstance(value, numbers.Integral) or value not in interval:
        raise _invalid(field, value, f"an integer in {interval}")
    return int(value)


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _check_methods(value: object, as_written: object = None) -> tuple[str, ...]:
    as_written = value if as_written is None else as_written
    expected = "a non-empty list of distinct methods from " + ", ".join(METHOD_NAMES)
    if not _is_list(value) or not value:
        raise _invalid("methods", as_written, expected)
    for name in value:
        if not isinstance(name, str) or name not in METHOD_NAMES:
            raise ConfigError(
                f"invalid methods {show_value(as_written)}: unknown method {show_value(name)}, "
                f"expected methods from {', '.join(METHOD_NAMES)}",
                "methods",
            )
    if len(set(value)) != len(value):
        raise _invalid("methods", as_written, "each method at most once")
    return tuple(value)


def _check_starts(
    value: object, limits: Limits, problem: Problem, as_written: object = None
) -> tuple[tuple[float, float], ...]:
    as_written = value if as_written is None else as_written
    x1_range, x2_range = limits.start_box(problem)
    expected = (
        f"1 to {limits.max_starts} points (x1, x2) with x1 in {x1_range} and x2 in {x2_range}"
    )
    if not _is_list(value) or not 1 <= len(value) <= limits.max_starts:
        raise _invalid("starts", as_written, expected)

    starts = []
    for index, point in enumerate(value, start=1):
        if not (_is_list(point) and len(point) == 2):
            ok = False
        else:
            ok = point[0] in x1_range and point[1] in x2_range
        if not ok:
            raise ConfigError(
                f"invalid starts {show_value(as_written)}: point {index} is {show_value(point)}, "
                f"expected x1 in {x1_range} and x2 in {x2_range}",
                "starts",
            )
        starts.append((float(point[0]), float(point[1])))
    return tuple(starts)


def default_record_every(steps: int, n_runs: int, limits: Limits = LIMITS) -> int:
    """Choose the record stride used when a configuration does not set one.

    It is the `RunConfig` default (100), or `steps` when that is smaller, raised if
    needed so that the batch stays within `limits.max_points`.
    """
    stride = min(DEFAULT_CONFIG.record_every, steps)
    records_allowed = limits.max_points // max(n_runs, 1) - 1
    return max(stride, math.ceil(steps / max(records_allowed, 1)))


def _check_record_every(value: object, steps: int, n_runs: int, limits: Limits) -> int:
    if not isinstance(value, numbers.Integral) or value not in Interval(1, steps):
        raise _invalid("record_every", value, f"an integer from 1 to steps ({steps})")
    record_every = int(value)
    n_points = n_runs * (math.ceil(steps / record_every) + 1)
    if n_points > limits.max_points:
        stride = default_record_every(steps, n_runs, limits)
        raise ConfigError(
            f"invalid record_every {record_every}: {n_runs} runs would record {n_points} "
            f"points, more than the maximum {limits.max_points}. "
            f"Use record_every >= {stride} or fewer steps, methods or starts",
            "record_every",
        )
    return record_every


def config_from_dict(d: Mapping[str, object], limits: Limits = LIMITS) -> RunConfig:
    """Build a configuration from a dictionary such as one from `config_to_dict`.

    Missing keys take the `RunConfig` default. Missing starts take the problem's
    default starts, and a missing record_every takes `default_record_every`.

    Args:
        d: Mapping from `FIELD_NAMES` to JSON-style values: strings, numbers, and
            lists for methods and starts.
        limits: Accepted ranges.

    Returns:
        The validated configuration.

    Raises:
        ConfigError: On an unknown key, a value of the wrong type, a non-finite or
            out-of-range number, an unknown name, duplicate methods or too many
            starts. The message names the first offending key and its value.
    """
    if not isinstance(d, Mapping):
        raise ConfigError(f"invalid configuration {show_value(d)}: expected an object of settings")
    for key in d:
        if key not in FIELD_NAMES:
            expected = ", ".join(FIELD_NAMES)
            raise ConfigError(f"unknown setting {show_value(key)}: expected one of {expected}")

    problem_name = _check_name("problem", d.get("problem", DEFAULT_CONFIG.problem), PROBLEMS)
    problem = get_problem(problem_name)
    methods = _check_methods(d.get("methods", DEFAULT_CONFIG.methods))
    starts = _check_starts(d.get("starts", problem.default_starts), limits, problem)
    optimizer = _check_name("optimizer", d.get("optimizer", DEFAULT_CONFIG.optimizer), OPTIMIZERS)
    lr = _check_real("lr", d.get("lr", DEFAULT_CONFIG.lr), limits.lr)
    steps = _check_integer("steps", d.get("steps", DEFAULT_CONFIG.steps), limits.steps)
    c = _check_real("c", d.get("c", DEFAULT_CONFIG.c), limits.c)
    rescale = _check_name("rescale", d.get("rescale", DEFAULT_CONFIG.rescale), RESCALE_CHOICES)

    n_runs = len(methods) * len(starts)
    if "record_every" in d:
        record_every = _check_record_every(d["record_every"], steps, n_runs, limits)
    else:
        record_every = default_record_every(steps, n_runs, limits)

    return RunConfig(
        problem=problem_name,
        methods=methods,
        starts=starts,
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        c=c,
        rescale=rescale,
        record_every=record_every,
    )


def config_to_dict(config: RunConfig) -> dict[str, object]:
    """Convert a configuration to a JSON-safe dictionary with lists in place of tuples.

    Returns:
        Every field of `RunConfig` under its own name, in `FIELD_NAMES` order.
    """
    return {
        "problem": config.problem,
        "methods": list(config.methods),
        "starts": [[float(x1), float(x2)] for x1, x2 in config.starts],
        "optimizer": config.optimizer,
        "lr": float(config.lr),
        "steps": int(config.steps),
        "c": float(config.c),
        "rescale": config.rescale,
        "record_every": int(config.record_every),
    }


# Configuration file.


def dump_config_file(config: RunConfig) -> str:
    """Serialise a configuration as the text of a configuration file.

    The layout is `{"format": "toyopt-config", "version": 1, "config": {...}}` with
    the settings of `config_to_dict`. Floats are written by `repr`, so loading the
    file back gives an equal configuration and identical trajectories.
    """
    # One setting per line, with lists kept on their setting's line.
    settings = [
        f"    {json.dumps(key)}: {json.dumps(value, allow_nan=False)}"
        for key, value in config_to_dict(config).items()
    ]
    lines = [
        "{",
        f'  "format": {json.dumps(CONFIG_FORMAT)},',
        f'  "version": {CONFIG_VERSION},',
        '  "config": {',
        ",\n".join(settings),
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _reject_constant(name: str) -> object:
    raise ConfigError(f"invalid configuration file: {name} is not a valid number")


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ConfigError(f"invalid configuration file: duplicate key {show_value(key)}")
        result[key] = value
    return result


def load_config_file(text: str | bytes, limits: Limits = LIMITS) -> RunConfig:
    """Parse and validate the text of a configuration file written by `dump_config_file`.

    Args:
        text: File contents, as text or as UTF-8 bytes.
        limits: Accepted ranges of the settings.

    Returns:
        The configuration stored in the file.

    Raises:
        ConfigError: If the input is larger than MAX_CONFIG_FILE_SIZE, is not UTF-8 or
            not JSON, contains NaN, Infinity or a duplicate key, lacks the format
            marker, has a version newer than CONFIG_VERSION, or stores an invalid
            configuration (see `config_from_dict`).
    """
    if len(text) > MAX_CONFIG_FILE_SIZE:
        unit = "bytes" if isinstance(text, bytes) else "characters"
        raise ConfigError(
            f"invalid configuration file: {len(text)} {unit}, "
            f"more than the maximum {MAX_CONFIG_FILE_SIZE}"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ConfigError(f"invalid configuration file: not UTF-8 text ({error})") from None

    try:
        document = json.loads(
            text,
            parse_constant=_reject_constant,
            object_pairs_hook=_object_without_duplicates,
        )
    except json.JSONDecodeError as error:
        raise ConfigError(f"invalid configuration file: not valid JSON ({error})") from None
    except RecursionError:
        raise ConfigError("invalid configuration file: JSON nested too deeply") from None

    marker = f'expected an object with "format": "{CONFIG_FORMAT}"'
    if not isinstance(document, dict):
        raise ConfigError(f"not a toyopt configuration file: {marker}")
    if "format" not in document:
        raise ConfigError(f'not a toyopt configuration file: the key "format" is missing, {marker}')
    if document["format"] != CONFIG_FORMAT:
        found = show_value(document["format"])
        raise ConfigError(f"not a toyopt configuration file: format is {found}, {marker}")

    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(
            f"invalid configuration file: version {show_value(version)}, "
            f"expected an integer from 1 to {CONFIG_VERSION}"
        )
    if version > CONFIG_VERSION:
        raise ConfigError(
            f"unsupported configuration file: version {version} is newer than "
            f"version {CONFIG_VERSION}, the newest this toyopt reads. Upgrade toyopt"
        )

    for key in document:
        if key not in ("format", "version", "config"):
            raise ConfigError(
                f"invalid configuration file: unknown key {show_value(key)}, "
                'expected only "format", "version" and "config"'
            )
    if "config" not in document:
        raise ConfigError('invalid configuration file: missing key "config"')
    return config_from_dict(document["config"], limits)


# Text forms used by the command line and the share link.


def parse_number(field: str, text: str, interval: Interval) -> float:
    """Parse a decimal number such as "0.001", "-8.5" or "1e-3" and check its range.

    Only ASCII decimal notation is accepted: no "nan", "inf", underscores or other
    digits.

    Raises:
        ConfigError: If the text is not such a number or lies outside `interval`.
    """
    stripped = text.strip()
    valid = len(stripped) <= MAX_NUMBER_LENGTH and _NUMBER_PATTERN.fullmatch(stripped)
    if not valid or float(stripped) not in interval:
        raise _invalid(field, text, f"a number in {interval}")
    return float(stripped)


def parse_integer(field: str, text: str, interval: Interval) -> int:
    """Parse a decimal integer such as "100000" and check its range.

    Raises:
        ConfigError: If the text is not an integer or lies outside `interval`.
    """
    stripped = text.strip()
    valid = len(stripped) <= MAX_NUMBER_LENGTH and _INTEGER_PATTERN.fullmatch(stripped)
    if not valid or int(stripped) not in interval:
        raise _invalid(field, text, f"an integer in {interval}")
    return int(stripped)


def parse_methods(text: str) -> tuple[str, ...]:
    """Parse a comma-separated method list such as "gd,cagrad".

    Raises:
        ConfigError: If the list is empty or too long, or names an unknown method or
            one method twice.
    """
    if len(text) > MAX_METHODS_LENGTH:
        raise _invalid("methods", text, f"at most {MAX_METHODS_LENGTH} characters")
    names = [name.strip() for name in text.split(",")]
    if names == [""]:
        names = []
    return _check_methods(names, as_written=text)


def parse_starts(
    text: str, limits: Limits = LIMITS, problem: Problem | None = None
) -> tuple[tuple[float, float], ...]:
    """Parse start points written as "x1,x2;x1,x2;...", for example "-8.5,7.5;9,9".

    The length and the number of points are checked before the text is split, so
    a huge input is rejected without building a list of its parts.

    Args:
        text: The points.
        limits: Maximum number of points and accepted coordinates.
        problem: Problem whose plot domain applies when `limits.coordinate` is None;
            defaults to the `RunConfig` default problem.

    Raises:
        ConfigError: If a point is not two numbers, lies outside the accepted
            coordinates, or there are no points or too many.
    """
    problem = problem or get_problem(DEFAULT_CONFIG.problem)
    max_length = limits.max_starts * MAX_START_LENGTH
    if len(text) > max_length:
        raise _invalid("starts", text, f"at most {max_length} characters")
    if text.count(";") >= limits.max_starts:
        raise _invalid("starts", text, f"at most {limits.max_starts} points")

    points: list[tuple[float, float] | str] = []
    for index, item in enumerate(text.split(";"), start=1):
        parts = item.split(",")
        if len(parts) != 2 or not all(_NUMBER_PATTERN.fullmatch(p.strip()) for p in parts):
            raise ConfigError(
                f"invalid starts {show_value(text)}: point {index} is {show_value(item)}, "
                "expected two numbers x1,x2 with points separated by ';'",
                "starts",
            )
        points.append((float(parts[0]), float(parts[1])))
    return _check_starts(points, limits, problem, as_written=text)


def format_starts(starts: Sequence[Sequence[float]]) -> str:
    """Format start points as "x1,x2;x1,x2", the form `parse_starts` reads."""
    return ";".join(f"{format_number(x1)},{format_number(x2)}" for x1, x2 in starts)


# Share link.


def config_to_query(config: RunConfig) -> dict[str, str]:
    """Convert a configuration to share-link query parameters (`QUERY_KEYS`).

    Numbers use the shortest text that parses back exactly. record_every is left
    out because the app chooses it.
    """
    return {
        "problem": config.problem,
        "methods": ",".join(config.methods),
        "starts": format_starts(config.starts),
        "c": format_number(config.c),
        "lr": format_number(config.lr),
        "steps": str(int(config.steps)),
        "optimizer": config.optimizer,
        "rescale": config.rescale,
    }


def _query_text(
    params: Mapping[str, str | list[str]], key: str, messages: list[str], fallback: str
) -> str | None:
    """Return the single value of a query parameter, or None if absent or unusable."""
    raw = params.get(key)
    if raw is None:
        return None
    if isinstance(raw, list | tuple):
        if not raw:
            return None
        if len(raw) > 1:
            listed = ", ".join(show_value(v, 20) for v in raw[:3])
            more = f" and {len(raw) - 3} more" if len(raw) > 3 else ""
            messages.append(
                f"{key} given {len(raw)} times ({listed}{more}). Used {key}={fallback} instead."
            )
            return None
        raw = raw[0]
    if not isinstance(raw, str):
        messages.append(f"invalid {key} {show_value(raw)}. Used {key}={fallback} instead.")
        return None
    # A '+' typed into a URL reaches the server as a space ("1+c" becomes "1 c").
    return raw.replace(" ", "+")


def config_from_query(
    params: Mapping[str, str | list[str]],
    limits: Limits = APP_LIMITS,
    ignored_keys: Collection[str] = (),
) -> tuple[RunConfig, list[str]]:
    """Read a configuration from share-link query parameters, repairing invalid values.

    Each missing parameter takes its default silently, so a bare URL gives Figure 1
    of the CAGrad paper. Each invalid value (malformed, non-finite, out of range,
    unknown name, repeated key, too long) takes its own default and adds a message
    that names the parameter, the value and the value used instead. Missing or
    invalid starts take the problem's default starts. record_every is set to
    `default_record_every`.

    Args:
        params: Parameter name to value, or to the list of values when a key may
            repeat (for Streamlit, `{k: st.query_params.get_all(k) for k in
            st.query_params}`).
        limits: Accepted ranges.
        ignored_keys: Further parameter names to ignore without a message.

    Returns:
        The configuration and the messages, one per repaired or ignored parameter.
    """
    messages: list[str] = []

    def read(key: str, parse: Callable[[str], object], default: object, default_text: str):
        text = _query_text(params, key, messages, default_text)
        if text is None:
            return default
        try:
            return parse(text)
        except ConfigError as error:
            messages.append(f"{error}. Used {key}={default_text} instead.")
            return default

    defaults = DEFAULT_CONFIG
    problem_name = read(
        "problem", lambda t: _check_name("problem", t, PROBLEMS), defaults.problem, defaults.problem
    )
    problem = get_problem(problem_name)
    methods = read("methods", parse_methods, defaults.methods, ",".join(defaults.methods))
    starts = read(
        "starts",
        lambda t: parse_starts(t, limits, problem),
        problem.default_starts,
        format_starts(problem.default_starts),
    )

    def parse_real(key: str, interval: Interval) -> Callable[[str], float]:
        return lambda t: parse_number(key, t, interval)

    c = read("c", parse_real("c", limits.c), defaults.c, format_number(defaults.c))
    lr = read("lr", parse_real("lr", limits.lr), defaults.lr, format_number(defaults.lr))
    steps = read(
        "steps",
        lambda t: parse_integer("steps", t, limits.steps),
        defaults.steps,
        str(defaults.steps),
    )
    optimizer = read(
        "optimizer",
        lambda t: _check_name("optimizer", t, OPTIMIZERS),
        defaults.optimizer,
        defaults.optimizer,
    )
    rescale = read(
        "rescale",
        lambda t: _check_name("rescale", t, RESCALE_CHOICES),
        defaults.rescale,
        defaults.rescale,
    )

    unknown = [k for k in params if k not in QUERY_KEYS and k not in ignored_keys]
    if unknown:
        listed = ", ".join(show_value(k, 20) for k in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        messages.append(f"ignored unknown parameters {listed}{more}.")

    record_every = default_record_every(steps, len(methods) * len(starts), limits)
    config = RunConfig(
        problem=problem_name,
        methods=tuple(methods),
        starts=tuple(starts),
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        c=c,
        rescale=rescale,
        record_every=record_every,
    )
    return config, messages


def choice_from_query(
    params: Mapping[str, str | list[str]],
    key: str,
    choices: Collection[str],
    default: str,
    messages: list[str],
) -> str:
    """Read one named choice from share-link parameters, as `config_from_query` does.

    For display settings that live in the URL beside the run settings. A missing
    key gives `default` silently; an invalid or repeated one gives `default` and
    appends a message in the same words as `config_from_query`.
    """
    text = _query_text(params, key, messages, default)
    if text is None:
        return default
    try:
        return _check_name(key, text, choices)
    except ConfigError as error:
        messages.append(f"{error}. Used {key}={default} instead.")
        return default
