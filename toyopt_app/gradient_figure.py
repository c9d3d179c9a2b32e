"""Gradient-space picture of one point: task gradients and each method's direction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from toyopt.methods import METHOD_LABELS, cagrad, gd, mgda, pcgrad, rescale_divisor
from toyopt.problems import Problem
from toyopt_app.view_data import METHOD_STYLES


@dataclass(frozen=True)
class Directions:
    """Task gradients at a point and the direction of every method there."""

    g1: np.ndarray
    g2: np.ndarray
    by_method: dict[str, np.ndarray]
    c: float

    @property
    def cosine(self) -> float:
        """Cosine of the angle between g1 and g2; 0 when either gradient is zero."""
        norms = np.linalg.norm(self.g1) * np.linalg.norm(self.g2)
        return float(self.g1 @ self.g2 / norms) if norms > 0 else 0.0


def directions_at(problem: Problem, x: tuple[float, float], c: float) -> Directions:
    """Compute the task gradients at x and each method's (unscaled) direction."""
    jacobian = np.asarray(problem.jacobian(np.asarray(x, dtype=np.float64)))
    g1, g2 = jacobian[0], jacobian[1]
    by_method = {
        "gd": np.asarray(gd(g1, g2)),
        "mgda": np.asarray(mgda(g1, g2)),
        "pcgrad": np.asarray(pcgrad(g1, g2)),
        # Unscaled, so that it lies on the ball |d - g0| <= c |g0| that the picture draws.
        "cagrad": np.asarray(cagrad(g1, g2, c, rescale="none")),
    }
    return Directions(g1=g1, g2=g2, by_method=by_method, c=c)


def _arrow(figure: go.Figure, vector: np.ndarray, color: str, label: str, dash: str) -> None:
    figure.add_trace(
        go.Scatter(
            x=[0.0, vector[0]],
            y=[0.0, vector[1]],
            mode="lines+markers",
            line={"color": color, "width": 4, "dash": dash},
            marker={"symbol": "arrow", "angleref": "previous", "size": [0, 16], "color": color},
            name=label,
            hovertemplate=f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        )
    )


def gradient_figure(directions: Directions) -> go.Figure:
    """Draw g1, g2, their convex hull, CAGrad's ball and every method's direction."""
    figure = go.Figure()
    g1, g2 = directions.g1, directions.g2
    g0 = directions.by_method["gd"]

    figure.add_trace(
        go.Scatter(
            x=[g1[0], g2[0]],
            y=[g1[1], g2[1]],
            mode="lines",
            line={"color": "#999", "width": 2, "dash": "dot"},
            name="convex hull of g1, g2 (MGDA searches it)",
            hoverinfo="skip",
        )
    )
    radius = directions.c * np.linalg.norm(g0)
    angle = np.linspace(0, 2 * np.pi, 200)
    figure.add_trace(
        go.Scatter(
            x=g0[0] + radius * np.cos(angle),
            y=g0[1] + radius * np.sin(angle),
            mode="lines",
            fill="toself",
            fillcolor="rgba(213,94,0,0.08)",
            line={"color": "rgba(213,94,0,0.5)", "width": 1},
            name=f"CAGrad ball |d - g0| <= {directions.c:g} |g0|",
            hoverinfo="skip",
        )
    )
    _arrow(figure, g1, "#444", "g1 (task 1)", "solid")
    _arrow(figure, g2, "#888", "g2 (task 2)", "solid")
    for name, vector in directions.by_method.items():
        style = METHOD_STYLES[name]
        _arrow(figure, vector, style.color, METHOD_LABELS[name], style.dash)

    figure.update_layout(
        height=520,
        margin={"l": 40, "r": 10, "t": 30, "b": 40},
        xaxis={"title": {"text": "d/dx1"}, "zeroline": True},
        yaxis={"title": {"text": "d/dx2"}, "zeroline": True, "scaleanchor": "x"},
        legend={"orientation": "h", "y": -0.15},
    )
    return figure


def improvement_rows(directions: Directions, rescale: str) -> list[dict[str, object]]:
    """Tabulate each direction's first-order decrease of L1 and L2 (gi . d)."""
    divisor = float(rescale_divisor(directions.c, rescale))
    rows = []
    for name, vector in directions.by_method.items():
        d = vector / divisor if name == "cagrad" else vector
        rows.append(
            {
                "method": METHOD_LABELS[name],
                "direction d": f"({d[0]:.4g}, {d[1]:.4g})",
                "|d|": float(np.linalg.norm(d)),
                "g1 . d (task 1 decrease rate)": float(directions.g1 @ d),
                "g2 . d (task 2 decrease rate)": float(directions.g2 @ d),
            }
        )
    return rows
