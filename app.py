"""toyopt web app: run with `streamlit run app.py`."""

from pathlib import Path

import streamlit as st

from toyopt_app.startup import configure_process


@st.cache_resource
def _configure_once() -> None:
    configure_process()


_configure_once()
# A local image: a Material icon or emoji favicon would be fetched from a font CDN.
ICON = Path(__file__).parent / "toyopt_app" / "assets" / "icon.png"
st.set_page_config(page_title="toyopt: multi-task descent", page_icon=str(ICON), layout="wide")

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
st.navigation(pages).run()
