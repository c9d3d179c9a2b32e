"""Tests of toyopt.plots: file formats, figure content, animation frames and validation."""

from __future__ import annotations

import dataclasses
import io
import math
import re
import warnings
import xml.etree.ElementTree as ET

import imageio_ffmpeg
import matplotlib.colors as mcolors
import numpy as np
import pytest
import torch
from matplotlib.collections import LineCollection
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image

from tests.conftest import toy_losses_torch
from toyopt.engine import NOT_DIVERGED, RunConfig, RunResult, run
from toyopt.methods import METHOD_LABELS
from toyopt.pareto import pareto_set
from toyopt.plots import (
    STYLES,
    figure1,
    objective_figure,
    parameter_figure,
    render_animation,
    render_figure,
    save_animation,
    side_by_side_figure,
)
from toyopt.plots.animation import (
    _prepare,
    choose_grid,
    frame_indices,
    frame_steps,
    iter_frames,
)
from toyopt.plots.grid import loss_grid
from toyopt.plots.trajectories import trajectory
from toyopt.problems import CAGRAD_TOY

SMALL_SIZE = (320, 240)


@pytest.fixture(scope="module")
def result() -> RunResult:
    """Figure 1's twelve runs, shortened to 2,000 steps with 201 records."""
    return run(RunConfig(steps=2000, record_every=10))


@pytest.fixture(scope="module")
def coarse_result() -> RunResult:
    """Two runs with only 21 records, fewer than most requested frame counts."""
    return run(
        RunConfig(methods=("gd", "cagrad"), starts=((-8.5, 7.5),), steps=2000, record_every=100)
    )


@pytest.fixture(scope="module")
def figure1_light(result):
    """Figure 1 of `result` in the default style, shared by the read-only content tests."""
    return figure1(result)


def with_divergence(result: RunResult, method_index: int, start_index: int, step: int) -> RunResult:
    """Copy `result` as if run (method_index, start_index) hit a non-finite update at `step`.

    Mirrors the engine: the run keeps its last finite state in every later record.
    """
    final_step = step - 1
    last_record = int(np.searchsorted(result.record_steps, final_step, side="right")) - 1
    x, losses = result.x.copy(), result.losses.copy()
    final_x, final_losses = result.final_x.copy(), result.final_losses.copy()
    final_x[method_index, start_index] = x[method_index, start_index, last_record]
    final_losses[method_index, start_index] = losses[method_index, start_index, last_record]
    x[method_index, start_index, last_record + 1 :] = final_x[method_index, start_index]
    losses[method_index, start_index, last_record + 1 :] = final_losses[method_index, start_index]

    diverged_at = result.diverged_at.copy()
    final_steps = result.final_step.copy()
    diverged_at[method_index, start_index] = step
    final_steps[method_index, start_index] = final_step
    return dataclasses.replace(
        result,
        x=x,
        losses=losses,
        final_x=final_x,
        final_losses=final_losses,
        diverged_at=diverged_at,
        final_step=final_steps,
    )


def pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def read_mp4(data: bytes, tmp_path) -> tuple[dict, list[np.ndarray]]:
    path = tmp_path / "read_back.mp4"
    path.write_bytes(data)
    reader = imageio_ffmpeg.read_frames(str(path))
    # JAX warns about any fork, but the child process execs ffmpeg at once.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called")
        meta = next(reader)
    width, height = meta["size"]
    frames = [np.frombuffer(raw, np.uint8).reshape(height, width, 3) for raw in reader]
    return meta, frames


def gif_frames(data: bytes) -> list[np.ndarray]:
    image = Image.open(io.BytesIO(data))
    frames = []
    for index in range(image.n_frames):
        image.seek(index)
        frames.append(np.asarray(image.convert("RGB")))
    return frames


def layout_parts(figure) -> list[list[Bbox]]:
    """Boxes, in pixels, of what a drawn figure shows, grouped by owner.

    The figure's own texts (title or step counter) and each legend are one owner
    each. A visible axes owns its frame, its title and its two axis boxes (tick
    labels and axis label).
    """
    owners = [
        [child.get_window_extent()]
        for child in figure.get_children()
        if isinstance(child, Text) and child.get_text()
    ]
    owners += [[legend.get_window_extent()] for legend in figure.legends]
    for ax in figure.axes:
        if ax.get_visible():
            boxes = [ax.get_window_extent(), ax.xaxis.get_tightbbox(), ax.yaxis.get_tightbbox()]
            if ax.get_title():
                boxes.append(ax.title.get_window_extent())
            owners.append(boxes)
    return owners


