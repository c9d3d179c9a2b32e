"""toyopt web app: run with `streamlit run app.py`."""

from toyopt_app.shell import run_app

run_app()
