"""Explanation page: what each method does with the two task gradients at one point."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from toyopt.methods import RESCALE_CHOICES
from toyopt.pareto import pareto_set
from toyopt.problems import CAGRAD_TOY
from toyopt_app.gradient_figure import directions_at, gradient_figure, improvement_rows
from toyopt_app.shell import ensure_shell

ensure_shell()

st.title("How the methods work")
st.markdown(
    "Every method here turns the two task gradients g1 = ∇L1 and g2 = ∇L2 into one "
    "update direction d, which the optimizer then uses in place of a gradient. Pick a "
    "point of the toy problem and compare the directions."
)

left, middle, right = st.columns(3)
x1 = left.number_input("x1", min_value=-10.0, max_value=10.0, value=-6.0, step=0.5)
x2 = middle.number_input("x2", min_value=-10.0, max_value=10.0, value=-4.0, step=0.5)
c = right.slider("CAGrad c", min_value=0.0, max_value=10.0, value=0.5, step=0.05)
rescale = right.selectbox("CAGrad rescale", list(RESCALE_CHOICES))

directions = directions_at(CAGRAD_TOY, (x1, x2), c)
cosine = directions.cosine
angle = math.degrees(math.acos(max(-1.0, min(1.0, cosine))))
if cosine < 0:
    st.warning(
        f"At ({x1:g}, {x2:g}) the task gradients conflict: the angle between them is "
        f"{angle:.1f} degrees (cosine {cosine:.3f}), so a step along one of them makes "
        "the other task worse."
    )
else:
    st.success(
        f"At ({x1:g}, {x2:g}) the task gradients agree: the angle between them is "
        f"{angle:.1f} degrees (cosine {cosine:.3f})."
    )

st.plotly_chart(gradient_figure(directions), theme=None, width="stretch")
st.caption(
    "Arrows start at the origin of gradient space. A method decreases task i to first "
    "order when gi . d > 0. CAGrad is drawn unscaled, on its ball; the table applies "
    "the chosen rescale."
)
table = pd.DataFrame(improvement_rows(directions, rescale))
st.dataframe(table, hide_index=True)

st.header("The four directions")

st.subheader("GD: the mean gradient")
st.latex(r"d = g_0 = \tfrac{1}{2}(g_1 + g_2)")
st.markdown(
    "Plain descent on the average loss L0. When one task's gradient is much larger, "
    "g0 follows that task and can push the other uphill. In a steep, narrow valley it "
    "bounces between the walls."
)

st.subheader("MGDA: the min-norm point of the convex hull")
st.latex(
    r"d = \alpha g_1 + (1-\alpha) g_2,\quad "
    r"\alpha = \operatorname{clip}\!\left(\frac{g_2\cdot g_2 - g_1\cdot g_2}"
    r"{\lVert g_1 - g_2\rVert^2},\ 0,\ 1\right)"
)
st.markdown(
    "The shortest vector between g1 and g2 never makes a task worse to first order. It "
    "shrinks to zero as soon as the gradients are antiparallel, which is exactly on the "
    "Pareto set, so MGDA stops at the first Pareto-optimal point it meets, wherever that "
    "is (Sener and Koltun, 2018)."
)

st.subheader("PCGrad: project away the conflict")
st.latex(
    r"\text{if } g_1\cdot g_2 < 0:\quad "
    r"g_1' = g_1 - \frac{g_1\cdot g_2}{\lVert g_2\rVert^2} g_2,\ "
    r"g_2' = g_2 - \frac{g_1\cdot g_2}{\lVert g_1\rVert^2} g_1,\ "
    r"d = \tfrac{1}{2}(g_1' + g_2')"
)
st.markdown(
    "Each gradient loses its component along the other when they conflict; otherwise "
    "d = g0. On the Pareto set both projections vanish, so PCGrad also stops there "
    "(Yu et al., 2020). Some libraries return the sum of the projections, twice this d."
)

st.subheader("CAGrad: the best worst-case direction near g0")
st.latex(
    r"d^\star = \arg\max_{\lVert d - g_0\rVert \le c\lVert g_0\rVert}\ "
    r"\min_i\ g_i\cdot d"
)
st.latex(
    r"w^\star = \arg\min_{w\in[0,1]}\ g_w\cdot g_0 + c\lVert g_0\rVert\lVert g_w\rVert,"
    r"\quad g_w = w g_1 + (1-w) g_2,\quad "
    r"d^\star = g_0 + \frac{c\lVert g_0\rVert}{\lVert g_w\rVert} g_w"
)
st.markdown(
    "CAGrad searches a ball around the mean gradient for the direction that improves the "
    "worse task the most (Liu et al., 2021). With c = 0 the ball is a point and CAGrad is "
    "GD, stalls included; as c grows it turns towards MGDA. For 0 <= c < 1 the paper "
    "proves convergence to a stationary point of L0, not merely to some point of the "
    "Pareto set as for MGDA. The proof does not promise the global minimum: that CAGrad "
    "with c = 0.5 reaches the star from all three starts of Figure 1 is what the "
    "experiment shows, because the extra push towards the worse task carries it out of "
    "GD's valleys. Helping the worse task can still make the other one worse for a "
    "while, as the objective-space view shows. toyopt solves the one-dimensional dual "
    "in closed form and then divides d by 1 + c, 1 + c^2 or 1, as the rescale option "
    "says."
)

st.header("The toy problem")
st.markdown(
    "Above the x1 axis each task is a logarithmic valley; below it, a shallow quadratic "
    "bowl. Smooth gates tanh(x2/2) and tanh(-x2/2), clamped at 0, blend the two halves. "
    "The Pareto set is the curve of minimisers of w L1 + (1 - w) L2, from (-7, -8.434) "
    "through (0, -8.355) to (7, -8.434); toyopt computes it numerically rather than "
    "drawing the straight line of the original figure."
)
pareto = pareto_set(CAGRAD_TOY.name)
middle_index = len(pareto.weights) // 2
samples = [0, middle_index, len(pareto.weights) - 1]
st.dataframe(
    pd.DataFrame(
        {
            "w": ["0 (L2 alone)", "1/2 (L0)", "1 (L1 alone)"],
            "x1": pareto.x[samples, 0],
            "x2": pareto.x[samples, 1],
            "L1": pareto.losses[samples, 0],
            "L2": pareto.losses[samples, 1],
        }
    ),
    hide_index=True,
    column_config={
        name: st.column_config.NumberColumn(format="%.5f") for name in ("x1", "x2", "L1", "L2")
    },
)