def overlapping_parts(figure) -> list[tuple[Bbox, Bbox]]:
    """Pairs of boxes of different owners that overlap by more than a pixel."""
    owners = layout_parts(figure)
    pairs = []
    for index, boxes in enumerate(owners):
        for other in owners[index + 1 :]:
            for box in boxes:
                pairs += [(box, b) for b in other if box.padded(-1).overlaps(b.padded(-1))]
    return pairs


def parts_outside(figure) -> list[Bbox]:
    """Boxes that reach more than a pixel past the figure's edges."""
    limits = figure.bbox.padded(1)
    boxes = [box for owner in layout_parts(figure) for box in owner]
    return [
        box
        for box in boxes
        if box.x0 < limits.x0 or box.x1 > limits.x1 or box.y0 < limits.y0 or box.y1 > limits.y1
    ]


def box_distance(first: Bbox, second: Bbox) -> float:
    """Gap in pixels between two boxes along the axis that separates them, 0 if they touch."""
    return max(
        second.x0 - first.x1, first.x0 - second.x1, second.y0 - first.y1, first.y0 - second.y1, 0.0
    )


def content_box(figure) -> Bbox:
    """Union of the tight boxes (decorations included) of a figure's visible axes."""
    return Bbox.union([ax.get_tightbbox() for ax in figure.axes if ax.get_visible()])


# ----------------------------------------------------------------------------
# Styles
# ----------------------------------------------------------------------------


def test_styles_names():
    assert set(STYLES) == {"light", "dark", "high-contrast"}


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_font_sizes_readable(name):
    rc = STYLES[name].rc
    assert 16 <= rc["axes.titlesize"] <= 20
    assert 12 <= rc["xtick.labelsize"] <= 14
    assert 12 <= rc["ytick.labelsize"] <= 14


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_methods_distinct(name):
    style = STYLES[name]
    methods = ("gd", "mgda", "pcgrad", "cagrad")
    colours = {mcolors.to_hex(style.method_color(m)) for m in methods}
    dashes = {str(style.method_dash(m)) for m in methods}
    markers = {style.method_marker(m) for m in methods}
    assert len(colours) == len(methods)
    assert len(dashes) == len(methods)
    assert len(markers) == len(methods)
    background = mcolors.to_hex(style.rc["axes.facecolor"])
    assert background not in colours


def test_high_contrast_thicker_than_light():
    assert STYLES["high-contrast"].path_linewidth > STYLES["light"].path_linewidth
    assert STYLES["high-contrast"].rc["axes.linewidth"] > STYLES["light"].rc["axes.linewidth"]


# ----------------------------------------------------------------------------
# Loss grid
# ----------------------------------------------------------------------------


