"""Rendering a Document: the escaped HTML view (with static CSS/JS) and plain-text reports."""
