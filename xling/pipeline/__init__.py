"""The stages put together: translate() and compare()."""
