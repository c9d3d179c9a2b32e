"""Animated GIF and MP4 of a `RunResult`, rendered with matplotlib's Agg canvas.

The contours, the Pareto set or front, the starts and the legend are drawn once and
saved as a background bitmap. Each frame restores that bitmap and draws only what
moves (the paths so far, their heads, crosses at diverged runs and the step counter)
with blitting (`restore_region`, `draw_artist`), then copies the canvas' RGBA buffer.
GIFs are encoded by Pillow with one palette shared by all frames; MP4s by the ffmpeg
binary bundled with imageio-ffmpeg (H.264, yuv420p), streamed frame by frame.

The grid of panels and the legend's side (beside or below) are chosen for the frame's
shape. Matplotlib's compressed layout places the parts once, and then the legend moves
next to the axes and the counter, axes and legend are centred in the frame as a block.
"""

from __future__ import annotations

import io
import logging
import math
import operator
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image, ImageDraw, ImageFont

from toyopt.engine import RunResult
from toyopt.plots import drawing
from toyopt.plots.figures import (
    LABEL_DIVERGED,
    LABEL_L0_MINIMUM,
    LABEL_PARETO_FRONT,
    LABEL_PARETO_SET,
    LABEL_START,
    LAYOUTS,
    Scene,
    l0_minimum_losses,
    legend_handles,
    make_scene,
    method_label,
)
from toyopt.plots.styles import get_style, style_context
from toyopt.plots.trajectories import Trajectory

logger = logging.getLogger(__name__)

VIEWS = ("parameter", "objective", "both")
ANIMATION_FORMATS = ("gif", "mp4")
FRAMES_RANGE = (2, 2000)
FPS_RANGE = (1, 60)
WIDTH_RANGE = (160, 3840)
HEIGHT_RANGE = (120, 2160)

REFERENCE_SIZE = (800, 600)
"""Frame size, in pixels, at which the layout uses 100 dpi. Other sizes scale the dpi,
so fonts and lines keep their share of the frame."""

GIF_MAX_PIXELS = 1_000_000_000
"""Upper bound on frames x width x height for a GIF. Pillow keeps every palette frame
(one byte per pixel) in memory until it writes the file, so this caps that at 1 GB."""

GIF_MIN_DELAY_MS = 20
"""Shortest frame delay written to a GIF. Delays are stored in hundredths of a second,
and the major browsers play a delay of 0 or 1 hundredths as 100 ms."""

LAYOUT_GAP_INCHES = 0.1
"""Space between the step counter, the axes and the legend, and around titles. Sizes in
inches scale with the frame, because the dpi does."""

TITLE_FIT_PASSES = 3
"""Maximum number of extra layout passes run after shrinking axes titles that are wider
than their column."""

MIN_TITLE_POINTS = 8.0
"""Smallest font size, in points, that a title is shrunk to."""

PANEL_DECORATION_INCHES = (1.0, 0.8)
"""Estimated width and height that the tick labels, axis labels and title of one panel
add to its square axes. Panels of Figure 1's runs in 800x600 and 1280x720 frames
measured 1.0 to 1.2 by 0.8 to 0.9 inches in the light and high-contrast styles, a title
wider than its axes included."""

FRAME_DECORATION_INCHES = (0.1, 0.1)
"""Estimated width and height of the padding at the frame's edges."""


