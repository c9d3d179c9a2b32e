"""Axes-level drawing helpers shared by the static figures and the animations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.contour import QuadContourSet
from matplotlib.lines import Line2D

from toyopt.pareto import ParetoSet
from toyopt.plots.grid import LossGrid, contour_levels
from toyopt.plots.styles import Style
from toyopt.plots.trajectories import Trajectory
from toyopt.problems import Problem

LOSS_LABELS = {"L0": "$L_0 = (L_1 + L_2)/2$", "L1": "$L_1$", "L2": "$L_2$"}

OBJECTIVE_WINDOW = (-25.0, 15.0)
"""Widest range shown on either objective axis. Losses of the CAGrad toy problem
stay within about -20 to 13 on its domain. Clamping to this window keeps a run that
left the domain from shrinking everything else to a dot."""


def draw_contours(
    ax: Axes,
    grid: LossGrid,
    loss: str,
    style: Style,
    *,
    n_levels: int = 26,
    alpha: float = 1.0,
    animated: bool = False,
) -> QuadContourSet:
    """Draw contour lines of one loss ("L0", "L1" or "L2") from a cached grid.

    Colours step evenly through the style's colormap from level to level, since the
    levels themselves are quantiles and unevenly spaced in value.
    """
    values = grid.loss(loss)
    levels = contour_levels(values, n_levels)
    colours = [style.contour_colormap(t) for t in np.linspace(0.0, 1.0, len(levels))]
    return ax.contour(
        grid.x1,
        grid.x2,
        values,
        levels=levels,
        colors=colours,
        linewidths=style.contour_linewidth,
        alpha=alpha,
        zorder=1,
        animated=animated,
    )


def set_parameter_axes(ax: Axes, problem: Problem, style: Style) -> None:
    """Limit `ax` to the problem's domain with equal scales and label x1, x2."""
    (x1_low, x1_high), (x2_low, x2_high) = problem.domain
    ax.set_xlim(x1_low, x1_high)
    ax.set_ylim(x2_low, x2_high)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$", labelpad=2)
    style.apply_to_axes(ax)


def set_objective_axes(
    ax: Axes, limits: tuple[tuple[float, float], tuple[float, float]], style: Style
) -> None:
    """Set the limits of an (L1, L2) axes with equal scales and label both axes."""
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    ax.set_aspect("equal")
    ax.set_xlabel("$L_1$")
    ax.set_ylabel("$L_2$", labelpad=2)
    style.apply_to_axes(ax)


def objective_limits(
    paths: Sequence[Trajectory], front: np.ndarray
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Choose one square (L1, L2) window that shows the front and the runs.

    The window spans the Pareto front, every start and the central 99% of all
    recorded losses, padded by 6% and clamped to `OBJECTIVE_WINDOW`.
    """
    starts = np.array([path.losses[0] for path in paths]).reshape(-1, 2)
    recorded = np.concatenate([path.losses for path in paths]) if paths else starts
    recorded = recorded[np.all(np.isfinite(recorded), axis=1)]

    candidates = [front.min(), front.max()]
    if len(recorded):
        candidates += [np.percentile(recorded, 0.5), np.percentile(recorded, 99.5)]
    finite_starts = starts[np.all(np.isfinite(starts), axis=1)]
    if len(finite_starts):
        candidates += [finite_starts.min(), finite_starts.max()]

    low, high = float(min(candidates)), float(max(candidates))
    pad = 0.06 * (high - low)
    low = max(low - pad, OBJECTIVE_WINDOW[0])
    high = min(high + pad, OBJECTIVE_WINDOW[1])
    return (low, high), (low, high)


def _draw_pareto_line(ax: Axes, points: np.ndarray, style: Style, label: str) -> Line2D:
    (line,) = ax.plot(
        points[:, 0],
        points[:, 1],
        color=style.pareto_color,
        linewidth=style.pareto_linewidth,
        solid_capstyle="round",
        alpha=0.85,
        zorder=2,
        label=label,
    )
    return line


def draw_pareto_set(ax: Axes, pareto: ParetoSet, style: Style, *, label: str) -> Line2D:
    """Draw the Pareto set (parameter space) as a thick grey line."""
    return _draw_pareto_line(ax, pareto.x, style, label)


def draw_pareto_front(ax: Axes, pareto: ParetoSet, style: Style, *, label: str) -> Line2D:
    """Draw the Pareto front (objective space) as a thick grey line."""
    return _draw_pareto_line(ax, pareto.losses, style, label)


def draw_star(ax: Axes, point: Sequence[float], style: Style, *, label: str) -> Line2D:
    """Mark a minimum with a large star outlined in the background colour."""
    (star,) = ax.plot(
        [point[0]],
        [point[1]],
        linestyle="none",
        marker="*",
        markersize=style.star_size,
        markerfacecolor=style.foreground,
        markeredgecolor=style.rc["axes.facecolor"],
        markeredgewidth=1.2,
        zorder=6,
        label=label,
    )
    return star


def draw_starts(ax: Axes, points: np.ndarray, style: Style, *, label: str) -> Line2D:
    """Draw start points as dots in the foreground colour (black on light styles)."""
    (dots,) = ax.plot(
        points[:, 0],
        points[:, 1],
        linestyle="none",
        marker="o",
        markersize=style.marker_size,
        markerfacecolor=style.foreground,
        markeredgecolor=style.rc["axes.facecolor"],
        markeredgewidth=1.0,
        zorder=7,
        label=label,
    )
    return dots


def diverged_marker(
    ax: Axes, points: np.ndarray, style: Style, *, label: str, animated: bool = False
) -> Line2D:
    """Draw a cross at the last finite point of each diverged run."""
    (crosses,) = ax.plot(
        points[:, 0] if len(points) else [],
        points[:, 1] if len(points) else [],
        linestyle="none",
        marker="X",
        markersize=style.marker_size * 1.6,
        markerfacecolor=style.diverged_color,
        markeredgecolor=style.rc["axes.facecolor"],
        markeredgewidth=1.2,
        zorder=8,
        label=label,
        animated=animated,
    )
    return crosses


def draw_time_path(
    ax: Axes, points: np.ndarray, steps: np.ndarray, style: Style, norm: Normalize
) -> LineCollection:
    """Draw a path as segments coloured by step through the style's time colormap."""
    segments = np.stack([points[:-1], points[1:]], axis=1)
    collection = LineCollection(
        segments,
        cmap=style.time_cmap,
        norm=norm,
        linewidths=style.path_linewidth,
        capstyle="round",
        joinstyle="round",
        zorder=4,
    )
    collection.set_array(steps[1:])
    if style.path_outline is not None:
        outline = patheffects.Stroke(
            linewidth=style.path_linewidth + 2.5, foreground=style.path_outline
        )
        collection.set_path_effects([outline, patheffects.Normal()])
    ax.add_collection(collection)
    return collection


def method_handle(style: Style, method: str, index: int, label: str) -> Line2D:
    """Build a legend entry showing a method's colour, dash pattern and marker."""
    return Line2D(
        [],
        [],
        color=style.method_color(method, index),
        linestyle=style.method_dash(method, index),
        linewidth=style.path_linewidth,
        marker=style.method_marker(method, index),
        markersize=style.marker_size,
        markeredgecolor=style.rc["axes.facecolor"],
        label=label,
    )
