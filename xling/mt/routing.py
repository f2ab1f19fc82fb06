"""Which opus-mt model translates a language pair, as data: the shipped table ``xling/data/models.tsv``.

Each row maps an ISO 639-1 source language to the hub id of the opus-mt model that translates it into English:
the bilingual ``Helsinki-NLP/opus-mt-{src}-en`` where that model exists, otherwise a multilingual opus-mt
model into English that covers the language (``opus-mt-ROMANCE-en``, ``opus-mt-mul-en``; the note column says
which and why). The ids were checked against the hub's model pages; the header of the TSV says how.
Into-English multilingual models need no target-language token: the ``>>xx<<`` prefix only selects the output
language of models with several targets, and these have one, English. So a multilingual route is used exactly
like a bilingual one.

A pair resolves to a local copy first: a folder (``models_dir`` or ``$XLING_MODELS``) holding models in
subfolders named like the hub id's last part (``DIR/opus-mt-fr-en/``, ``DIR/opus-mt-mul-en/``). Otherwise it
resolves to the hub id, which :func:`xling.mt.loading.resolve_model` then finds in the Hugging Face cache or on
the hub, or reports as one ``ModelUnavailable`` naming it. A pair the table lacks is one ``ModelUnavailable``
line naming the pair and the way out (``--model DIR``).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from xling.errors import ModelUnavailable

TABLE = "data/models.tsv"
COLUMNS = ("source", "target", "model", "note")
MODEL_ID = re.compile(r"Helsinki-NLP/opus-mt-[A-Za-z0-9_.-]+")
_CODE = re.compile(r"[a-z]{2,3}")
#: Deprecated or alternative codes that language identifiers and users still send.
ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "zh-cn": "zh", "zh-tw": "zh"}


@dataclass(frozen=True)
class Route:
    """One row of the table: ``source`` -> ``target`` through the hub model ``model``; ``note`` says why."""

    source: str
    target: str
    model: str
    note: str

    @property
    def multilingual(self) -> bool:
        """Whether the model serves more source languages than this one (no bilingual model for the pair)."""
        return not self.model.endswith(f"-{self.source}-{self.target}")

    @property
    def dir_name(self) -> str:
        """The folder name a local copy has under a models folder: the id's last part (``opus-mt-fr-en``)."""
        return self.model.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class LanguageInfo:
    """A routed source language: code, English name, the model into English, and whether a local copy exists."""

    code: str
    name: str
    model: str
    local: bool
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "model": self.model, "local": self.local, "note": self.note}


def parse_table(text: str, origin: str = TABLE) -> dict[tuple[str, str], Route]:
    """The routes in a models TSV (comments ``#`` and the header skipped); ValueError naming a bad line."""
    table: dict[tuple[str, str], Route] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if tuple(fields) == COLUMNS:
            continue
        if len(fields) != len(COLUMNS) or not all(fields[:3]):
            raise ValueError(f"{origin}:{n}: expected 'source<TAB>target<TAB>model<TAB>note', got {line!r}")
        source, target, model, note = fields
        if not (_CODE.fullmatch(source) and _CODE.fullmatch(target) and MODEL_ID.fullmatch(model)):
            raise ValueError(f"{origin}:{n}: bad language code or model id in {line!r}")
        if (source, target) in table:
            raise ValueError(f"{origin}:{n}: the pair {source}->{target} is listed twice")
        table[(source, target)] = Route(source, target, model, note)
    return table


@functools.lru_cache(maxsize=1)
def load_table() -> dict[tuple[str, str], Route]:
    """The shipped routing table, read once from the package (``xling/data/models.tsv``)."""
    text = resources.files("xling").joinpath(TABLE).read_text(encoding="utf-8")
    return parse_table(text)


def normalize_code(code: str) -> str:
    """``'FR'``, ``'fr-FR'``, ``'pt_BR'``, ``'iw'`` -> the table's code (``fr``, ``pt``, ``he``)."""
    code = (code or "").strip().lower().replace("_", "-")
    code = ALIASES.get(code, code)
    primary = code.split("-", 1)[0]
    return ALIASES.get(primary, primary)


def route(source: str, target: str = "en") -> Route:
    """The route for a language pair; ModelUnavailable (one line: the pair and what to do) when none."""
    src, tgt = normalize_code(source), normalize_code(target)
    found = load_table().get((src, tgt))
    if found is None:
        raise ModelUnavailable(f"no opus-mt model translates {src or source!r} into {tgt or target!r}; "
                               "pass --model DIR to use your own (`xling languages` lists the routed ones)")
    return found


def models_root(models_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The local models folder: ``models_dir``, else ``$XLING_MODELS``, else None."""
    root = models_dir if models_dir else os.environ.get("XLING_MODELS")
    return Path(root).expanduser() if root else None


def local_model_dir(route: Route, models_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """``DIR/<last part of the id>/`` when it holds a config.json (DIR: ``models_dir`` or ``$XLING_MODELS``)."""
    root = models_root(models_dir)
    if root is None:
        return None
    path = root / route.dir_name
    return path if (path / "config.json").is_file() else None


def resolve(source: str, target: str = "en", *, models_dir: str | os.PathLike[str] | None = None) -> str:
    """The local model directory for the pair when there is one, else its hub id (ModelUnavailable if none)."""
    found = route(source, target)
    local = local_model_dir(found, models_dir)
    return str(local) if local is not None else found.model


@functools.lru_cache(maxsize=256)
def language_name(code: str, in_lang: str = "en") -> str:
    """'Arabic', or 'العربية' with ``in_lang='ar'`` (Babel's CLDR data); the code itself when unknown.

    CLDR's table of language names first (it also names codes that are not locales, such as ``mul``),
    then the display name of the code read as a locale (``pt-BR``: "Portuguese (Brazil)").
    """
    try:
        from babel import Locale

        name = Locale.parse(in_lang.replace("-", "_")).languages.get(code)
        if not name:
            name = Locale.parse(code.replace("-", "_")).get_display_name(in_lang)
        return name or code
    except Exception:  # Babel missing, or an unknown or malformed code: the code is a usable label
        return code


def languages(models_dir: str | os.PathLike[str] | None = None, target: str = "en") -> list[LanguageInfo]:
    """Every source language routed into ``target``, by code, with its model and whether it is local."""
    return [
        LanguageInfo(r.source, language_name(r.source), r.model, local_model_dir(r, models_dir) is not None, r.note)
        for (source, tgt), r in sorted(load_table().items())
        if tgt == target
    ]