def test_loss_grid_matches_torch():
    grid = loss_grid(CAGRAD_TOY.name, 41)
    mesh1, mesh2 = np.meshgrid(grid.x1, grid.x2)
    points = torch.tensor(np.stack([mesh1, mesh2], axis=-1), dtype=torch.float64)
    expected = toy_losses_torch(points).numpy()
    np.testing.assert_allclose(grid.l1, expected[..., 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grid.l2, expected[..., 1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grid.l0, expected.mean(axis=-1), rtol=1e-12, atol=1e-12)


def test_loss_grid_extends_past_domain():
    grid = loss_grid(CAGRAD_TOY.name, 41)
    assert grid.x1[0] == CAGRAD_TOY.domain[0][0] - 1
    assert grid.x1[-1] == CAGRAD_TOY.domain[0][1] + 1
    assert grid.x2[0] == CAGRAD_TOY.domain[1][0] - 1
    assert grid.x2[-1] == CAGRAD_TOY.domain[1][1] + 1


def test_loss_grid_is_read_only():
    grid = loss_grid(CAGRAD_TOY.name, 41)
    with pytest.raises(ValueError, match="read-only"):
        grid.l0[0, 0] = 0.0


# ----------------------------------------------------------------------------
# Trajectories and frame sampling
# ----------------------------------------------------------------------------


def test_trajectory_finite_keeps_records(result):
    path = trajectory(result, 0, 0)
    np.testing.assert_array_equal(path.steps, result.record_steps)
    assert not path.diverged


def test_trajectory_diverged_ends_at_final_step(result):
    diverged = with_divergence(result, 1, 2, step=505)
    path = trajectory(diverged, 1, 2)
    assert path.diverged
    assert path.steps[-1] == 504
    assert np.all(path.steps[:-1] <= 500)
    np.testing.assert_array_equal(path.x[-1], diverged.final_x[1, 2])


@pytest.mark.parametrize(("n_records", "frames"), [(201, 200), (201, 2), (21, 200), (1001, 17)])
def test_frame_indices_span_records(n_records, frames):
    indices = frame_indices(n_records, frames)
    assert len(indices) == min(frames, n_records)
    assert indices[0] == 0
    assert indices[-1] == n_records - 1
    assert np.all(np.diff(indices) > 0)


def test_frame_steps_end_at_last_step(result):
    steps = frame_steps(result, 50)
    assert steps[0] == 0
    assert steps[-1] == result.config.steps


# ----------------------------------------------------------------------------
# Static figures: content
# ----------------------------------------------------------------------------


def test_figure1_panels_and_titles(result, figure1_light):
    figure = figure1_light
    titles = [ax.get_title() for ax in figure.axes]
    for method in result.config.methods:
        assert METHOD_LABELS[method] in titles
    assert "$L_1$" in titles
    assert "$L_2$" in titles


def test_figure1_paths_coloured_by_step(result, figure1_light):
    figure = figure1_light
    panel = next(ax for ax in figure.axes if ax.get_title() == METHOD_LABELS["cagrad"])
    collections = [c for c in panel.collections if isinstance(c, LineCollection)]
    paths = [c for c in collections if c.get_array() is not None and c.get_cmap().name == "autumn"]
    assert len(paths) == len(result.config.starts)
    for collection in paths:
        values = np.asarray(collection.get_array())
        assert np.all(np.diff(values) > 0)
        assert values[-1] == result.config.steps


def test_figure1_marks_pareto_set_star_and_starts(result, figure1_light):
    figure = figure1_light
    panel = next(ax for ax in figure.axes if ax.get_title() == METHOD_LABELS["mgda"])
    lines = {line.get_label(): line for line in panel.get_lines()}
    np.testing.assert_allclose(
        np.column_stack(lines["Pareto set"].get_data()), pareto_set(CAGRAD_TOY.name).x
    )
    np.testing.assert_allclose(
        np.column_stack(lines["minimum of $L_0$"].get_data())[0], CAGRAD_TOY.l0_minimum
    )
    np.testing.assert_allclose(
        np.column_stack(lines["start"].get_data()), np.asarray(result.config.starts)
    )


@pytest.mark.parametrize("loss", ["L1", "L2"])
def test_figure1_task_star_at_grid_minimum(figure1_light, loss):
    figure = figure1_light
    panel = next(ax for ax in figure.axes if ax.get_title() == f"$L_{loss[1]}$")
    (star,) = [line for line in panel.get_lines() if line.get_marker() == "*"]
    marked = np.column_stack(star.get_data())[0]

    grid = loss_grid(CAGRAD_TOY.name, 401)
    row, column = np.unravel_index(np.argmin(grid.loss(loss)), grid.l0.shape)
    spacing = grid.x1[1] - grid.x1[0]
    assert abs(marked[0] - grid.x1[column]) <= spacing
    assert abs(marked[1] - grid.x2[row]) <= spacing


def test_figure1_domain_limits(figure1_light):
    figure = figure1_light
    panel = next(ax for ax in figure.axes if ax.get_title() == METHOD_LABELS["gd"])
    assert panel.get_xlim() == CAGRAD_TOY.domain[0]
    assert panel.get_ylim() == CAGRAD_TOY.domain[1]


def test_figure1_surface_adds_3d_panel(result, figure1_light):
    flat = figure1_light
    with_surface = figure1(result, surface=True)
    assert len(with_surface.axes) == len(flat.axes) + 1
    assert any(ax.name == "3d" for ax in with_surface.axes)
    assert not any(ax.name == "3d" for ax in flat.axes)


def test_parameter_figure_marks_diverged_run(result):
    diverged = with_divergence(result, 0, 1, step=777)
    figure = parameter_figure(diverged)
    crosses = [line for ax in figure.axes for line in ax.get_lines() if line.get_marker() == "X"]
    assert len(crosses) == 1
    np.testing.assert_allclose(np.column_stack(crosses[0].get_data())[0], diverged.final_x[0, 1])
    assert diverged.diverged_at[0, 1] != NOT_DIVERGED


def test_figure1_marks_diverged_run(result):
    diverged = with_divergence(result, 2, 0, step=300)
    figure = figure1(diverged)
    panel = next(ax for ax in figure.axes if ax.get_title() == METHOD_LABELS["pcgrad"])
    crosses = [line for line in panel.get_lines() if line.get_marker() == "X"]
    assert len(crosses) == 1


def test_parameter_panels_one_axes_per_method(result):
    figure = parameter_figure(result, layout="panels", background="L1")
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == [METHOD_LABELS[m] for m in result.config.methods]


def test_objective_figure_shows_front_and_starts(result):
    figure = objective_figure(result)
    (ax,) = figure.axes
    front = pareto_set(CAGRAD_TOY.name).losses
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    assert x_low <= front[:, 0].min()
    assert x_high >= front[:, 0].max()
    assert y_low <= front[:, 1].min()
    starts = result.losses[0, :, 0]
    assert np.all((starts[:, 0] > x_low) & (starts[:, 0] < x_high))
    assert np.all((starts[:, 1] > y_low) & (starts[:, 1] < y_high))
    labels = [line.get_label() for line in ax.get_lines()]
    assert "Pareto front" in labels


def test_side_by_side_has_both_views(result):
    figure = side_by_side_figure(result, style="dark")
    assert len(figure.axes) == 2
    assert figure.axes[1].get_xlabel() == "$L_1$"
    assert figure.axes[0].get_xlabel() == "$x_1$"


VIEW_FIGURES = {
    "parameter": (parameter_figure, {}),
    "objective": (objective_figure, {}),
    "parameter-panels": (parameter_figure, {"layout": "panels"}),
    "objective-panels": (objective_figure, {"layout": "panels"}),
    "both": (side_by_side_figure, {}),
}


@pytest.fixture(scope="module")
def view_figure(result):
    """Build each figure of `VIEW_FIGURES` once per module, laid out, for read-only tests."""
    cache = {}

    def build(name):
        if name not in cache:
            builder, options = VIEW_FIGURES[name]
            cache[name] = builder(result, **options)
            cache[name].draw_without_rendering()
        return cache[name]

    return build


@pytest.mark.parametrize("name", ["parameter", "objective"])
def test_overlay_figure_legend_beside_axes(view_figure, name):
    figure = view_figure(name)
    (legend,) = figure.legends
    gap_inches = box_distance(content_box(figure), legend.get_window_extent()) / figure.dpi
    assert gap_inches < 0.3
    assert legend.get_window_extent().x0 > content_box(figure).x1


@pytest.mark.parametrize("name", sorted(VIEW_FIGURES))
def test_view_figure_parts_apart_and_inside(view_figure, name):
    figure = view_figure(name)
    assert overlapping_parts(figure) == []
    assert parts_outside(figure) == []


def test_panel_figure_rows_close(view_figure):
    figure = view_figure("parameter-panels")
    top_left, _, bottom_left, _ = figure.axes
    # From the upper panel's x1 label down to the lower panel's title.
    gap = top_left.get_tightbbox().y0 - bottom_left.get_tightbbox().y1
    assert 0 < gap / figure.dpi < 0.4


# ----------------------------------------------------------------------------
# Static figures: file formats
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [40, 80])
def test_png_magic_and_size(result, dpi):
    data = render_figure(result, kind="parameter", fmt="png", dpi=dpi)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width_inches, height_inches = parameter_figure(result).get_size_inches()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert abs(image.size[0] - width_inches * dpi) <= 1
    assert abs(image.size[1] - height_inches * dpi) <= 1


def test_figure1_png_size(result, figure1_light):
    data = render_figure(result, kind="figure1", fmt="png", dpi=30, style="high-contrast")
    width_inches, height_inches = figure1_light.get_size_inches()
    image = Image.open(io.BytesIO(data))
    assert abs(image.size[0] - width_inches * 30) <= 1
    assert abs(image.size[1] - height_inches * 30) <= 1


def test_svg_parses_with_svg_root(result):
    data = render_figure(result, kind="objective", fmt="svg")
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    assert root.tag.startswith("{http://www.w3.org/2000/svg}")


def test_pdf_header_trailer_and_one_page(result):
    data = render_figure(result, kind="both", fmt="pdf", style="dark")
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert pdf_page_count(data) == 1


def test_render_figure_forwards_options(result):
    data = render_figure(result, kind="parameter", fmt="svg", layout="panels", background="L2")
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")


@pytest.mark.parametrize(
    ("options", "word"),
    [
        ({"kind": "figure2"}, "figure2"),
        ({"fmt": "jpeg"}, "jpeg"),
        ({"dpi": 0}, "dpi"),
        ({"dpi": 5000}, "dpi"),
        ({"style": "neon"}, "neon"),
        ({"kind": "parameter", "layout": "grid"}, "grid"),
        ({"kind": "parameter", "background": "L3"}, "L3"),
    ],
)
def test_render_figure_rejects_invalid(result, options, word):
    with pytest.raises(ValueError, match=word):
        render_figure(result, **options)


def test_figure_saved_outside_style_matches(result):
    figure = figure1(result, style="dark", surface=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=30)
    outside = np.asarray(Image.open(buffer).convert("RGB"))
    inside = render_figure(result, kind="figure1", fmt="png", dpi=30, style="dark", surface=True)
    np.testing.assert_array_equal(
        outside, np.asarray(Image.open(io.BytesIO(inside)).convert("RGB"))
    )


# ----------------------------------------------------------------------------
# Animations
# ----------------------------------------------------------------------------


def test_gif_frame_count_size_and_delay(result):
    data = render_animation(result, fmt="gif", frames=12, fps=20, size=SMALL_SIZE)
    assert data[:6] == b"GIF89a"
    image = Image.open(io.BytesIO(data))
    assert image.n_frames == 12
    assert image.size == SMALL_SIZE
    assert image.info["duration"] == 50
    assert image.info["loop"] == 0


def test_gif_frames_capped_at_records(coarse_result):
    data = render_animation(coarse_result, fmt="gif", frames=200, size=SMALL_SIZE)
    image = Image.open(io.BytesIO(data))
    assert image.n_frames == len(coarse_result.record_steps)


def test_gif_decodes_to_rendered_frames(result):
    options = {"frames": 6, "size": SMALL_SIZE, "view": "both", "style": "dark"}
    data = render_animation(result, fmt="gif", **options)
    decoded = gif_frames(data)
    rendered = [frame[..., :3] for frame in iter_frames(result, **options)]
    assert len(decoded) == len(rendered)
    for gif_frame, frame in zip(decoded, rendered, strict=True):
        error = np.abs(gif_frame.astype(int) - frame.astype(int))
        assert error.mean() < 2.0


def test_mp4_header_frames_and_size(result, tmp_path):
    data = render_animation(result, fmt="mp4", frames=10, fps=10, size=SMALL_SIZE)
    assert data[4:8] == b"ftyp"
    meta, frames = read_mp4(data, tmp_path)
    assert tuple(meta["size"]) == SMALL_SIZE
    assert meta["fps"] == pytest.approx(10)
    assert len(frames) == 10


def test_mp4_odd_size_rounded_to_even(result, tmp_path):
    data = render_animation(result, fmt="mp4", frames=3, size=(321, 241), view="objective")
    meta, frames = read_mp4(data, tmp_path)
    assert tuple(meta["size"]) == (320, 240)
    assert frames[0].shape == (240, 320, 3)


def test_mp4_frames_match_rendered(result, tmp_path):
    data = render_animation(result, fmt="mp4", frames=4, size=SMALL_SIZE, layout="panels")
    _, decoded = read_mp4(data, tmp_path)
    rendered = [f[..., :3] for f in iter_frames(result, frames=4, size=SMALL_SIZE, layout="panels")]
    for video_frame, frame in zip(decoded, rendered, strict=True):
        error = np.abs(video_frame.astype(int) - frame.astype(int))
        assert error.mean() < 6.0


def counter_rows(result: RunResult, **options) -> slice:
    """Rows of a frame, top first, that hold the step counter, with 3 rows to spare."""
    animator = _prepare(result, style="light", blit=True, **options)
    box = animator.counter.get_window_extent(animator.canvas.get_renderer())
    height = options["size"][1]
    return slice(max(0, math.floor(height - box.y1) - 3), math.ceil(height - box.y0) + 3)


@pytest.mark.parametrize("view", ["parameter", "both"])
def test_blit_matches_full_redraw(result, view):
    options = {"size": SMALL_SIZE, "view": view, "layout": "overlay"}
    blitted = list(iter_frames(result, frames=3, **options))
    redrawn = list(iter_frames(result, frames=3, blit=False, **options))
    # The step counter is rasterised by Pillow when blitting.
    rows = counter_rows(result, **options)
    for fast, slow in zip(blitted, redrawn, strict=True):
        np.testing.assert_array_equal(fast[: rows.start], slow[: rows.start])
        np.testing.assert_array_equal(fast[rows.stop :], slow[rows.stop :])


def test_counter_placed_like_matplotlib_text(result):
    options = {"size": SMALL_SIZE, "view": "parameter", "layout": "overlay"}
    blitted = next(iter_frames(result, frames=2, **options))
    redrawn = next(iter_frames(result, frames=2, blit=False, **options))
    rows = counter_rows(result, **options)

    def ink_box(frame):
        dark = np.nonzero(frame[rows, :, :3].max(axis=2) < 128)
        return dark[0].min(), dark[0].max(), dark[1].min(), dark[1].max()

    for fast, slow in zip(ink_box(blitted), ink_box(redrawn), strict=True):
        assert abs(int(fast) - int(slow)) <= 3


def test_frames_change_over_time(result):
    frames = list(iter_frames(result, frames=3, size=SMALL_SIZE))
    assert not np.array_equal(frames[0], frames[-1])
    assert frames[0].shape == (SMALL_SIZE[1], SMALL_SIZE[0], 4)


def test_animation_shows_diverged_cross(result):
    diverged = with_divergence(result, 3, 0, step=1200)
    options = {"frames": 3, "size": SMALL_SIZE}
    plain_last = list(iter_frames(result, **options))[-1]
    marked_last = list(iter_frames(diverged, **options))[-1]
    assert not np.array_equal(plain_last, marked_last)


@pytest.mark.parametrize("suffix", [".gif", ".GIF", ".mp4"])
def test_save_animation_by_suffix(result, tmp_path, suffix):
    target = save_animation(result, tmp_path / f"runs{suffix}", frames=3, size=SMALL_SIZE)
    data = target.read_bytes()
    if suffix.lower() == ".gif":
        assert data[:6] == b"GIF89a"
    else:
        assert data[4:8] == b"ftyp"


@pytest.mark.parametrize(
    ("name", "quoted_suffix"), [("runs.avi", "'.avi'"), ("runs.png", "'.png'"), ("runs", "''")]
)
def test_save_animation_rejects_suffix(result, tmp_path, name, quoted_suffix):
    with pytest.raises(ValueError, match=re.escape(quoted_suffix)):
        save_animation(result, tmp_path / name, frames=3, size=SMALL_SIZE)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("options", "word"),
    [
        ({"frames": 1}, "frames"),
        ({"frames": 2001}, "frames"),
        ({"frames": 2.5}, "frames"),
        ({"frames": True}, "frames"),
        ({"fps": 0}, "fps"),
        ({"fps": 61}, "fps"),
        ({"fps": float("nan")}, "fps"),
        ({"size": (100, 600)}, "size"),
        ({"size": (800, 5000)}, "size"),
        ({"size": (800,)}, "size"),
        ({"size": "800x600"}, "size"),
        ({"fmt": "webm"}, "webm"),
        ({"view": "side"}, "side"),
        ({"layout": "grid"}, "grid"),
        ({"style": "neon"}, "neon"),
    ],
)
def test_render_animation_rejects_invalid(result, options, word):
    with pytest.raises(ValueError, match=word):
        render_animation(result, **options)


