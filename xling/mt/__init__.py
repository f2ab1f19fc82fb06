"""Translation backends behind one small interface: a batch of sentences in, hypotheses out.

Backends register by name; ``get_backend(name, model)`` loads one lazily and keeps it for the process.
"""

from xling.mt.base import Backend, DecodeOptions, Hypothesis, get_backend, register_backend

__all__ = ["Backend", "DecodeOptions", "Hypothesis", "get_backend", "register_backend"]
