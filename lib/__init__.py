"""Safer Communities Dashboard: the logic, with no Streamlit in it."""
