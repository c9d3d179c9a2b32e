"""Playground page: drag start points, tune the methods, animate, compare."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
import streamlit as st

from toyopt.engine import METHOD_NAMES, NOT_DIVERGED, NOT_REACHED, REACH_TOLERANCE, RunResult
from toyopt.methods import METHOD_LABELS, RESCALE_CHOICES
from toyopt.optimizers import OPTIMIZERS
from toyopt.pareto import pareto_distance
from toyopt.problems import PROBLEMS, get_problem
from toyopt_app import state
from toyopt_app.backgrounds import ensure_background
from toyopt_app.component import PLOTLY_URL, STATIC_DIR, STATIC_URL, playground, preload_plotly
from toyopt_app.compute import TrajectoryCache, compute
from toyopt_app.export_panel import config_upload, export_section
from toyopt_app.shell import ensure_shell
from toyopt_app.startup import warm_up_in_background
from toyopt_app.text import escape_markdown
from toyopt_app.view_data import build_payload

ensure_shell()

logger = logging.getLogger(__name__)

session = st.session_state


@st.cache_resource
def trajectory_cache() -> TrajectoryCache:
    """Per-start trajectories shared by every session of this server process."""
    return TrajectoryCache()


@st.cache_resource
def warm_up(problem: str, optimizer: str, steps: int) -> None:
    """Compile the drag-sized programs once per (problem, optimizer, steps)."""
    warm_up_in_background(state.current_config(session))


def on_drop() -> None:
    event = session["playground"].drop
    if state.apply_drop(session, event):
        session["drops"] = session.get("drops", 0) + 1


def on_add() -> None:
    message = state.add_start(session, session["playground"].add)
    if message:
        session["start_message"] = message


def on_add_button() -> None:
    message = state.add_start(session)
    if message:
        session["start_message"] = message


def on_remove(index: int) -> None:
    message = state.remove_start(session, index)
    if message:
        session["start_message"] = message


def sidebar_controls() -> None:
    """Draw the run settings; every widget is keyed by its session-state name."""
    with st.sidebar:
        st.header("Settings")
        st.button(
            "Paper settings (Figure 1)",
            on_click=state.reset_to_paper,
            args=(session,),
            help="Adam, learning rate 0.001, 100,000 steps, c = 0.5, the paper's three starts.",
            width="stretch",
        )
        st.selectbox(
            "Problem",
            list(PROBLEMS),
            key="problem",
            format_func=lambda name: PROBLEMS[name].title,
        )
        st.multiselect(
            "Methods",
            list(METHOD_NAMES),
            key="methods",
            format_func=METHOD_LABELS.get,
        )
        st.select_slider(
            "CAGrad c (radius of the ball around the mean gradient)",
            options=state.with_choice(state.C_CHOICES, session["c"]),
            key="c",
            help="c = 0 is plain gradient descent on L0; larger c moves towards MGDA. "
            "The convergence proof covers 0 <= c < 1.",
        )
        st.select_slider(
            "Learning rate",
            options=state.with_choice(state.LR_CHOICES, session["lr"]),
            key="lr",
            format_func=lambda v: f"{v:g}",
        )
        st.slider(
            "Steps",
            min_value=1_000,
            max_value=200_000,
            step=1_000,
            key="steps",
            help="Optimizer steps per trajectory.",
        )
        st.selectbox("Optimizer", list(OPTIMIZERS), key="optimizer")
        st.selectbox(
            "CAGrad rescale",
            list(RESCALE_CHOICES),
            key="rescale",
            help="Divide CAGrad's direction by 1 + c (the paper's toy script), "
            "by 1 + c^2 (its NYUv2 code) or not at all (TorchJD).",
        )
        st.divider()
        st.radio("Layout", list(state.LAYOUTS), key="layout", format_func=state.LAYOUTS.get)
        st.radio(
            "Contours of",
            list(state.BACKGROUND_LOSSES),
            key="background",
            horizontal=True,
            help="L0 = (L1 + L2) / 2 is the average loss; L1 and L2 are the task losses.",
        )
        st.divider()
        config_upload(session)


def outcome_table(result: RunResult) -> pd.DataFrame:
    """Summarise each run's end point: losses, distance to the Pareto set, success."""
    config = result.config
    problem = get_problem(config.problem)
    minimum = np.asarray(problem.l0_minimum)
    distances = pareto_distance(config.problem, result.final_x)
    rows = []
    for m, method in enumerate(config.methods):
        for s, start in enumerate(config.starts):
            l1, l2 = result.final_losses[m, s]
            ends_there = np.linalg.norm(result.final_x[m, s] - minimum) < REACH_TOLERANCE
            reached_at = int(result.reached_at[m, s])
            diverged = int(result.diverged_at[m, s])
            rows.append(
                {
                    "method": METHOD_LABELS[method],
                    "start": f"{s + 1}: ({start[0]:g}, {start[1]:g})",
                    "final x": f"({result.final_x[m, s, 0]:.4f}, {result.final_x[m, s, 1]:.4f})",
                    "L0": (l1 + l2) / 2,
                    "L1": l1,
                    "L2": l2,
                    "distance to Pareto set": float(distances[m, s]),
                    "ends at L0 minimum": "yes" if ends_there else "no",
                    "first step within 1e-2": None if reached_at == NOT_REACHED else reached_at,
                    "diverged at step": None if diverged == NOT_DIVERGED else diverged,
                }
            )
    return pd.DataFrame(rows)


