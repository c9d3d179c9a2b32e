"""Page set-up shared by the entry script and the page scripts.

`app.py` runs every page through `st.navigation`. Until it has run once, a fresh
Streamlit server also serves the scripts in pages/ by itself (its automatic page
discovery), so a first visit straight to /methods would skip `app.py` and show no
menu. Each page script therefore calls `ensure_shell`, which sets the page up as
`app.py` would whenever `app.py` is not the caller.
"""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from toyopt_app.startup import configure_process

ROOT = Path(__file__).resolve().parent.parent
# A local image: a Material icon or emoji favicon would be fetched from a font CDN.
ICON = Path(__file__).parent / "assets" / "icon.png"
PAGE_TITLE = "toyopt: multi-task descent"

_entry = threading.local()


@st.cache_resource
def _configure_once() -> None:
    configure_process()


def _set_up_page() -> None:
    _configure_once()
    st.set_page_config(page_title=PAGE_TITLE, page_icon=str(ICON), layout="wide")


def run_app() -> None:
    """Set up the page, draw the menu and run the page the URL names."""
    _set_up_page()
    pages = [
        st.Page(
            "pages/playground.py", title="Playground", icon=":material/scatter_plot:", default=True
        ),
        st.Page(
            "pages/methods.py",
            title="How the methods work",
            icon=":material/functions:",
            url_path="methods",
        ),
    ]
    # The menu is drawn here rather than by Streamlit, so that it looks the same
    # when a page runs without app.py (see ensure_shell).
    current = st.navigation(pages, position="hidden")
    with st.sidebar:
        for page in pages:
            st.page_link(page)

    _entry.active = True
    try:
        current.run()
    finally:
        _entry.active = False


def ensure_shell() -> None:
    """Set up a page script that Streamlit ran without app.py; otherwise do nothing."""
    if getattr(_entry, "active", False):
        return
    _set_up_page()
    with st.sidebar:
        st.page_link("app.py", label="Playground", icon=":material/scatter_plot:")
        st.page_link("pages/methods.py", label="How the methods work", icon=":material/functions:")