def validate_animation_options(
    frames: int, fps: float, size: Sequence[int]
) -> tuple[int, float, tuple[int, int]]:
    """Check the frame count, frame rate and frame size of an animation.

    Args:
        frames: Requested number of frames, an integer in `FRAMES_RANGE`.
        fps: Frames per second, a number in `FPS_RANGE`.
        size: (width, height) in pixels within `WIDTH_RANGE` and `HEIGHT_RANGE`.

    Returns:
        The values as (int, float, (int, int)).

    Raises:
        ValueError: On the first invalid value, naming it and the accepted range.
    """
    low, high = FRAMES_RANGE
    try:
        frame_count = operator.index(frames)
    except TypeError:
        frame_count = None
    if isinstance(frames, bool) or frame_count is None or not low <= frame_count <= high:
        raise ValueError(f"invalid frames {frames!r}; expected an integer from {low} to {high}")

    low, high = FPS_RANGE
    if (
        isinstance(fps, bool)
        or not isinstance(fps, int | float | np.integer | np.floating)
        or not math.isfinite(fps)
        or not low <= fps <= high
    ):
        raise ValueError(f"invalid fps {fps!r}; expected a number from {low} to {high}")

    try:
        width, height = (operator.index(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(
            f"invalid size {size!r}; expected (width, height) as two integers"
        ) from None
    if not (
        WIDTH_RANGE[0] <= width <= WIDTH_RANGE[1] and HEIGHT_RANGE[0] <= height <= HEIGHT_RANGE[1]
    ):
        raise ValueError(
            f"invalid size {size!r}; width must be from {WIDTH_RANGE[0]} to {WIDTH_RANGE[1]}"
            f" and height from {HEIGHT_RANGE[0]} to {HEIGHT_RANGE[1]} pixels"
        )
    return frame_count, float(fps), (width, height)


def frame_indices(n_records: int, frames: int) -> np.ndarray:
    """Choose the record shown in each frame, evenly spaced from first to last.

    Args:
        n_records: Number of recorded points per run, at least 1.
        frames: Requested number of frames.

    Returns:
        Strictly increasing record indices that start at 0 and end at n_records - 1,
        `min(frames, n_records)` of them: no record is shown twice.
    """
    count = max(1, min(frames, n_records))
    if count == 1:
        return np.zeros(1, dtype=np.int64)
    return np.rint(np.linspace(0, n_records - 1, count)).astype(np.int64)


def _even(value: int) -> int:
    return value - value % 2


# -- frame layout -------------------------------------------------------------


def choose_grid(
    shapes: Sequence[tuple[int, int]],
    frame_inches: tuple[float, float],
    *,
    legend_width: float,
    legend_height: float,
    counter_height: float,
) -> tuple[int, int, bool]:
    """Choose the grid and legend place in which square panels come out largest.

    Each candidate's panel side is estimated from the frame less
    `FRAME_DECORATION_INCHES`, the counter, `LAYOUT_GAP_INCHES` and the legend
    (beside the grid or below it), divided among the rows or columns, less
    `PANEL_DECORATION_INCHES` per panel.

    Args:
        shapes: Candidate grids as (rows, columns).
        frame_inches: (width, height) of the frame in inches.
        legend_width: Width in inches of the one-column legend beside the grid.
        legend_height: Height in inches of the legend below the grid.
        counter_height: Height in inches of the step counter above the grid.

    Returns:
        (rows, columns, beside), where `beside` is whether the legend goes beside the
        grid. Of two choices with the same estimate, the earlier shape wins, and
        beside wins over below.
    """
    width, height = frame_inches
    free_width = width - FRAME_DECORATION_INCHES[0]
    free_height = height - FRAME_DECORATION_INCHES[1] - counter_height - LAYOUT_GAP_INCHES

    best, best_side = (*shapes[0], True), -math.inf
    for rows, columns in shapes:
        for beside in (True, False):
            grid_width = free_width - (legend_width + LAYOUT_GAP_INCHES if beside else 0.0)
            grid_height = free_height - (0.0 if beside else legend_height + LAYOUT_GAP_INCHES)
            side = min(
                grid_width / columns - PANEL_DECORATION_INCHES[0],
                grid_height / rows - PANEL_DECORATION_INCHES[1],
            )
            if side > best_side:
                best, best_side = (rows, columns, beside), side
    return best


def _fit_titles(figure: Figure, renderer: RendererAgg, gap: float) -> bool:
    """Shrink all axes titles to one font size at which each fits its column.

    A title is centred on its axes and may be wider than them. It may reach halfway
    to the centre of the next axes in its row, but not past the tick labels of the
    next axes on its right or the frame edge, less `gap` pixels in all. Otherwise a
    wide title in a grid of small panels runs into its neighbours or off the frame.

    Returns:
        Whether the title size changed, in which case the layout must run again.
    """
    titled = [ax for ax in figure.axes if ax.get_visible() and ax.get_title()]
    rows: dict[int, list[tuple[float, Axes]]] = {}
    for ax in titled:
        box = ax.get_window_extent(renderer)
        row = ax.get_subplotspec().rowspan.start
        rows.setdefault(row, []).append(((box.x0 + box.x1) / 2, ax))

    scale = 1.0
    for row in rows.values():
        row.sort(key=lambda item: item[0])
        for index, (centre, ax) in enumerate(row):
            left, right = 0.0, figure.bbox.width
            if index > 0:
                left = (row[index - 1][0] + centre) / 2
            if index + 1 < len(row):
                next_centre, next_ax = row[index + 1]
                right = min((centre + next_centre) / 2, next_ax.yaxis.get_tightbbox(renderer).x0)
            allowed = 2 * min(centre - left, right - centre) - gap
            scale = min(scale, allowed / ax.title.get_window_extent(renderer).width)
    if scale >= 1.0:
        return False

    current = min(ax.title.get_fontsize() for ax in titled)
    # Half points, rounded down, because text width is not quite proportional to size.
    shrunk = max(MIN_TITLE_POINTS, math.floor(current * scale * 2) / 2)
    if shrunk >= current:
        return False
    for ax in titled:
        ax.title.set_fontsize(shrunk)
    return True


def _spacing(slack: float, n_spaces: int, gap: float) -> float:
    """Return the space between parts: `gap`, or less if `slack` has no room for it."""
    return min(gap, slack / n_spaces)


def _pack_frame(
    figure: Figure, legend: Legend, counter: Text, renderer: RendererAgg, *, beside: bool
) -> None:
    """Move the legend next to the axes and centre counter, axes and legend in the frame.

    The layout engine pins an outside legend to the frame edge, so square axes in a
    wide frame leave an empty band between them and the legend. Here the legend
    moves to `LAYOUT_GAP_INCHES` from the axes' decorations (right of them with
    `beside`, else below them), and the counter, the axes and the legend are centred
    as one block. Where the frame has less room, the gaps shrink evenly. Only
    positions change, never sizes, and a frame too small to hold the parts apart
    keeps the engine's layout.
    """
    width, height = figure.bbox.width, figure.bbox.height
    gap = LAYOUT_GAP_INCHES * figure.dpi
    axes = [ax for ax in figure.axes if ax.get_visible()]
    content = Bbox.union([ax.get_tightbbox(renderer) for ax in axes])
    legend_box = legend.get_window_extent(renderer)
    counter_box = counter.get_window_extent(renderer)

    # Horizontal: [space, content, space, legend, space] or [space, wider part, space].
    if beside:
        slack_x = width - content.width - legend_box.width
        space_x = _spacing(slack_x, 3, gap)
        block_width = content.width + space_x + legend_box.width
    else:
        slack_x = width - max(content.width, legend_box.width)
        block_width = max(content.width, legend_box.width)
    # Vertical: [space, counter, space, content (beside the legend), space, legend, space].
    if beside:
        block_height = max(content.height, legend_box.height)
        slack_y = height - counter_box.height - block_height
        space_y = _spacing(slack_y, 3, gap)
    else:
        slack_y = height - counter_box.height - content.height - legend_box.height
        space_y = _spacing(slack_y, 4, gap)
        block_height = content.height + space_y + legend_box.height
    if slack_x < 0 or slack_y < 0:
        logger.debug("%.0fx%.0f frame too small to pack, layout kept as is", width, height)
        return

    stack_height = counter_box.height + space_y + block_height
    counter_top = (height + stack_height) / 2
    x, y = counter.get_position()
    counter.set_position((x, y + (counter_top - counter_box.y1) / height))

    block_top = counter_top - counter_box.height - space_y
    block_middle = block_top - block_height / 2
    if beside:
        content_left = (width - block_width) / 2
        content_top = block_middle + content.height / 2
    else:
        content_left = (width - content.width) / 2
        content_top = block_top
    dx, dy = content_left - content.x0, content_top - content.y1
    for ax in axes:
        ax.set_position(ax.get_position(original=True).translated(dx / width, dy / height))

    if beside:
        legend_left = content.x1 + dx + space_x
        legend_bottom = block_middle - legend_box.height / 2
    else:
        legend_left = (width - legend_box.width) / 2
        legend_bottom = content.y0 + dy - space_y - legend_box.height
    # A legend centred in a box of its own size sits exactly in it, whatever its padding.
    legend.set_loc("center")
    legend.set_bbox_to_anchor(
        Bbox.from_bounds(
            legend_left / width,
            legend_bottom / height,
            legend_box.width / width,
            legend_box.height / height,
        ),
        transform=figure.transFigure,
    )


@dataclass
class _MethodGroup:
    """The moving artists of one method in one axes: every run's path in one line."""

    paths: list[Trajectory]
    space: str
    line: Line2D
    heads: Line2D
    crosses: Line2D


_BREAK = np.full((1, 2), np.nan)
"""A NaN row: matplotlib lifts the pen there, so one Line2D can hold several paths."""


class _CounterLabel:
    """A one-line text rasterised by Pillow and composited into each frame.

    matplotlib 3.11 spends 3 to 4 ms laying out and rasterising even a short Text
    artist (measured at 800x600 on a 2-core AMD EPYC), more than all the moving lines
    of a frame together. The step counter therefore uses the same font file through
    Pillow's FreeType binding, well under 1 ms, at the place matplotlib's layout
    reserved for the text.
    """

    def __init__(self, text: Text, renderer: RendererAgg, canvas_height: int) -> None:
        prop = text.get_fontproperties()
        size_pixels = prop.get_size_in_points() * renderer.dpi / 72
        self.font = ImageFont.truetype(font_manager.findfont(prop), size_pixels)
        box = text.get_window_extent(renderer)
        # Pillow's origin is the top-left corner, matplotlib's the bottom-left one.
        self.center = (round((box.x0 + box.x1) / 2), round(canvas_height - (box.y0 + box.y1) / 2))
        self.colour = np.array(to_rgba(text.get_color())[:3], dtype=np.float32) * 255

    def draw(self, frame: np.ndarray, text: str) -> None:
        """Blend `text` into an RGBA frame in place, centred on the reserved place."""
        left, top, right, bottom = self.font.getbbox(text, anchor="mm")
        mask = Image.new("L", (right - left, bottom - top))
        ImageDraw.Draw(mask).text((-left, -top), text, font=self.font, fill=255, anchor="mm")
        alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255

        x0, y0 = self.center[0] + left, self.center[1] + top
        height, width = frame.shape[:2]
        crop_x0, crop_y0 = max(0, -x0), max(0, -y0)
        x1, y1 = min(width, x0 + alpha.shape[1]), min(height, y0 + alpha.shape[0])
        x0, y0 = max(0, x0), max(0, y0)
        alpha = alpha[crop_y0 : crop_y0 + y1 - y0, crop_x0 : crop_x0 + x1 - x0]

        region = frame[y0:y1, x0:x1, :3].astype(np.float32)
        blended = region + (self.colour - region) * alpha
        frame[y0:y1, x0:x1, :3] = np.rint(blended).astype(np.uint8)


class _Animator:
    """A figure whose static part is drawn once and whose moving part is updated per step.

    With `blit=False` every artist is part of the normal draw and each frame redraws
    the whole figure, as `matplotlib.animation.FuncAnimation` does without blitting.
    Benchmarks measure that path and tests check that blitting reproduces it.
    """

    def __init__(
        self,
        scene: Scene,
        *,
        size: tuple[int, int],
        view: str,
        layout: str,
        blit: bool = True,
    ) -> None:
        self.scene = scene
        self.blit = blit
        self.size = size
        self.total_steps = scene.result.config.steps
        self._animated: list[Artist] = []
        self._groups: list[_MethodGroup] = []

        width, height = size
        dpi = 100.0 * min(width / REFERENCE_SIZE[0], height / REFERENCE_SIZE[1])
        # Agg truncates the figure's size in pixels, so width / dpi * dpi can come out
        # one pixel short. A quarter-pixel surplus makes the truncation land on the size.
        figsize = ((width + 0.25) / dpi, (height + 0.25) / dpi)
        # The compressed layout is the constrained one without the space that square
        # (equal-aspect) axes leave between grid cells.
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="compressed")
        self.canvas = FigureCanvasAgg(self.figure)

        # The widest counter text reserves the space in the layout.
        self.counter = self.figure.suptitle(self._counter_text(self.total_steps))
        self.counter.set_animated(self.blit)
        self._build(view, layout)
        self._counter_label: _CounterLabel | None = None
        if not self.blit:
            self._animated.append(self.counter)
        self.background = None

    def _register(self, artist: Artist) -> Artist:
        artist.set_animated(self.blit)
        self._animated.append(artist)
        return artist

    def _counter_text(self, step: int) -> str:
        return f"step {step:,} / {self.total_steps:,}"

    # -- layout ---------------------------------------------------------------

    def _build(self, view: str, layout: str) -> None:
        scene = self.scene
        n_methods = len(scene.methods)
        if view == "both":
            spaces = ["x", "losses"]
        elif view == "parameter":
            spaces = ["x"]
        else:
            spaces = ["losses"]

        # "overlay" has one axes per view in a row, and "both" with "panels" one row
        # per view. Panels of a single view take the grid that suits the frame.
        if layout == "overlay":
            shapes = [(1, len(spaces))]
            slots = [(space, list(range(n_methods))) for space in spaces]
        elif view == "both":
            shapes = [(2, n_methods)]
            slots = [(space, [m]) for space in spaces for m in range(n_methods)]
        else:
            shapes = [(math.ceil(n_methods / c), c) for c in range(1, n_methods + 1)]
            slots = [(spaces[0], [m]) for m in range(n_methods)]

        self.legend, self.legend_beside, (n_rows, n_columns) = self._place_legend(view, shapes)
        cells = list(self.figure.subplots(n_rows, n_columns, squeeze=False).flat)
        for ax, (space, method_indices) in zip(cells, slots, strict=False):
            self._draw_view(ax, space, method_indices)
            if layout == "overlay":
                ax.set_title("parameter space" if space == "x" else "objective space")
            else:
                ax.set_title(method_label(scene.methods[method_indices[0]]))
        for ax in cells[len(slots) :]:
            ax.set_visible(False)

    def _place_legend(
        self, view: str, shapes: Sequence[tuple[int, int]]
    ) -> tuple[Legend, bool, tuple[int, int]]:
        """Make the legend beside or below the grid, whichever leaves larger panels.

        Both candidates are built and measured, and the one not chosen is removed.

        Returns:
            The legend, whether it is beside the grid, and the grid's (rows, columns).
        """
        space = {"parameter": "x", "objective": "losses"}.get(view, "both")
        handles = legend_handles(self.scene, space=space, methods=True)
        beside_legend = self.figure.legend(handles=handles, loc="outside right center")
        below_legend = self.figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=3,
            fontsize=self.scene.style.rc["legend.fontsize"] - 1,
        )

        renderer = self.canvas.get_renderer()
        dpi = self.figure.dpi
        rows, columns, beside = choose_grid(
            shapes,
            (self.size[0] / dpi, self.size[1] / dpi),
            legend_width=beside_legend.get_window_extent(renderer).width / dpi,
            legend_height=below_legend.get_window_extent(renderer).height / dpi,
            counter_height=self.counter.get_window_extent(renderer).height / dpi,
        )
        (below_legend if beside else beside_legend).remove()
        return (beside_legend if beside else below_legend), beside, (rows, columns)

    def _draw_view(self, ax: Axes, space: str, method_indices: Sequence[int]) -> None:
        scene, style = self.scene, self.scene.style
        if space == "x":
            drawing.draw_contours(ax, scene.grid, "L0", style, alpha=style.contour_alpha)
            drawing.draw_pareto_set(ax, scene.pareto, style, label=LABEL_PARETO_SET)
            star_point = np.asarray(scene.problem.l0_minimum)
            drawing.set_parameter_axes(ax, scene.problem, style)
        else:
            drawing.draw_pareto_front(ax, scene.pareto, style, label=LABEL_PARETO_FRONT)
            star_point = l0_minimum_losses(scene)
            limits = drawing.objective_limits(scene.paths, scene.pareto.losses)
            drawing.set_objective_axes(ax, limits, style)
            ax.grid(True, color=style.foreground, alpha=0.15, linewidth=0.8)

        for method_index in method_indices:
            self._add_method(ax, space, method_index)

        # The star and the starts sit above the paths, so they are redrawn each frame.
        starts = scene.paths_of(method_indices[0])
        start_points = np.array([_points(path, space)[0] for path in starts])
        self._register(drawing.draw_starts(ax, start_points, style, label=LABEL_START))
        self._register(drawing.draw_star(ax, star_point, style, label=LABEL_L0_MINIMUM))

    def _add_method(self, ax: Axes, space: str, method_index: int) -> None:
        style = self.scene.style
        method = self.scene.methods[method_index]
        colour = style.method_color(method, method_index)

        (line,) = ax.plot(
            [],
            [],
            color=colour,
            linestyle=style.method_dash(method, method_index),
            linewidth=style.path_linewidth,
            solid_capstyle="round",
            dash_capstyle="round",
            zorder=4,
        )
        (heads,) = ax.plot(
            [],
            [],
            linestyle="none",
            marker=style.method_marker(method, method_index),
            markersize=style.marker_size * 1.15,
            color=colour,
            markeredgecolor=style.rc["axes.facecolor"],
            markeredgewidth=1.2,
            zorder=6,
        )
        crosses = drawing.diverged_marker(ax, np.empty((0, 2)), style, label=LABEL_DIVERGED)
        for artist in (line, heads, crosses):
            self._register(artist)
        group = _MethodGroup(self.scene.paths_of(method_index), space, line, heads, crosses)
        self._groups.append(group)

    # -- frames ---------------------------------------------------------------

    def update(self, step: int) -> None:
        """Move every path, head, cross and the counter to `step`."""
        for group in self._groups:
            pieces: list[np.ndarray] = []
            tips: list[np.ndarray] = []
            stopped: list[np.ndarray] = []
            for path in group.paths:
                points = _points(path, group.space)
                count = path.visible_count(step)
                pieces += [points[:count], _BREAK]
                if path.diverged and step >= path.steps[-1]:
                    stopped.append(points[-1])
                else:
                    tips.append(points[count - 1])

            drawn = np.concatenate(pieces[:-1])
            group.line.set_data(drawn[:, 0], drawn[:, 1])
            tips_array = np.array(tips).reshape(-1, 2)
            group.heads.set_data(tips_array[:, 0], tips_array[:, 1])
            stopped_array = np.array(stopped).reshape(-1, 2)
            group.crosses.set_data(stopped_array[:, 0], stopped_array[:, 1])
            group.crosses.set_visible(len(stopped) > 0)

        self.counter.set_text(self._counter_text(step))

    def _lay_out(self) -> None:
        """Run the layout engine, then fix the positions and pack the parts together."""
        renderer = self.canvas.get_renderer()
        gap = LAYOUT_GAP_INCHES * self.figure.dpi
        # The first layout pass runs before the tick labels exist and leaves too little
        # room for the axis labels, so the layout runs twice.
        self.figure.draw_without_rendering()
        self.figure.draw_without_rendering()
        for _ in range(TITLE_FIT_PASSES):
            if not _fit_titles(self.figure, renderer, gap):
                break
            self.figure.draw_without_rendering()
        self.figure.set_layout_engine("none")
        _pack_frame(self.figure, self.legend, self.counter, renderer, beside=self.legend_beside)

    def draw_background(self) -> None:
        """Draw the static part once, fix the layout and keep the bitmap for blitting."""
        self._lay_out()
        self.canvas.draw()
        # Blitting draws in list order, so sort by zorder as a full draw would.
        self._animated.sort(key=lambda artist: artist.get_zorder())
        width, height = self.canvas.get_width_height()
        if (width, height) != self.size:
            raise RuntimeError(f"canvas is {width}x{height} pixels, expected {self.size}")
        if self.blit:
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
            renderer = self.canvas.get_renderer()
            self._counter_label = _CounterLabel(self.counter, renderer, height)

    def frame(self, step: int) -> np.ndarray:
        """Render the state at `step` as a new (height, width, 4) RGBA uint8 array."""
        self.update(step)
        if not self.blit:
            self.canvas.draw()
            return np.array(self.canvas.buffer_rgba())

        self.canvas.restore_region(self.background)
        for artist in self._animated:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        frame = np.array(self.canvas.buffer_rgba())
        self._counter_label.draw(frame, self.counter.get_text())
        return frame


