"""Trajectory computation for the app, cached per start point.

Every start is run with all methods at once, so showing or hiding a method never
recomputes anything, and a dragged start recomputes only its own trajectories. The
starts that miss the cache are batched in chunks of at most three (12 runs, the
size of Figure 1's batch), so the engine compiles only the batch sizes 4, 8 and 12.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from toyopt.engine import METHOD_NAMES, RUN_ARRAYS, RunConfig, RunResult, run

logger = logging.getLogger(__name__)

RECORDS_PER_RUN = 500
"""Target number of recorded points per trajectory sent to the browser."""

CHUNK_STARTS = 3
CACHE_ENTRIES = 512


def record_stride(steps: int) -> int:
    """Return the record stride that gives about RECORDS_PER_RUN points for `steps`."""
    return max(1, math.ceil(steps / RECORDS_PER_RUN))


StartTrajectories = dict[str, np.ndarray]
"""All methods' trajectories from one start: each `RUN_ARRAYS` field of a RunResult
with its start axis removed, so the leading axis is the method."""


class TrajectoryCache:
    """Thread-safe LRU cache of `StartTrajectories` keyed by (settings, start)."""

    def __init__(self, max_entries: int = CACHE_ENTRIES) -> None:
        self._entries: OrderedDict[tuple, StartTrajectories] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: tuple) -> StartTrajectories | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, value: StartTrajectories) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)


def _settings_key(config: RunConfig) -> tuple:
    return (
        config.problem,
        config.optimizer,
        config.lr,
        config.steps,
        config.c,
        config.rescale,
        config.record_every,
    )


def compute(
    config: RunConfig,
    cache: TrajectoryCache,
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Return the result of `config`, computing only the starts missing from `cache`.

    Args:
        config: Requested run; its `methods` select what the result contains.
        cache: Per-start cache shared by every session of the app.
        progress: Called as progress(done, total) after each computed chunk of starts.

    Returns:
        A RunResult with the methods and starts of `config`, in their order.
    """
    settings = _settings_key(config)
    all_methods = replace(config, methods=METHOD_NAMES)

    found = {s: cache.get((settings, s)) for s in dict.fromkeys(config.starts)}
    missing = [s for s, entry in found.items() if entry is None]
    chunks = [missing[i : i + CHUNK_STARTS] for i in range(0, len(missing), CHUNK_STARTS)]
    for done, chunk in enumerate(chunks, start=1):
        result = run(replace(all_methods, starts=tuple(chunk)))
        for j, start in enumerate(chunk):
            found[start] = {name: getattr(result, name)[:, j] for name in RUN_ARRAYS}
            cache.put((settings, start), found[start])
        if progress is not None:
            progress(done, len(chunks))
    if missing:
        logger.info("computed %d start(s) in %d chunk(s)", len(missing), len(chunks))

    return assemble(config, [found[s] for s in config.starts])


def assemble(config: RunConfig, per_start: list[StartTrajectories]) -> RunResult:
    """Stack per-start entries into a RunResult restricted to `config.methods`."""
    rows = [METHOD_NAMES.index(m) for m in config.methods]

    arrays = {
        name: np.stack([entry[name][rows] for entry in per_start], axis=1) for name in RUN_ARRAYS
    }
    return RunResult(config=config, record_steps=config.record_steps(), **arrays)
