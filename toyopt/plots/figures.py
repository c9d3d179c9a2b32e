"""Static matplotlib figures of a `RunResult`: Figure 1 of the CAGrad paper and views
of the runs in parameter space and objective space.

Every builder returns a `matplotlib.figure.Figure` made without pyplot, so no global
figure registry fills up in a long-running app, and `render_figure` turns any of them
into PNG, SVG or PDF bytes. The parameter, objective and side-by-side figures shrink to
fit their square axes (see `trim_to_square_axes`), so their size in inches depends on
the style, the labels and the number of methods.
"""

from __future__ import annotations

import io
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Bbox

from toyopt.engine import RunResult
from toyopt.methods import METHOD_LABELS
from toyopt.pareto import ParetoSet, pareto_set
from toyopt.plots import drawing
from toyopt.plots.grid import LossGrid, loss_grid
from toyopt.plots.styles import Style, get_style, style_context
from toyopt.plots.trajectories import Trajectory, trajectories
from toyopt.problems import Problem, get_problem

logger = logging.getLogger(__name__)

LAYOUTS = ("overlay", "panels")
"""`overlay` draws every method in one axes; `panels` gives each method its own."""

BACKGROUNDS = ("L0", "L1", "L2")
FIGURE_KINDS = ("figure1", "parameter", "objective", "both")
FIGURE_FORMATS = ("png", "svg", "pdf")
DPI_RANGE = (10, 1200)

PANEL_INCHES = 4.4
"""Width of one contour panel at the default figure size."""

OPTIMIZER_LABELS = {
    "adam": "Adam",
    "sgd": "SGD",
    "momentum": "SGD with momentum",
    "rmsprop": "RMSprop",
}

LABEL_START = "start"
LABEL_PARETO_SET = "Pareto set"
LABEL_PARETO_FRONT = "Pareto front"
PARETO_LABELS = {"x": "Pareto set", "losses": "Pareto front", "both": "Pareto set and front"}
LABEL_L0_MINIMUM = "minimum of $L_0$"
LABEL_DIVERGED = "diverged (last finite point)"


@dataclass(frozen=True)
class Scene:
    """Everything a figure or animation of one result needs, computed once per figure."""

    result: RunResult
    problem: Problem
    grid: LossGrid
    pareto: ParetoSet
    paths: list[Trajectory]
    style: Style

    @property
    def methods(self) -> tuple[str, ...]:
        return self.result.config.methods

    def paths_of(self, method_index: int) -> list[Trajectory]:
        return [path for path in self.paths if path.method_index == method_index]

    def starts(self) -> np.ndarray:
        return np.asarray(self.result.config.starts, dtype=np.float64)


def make_scene(result: RunResult, style: Style) -> Scene:
    """Collect the problem, grid, Pareto set and paths of a result for drawing."""
    name = result.config.problem
    return Scene(
        result=result,
        problem=get_problem(name),
        grid=loss_grid(name),
        pareto=pareto_set(name),
        paths=trajectories(result),
        style=style,
    )


def method_label(method: str) -> str:
    """Return the display label of a method, or its name if it has none."""
    return METHOD_LABELS.get(method, method)


def run_summary(result: RunResult) -> str:
    """Describe the optimizer settings of a result in one line, for figure titles."""
    config = result.config
    optimizer = OPTIMIZER_LABELS.get(config.optimizer, config.optimizer)
    text = f"{optimizer}, learning rate {config.lr:g}, {config.steps:,} steps"
    if "cagrad" in config.methods:
        text += f", CAGrad c = {config.c:g}"
    return text


def _check_choice(name: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"invalid {name} {value!r}; choose from {', '.join(choices)}")


def _diverged_points(paths: Sequence[Trajectory], space: str) -> np.ndarray:
    points = [(path.x if space == "x" else path.losses)[-1] for path in paths if path.diverged]
    return np.array(points, dtype=np.float64).reshape(-1, 2)


