"""JSON payload of the playground component: everything the browser draws.

The browser builds both Plotly views (parameter space and objective space) from
this payload and runs the animation clock itself, so nothing here depends on
Streamlit and the payload can be checked in tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toyopt.engine import METHOD_NAMES, NOT_DIVERGED, RunResult
from toyopt.methods import METHOD_LABELS
from toyopt.pareto import pareto_set
from toyopt.plots.styles import get_style
from toyopt.problems import get_problem
from toyopt_app.backgrounds import Background

PATH_WIDTH_PX = 3
PLOTLY_SYMBOLS = {"o": "circle", "s": "square", "^": "triangle-up", "D": "diamond"}


@dataclass(frozen=True)
class MethodStyle:
    """Browser drawing style of one method: the colour, dash and marker of the
    exported figures (`toyopt.plots.styles`, light style), so that a slide made
    from an export matches what the class saw."""

    color: str
    dash: str
    symbol: str


def plotly_dash(dash: str | tuple, width: float = PATH_WIDTH_PX) -> str:
    """Translate a matplotlib line style into a Plotly dash string.

    matplotlib measures dash patterns in line widths, Plotly in pixels.
    """
    if isinstance(dash, str):
        return dash
    _, pattern = dash
    return ",".join(f"{length * width:g}px" for length in pattern)


def _method_style(name: str) -> MethodStyle:
    light = get_style("light")
    return MethodStyle(
        color=light.method_color(name),
        dash=plotly_dash(light.method_dash(name)),
        symbol=PLOTLY_SYMBOLS[light.method_marker(name)],
    )


METHOD_STYLES: dict[str, MethodStyle] = {name: _method_style(name) for name in METHOD_NAMES}

PARETO_SAMPLES_SENT = 201


def _rounded(values: np.ndarray, digits: int = 6) -> list:
    """Round for transport: 1e-6 is far below a pixel at any zoom Plotly allows here."""
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


def build_payload(
    result: RunResult,
    background: Background,
    *,
    static_url: str,
    plotly_url: str,
    layout: str,
    background_loss: str,
    max_starts: int,
) -> dict:
    """Build the component payload for a result.

    Args:
        result: Trajectories to draw; every run shares `result.record_steps`.
        background: Rendered contour image of `background_loss`.
        static_url: URL prefix of the static folder, for the background image.
        plotly_url: URL of plotly.min.js.
        layout: "overlay" (all methods in one panel) or "panels" (one per method).
        background_loss: Name of the loss behind the parameter-space view.
        max_starts: Largest number of starts the app accepts; the browser stops
            offering to add starts beyond it.

    Returns:
        A JSON-serialisable dict.
    """
    config = result.config
    problem = get_problem(config.problem)
    pareto = pareto_set(config.problem)
    sample = np.linspace(0, len(pareto.weights) - 1, PARETO_SAMPLES_SENT).round().astype(int)
    minimum_losses = np.asarray(problem.losses(np.asarray(problem.l0_minimum)))

    methods = [
        {
            "key": name,
            "label": METHOD_LABELS[name],
            "color": METHOD_STYLES[name].color,
            "dash": METHOD_STYLES[name].dash,
            "symbol": METHOD_STYLES[name].symbol,
        }
        for name in config.methods
    ]

    runs = []
    for m in range(len(config.methods)):
        for s in range(len(config.starts)):
            losses = result.losses[m, s]
            diverged = int(result.diverged_at[m, s])
            runs.append(
                {
                    "method": m,
                    "start": s,
                    "x": _rounded(result.x[m, s, :, 0]),
                    "y": _rounded(result.x[m, s, :, 1]),
                    "l1": _rounded(losses[:, 0]),
                    "l2": _rounded(losses[:, 1]),
                    "l0": _rounded(losses.mean(axis=1)),
                    "diverged_at": None if diverged == NOT_DIVERGED else diverged,
                }
            )

    return {
        "plotly_src": plotly_url,
        "layout": layout,
        "domain": [list(problem.domain[0]), list(problem.domain[1])],
        "background": {
            "url": f"{static_url}/{background.filename}",
            "x": list(background.x_range),
            "y": list(background.y_range),
            "loss": background_loss,
        },
        "pareto": {"x": _rounded(pareto.x[sample, 0]), "y": _rounded(pareto.x[sample, 1])},
        "front": {
            "l1": _rounded(pareto.losses[sample, 0]),
            "l2": _rounded(pareto.losses[sample, 1]),
        },
        "minimum": {"x": list(problem.l0_minimum), "losses": _rounded(minimum_losses)},
        "methods": methods,
        "starts": [list(start) for start in config.starts],
        "max_starts": max_starts,
        "steps": result.record_steps.tolist(),
        "total_steps": config.steps,
        "runs": runs,
    }
