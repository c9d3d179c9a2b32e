"""The playground component: an inline `st.components.v2` component hosting plotly.js.

plotly.js is served from the plotly package on this machine through Streamlit's
static file serving, never from a CDN, so the app works offline. Inlining it in the
component's JS would re-send 4.8 MB with every rerun.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import plotly
import streamlit as st

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
"""Folder served at app/static when `server.enableStaticServing` is on; it must sit
beside the entry script app.py."""
STATIC_URL = "app/static"
PLOTLY_SOURCE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_URL = f"{STATIC_URL}/plotly.min.js"

CSS = """
.toyopt-root { width: 100%; font-family: Inter, system-ui, sans-serif; }
.toyopt-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem;
  margin-bottom: 0.4rem; }
.toyopt-controls button { min-height: 36px; min-width: 44px; padding: 0 0.8rem;
  border: 1px solid #8a94a3; border-radius: 6px; background: #fff; cursor: pointer; }
.toyopt-controls button:hover { background: #eef1f5; }
.toyopt-play { font-weight: 600; min-width: 72px; }
.toyopt-scrubber { flex: 1 1 200px; min-width: 160px; height: 28px; }
.toyopt-counter { font-variant-numeric: tabular-nums; min-width: 14rem; }
.toyopt-views { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.toyopt-param { flex: 1 1 520px; height: 560px; min-width: 320px; }
.toyopt-objective { flex: 1 1 420px; height: 560px; min-width: 320px; }
.toyopt-panels .toyopt-param { flex-basis: 100%; height: 860px; }
.toyopt-panels .toyopt-objective { flex-basis: 100%; height: 480px; }
.toyopt-hint { color: #555; font-size: 0.85rem; margin-top: 0.2rem; }
.toyopt-error { color: #b00020; font-weight: 600; }
"""


def ensure_plotly_js() -> None:
    """Copy plotly.min.js from the plotly package into the static folder if it differs."""
    target = STATIC_DIR / "plotly.min.js"
    if target.exists() and target.stat().st_size == PLOTLY_SOURCE.stat().st_size:
        return
    STATIC_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLOTLY_SOURCE, target)
    logger.info("copied %s to %s", PLOTLY_SOURCE, target)


PLOTLY_LOADER_JS = (Path(__file__).parent / "plotly_loader.js").read_text(encoding="utf-8")

_playground = st.components.v2.component(
    "toyopt_playground",
    js=PLOTLY_LOADER_JS + (Path(__file__).parent / "playground.js").read_text(encoding="utf-8"),
    css=CSS,
    # Plotly injects its own global CSS, which a shadow root would not receive.
    isolate_styles=False,
)


PRELOAD_JS = """
export default function ({ data }) {
  // Start fetching plotly.js while Python still computes the first trajectories;
  // the playground reports a failure when it needs the library.
  loadPlotly(data.plotly_src).catch(() => {});
}
"""

_preloader = st.components.v2.component("toyopt_plotly_preload", js=PLOTLY_LOADER_JS + PRELOAD_JS)


def preload_plotly() -> None:
    """Mount an invisible component that starts loading plotly.js right away."""
    ensure_plotly_js()
    _preloader(key="plotly-preload", data={"plotly_src": PLOTLY_URL}, height=0)


def playground(
    payload: dict,
    *,
    key: str,
    on_drop: Callable[[], None],
    on_add: Callable[[], None],
):
    """Mount the playground with a payload from `view_data.build_payload`.

    The callbacks run before the rerun, reading the event value from
    `st.session_state[key].drop` or `.add`.
    """
    ensure_plotly_js()
    return _playground(
        key=key,
        data=payload,
        on_drop_change=on_drop,
        on_add_change=on_add,
        height="content",
    )