# ----------------------------------------------------------------------------
# Animations: frame layout
# ----------------------------------------------------------------------------

VIEW_LAYOUTS = [
    (view, layout)
    for view in ("parameter", "objective", "both")
    for layout in ("overlay", "panels")
]


def ink_columns(frame: np.ndarray) -> np.ndarray:
    """Whether each column of an RGBA frame has a pixel that differs from the corner."""
    rgb = frame[..., :3].astype(int)
    return (np.abs(rgb - rgb[0, 0]).max(axis=2) > 30).any(axis=0)


@pytest.fixture(scope="module")
def animator(result):
    """Prepare each (view, layout, size) animation of `result` once per module."""
    cache = {}

    def prepare(view, layout, size):
        key = (view, layout, size)
        if key not in cache:
            cache[key] = _prepare(
                result, size=size, style="light", view=view, layout=layout, blit=True
            )
        return cache[key]

    return prepare


@pytest.mark.parametrize(("view", "layout"), VIEW_LAYOUTS)
def test_wide_frame_legend_next_to_axes(animator, view, layout):
    prepared = animator(view, layout, (1280, 720))
    gap = box_distance(content_box(prepared.figure), prepared.legend.get_window_extent())
    assert gap / prepared.figure.dpi < 0.3


@pytest.mark.parametrize(("view", "layout"), VIEW_LAYOUTS)
def test_wide_frame_centred_without_blank_band(result, animator, view, layout):
    prepared = animator(view, layout, (1280, 720))
    columns = ink_columns(prepared.frame(int(result.record_steps[-1])))
    inked = np.flatnonzero(columns)
    left, right = inked[0], len(columns) - 1 - inked[-1]
    assert abs(int(left) - int(right)) < 0.03 * len(columns)

    # The widest run of blank columns between the first and the last inked one.
    inner = columns[inked[0] : inked[-1] + 1].astype(int)
    edges = np.diff(np.concatenate([[1], inner, [1]]))
    widest_gap = np.max(np.flatnonzero(edges == 1) - np.flatnonzero(edges == -1), initial=0)
    assert widest_gap < 0.03 * len(columns)


