"""Streamlit side of toyopt: state, caching, figure data and the interactive component."""
