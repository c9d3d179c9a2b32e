"""Static figures and animations of toyopt runs, drawn with matplotlib (no browser)."""

from toyopt.plots.animation import render_animation, save_animation
from toyopt.plots.figures import (
    figure1,
    objective_figure,
    parameter_figure,
    render_figure,
    side_by_side_figure,
)
from toyopt.plots.styles import STYLES, Style, get_style

__all__ = [
    "STYLES",
    "Style",
    "figure1",
    "get_style",
    "objective_figure",
    "parameter_figure",
    "render_animation",
    "render_figure",
    "save_animation",
    "side_by_side_figure",
]
