"""Playground state: what the widgets show, kept in a session-state mapping.

Functions here take any MutableMapping, so tests can drive them with a dict as well
as with `st.session_state`. The URL query string mirrors the whole state: it is
read once when a session starts and rewritten after every change.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, MutableMapping
from dataclasses import replace

from toyopt.config import APP_LIMITS, choice_from_query, config_from_query, config_to_query
from toyopt.engine import METHOD_NAMES, RunConfig
from toyopt.problems import get_problem
from toyopt_app.compute import record_stride

logger = logging.getLogger(__name__)

PAPER = RunConfig()
"""Figure 1 of the CAGrad paper: the state of a fresh session."""

LAYOUTS = {"overlay": "All methods in one panel", "panels": "One panel per method"}
BACKGROUND_LOSSES = ("L0", "L1", "L2")
VIEW_DEFAULTS = {"layout": "overlay", "background": "L0"}
"""Display choices that are not part of the run but are kept in the URL too."""

C_CHOICES = tuple(
    [round(0.05 * i, 2) for i in range(21)]
    + [1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0]
    + [6.0, 7.0, 8.0, 9.0, 10.0]
)
"""Slider stops for c: steps of 0.05 below 1, where CAGrad changes most, coarser above."""
LR_CHOICES = (1e-4, 2e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2, 3e-2, 5e-2, 1e-1)
"""Log-spaced slider stops for the learning rate (1, 2, 3, 5 per decade)."""

FRESH_START_CANDIDATES = (
    (0.0, 5.0),
    (-5.0, -2.0),
    (5.0, -2.0),
    (0.0, 0.5),
    (-9.0, 0.0),
    (9.0, 0.0),
    (-3.0, 8.0),
    (3.0, 8.0),
    (0.0, -9.5),
    (-6.0, -9.0),
    (6.0, -9.0),
    (-1.5, 3.0),
)
"""Points offered by "Add start", tried in order, skipping those already in use."""

MESSAGES_KEY = "url_messages"


def with_choice(choices: tuple[float, ...], value: float) -> list[float]:
    """Return the sorted slider stops, including `value` if it is not one of them."""
    return sorted(set(choices) | {value})


def initialize(session: MutableMapping, query: Mapping[str, list[str]]) -> None:
    """Fill the session from the URL once per session; later calls do nothing.

    Each invalid URL value falls back to its default and leaves a message in
    session[MESSAGES_KEY] for the page to show.
    """
    if "starts" in session:
        return
    view_params = {k: v for k, v in query.items() if k in VIEW_DEFAULTS}
    run_params = {k: v for k, v in query.items() if k not in VIEW_DEFAULTS}
    config, messages = config_from_query(run_params, APP_LIMITS)
    messages += _view_from_query(session, view_params)
    load_config(session, config)
    session[MESSAGES_KEY] = messages
    for message in messages:
        logger.warning("share link: %s", message)


def _view_from_query(session: MutableMapping, params: Mapping[str, list[str]]) -> list[str]:
    allowed = {"layout": tuple(LAYOUTS), "background": BACKGROUND_LOSSES}
    messages: list[str] = []
    for name, default in VIEW_DEFAULTS.items():
        session[name] = choice_from_query(params, name, allowed[name], default, messages)
    return messages


def load_config(session: MutableMapping, config: RunConfig) -> None:
    """Set every widget value in the session from a configuration."""
    session["problem"] = config.problem
    session["methods"] = [m for m in METHOD_NAMES if m in config.methods]
    session["starts"] = [tuple(map(float, s)) for s in config.starts]
    session["optimizer"] = config.optimizer
    session["lr"] = float(config.lr)
    session["steps"] = int(config.steps)
    session["c"] = float(config.c)
    session["rescale"] = config.rescale


def reset_to_paper(session: MutableMapping) -> None:
    """Restore Figure 1's settings and starts, keeping the display choices."""
    load_config(session, PAPER)


def current_config(session: Mapping) -> RunConfig:
    """Build the RunConfig the widgets describe; methods keep the canonical order."""
    methods = tuple(m for m in METHOD_NAMES if m in session["methods"])
    return RunConfig(
        problem=session["problem"],
        methods=methods,
        starts=tuple(session["starts"]),
        optimizer=session["optimizer"],
        lr=float(session["lr"]),
        steps=int(session["steps"]),
        c=float(session["c"]),
        rescale=session["rescale"],
        record_every=record_stride(int(session["steps"])),
    )


def query_for(session: Mapping) -> dict[str, str]:
    """Return the URL query parameters that restore this session's state."""
    config = current_config(session)
    # The URL keeps the methods even when none is selected, so an empty selection
    # survives a reload as the default set rather than as an invalid link.
    if not config.methods:
        config = replace(config, methods=PAPER.methods)
    params = config_to_query(config)
    params.update({name: session[name] for name in VIEW_DEFAULTS})
    return params


def _clamp_to_domain(session: Mapping, x: float, y: float) -> tuple[float, float]:
    (x_low, x_high), (y_low, y_high) = get_problem(session["problem"]).domain
    return (min(max(x, x_low), x_high), min(max(y, y_low), y_high))


def _valid_point(event: object) -> tuple[float, float] | None:
    if not isinstance(event, Mapping):
        return None
    try:
        x, y = float(event["x"]), float(event["y"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    return x, y


def apply_drop(session: MutableMapping, event: object) -> bool:
    """Move a start to where the browser dropped it.

    The event is {"index": i, "x": .., "y": ..}; a malformed event, as a tampered
    browser could send, is logged and ignored.

    Returns:
        Whether the starts changed.
    """
    point = _valid_point(event)
    index = event.get("index") if isinstance(event, Mapping) else None
    starts = session["starts"]
    if point is None or not isinstance(index, int) or not 0 <= index < len(starts):
        logger.warning("ignored malformed drop event %.200r", event)
        return False
    point = _round_point(_clamp_to_domain(session, *point))
    if starts[index] == point:
        return False
    session["starts"] = [point if i == index else s for i, s in enumerate(starts)]
    return True


def add_start(session: MutableMapping, event: object | None = None) -> str | None:
    """Add a start at the event's point, or at the next free candidate point.

    Returns:
        None on success, or a message saying why no start was added.
    """
    starts = session["starts"]
    if len(starts) >= APP_LIMITS.max_starts:
        return f"At most {APP_LIMITS.max_starts} start points fit; remove one first."
    if event is not None:
        point = _valid_point(event)
        if point is None:
            logger.warning("ignored malformed add event %.200r", event)
            return None
        point = _round_point(_clamp_to_domain(session, *point))
    else:
        free = [p for p in FRESH_START_CANDIDATES if p not in starts]
        point = free[0] if free else (0.0, 0.0)
    session["starts"] = [*starts, point]
    return None


def remove_start(session: MutableMapping, index: int) -> str | None:
    """Remove one start; the last one stays, because a run needs a start.

    Returns:
        None on success, or a message saying why nothing was removed.
    """
    starts = session["starts"]
    if len(starts) <= 1:
        return "Keep at least one start point: add another before removing this one."
    if 0 <= index < len(starts):
        session["starts"] = [s for i, s in enumerate(starts) if i != index]
    return None


def _round_point(point: tuple[float, float]) -> tuple[float, float]:
    """Round a dragged point to 4 decimals: finer than a pixel, and short in the URL."""
    return (round(point[0], 4), round(point[1], 4))