def _points(path: Trajectory, space: str) -> np.ndarray:
    return path.x if space == "x" else path.losses


def _prepare(
    result: RunResult,
    *,
    size: tuple[int, int],
    style: str,
    view: str,
    layout: str,
    blit: bool,
) -> _Animator:
    """Build an animator and draw its background under the style's rcParams.

    Blitted frames only draw artists whose properties were fixed at creation, so
    the style lock is released before the frames are rendered.
    """
    chosen = get_style(style)
    if view not in VIEWS:
        raise ValueError(f"invalid view {view!r}; choose from {', '.join(VIEWS)}")
    if layout not in LAYOUTS:
        raise ValueError(f"invalid layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    with style_context(chosen):
        scene = make_scene(result, chosen)
        animator = _Animator(scene, size=size, view=view, layout=layout, blit=blit)
        animator.draw_background()
    return animator


def frame_steps(result: RunResult, frames: int) -> np.ndarray:
    """Return the step shown in each frame of an animation of `result`.

    Args:
        result: Output of `engine.run`.
        frames: Requested number of frames; at most one frame per record is made.

    Returns:
        Increasing step numbers from 0 to the last recorded step.
    """
    return result.record_steps[frame_indices(len(result.record_steps), frames)]


def iter_frames(
    result: RunResult,
    *,
    frames: int = 200,
    size: tuple[int, int] = REFERENCE_SIZE,
    style: str = "light",
    view: str = "parameter",
    layout: str = "overlay",
    blit: bool = True,
) -> Iterator[np.ndarray]:
    """Render the frames of an animation one at a time, without encoding them.

    Args:
        result: Output of `engine.run`.
        frames: Requested number of frames, 2 to 2000; at most one frame per record
            is made (see `frame_steps`).
        size: (width, height) in pixels.
        style: Name of a style in `STYLES`.
        view: "parameter", "objective" or "both" (side by side).
        layout: "overlay" (all methods in one axes per view) or "panels".
        blit: Whether to draw only the moving artists per frame. False redraws the
            whole figure per frame: slower, and the reference that blitting must match.

    Yields:
        RGBA frames of shape (height, width, 4), dtype uint8.

    Raises:
        ValueError: If the style, view, layout, frame count or size is invalid.
    """
    frame_count, _, checked_size = validate_animation_options(frames, FPS_RANGE[0], size)
    animator = _prepare(result, size=checked_size, style=style, view=view, layout=layout, blit=blit)
    for step in frame_steps(result, frame_count):
        if blit:
            yield animator.frame(int(step))
        else:
            with style_context(animator.scene.style):
                yield animator.frame(int(step))


def _to_rgb(rgba: np.ndarray) -> Image.Image:
    return Image.fromarray(rgba, mode="RGBA").convert("RGB")


def _encode_gif(animator: _Animator, steps: np.ndarray, fps: float) -> bytes:
    """Encode the frames at `steps` as a looping GIF with one shared palette.

    The palette comes from the last frame, which contains every path in full and so
    covers all colours that appear. One palette for all frames avoids flicker. It has
    255 colours, which leaves an index free for transparency, so Pillow (with
    optimize=True) stores each frame as its difference from the previous one.
    """
    # Maximum coverage kept white backgrounds exact, where median cut turned them
    # into a visible light grey (252), and had the lower mean error on light styles.
    palette = _to_rgb(animator.frame(int(steps[-1]))).quantize(
        colors=255, method=Image.Quantize.MAXCOVERAGE
    )
    images = [
        _to_rgb(animator.frame(int(step))).quantize(palette=palette, dither=Image.Dither.NONE)
        for step in steps
    ]

    delay = max(GIF_MIN_DELAY_MS, round(1000.0 / fps))
    if delay != round(1000.0 / fps):
        logger.warning("GIF frame rate %.3g fps capped at %d fps", fps, 1000 // delay)

    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=delay,
        loop=0,
        optimize=True,
        disposal=1,
    )
    return buffer.getvalue()


def _write_mp4(
    animator: _Animator, steps: np.ndarray, path: Path, fps: float, size: tuple[int, int]
) -> None:
    """Stream the frames at `steps` to ffmpeg, which writes H.264 (yuv420p) to `path`."""
    # ffmpeg runs as a child process started by fork and exec. JAX warns about any
    # fork in a process where it runs threads, but the child execs ffmpeg at once
    # and never touches JAX state.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning
        )
        writer = imageio_ffmpeg.write_frames(
            str(path),
            size,
            fps=fps,
            codec="libx264",
            pix_fmt_in="rgba",
            pix_fmt_out="yuv420p",
            # yuv420p halves the chroma resolution, so both sides must be even. Sizes
            # are rounded down to even numbers beforehand, and ffmpeg must not resize.
            macro_block_size=2,
            ffmpeg_log_level="error",
            # For 200 frames at 800x600, veryfast encoded in 1.0 s against 1.5 s for the
            # default preset (medium), and the file came out 10% smaller.
            output_params=["-preset", "veryfast", "-movflags", "+faststart"],
        )
        writer.send(None)
    try:
        for step in steps:
            writer.send(animator.frame(int(step)))
    finally:
        writer.close()