def legend_handles(scene: Scene, *, space: str, methods: bool) -> list[Line2D]:
    """Build legend entries: the methods (optionally), then the shared markers."""
    style = scene.style
    handles: list[Line2D] = []
    if methods:
        for index, method in enumerate(scene.methods):
            handles.append(drawing.method_handle(style, method, index, method_label(method)))

    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=style.marker_size,
            color=style.foreground,
            label=LABEL_START,
        )
    )
    handles.append(
        Line2D(
            [],
            [],
            color=style.pareto_color,
            linewidth=style.pareto_linewidth,
            label=PARETO_LABELS[space],
        )
    )
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker="*",
            markersize=style.star_size * 0.8,
            color=style.foreground,
            label=LABEL_L0_MINIMUM,
        )
    )
    if any(path.diverged for path in scene.paths):
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="X",
                markersize=style.marker_size * 1.4,
                color=style.diverged_color,
                label=LABEL_DIVERGED,
            )
        )
    return handles


# ----------------------------------------------------------------------------
# Figure 1
# ----------------------------------------------------------------------------


def _draw_task_panel(ax: Axes, scene: Scene, loss: str, minimum: np.ndarray) -> None:
    drawing.draw_contours(ax, scene.grid, loss, scene.style)
    drawing.draw_star(ax, minimum, scene.style, label=f"minimum of {loss}")
    drawing.set_parameter_axes(ax, scene.problem, scene.style)
    ax.set_title(drawing.LOSS_LABELS[loss])


def _draw_time_panel(ax: Axes, scene: Scene, method_index: int, norm: Normalize) -> None:
    style = scene.style
    drawing.draw_contours(ax, scene.grid, "L0", style)
    drawing.draw_pareto_set(ax, scene.pareto, style, label=LABEL_PARETO_SET)
    drawing.draw_star(ax, scene.problem.l0_minimum, style, label=LABEL_L0_MINIMUM)

    paths = scene.paths_of(method_index)
    for path in paths:
        drawing.draw_time_path(ax, path.x, path.steps, style, norm)
    drawing.draw_starts(ax, scene.starts(), style, label=LABEL_START)
    crosses = _diverged_points(paths, "x")
    if len(crosses):
        drawing.diverged_marker(ax, crosses, style, label=LABEL_DIVERGED)

    drawing.set_parameter_axes(ax, scene.problem, style)
    ax.set_title(method_label(scene.methods[method_index]))


