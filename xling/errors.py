"""Errors a user can act on: each message says what went wrong and how to fix it."""


class XlingError(Exception):
    """Base class for every error xling raises on purpose."""


class ModelUnavailable(XlingError):
    """The translation model cannot be loaded (offline, wrong path, not a Marian model...)."""


class InputError(XlingError, ValueError):
    """The input text cannot be processed: empty, binary, not UTF-8, too large, wrong language."""