def render_animation(
    result: RunResult,
    *,
    fmt: str = "gif",
    frames: int = 200,
    fps: float = 20,
    size: tuple[int, int] = REFERENCE_SIZE,
    style: str = "light",
    view: str = "parameter",
    layout: str = "overlay",
) -> bytes:
    """Render an animation of a result's runs as GIF or MP4 bytes.

    Frames are spread evenly over `result.record_steps`. Each shows every path up to
    that step with a marker at its head, a cross where a run diverged, the step
    counter ("step 12,345 / 100,000") and the legend.

    Args:
        result: Output of `engine.run`.
        fmt: "gif" or "mp4".
        frames: Requested number of frames, 2 to 2000. A result with fewer records
            gives one frame per record.
        fps: Frames per second, 1 to 60. GIF delays are whole hundredths of a second
            and at least 20 ms, so a GIF plays at 50 fps at most.
        size: (width, height) in pixels, 160 to 3840 by 120 to 2160. An MP4 rounds
            both down to even numbers, as yuv420p requires.
        style: Name of a style in `STYLES`.
        view: "parameter", "objective" or "both" (side by side).
        layout: "overlay" (all methods in one axes per view) or "panels".

    Returns:
        The encoded file.

    Raises:
        ValueError: If any option is invalid, or a GIF would exceed `GIF_MAX_PIXELS`.
        RuntimeError: If ffmpeg fails while writing an MP4.
    """
    if fmt not in ANIMATION_FORMATS:
        raise ValueError(f"invalid format {fmt!r}; choose from {', '.join(ANIMATION_FORMATS)}")
    frame_count, fps, (width, height) = validate_animation_options(frames, fps, size)
    steps = frame_steps(result, frame_count)
    if fmt == "mp4":
        width, height = _even(width), _even(height)
    elif len(steps) * width * height > GIF_MAX_PIXELS:
        raise ValueError(
            f"GIF of {len(steps)} frames at {width}x{height} exceeds {GIF_MAX_PIXELS:,}"
            " pixels in total; use fewer frames, a smaller size or MP4"
        )

    began = time.perf_counter()
    animator = _prepare(
        result, size=(width, height), style=style, view=view, layout=layout, blit=True
    )
    if fmt == "gif":
        data = _encode_gif(animator, steps, fps)
    else:
        with tempfile.TemporaryDirectory(prefix="toyopt-") as folder:
            target = Path(folder) / "animation.mp4"
            _write_mp4(animator, steps, target, fps, (width, height))
            data = target.read_bytes()

    logger.info(
        "rendered %s animation (%d frames, %dx%d, %s view) of %d bytes in %.2f s",
        fmt,
        len(steps),
        width,
        height,
        view,
        len(data),
        time.perf_counter() - began,
    )
    return data


def save_animation(
    result: RunResult,
    path: str | Path,
    *,
    frames: int = 200,
    fps: float = 20,
    size: tuple[int, int] = REFERENCE_SIZE,
    style: str = "light",
    **options: str,
) -> Path:
    """Write an animation to `path`, choosing GIF or MP4 from its suffix.

    Args:
        result: Output of `engine.run`.
        path: Output file ending in .gif or .mp4 (any case).
        frames: Requested number of frames, 2 to 2000.
        fps: Frames per second, 1 to 60.
        size: (width, height) in pixels.
        style: Name of a style in `STYLES`.
        **options: `view` and `layout`, as for `render_animation`.

    Returns:
        The path written.

    Raises:
        ValueError: If the suffix is not .gif or .mp4, or an option is invalid.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(
            f"unsupported animation file suffix {target.suffix!r} in {str(target)!r};"
            " use .gif or .mp4"
        )
    data = render_animation(
        result, fmt=suffix[1:], frames=frames, fps=fps, size=size, style=style, **options
    )
    target.write_bytes(data)
    return target