def _draw_surface_panel(ax: Axes, scene: Scene) -> None:
    grid = scene.grid
    stride = max(1, len(grid.x1) // 80)
    mesh1, mesh2 = np.meshgrid(grid.x1[::stride], grid.x2[::stride])
    ax.plot_surface(
        mesh1,
        mesh2,
        grid.l0[::stride, ::stride],
        cmap=scene.style.contour_colormap,
        linewidth=0,
        antialiased=False,
        rcount=mesh1.shape[0],
        ccount=mesh1.shape[1],
    )
    ax.view_init(elev=35, azim=-60)
    ax.set_xticks([-10, 0, 10])
    ax.set_yticks([-10, 0, 10])
    ax.zaxis.set_major_locator(MaxNLocator(4))
    ax.set_xlabel("$x_1$", labelpad=4)
    ax.set_ylabel("$x_2$", labelpad=4)
    ax.set_title(drawing.LOSS_LABELS["L0"])
    ax.set_facecolor(scene.style.rc["axes.facecolor"])
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.set_pane_color((0.0, 0.0, 0.0, 0.0))
    scene.style.apply_to_axes(ax)


def _draw_key(ax: Axes, scene: Scene, norm: Normalize) -> None:
    """Fill a spare axes with the legend and the step colour bar."""
    style = scene.style
    ax.axis("off")
    ax.legend(
        handles=legend_handles(scene, space="x", methods=False),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.95),
        frameon=False,
        fontsize=style.rc["font.size"],
    )
    bar_axes = ax.inset_axes((0.1, 0.2, 0.8, 0.07))
    mappable = ScalarMappable(norm=norm, cmap=style.time_cmap)
    bar = ax.figure.colorbar(mappable, cax=bar_axes, orientation="horizontal")
    bar.set_label("step (path colour)")
    steps = scene.result.config.steps
    bar.set_ticks([0, steps // 2, steps], labels=[f"{v:,}" for v in (0, steps // 2, steps)])
    style.apply_to_axes(bar.ax)


def figure1(result: RunResult, *, style: str = "light", surface: bool = False) -> Figure:
    """Draw Figure 1 of the CAGrad paper (Liu et al., 2021) for a result.

    The top row shows the contours of L1 and L2 with their minima, next to a key
    with the legend and the step colour bar (and, with `surface`, the 3-D surface of
    L0 in front). The bottom row has one L0 contour panel per method. Each panel shows
    every start's path coloured by step from red to yellow, the starts as dots, the
    Pareto set as a thick grey line and a star at the minimum of L0. A diverged run
    ends in a cross.

    Args:
        result: Output of `engine.run`, typically with the default `RunConfig`.
        style: Name of a style in `STYLES`.
        surface: Whether to add the 3-D surface of L0 as the first top panel.

    Returns:
        The figure.

    Raises:
        ValueError: If the style is unknown.
    """
    chosen = get_style(style)
    with style_context(chosen):
        scene = make_scene(result, chosen)
        return _build_figure1(scene, surface=surface)


def _build_figure1(scene: Scene, *, surface: bool) -> Figure:
    n_methods = len(scene.methods)
    n_top = 2 + int(surface)
    n_columns = max(n_methods, n_top + 1)

    figure = Figure(
        figsize=(PANEL_INCHES * n_columns, 2 * PANEL_INCHES + 1.0), layout="constrained"
    )
    grid_spec = figure.add_gridspec(2, n_columns)
    norm = Normalize(vmin=0, vmax=max(scene.result.config.steps, 1))

    column = 0
    if surface:
        _draw_surface_panel(figure.add_subplot(grid_spec[0, 0], projection="3d"), scene)
        column = 1
    # w = 1 minimises L1 alone and w = 0 minimises L2 alone.
    _draw_task_panel(figure.add_subplot(grid_spec[0, column]), scene, "L1", scene.pareto.x[-1])
    _draw_task_panel(figure.add_subplot(grid_spec[0, column + 1]), scene, "L2", scene.pareto.x[0])
    _draw_key(figure.add_subplot(grid_spec[0, column + 2 :]), scene, norm)

    for method_index in range(n_methods):
        _draw_time_panel(figure.add_subplot(grid_spec[1, method_index]), scene, method_index, norm)

    figure.suptitle(f"{scene.problem.title}: {run_summary(scene.result)}")
    return figure


# ----------------------------------------------------------------------------
# Parameter space and objective space
# ----------------------------------------------------------------------------


def _draw_method_paths(ax: Axes, scene: Scene, method_indices: Sequence[int], space: str) -> None:
    """Draw each run of the chosen methods in its method's colour, dashes and marker."""
    style = scene.style
    for method_index in method_indices:
        method = scene.methods[method_index]
        colour = style.method_color(method, method_index)
        for path in scene.paths_of(method_index):
            points = path.x if space == "x" else path.losses
            ax.plot(
                points[:, 0],
                points[:, 1],
                color=colour,
                linestyle=style.method_dash(method, method_index),
                linewidth=style.path_linewidth,
                solid_capstyle="round",
                dash_capstyle="round",
                zorder=4,
            )
            if not path.diverged:
                ax.plot(
                    [points[-1, 0]],
                    [points[-1, 1]],
                    linestyle="none",
                    marker=style.method_marker(method, method_index),
                    markersize=style.marker_size,
                    color=colour,
                    markeredgecolor=style.rc["axes.facecolor"],
                    zorder=5,
                )

    paths = [path for path in scene.paths if path.method_index in method_indices]
    crosses = _diverged_points(paths, space)
    if len(crosses):
        drawing.diverged_marker(ax, crosses, style, label=LABEL_DIVERGED)


def draw_parameter_view(
    ax: Axes, scene: Scene, method_indices: Sequence[int], *, background: str = "L0"
) -> None:
    """Draw runs in parameter space over faded contours of one loss."""
    style = scene.style
    drawing.draw_contours(ax, scene.grid, background, style, alpha=style.contour_alpha)
    drawing.draw_pareto_set(ax, scene.pareto, style, label=LABEL_PARETO_SET)
    drawing.draw_star(ax, scene.problem.l0_minimum, style, label=LABEL_L0_MINIMUM)
    _draw_method_paths(ax, scene, method_indices, "x")
    drawing.draw_starts(ax, scene.starts(), style, label=LABEL_START)
    drawing.set_parameter_axes(ax, scene.problem, style)


def l0_minimum_losses(scene: Scene) -> np.ndarray:
    """Return (L1, L2) at the minimum of L0."""
    point = np.asarray(scene.problem.l0_minimum, dtype=np.float64)
    return np.asarray(scene.problem.losses(point), dtype=np.float64)


def draw_objective_view(
    ax: Axes, scene: Scene, method_indices: Sequence[int]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Draw runs in objective space (L1 against L2) with the exact Pareto front.

    Returns:
        The (L1, L2) axis limits chosen.
    """
    style = scene.style
    drawing.draw_pareto_front(ax, scene.pareto, style, label=LABEL_PARETO_FRONT)
    drawing.draw_star(ax, l0_minimum_losses(scene), style, label=LABEL_L0_MINIMUM)
    _draw_method_paths(ax, scene, method_indices, "losses")
    start_losses = np.array([path.losses[0] for path in scene.paths_of(method_indices[0])])
    drawing.draw_starts(ax, start_losses, style, label=LABEL_START)

    limits = drawing.objective_limits(scene.paths, scene.pareto.losses)
    drawing.set_objective_axes(ax, limits, style)
    ax.grid(True, color=style.foreground, alpha=0.15, linewidth=0.8)
    return limits


def _panel_grid(figure: Figure, n_panels: int) -> list[Axes]:
    """Add axes for `n_panels` panels: one row up to three, two rows for four."""
    n_columns = n_panels if n_panels <= 3 else math.ceil(n_panels / 2)
    n_rows = math.ceil(n_panels / n_columns)
    axes = []
    for index in range(n_panels):
        axes.append(figure.add_subplot(n_rows, n_columns, index + 1))
    return axes


def _panel_figsize(n_panels: int) -> tuple[float, float]:
    n_columns = n_panels if n_panels <= 3 else math.ceil(n_panels / 2)
    n_rows = math.ceil(n_panels / n_columns)
    return PANEL_INCHES * n_columns + 0.6, (PANEL_INCHES + 0.8) * n_rows + 2.4


TRIM_PASSES = 2
"""Maximum number of times `trim_to_square_axes` shrinks a figure. Trimming the width
can leave the axes limited by the width instead, so a second pass trims the height."""

TRIM_GAP_INCHES = 0.1
"""Space that trimming keeps between neighbouring parts of a figure."""


def _uncovered(
    spans: Sequence[tuple[float, float]], extent: float, *, gap: float, edge: float
) -> float:
    """Return how much of [0, extent] the spans leave free beyond the gaps to keep.

    Args:
        spans: (low, high) intervals, in any order, overlapping or not.
        extent: Length of the whole interval.
        gap: Space to keep between two separate spans.
        edge: Space to keep between the outer spans and the ends.
    """
    merged: list[list[float]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    covered = sum(high - low for low, high in merged)
    return extent - covered - gap * (len(merged) - 1) - 2 * edge


def _grid_boxes(
    figure: Figure, renderer: RendererAgg
) -> tuple[dict[int, list[Bbox]], dict[int, list[Bbox]]]:
    """Return the tight boxes (decorations included) of the visible axes by row and column."""
    rows: dict[int, list[Bbox]] = {}
    columns: dict[int, list[Bbox]] = {}
    for ax in figure.axes:
        spec = ax.get_subplotspec()
        if spec is None or not ax.get_visible():
            continue
        box = ax.get_tightbbox(renderer)
        rows.setdefault(spec.rowspan.start, []).append(box)
        columns.setdefault(spec.colspan.start, []).append(box)
    return rows, columns


def _parts_collide(figure: Figure, title: Text, renderer: RendererAgg) -> bool:
    """Check whether texts, axes or legends of different owners overlap or leave the figure.

    Each axes contributes its frame, title and both axis boxes (tick labels and axis
    label), so a title wider than its axes only counts where it meets another part.
    """
    owners: list[list[Bbox]] = [[title.get_window_extent(renderer)]]
    owners += [[legend.get_window_extent(renderer)] for legend in figure.legends]
    for ax in figure.axes:
        if ax.get_visible():
            parts = [
                ax.get_window_extent(renderer),
                ax.xaxis.get_tightbbox(renderer),
                ax.yaxis.get_tightbbox(renderer),
            ]
            if ax.get_title():
                parts.append(ax.title.get_window_extent(renderer))
            owners.append([box for box in parts if box is not None])

    limits = figure.bbox.padded(1.0)
    boxes = [(index, box) for index, parts in enumerate(owners) for box in parts]
    for index, box in boxes:
        if not limits.containsx(box.x0) or not limits.containsx(box.x1):
            return True
        if not limits.containsy(box.y0) or not limits.containsy(box.y1):
            return True
        for other_index, other in boxes:
            if other_index > index and box.padded(-1.0).overlaps(other.padded(-1.0)):
                return True
    return False


def _free_space(figure: Figure, title: Text, renderer: RendererAgg) -> tuple[float, float]:
    """Measure the width and height, in pixels, that no grid row or column needs.

    A row needs the width of its axes with their decorations and of the title and
    legends level with it, plus `TRIM_GAP_INCHES` between parts and the layout
    engine's padding at the edges. A column needs height in the same way.
    """
    gap = TRIM_GAP_INCHES * figure.dpi
    padding = figure.get_layout_engine().get()
    edge_x, edge_y = padding["w_pad"] * figure.dpi, padding["h_pad"] * figure.dpi
    rows, columns = _grid_boxes(figure, renderer)
    others = [text.get_window_extent(renderer) for text in [title, *figure.legends]]

    free_width = figure.bbox.width
    for boxes in rows.values():
        band = Bbox.union(boxes)
        level = [box for box in others if box.y0 < band.y1 and box.y1 > band.y0]
        spans = [(box.x0, box.x1) for box in boxes + level]
        free_width = min(free_width, _uncovered(spans, figure.bbox.width, gap=gap, edge=edge_x))
    free_height = figure.bbox.height
    for boxes in columns.values():
        band = Bbox.union(boxes)
        level = [box for box in others if box.x0 < band.x1 and box.x1 > band.x0]
        spans = [(box.y0, box.y1) for box in boxes + level]
        free_height = min(free_height, _uncovered(spans, figure.bbox.height, gap=gap, edge=edge_y))

    widest = max(box.width for box in others) + 2 * edge_x
    free_width = min(free_width, figure.bbox.width - widest)
    return max(free_width, 0.0), max(free_height, 0.0)


def trim_to_square_axes(figure: Figure, title: Text) -> None:
    """Shrink a constrained-layout figure by the empty space its square axes leave.

    Equal-aspect axes in a cell of another shape fill only one side of it, and the
    layout engine spreads the rest around them, so a legend at the figure edge ends
    up apart from the axes. Each pass measures the space that no grid row or column
    needs (see `_free_space`) and shrinks the figure by it, or by half of it if the
    full cut makes parts overlap or leave the figure. A pass whose cuts both fail
    restores the size before it and stops. The constrained layout of square axes
    depends on the positions left by the previous layout, so each cut is checked
    after a new layout rather than predicted.

    Args:
        figure: A figure with layout="constrained" and an Agg canvas, whose axes come
            from one grid.
        title: The figure's title (suptitle).
    """
    renderer = figure.canvas.get_renderer()
    figure.draw_without_rendering()
    if not figure.axes:
        return
    for _ in range(TRIM_PASSES):
        free_width, free_height = _free_space(figure, title, renderer)
        # Less than a pixel is rounding, not empty space.
        if free_width < 1 and free_height < 1:
            return

        width, height = figure.get_size_inches()
        for share in (1.0, 0.5):
            figure.set_size_inches(
                width - share * free_width / figure.dpi, height - share * free_height / figure.dpi
            )
            renderer = figure.canvas.get_renderer()
            figure.draw_without_rendering()
            if not _parts_collide(figure, title, renderer):
                break
        else:
            figure.set_size_inches(width, height)
            figure.draw_without_rendering()
            return


def _add_bottom_legend(figure: Figure, scene: Scene, *, space: str, methods: bool) -> None:
    handles = legend_handles(scene, space=space, methods=methods)
    figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3))


def _build_view_figure(scene: Scene, *, view: str, layout: str, background: str) -> Figure:
    space = "x" if view == "parameter" else "losses"
    title = "parameter space" if view == "parameter" else "objective space"
    if view == "parameter":
        title += f", contours of {drawing.LOSS_LABELS[background]}"
    n_methods = len(scene.methods)

    if layout == "overlay":
        figure = Figure(figsize=(PANEL_INCHES * 1.6 + 3.6, PANEL_INCHES * 1.6 + 0.6))
        figure.set_layout_engine("constrained")
        ax = figure.add_subplot()
        if view == "parameter":
            draw_parameter_view(ax, scene, range(n_methods), background=background)
        else:
            draw_objective_view(ax, scene, range(n_methods))
        figure.legend(
            handles=legend_handles(scene, space=space, methods=True), loc="outside right center"
        )
    else:
        figure = Figure(figsize=_panel_figsize(n_methods), layout="constrained")
        for method_index, ax in enumerate(_panel_grid(figure, n_methods)):
            if view == "parameter":
                draw_parameter_view(ax, scene, [method_index], background=background)
            else:
                draw_objective_view(ax, scene, [method_index])
            ax.set_title(method_label(scene.methods[method_index]))
        _add_bottom_legend(figure, scene, space=space, methods=True)

    heading = figure.suptitle(f"{scene.problem.title}, {title}\n{run_summary(scene.result)}")
    # Trimming measures text often, which an Agg canvas does with one cached renderer.
    FigureCanvasAgg(figure)
    trim_to_square_axes(figure, heading)
    return figure


def parameter_figure(
    result: RunResult, *, style: str = "light", layout: str = "overlay", background: str = "L0"
) -> Figure:
    """Draw the runs in parameter space, coloured by method, over loss contours.

    Args:
        result: Output of `engine.run`.
        style: Name of a style in `STYLES`.
        layout: "overlay" (all methods in one axes) or "panels" (one per method).
        background: Loss whose contours are drawn: "L0", "L1" or "L2".

    Returns:
        The figure, with a legend of methods, starts, Pareto set and minimum.

    Raises:
        ValueError: If the style, layout or background is unknown.
    """
    chosen = get_style(style)
    _check_choice("layout", layout, LAYOUTS)
    _check_choice("background", background, BACKGROUNDS)
    with style_context(chosen):
        scene = make_scene(result, chosen)
        return _build_view_figure(scene, view="parameter", layout=layout, background=background)


def objective_figure(result: RunResult, *, style: str = "light", layout: str = "overlay") -> Figure:
    """Draw the runs in objective space (L1 against L2) with the exact Pareto front.

    Args:
        result: Output of `engine.run`.
        style: Name of a style in `STYLES`.
        layout: "overlay" (all methods in one axes) or "panels" (one per method).

    Returns:
        The figure, with a legend of methods, starts, Pareto front and minimum.

    Raises:
        ValueError: If the style or layout is unknown.
    """
    chosen = get_style(style)
    _check_choice("layout", layout, LAYOUTS)
    with style_context(chosen):
        scene = make_scene(result, chosen)
        return _build_view_figure(scene, view="objective", layout=layout, background="L0")


def side_by_side_figure(
    result: RunResult, *, style: str = "light", background: str = "L0"
) -> Figure:
    """Draw parameter space and objective space next to each other, all methods overlaid.

    Args:
        result: Output of `engine.run`.
        style: Name of a style in `STYLES`.
        background: Loss whose contours are drawn in the parameter view.

    Returns:
        The figure, with one legend below both views.

    Raises:
        ValueError: If the style or background is unknown.
    """
    chosen = get_style(style)
    _check_choice("background", background, BACKGROUNDS)
    with style_context(chosen):
        scene = make_scene(result, chosen)
        figure = Figure(figsize=(2 * PANEL_INCHES * 1.4 + 0.8, PANEL_INCHES * 1.4 + 2.2))
        figure.set_layout_engine("constrained")
        parameter_axes, objective_axes = figure.subplots(1, 2)
        n_methods = len(scene.methods)
        draw_parameter_view(parameter_axes, scene, range(n_methods), background=background)
        parameter_axes.set_title(f"Parameter space, contours of {drawing.LOSS_LABELS[background]}")
        draw_objective_view(objective_axes, scene, range(n_methods))
        objective_axes.set_title("Objective space")
        handles = legend_handles(scene, space="both", methods=True)
        figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
        heading = figure.suptitle(f"{scene.problem.title}\n{run_summary(result)}")
        FigureCanvasAgg(figure)
        trim_to_square_axes(figure, heading)
        return figure


# ----------------------------------------------------------------------------
# Bytes for downloads
# ----------------------------------------------------------------------------


def _figure_builder(kind: str) -> Callable[..., Figure]:
    builders: dict[str, Callable[..., Figure]] = {
        "figure1": figure1,
        "parameter": parameter_figure,
        "objective": objective_figure,
        "both": side_by_side_figure,
    }
    return builders[kind]


def figure_to_bytes(figure: Figure, *, fmt: str = "png", dpi: float = 150) -> bytes:
    """Encode a figure as PNG, SVG or PDF bytes without timestamps in the metadata.

    Raises:
        ValueError: If the format is not one of `FIGURE_FORMATS`.
    """
    _check_choice("format", fmt, FIGURE_FORMATS)
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=dpi, facecolor=figure.get_facecolor(), metadata=metadata)
    return buffer.getvalue()


def render_figure(
    result: RunResult,
    *,
    kind: str = "figure1",
    fmt: str = "png",
    dpi: int = 150,
    style: str = "light",
    **options: Any,
) -> bytes:
    """Build one figure of a result and encode it, for a download button or a file.

    Args:
        result: Output of `engine.run`.
        kind: "figure1", "parameter", "objective" or "both" (side by side).
        fmt: "png", "svg" or "pdf".
        dpi: Resolution of PNG output (and of rasterised parts of PDF and SVG).
        style: Name of a style in `STYLES`.
        **options: Passed on to the builder: `surface` for "figure1", `layout` and
            `background` for "parameter", `layout` for "objective", `background`
            for "both".

    Returns:
        The encoded file.

    Raises:
        ValueError: If kind, format, dpi, style or an option value is invalid.
        TypeError: If an option does not apply to the kind.
    """
    _check_choice("figure kind", kind, FIGURE_KINDS)
    _check_choice("format", fmt, FIGURE_FORMATS)
    if isinstance(dpi, bool) or not (
        isinstance(dpi, int | float) and DPI_RANGE[0] <= dpi <= DPI_RANGE[1]
    ):
        raise ValueError(
            f"invalid dpi {dpi!r}; expected a number from {DPI_RANGE[0]} to {DPI_RANGE[1]}"
        )

    began = time.perf_counter()
    chosen = get_style(style)
    with style_context(chosen):
        figure = _figure_builder(kind)(result, style=style, **options)
        data = figure_to_bytes(figure, fmt=fmt, dpi=dpi)
    logger.info(
        "rendered %s figure as %s (%d bytes) in %.2f s",
        kind,
        fmt,
        len(data),
        time.perf_counter() - began,
    )
    return data
