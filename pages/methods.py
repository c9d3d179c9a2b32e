"""Explanation page: what each method computes from the two task gradients."""

import streamlit as st

st.title("How the methods work")
st.markdown("placeholder")
