"""Export widgets of the playground: figures, animations, data and configuration.

Every download button gets a callable, so a file is built only when its button is
clicked, and clicking does not rerun the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping

import streamlit as st

from toyopt.config import APP_LIMITS, LIMITS, ConfigError, dump_config_file, load_config_file
from toyopt.engine import RunResult
from toyopt.io import result_to_csv, result_to_json
from toyopt.plots import STYLES, render_animation, render_figure
from toyopt_app import state
from toyopt_app.text import escape_markdown

logger = logging.getLogger(__name__)

FIGURE_KINDS = {
    "figure1": "Paper-style figure (one panel per method)",
    "parameter": "Parameter space (contours and paths)",
    "objective": "Objective space (L1 against L2)",
    "both": "Both views side by side",
}
ANIMATION_VIEWS = {
    "parameter": "Parameter space",
    "objective": "Objective space",
    "both": "Both views",
}
ANIMATION_SIZES = {
    "800x600": (800, 600),
    "1280x720 (slides, 16:9)": (1280, 720),
    "1024x768 (slides, 4:3)": (1024, 768),
    "1920x1080": (1920, 1080),
    "640x480": (640, 480),
}
MIME_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "gif": "image/gif",
    "mp4": "video/mp4",
}
UPLOAD_KEY = "config_upload"


def _logged(build: Callable[[], bytes | str], label: str) -> Callable[[], bytes | str]:
    """Wrap a file builder so that a failure is logged with the label of the file."""

    def run() -> bytes | str:
        try:
            return build()
        except Exception:
            logger.exception("export of %s failed", label)
            raise

    return run


def _file_stem(result: RunResult) -> str:
    """Name files by every setting that changes the picture, so exports of different
    runs do not overwrite each other in a downloads folder."""
    config = result.config
    methods = "-".join(config.methods)
    return (
        f"toyopt-{config.problem}-{methods}-{config.optimizer}-lr{config.lr:g}"
        f"-c{config.c:g}-{config.steps}steps"
    )


def figure_export(result: RunResult, layout: str, background: str) -> None:
    """Download buttons for a static figure of the current run."""
    left, middle, right = st.columns(3)
    kind = left.selectbox("Figure", list(FIGURE_KINDS), format_func=FIGURE_KINDS.get)
    fmt = middle.selectbox("Format", ["png", "svg", "pdf"])
    style = right.selectbox("Style", list(STYLES), key="figure_style")
    dpi = st.slider("PNG resolution (dots per inch)", 72, 600, 200, step=4, disabled=fmt != "png")

    options: dict[str, str] = {}
    if kind in ("parameter", "both"):
        options["background"] = background
    if kind in ("parameter", "objective"):
        options["layout"] = layout

    def build() -> bytes:
        return render_figure(result, kind=kind, fmt=fmt, dpi=dpi, style=style, **options)

    st.download_button(
        f"Download {fmt.upper()}",
        data=_logged(build, f"{kind} {fmt}"),
        file_name=f"{_file_stem(result)}-{kind}-{style}.{fmt}",
        mime=MIME_TYPES[fmt],
        on_click="ignore",
        icon=":material/image:",
    )


def animation_export(result: RunResult, layout: str) -> None:
    """Download buttons for a GIF or MP4 of the current animation."""
    left, middle, right = st.columns(3)
    fmt = left.selectbox("Animation format", ["gif", "mp4"])
    view = middle.selectbox("View", list(ANIMATION_VIEWS), format_func=ANIMATION_VIEWS.get)
    style = right.selectbox("Style", list(STYLES), key="animation_style")
    left, middle, right = st.columns(3)
    max_frames = min(600, len(result.record_steps))
    frames = left.slider("Frames", 2, max_frames, min(200, max_frames))
    fps = middle.slider("Frames per second", 1, 60, 20)
    size_name = right.selectbox("Size (pixels)", list(ANIMATION_SIZES))
    st.caption(f"Length: {frames / fps:.1f} s. The step counter and legend are drawn in.")

    def build() -> bytes:
        return render_animation(
            result,
            fmt=fmt,
            frames=frames,
            fps=fps,
            size=ANIMATION_SIZES[size_name],
            style=style,
            view=view,
            layout=layout,
        )

    st.download_button(
        f"Download {fmt.upper()}",
        data=_logged(build, f"{fmt} animation"),
        file_name=f"{_file_stem(result)}-{view}-{style}.{fmt}",
        mime=MIME_TYPES[fmt],
        on_click="ignore",
        icon=":material/movie:",
    )


def data_export(result: RunResult) -> None:
    """Download buttons for the trajectories (CSV, JSON) and the configuration file."""
    left, middle, right = st.columns(3)
    left.download_button(
        "Trajectories (CSV)",
        data=_logged(lambda: result_to_csv(result), "CSV"),
        file_name=f"{_file_stem(result)}.csv",
        mime="text/csv",
        on_click="ignore",
        help="One row per recorded point: method, start_index, step, x1, x2, L1, L2, L0.",
    )
    middle.download_button(
        "Trajectories (JSON)",
        data=_logged(lambda: result_to_json(result), "JSON"),
        file_name=f"{_file_stem(result)}.json",
        mime="application/json",
        on_click="ignore",
        help="The configuration and every run, as `python -m toyopt run --format json`.",
    )
    right.download_button(
        "Save configuration",
        data=_logged(lambda: dump_config_file(result.config), "configuration"),
        file_name=f"{_file_stem(result)}.toyopt.json",
        mime="application/json",
        on_click="ignore",
        help="Every setting. Load it here or run `python -m toyopt run --config FILE`.",
    )


def load_uploaded_config(session: MutableMapping) -> None:
    """Apply an uploaded configuration file, or store a message naming the problem."""
    upload = session.get(UPLOAD_KEY)
    if upload is None:
        return
    try:
        config = load_config_file(upload.getvalue(), APP_LIMITS)
    except ConfigError as error:
        logger.warning("rejected configuration upload %r: %s", upload.name, error)
        session["upload_message"] = (
            f"The file {upload.name!r} was not loaded: {error}. The current settings "
            "are unchanged." + _command_line_hint(upload.getvalue())
        )
        return
    state.load_config(session, config)
    session["upload_message"] = None
    session["upload_success"] = f"Loaded {upload.name!r}."


def _command_line_hint(content: bytes) -> str:
    """Suggest the command line for a file that only the app's narrower ranges reject."""
    try:
        load_config_file(content, LIMITS)
    except ConfigError:
        return ""
    return (
        " The file is valid for the command line, whose ranges are wider: run it with "
        "`python -m toyopt run --config FILE`."
    )


def config_upload(session: MutableMapping) -> None:
    """File uploader that restores every setting from a configuration file."""
    st.file_uploader(
        "Load a configuration file",
        type=["json"],
        key=UPLOAD_KEY,
        on_change=load_uploaded_config,
        args=(session,),
        help="A file saved with 'Save configuration' or `python -m toyopt run "
        "--save-config`. It is read as JSON only; nothing in it is executed.",
    )
    # A rejected upload is reported at the top of the page, where it is seen.
    success = session.pop("upload_success", None)
    if success:
        st.success(escape_markdown(success))


def export_section(session: MutableMapping, result: RunResult) -> None:
    """Draw the download area for the current run.

    The configuration upload is not here: it changes the sidebar's settings, so it
    must rerun the whole page rather than the fragment this section lives in.
    """
    st.subheader("Export")
    figures, animations, data = st.tabs(["Figure", "Animation", "Data and configuration"])
    with figures:
        figure_export(result, session["layout"], session["background"])
    with animations:
        animation_export(result, session["layout"])
    with data:
        data_export(result)
