"""Translation checks: one small class per check, registered by code."""