def left_plot_message(result: RunResult) -> str | None:
    """Name the runs whose path leaves the plotted region, which a fixed view hides.

    A path counts as having left once it is farther outside the plot domain than a
    tenth of the domain's width.
    """
    config = result.config
    (x_low, x_high), (y_low, y_high) = get_problem(config.problem).domain
    margin_x, margin_y = 0.1 * (x_high - x_low), 0.1 * (y_high - y_low)
    outside = (
        (result.x[..., 0] < x_low - margin_x)
        | (result.x[..., 0] > x_high + margin_x)
        | (result.x[..., 1] < y_low - margin_y)
        | (result.x[..., 1] > y_high + margin_y)
    )
    runs = []
    for m, s in np.argwhere(outside.any(axis=-1)):
        first = int(result.record_steps[np.argmax(outside[m, s])])
        farthest = float(np.abs(result.x[m, s]).max())
        runs.append(
            f"{METHOD_LABELS[config.methods[m]]} from start {s + 1} "
            f"(by step {first:,}, up to |x| = {farthest:,.1f})"
        )
    if not runs:
        return None
    return (
        f"{len(runs)} run(s) left the plotted region, so part of their paths is not "
        f"drawn: {', '.join(runs)}. The step size is probably too large for this "
        "optimizer: lower the learning rate."
    )


def start_list() -> None:
    """List the start points with remove buttons, plus add and reset."""
    starts = session["starts"]
    st.markdown(f"**Start points** ({len(starts)} of at most {state.APP_LIMITS.max_starts})")
    columns = st.columns(4)
    for i, (x, y) in enumerate(starts):
        with columns[i % 4]:
            st.button(
                f"Remove {i + 1}: ({x:g}, {y:g})",
                key=f"remove-{i}",
                on_click=on_remove,
                args=(i,),
                help="Remove this start point.",
            )
    left, right = st.columns(2)
    left.button("Add start", on_click=on_add_button, width="stretch")
    right.button(
        "Reset to the paper's starts",
        on_click=lambda: session.update(starts=list(state.PAPER.starts)),
        width="stretch",
    )
    message = session.pop("start_message", None)
    if message:
        st.warning(message)


@st.fragment
def playground_fragment() -> None:
    """Chart, outcome table and start list: a drop reruns only this part."""
    config = state.current_config(session)
    if not config.methods:
        st.info("Pick at least one method in the sidebar to draw trajectories.")
        st.query_params.from_dict(state.query_for(session))
        return

    progress = st.empty()

    def report(done: int, total: int) -> None:
        progress.progress(done / total, text=f"Computing trajectories: {done} of {total} batches")

    began = time.perf_counter()
    try:
        result = compute(config, trajectory_cache(), progress=report)
    except ValueError as error:
        logger.warning("rejected settings %s: %s", config, error)
        st.error(
            escape_markdown(
                f"These settings cannot be run: {error}. Press 'Paper settings' to reset."
            )
        )
        return
    progress.empty()

    background = ensure_background(config.problem, session["background"], str(STATIC_DIR))
    payload = build_payload(
        result,
        background,
        static_url=STATIC_URL,
        plotly_url=PLOTLY_URL,
        layout=session["layout"],
        background_loss=session["background"],
        max_starts=state.APP_LIMITS.max_starts,
    )
    payload["revision"] = session.get("drops", 0)
    computed = time.perf_counter()
    playground(payload, key="playground", on_drop=on_drop, on_add=on_add)
    warm_up(config.problem, config.optimizer, config.steps)

    diverged = np.argwhere(result.diverged_at != NOT_DIVERGED)
    for m, s in diverged:
        st.warning(
            f"{METHOD_LABELS[config.methods[m]]} from start {s + 1} diverged at step "
            f"{int(result.diverged_at[m, s]):,}: the update became infinite or NaN, so the "
            "run stopped there. Lower the learning rate."
        )
    left_plot = left_plot_message(result)
    if left_plot:
        st.warning(left_plot)

    start_list()
    st.subheader("Outcome")
    st.dataframe(
        outcome_table(result),
        hide_index=True,
        column_config={
            name: st.column_config.NumberColumn(format="%.4f")
            for name in ("L0", "L1", "L2", "distance to Pareto set")
        },
    )
    st.caption(
        f"'Ends at L0 minimum' and 'first step within 1e-2' use the distance to "
        f"{tuple(get_problem(config.problem).l0_minimum)}, counted at every step."
    )
    export_section(session, result)
    st.query_params.from_dict(state.query_for(session))
    logger.info(
        "playground rerun: trajectories and payload %.3f s, rest %.3f s",
        computed - began,
        time.perf_counter() - computed,
    )


preload_plotly()
state.initialize(session, {k: st.query_params.get_all(k) for k in st.query_params})
for url_message in session.get(state.MESSAGES_KEY, []):
    st.warning(escape_markdown(url_message), icon=":material/link_off:")
upload_message = session.pop("upload_message", None)
if upload_message:
    st.error(escape_markdown(upload_message), icon=":material/upload_file:")

st.title("Conflicting gradients, four ways")
st.markdown(
    "Two tasks share the parameters x = (x1, x2). Their gradients conflict on most of "
    "the plane, so the average gradient (GD) can stall in a valley while MGDA and "
    "PCGrad stop at the first Pareto-optimal point they meet. CAGrad follows the "
    "direction near the average gradient that best helps the worse-off task, and in "
    "Figure 1 it reaches the minimum of the average loss L0 from all three starts."
)
sidebar_controls()
playground_fragment()