FRAME_CASES = [
    pytest.param(view, layout, size, id=f"{view}-{layout}-{size[0]}x{size[1]}")
    for view, layout, size in [(v, lay, (1280, 720)) for v, lay in VIEW_LAYOUTS]
    + [("both", "panels", (800, 600))]
]


@pytest.mark.parametrize(("view", "layout", "size"), FRAME_CASES)
def test_frame_parts_apart_and_inside(animator, view, layout, size):
    figure = animator(view, layout, size).figure
    assert overlapping_parts(figure) == []
    assert parts_outside(figure) == []


@pytest.mark.parametrize(("view", "layout"), VIEW_LAYOUTS)
def test_wide_frame_axes_stay_square(animator, view, layout):
    figure = animator(view, layout, (1280, 720)).figure
    for ax in figure.axes:
        if ax.get_visible():
            box = ax.get_window_extent()
            assert abs(box.width - box.height) <= 1


def test_frame_titles_one_readable_size(animator):
    figure = animator("both", "panels", (800, 600)).figure
    sizes = {ax.title.get_fontsize() for ax in figure.axes}
    assert len(sizes) == 1
    assert min(sizes) >= 8


@pytest.mark.parametrize(
    ("frame_inches", "expected"),
    [((10.67, 6.0), (2, 2, True)), ((8.0, 6.0), (2, 2, True)), ((16.0, 3.5), (1, 4, True))],
)
def test_choose_grid_four_panels(frame_inches, expected):
    shapes = [(4, 1), (2, 2), (2, 3), (1, 4)]
    chosen = choose_grid(
        shapes, frame_inches, legend_width=2.5, legend_height=0.8, counter_height=0.3
    )
    assert chosen == expected
