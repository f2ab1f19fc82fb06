"""xling: translate news into English and compare two language versions side by side.

Public API (the functions are imported on first use, so ``import xling`` loads no model and no heavy library)::

    xling.translate(text | [texts], model=None, beam_size=None, ...) -> Document | list[Document]
    xling.translate_stream(text, ...) -> Iterator[Document]
    xling.compare(source_text, target_text, model=None | xling.NO_MODEL, ...) -> Document
    xling.align(source_sentences, target_sentences, source_translations=None) -> list[Bead]
    xling.evaluate(hypotheses, references, ...) -> Report
    xling.Engine(model, backend=..., beam_size=...)   # one loaded model, its options, cache and splitting
"""

from __future__ import annotations

import importlib
from typing import Any

from xling.document import Bead, Document, Entity, Issue, Mention, Sentence, Settings, Side
from xling.errors import InputError, ModelUnavailable, XlingError
from xling.mt.base import DecodeOptions
from xling.mt.engine import NO_MODEL, Engine, EnginePool
from xling.version import __version__

_LAZY = {
    "translate": "xling.pipeline.translation",
    "translate_stream": "xling.pipeline.translation",
    "compare": "xling.pipeline.comparison",
    "align": "xling.alignment.aligner",
    "evaluate": "xling.eval.scoring",
    "detect_language": "xling.text.detect",
    "translate_corpus": "xling.batch.runner",
}

__all__ = [
    "Bead", "Document", "Entity", "Issue", "Mention", "Sentence", "Settings", "Side",
    "DecodeOptions", "Engine", "EnginePool", "NO_MODEL",
    "InputError", "ModelUnavailable", "XlingError", "__version__", *_LAZY,
]


# The functions live in modules named otherwise (alignment, pipeline, eval): a submodule named like the
# function would replace it as the package attribute once imported.
def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'xling' has no attribute {name!r}")
