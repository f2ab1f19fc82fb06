"""xling: translate Arabic news into English and compare the two side by side.

Public API (imported lazily, so ``import xling`` loads no model and no heavy library)::

    xling.translate(text, model=None, beam_size=4) -> Document
    xling.compare(source_text, target_text, model=None) -> Document
    xling.align(source_sentences, target_sentences, source_translations=None) -> list[Bead]
    xling.evaluate(...)
"""

from __future__ import annotations

import importlib
from typing import Any

from xling.document import Bead, Document, Entity, Issue, Mention, Sentence, Settings, Side
from xling.errors import InputError, ModelUnavailable, XlingError
from xling.version import __version__

_LAZY = {
    "translate": "xling.pipeline.translation",
    "translate_stream": "xling.pipeline.translation",
    "compare": "xling.pipeline.comparison",
    "align": "xling.alignment.aligner",
    "evaluate": "xling.eval.scoring",
}

__all__ = [
    "Bead", "Document", "Entity", "Issue", "Mention", "Sentence", "Settings", "Side",
    "InputError", "ModelUnavailable", "XlingError", "__version__", *_LAZY,
]


# The functions live in modules named otherwise (aligner, comparison, evaluation): a submodule named like
# the function would replace it as the package attribute once imported.
def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'xling' has no attribute {name!r}")
