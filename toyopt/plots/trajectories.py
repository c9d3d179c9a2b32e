"""Per-run paths extracted from a `RunResult`, cut at the last step actually taken.

A run that diverged keeps its last finite state in every later record. Its path is
therefore cut at its final step and ends at its exact final position, which plots
mark with a cross.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toyopt.engine import NOT_DIVERGED, RunResult


@dataclass(frozen=True)
class Trajectory:
    """The path of one (method, start) run in parameter and objective space.

    Attributes:
        method: Method name.
        method_index: Position of the method in `config.methods`.
        start_index: Position of the start in `config.starts`.
        steps: Step number of each point, increasing, shape (n,).
        x: Positions, shape (n, 2).
        losses: (L1, L2) at each position, shape (n, 2).
        diverged: Whether the run stopped on a non-finite update.
    """

    method: str
    method_index: int
    start_index: int
    steps: np.ndarray
    x: np.ndarray
    losses: np.ndarray
    diverged: bool

    def visible_count(self, step: float) -> int:
        """Return how many points of the path have been reached by `step` (at least 1)."""
        return max(1, int(np.searchsorted(self.steps, step, side="right")))


def trajectory(result: RunResult, method_index: int, start_index: int) -> Trajectory:
    """Extract the path of one run, up to and including its final step.

    Args:
        result: Output of `engine.run`.
        method_index: Index into `result.config.methods`.
        start_index: Index into `result.config.starts`.

    Returns:
        The records taken before the final step, followed by the exact final point
        when no record falls on the final step.
    """
    final_step = int(result.final_step[method_index, start_index])
    keep = result.record_steps <= final_step
    steps = result.record_steps[keep]
    x = result.x[method_index, start_index][keep]
    losses = result.losses[method_index, start_index][keep]

    if steps[-1] != final_step:
        steps = np.append(steps, final_step)
        x = np.vstack([x, result.final_x[method_index, start_index]])
        losses = np.vstack([losses, result.final_losses[method_index, start_index]])

    return Trajectory(
        method=result.config.methods[method_index],
        method_index=method_index,
        start_index=start_index,
        steps=steps,
        x=x,
        losses=losses,
        diverged=bool(result.diverged_at[method_index, start_index] != NOT_DIVERGED),
    )


def trajectories(result: RunResult) -> list[Trajectory]:
    """Extract every run's path, in (method, start) order."""
    n_methods, n_starts = result.final_step.shape
    return [trajectory(result, m, s) for m in range(n_methods) for s in range(n_starts)]
