"""Named figure styles: light, dark, and high-contrast for projectors.

A `Style` bundles matplotlib rcParams (fonts sized for a lecture hall at the default
figure size) with the colours, dashes and markers of each method. Method colours come
from the Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2008), whose
eight colours stay distinct for the common forms of colour blindness. Each method also
has its own dash pattern and marker, so print-outs in grey still tell them apart.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, ListedColormap

OKABE_ITO = {
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
    "black": "#000000",
}

METHOD_DASHES: dict[str, Any] = {
    "gd": "solid",
    "mgda": (0, (6, 2.5)),
    "pcgrad": (0, (7, 2, 1.5, 2)),
    "cagrad": (0, (2, 1.5)),
}
"""Line style of each built-in method: solid, dashed, dash-dot and dotted."""

METHOD_MARKERS = {"gd": "o", "mgda": "s", "pcgrad": "^", "cagrad": "D"}

_FALLBACK_DASHES = ("solid", "dashed", "dashdot", "dotted")
_FALLBACK_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")


@dataclass(frozen=True)
class Style:
    """Colours, line widths and rcParams of one named figure style.

    Attributes:
        name: Key in `STYLES`.
        rc: rcParams applied while a figure is built and saved.
        method_colors: Line colour of each method, by method name.
        fallback_colors: Colours for methods missing from `method_colors`, in order.
        foreground: Colour of text, axes, start dots and minimum stars.
        contour_cmap: Colormap of the loss contour lines.
        contour_range: Part of the colormap used for contours, as (low, high) in [0, 1];
            dark styles skip the dark end, which would vanish into the background.
        contour_linewidth: Width of contour lines, in points.
        contour_alpha: Opacity of contour lines behind method-coloured paths.
        time_cmap: Colormap of a trajectory coloured by step (red to yellow).
        path_linewidth: Width of trajectories, in points.
        path_outline: Colour of a thin outline under time-coloured paths, or None.
        pareto_color: Colour of the Pareto set and front.
        pareto_linewidth: Width of the Pareto set and front, in points.
        marker_size: Size of start dots and end markers, in points.
        star_size: Size of the star at the minimum of L0, in points.
        diverged_color: Colour of the cross at the last finite point of a diverged run.
    """

    name: str
    rc: dict[str, Any]
    method_colors: dict[str, str]
    fallback_colors: tuple[str, ...]
    foreground: str
    contour_cmap: str
    contour_range: tuple[float, float]
    contour_linewidth: float
    contour_alpha: float
    time_cmap: str
    path_linewidth: float
    path_outline: str | None
    pareto_color: str
    pareto_linewidth: float
    marker_size: float
    star_size: float
    diverged_color: str

    @property
    def contour_colormap(self) -> Colormap:
        """The colormap named by `contour_cmap`, cut to `contour_range`."""
        full = mpl.colormaps[self.contour_cmap]
        low, high = self.contour_range
        if (low, high) == (0.0, 1.0):
            return full
        return ListedColormap(full(np.linspace(low, high, 256)), name=f"{full.name}_cut")

    def method_color(self, method: str, index: int = 0) -> str:
        """Return the colour of `method`; `index` picks a fallback for other names."""
        if method in self.method_colors:
            return self.method_colors[method]
        return self.fallback_colors[index % len(self.fallback_colors)]

    def method_dash(self, method: str, index: int = 0) -> Any:
        """Return the matplotlib line style of `method`."""
        return METHOD_DASHES.get(method, _FALLBACK_DASHES[index % len(_FALLBACK_DASHES)])

    def method_marker(self, method: str, index: int = 0) -> str:
        """Return the matplotlib marker of `method`."""
        return METHOD_MARKERS.get(method, _FALLBACK_MARKERS[index % len(_FALLBACK_MARKERS)])

    def apply_to_axes(self, ax: Axes) -> None:
        """Set tick sizes and colours on `ax` explicitly.

        Matplotlib creates most tick labels lazily at draw time, so without this a
        figure saved outside `style_context` would take the tick style of the
        rcParams in force at that moment.
        """
        ax.tick_params(
            labelsize=self.rc["xtick.labelsize"],
            colors=self.foreground,
            width=self.rc["xtick.major.width"],
            length=self.rc["xtick.major.size"],
        )


def _rc(
    *,
    background: str,
    foreground: str,
    base_size: float,
    title_size: float,
    tick_size: float,
    line_width: float,
    axes_width: float,
) -> dict[str, Any]:
    return {
        "figure.facecolor": background,
        "axes.facecolor": background,
        "savefig.facecolor": background,
        "figure.edgecolor": background,
        "axes.edgecolor": foreground,
        "axes.labelcolor": foreground,
        "text.color": foreground,
        "xtick.color": foreground,
        "ytick.color": foreground,
        "legend.facecolor": background,
        "legend.edgecolor": foreground,
        "legend.labelcolor": foreground,
        "legend.framealpha": 0.9,
        "font.size": base_size,
        "axes.titlesize": title_size,
        "axes.labelsize": base_size + 1,
        "figure.titlesize": title_size + 2,
        "legend.fontsize": base_size - 1,
        "xtick.labelsize": tick_size,
        "ytick.labelsize": tick_size,
        "xtick.major.width": axes_width,
        "ytick.major.width": axes_width,
        "xtick.major.size": 5.0,
        "ytick.major.size": 5.0,
        "axes.linewidth": axes_width,
        "lines.linewidth": line_width,
        "axes.titleweight": "bold",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
    }


LIGHT = Style(
    name="light",
    rc=_rc(
        background="white",
        foreground="black",
        base_size=14,
        title_size=17,
        tick_size=12,
        line_width=2.5,
        axes_width=1.2,
    ),
    method_colors={
        "gd": OKABE_ITO["orange"],
        "mgda": OKABE_ITO["blue"],
        "pcgrad": OKABE_ITO["bluish green"],
        "cagrad": OKABE_ITO["vermillion"],
    },
    fallback_colors=(OKABE_ITO["reddish purple"], OKABE_ITO["sky blue"], OKABE_ITO["black"]),
    foreground="black",
    contour_cmap="viridis",
    contour_range=(0.0, 1.0),
    contour_linewidth=1.3,
    contour_alpha=0.55,
    time_cmap="autumn",
    path_linewidth=3.0,
    path_outline=None,
    pareto_color="#8c8c8c",
    pareto_linewidth=7.0,
    marker_size=9.0,
    star_size=22.0,
    diverged_color="black",
)

DARK = Style(
    name="dark",
    rc=_rc(
        background="#15181d",
        foreground="#e8e8e8",
        base_size=14,
        title_size=17,
        tick_size=12,
        line_width=2.5,
        axes_width=1.2,
    ),
    method_colors={
        "gd": OKABE_ITO["orange"],
        "mgda": OKABE_ITO["sky blue"],
        "pcgrad": OKABE_ITO["bluish green"],
        "cagrad": OKABE_ITO["reddish purple"],
    },
    fallback_colors=(OKABE_ITO["yellow"], OKABE_ITO["vermillion"], "#ffffff"),
    foreground="#e8e8e8",
    contour_cmap="viridis",
    contour_range=(0.3, 1.0),
    contour_linewidth=1.3,
    contour_alpha=0.7,
    time_cmap="autumn",
    path_linewidth=3.0,
    path_outline=None,
    pareto_color="#a0a0a0",
    pareto_linewidth=7.0,
    marker_size=9.0,
    star_size=22.0,
    diverged_color="#ffffff",
)

HIGH_CONTRAST = Style(
    name="high-contrast",
    rc=_rc(
        background="white",
        foreground="black",
        base_size=16,
        title_size=20,
        tick_size=14,
        line_width=4.0,
        axes_width=2.2,
    ),
    method_colors={
        "gd": "#000000",
        "mgda": OKABE_ITO["blue"],
        "pcgrad": OKABE_ITO["bluish green"],
        "cagrad": OKABE_ITO["vermillion"],
    },
    fallback_colors=(OKABE_ITO["reddish purple"], OKABE_ITO["orange"]),
    foreground="black",
    contour_cmap="cividis",
    contour_range=(0.0, 1.0),
    contour_linewidth=2.0,
    contour_alpha=0.6,
    time_cmap="autumn",
    path_linewidth=5.0,
    path_outline="black",
    pareto_color="#5a5a5a",
    pareto_linewidth=10.0,
    marker_size=13.0,
    star_size=30.0,
    diverged_color="black",
)

STYLES: dict[str, Style] = {style.name: style for style in (LIGHT, DARK, HIGH_CONTRAST)}
"""Figure styles by name: "light", "dark" and "high-contrast" (for projectors)."""

# rcParams are process-wide, so two threads (for example two Streamlit sessions)
# building figures in different styles at once would mix them without this lock.
_RC_LOCK = threading.RLock()


def get_style(name: str) -> Style:
    """Look up a style by name.

    Raises:
        ValueError: If no style has that name; the message lists the known names.
    """
    try:
        return STYLES[name]
    except (KeyError, TypeError):
        known = ", ".join(STYLES)
        raise ValueError(f"unknown style {name!r}; choose from {known}") from None


@contextlib.contextmanager
def style_context(style: Style) -> Iterator[Style]:
    """Apply a style's rcParams for the duration of a `with` block.

    The block holds a process-wide lock, so figures built in other threads wait
    rather than pick up these rcParams.
    """
    with _RC_LOCK, mpl.rc_context(style.rc):
        yield style
