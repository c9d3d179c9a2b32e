"""toyopt web app: run with `streamlit run app.py`."""

import logging

import streamlit as st

from toyopt_app.component import ensure_plotly_js

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logging.getLogger("jax._src.xla_bridge").setLevel(logging.WARNING)

st.set_page_config(page_title="toyopt: multi-task descent", layout="wide")
ensure_plotly_js()

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
