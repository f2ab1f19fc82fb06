"""Serving: the Gradio page."""
