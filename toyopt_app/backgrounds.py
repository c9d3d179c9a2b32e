"""Contour backgrounds for the browser views, rendered once as PNG files.

Plotly redraws a contour trace on every restyle, which would make each animation
frame cost tens of milliseconds, so the filled contours are drawn by matplotlib into
a PNG that Plotly shows as a layout image under the axes. Files are written to the
app's static folder and named by a hash of their inputs, so browsers can cache them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from toyopt.problems import get_problem

logger = logging.getLogger(__name__)

LOSS_CHOICES = ("L0", "L1", "L2")
GRID_POINTS = 301
MARGIN = 1.0
"""Extra width around the plot domain covered by the image, in x units, so panning a
little does not show a blank edge."""


BACKGROUND_COLORMAP = LinearSegmentedColormap.from_list(
    "toyopt-background", ["#7d8a99", "#c9d1da", "#f4f6f8"]
)
"""Muted grey-blue scale (dark = low loss), so that the method colours stand out."""


@dataclass(frozen=True)
class Background:
    """A rendered background image and the data rectangle it covers."""

    filename: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]


@functools.lru_cache(maxsize=8)
def loss_grid(problem_name: str, n: int = GRID_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate (L1, L2) on an n x n grid over the problem's domain plus MARGIN.

    Returns:
        x1 values (n,), x2 values (n,) and losses of shape (n, n, 2) indexed [x2, x1].
    """
    problem = get_problem(problem_name)
    (x_low, x_high), (y_low, y_high) = problem.domain
    xs = np.linspace(x_low - MARGIN, x_high + MARGIN, n)
    ys = np.linspace(y_low - MARGIN, y_high + MARGIN, n)
    grid = jnp.stack(jnp.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    losses = np.asarray(jax.vmap(problem.losses)(grid)).reshape(n, n, 2)
    return xs, ys, losses


def select_loss(losses: np.ndarray, loss: str) -> np.ndarray:
    """Pick L1, L2 or their mean L0 from an array whose last axis is (L1, L2)."""
    if loss == "L1":
        return losses[..., 0]
    if loss == "L2":
        return losses[..., 1]
    if loss == "L0":
        return losses.mean(axis=-1)
    raise ValueError(f"invalid loss {loss!r}; choose one of {', '.join(LOSS_CHOICES)}")


def render_png(problem_name: str, loss: str, pixels: int = 900) -> bytes:
    """Render the filled contours of one loss over the domain plus MARGIN as PNG bytes."""
    xs, ys, losses = loss_grid(problem_name)
    values = select_loss(losses, loss)

    # The object-oriented Figure needs no pyplot state, so server threads can share it.
    figure = Figure(figsize=(pixels / 100, pixels / 100), dpi=100)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    # Quantile levels give every part of the landscape the same number of bands;
    # evenly spaced levels would leave the narrow log valleys nearly invisible.
    levels = np.unique(np.quantile(values, np.linspace(0.0, 1.0, 31)))
    axes.contourf(xs, ys, values, levels=levels, cmap=BACKGROUND_COLORMAP)
    axes.contour(
        xs,
        ys,
        values,
        levels=levels,
        colors="#5b6470",
        linewidths=0.5,
        alpha=0.6,
        negative_linestyles="solid",
    )
    axes.set_xlim(xs[0], xs[-1])
    axes.set_ylim(ys[0], ys[-1])

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@functools.lru_cache(maxsize=32)
def ensure_background(problem_name: str, loss: str, static_dir: str) -> Background:
    """Write the background PNG into `static_dir` if absent and describe it."""
    png = render_png(problem_name, loss)
    digest = hashlib.sha256(png).hexdigest()[:12]
    filename = f"bg-{problem_name}-{loss}-{digest}.png"
    path = Path(static_dir) / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        logger.info("wrote background %s", path)

    xs, ys, _ = loss_grid(problem_name)
    return Background(filename, (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])))
