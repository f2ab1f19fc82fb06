"""Test-only support code: builders of the tiny fixture models (not part of the installed package)."""
