"""Model-free anchors: the parts of a sentence that survive translation unchanged or nearly so.

Numbers (:mod:`xling.text.numbers`: digits of any script), Latin-script tokens, quotation and
question marks, names (an Arabic word's consonant skeleton matches the skeleton of its English
spelling: بوتين -> BTN <- Putin; the entity linker's skeletons, :mod:`xling.names.phonetics`) and,
between two Latin-script languages, cognates (Simard et al. 1992: words sharing their first four letters). The aligner turns these into features whose matches
across the two sides are evidence that two sentences are translations of each other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from xling.names.phonetics import skeleton, skeleton_key
from xling.text.numbers import numerals
from xling.text.scripts import main_script, script_of, script_share

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_QUOTES = re.compile(r"[\"«»“”„「」『』]")
#: Punctuation that translators keep, each a feature of its own once NFKC has folded the full-width forms
#: of Chinese and Japanese (？ ！ （): question and exclamation marks (Arabic ؟ too), ellipses, parentheses.
_KEPT_PUNCTUATION = {"?": re.compile(r"[?؟]"), "!": re.compile(r"!+"), "…": re.compile(r"…+|\.{3,}"), "(": re.compile(r"\(")}
#: Scripts whose words :mod:`xling.names.phonetics` reduces to consonant skeletons.
SKELETON_SCRIPTS = ("Latin", "Arabic")
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
_ARABIC_CLITICS = ("و", "ف", "ب", "ل")


def fold(word: str) -> str:
    """Lower-case and strip accents, so that cognates and names compare across Latin languages."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(word: str) -> str:
    """The name skeleton of a word for exact matching (:func:`~xling.names.phonetics.skeleton_key`):
    "Putin" and "بوتين" -> "BTN", "Riyadh" and "رياض" -> "RT"."""
    return skeleton_key(skeleton(word))


def arabic_name_keys(word: str) -> set[str]:
    """Name keys of an Arabic word with and without its article or one-letter clitic (وبوتين -> BTN)."""
    stems = {word}
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            stems.add(word[len(prefix):])
            break
    else:
        if word[:1] in _ARABIC_CLITICS and len(word) >= 5:
            stems.add(word[1:])
    return {s for s in map(name_key, stems) if len(s) >= 2}


def is_latin_text(text: str) -> bool:
    return script_share(text, "Latin") >= 0.5


def anchor_features(text: str, *, latin_partner: bool, latin_self: bool, partner_names: bool = True) -> list[str]:
    """Model-free anchor features of one sentence.

    ``latin_self``: this side is written in Latin script; ``latin_partner``: the other side is;
    ``partner_names``: the other side writes names in a script of :data:`SKELETON_SCRIPTS`. Two Latin
    sides share numbers, punctuation and cognates; a Latin side and an Arabic one are matched through
    numbers, punctuation, Latin-script tokens and the consonant skeletons of the Arabic words against the
    capitalized words (names) of the Latin side. Against a script without skeletons (Chinese, Japanese,
    Russian...) names cannot be matched, so the Latin side offers its capitalized words only as ``t:``
    tokens, which the other side's Latin-script tokens can match but which never count against a bead.
    """
    folded = unicodedata.normalize("NFKC", text)
    feats = [f"#{n.digits}" for n in numerals(text)]
    feats += ["Q" for _ in _QUOTES.findall(folded)]
    feats += [mark for mark, pattern in _KEPT_PUNCTUATION.items() for _ in pattern.findall(folded)]
    words = _WORD.findall(text)
    if latin_self and latin_partner:
        feats += [f"c:{fold(w)[:4]}" for w in words if len(w) >= 4]
        feats += [f"w:{fold(w)}" for w in words if 1 < len(w) < 4 and w[0].isupper()]
    elif latin_self and not partner_names:
        feats += [f"t:{fold(w)}" for w in words if w[0].isupper() and len(w) > 1]
    elif latin_self:
        for w in words:
            if w[0].isupper() and len(w) > 1:
                feats.append(f"w:{fold(w)}")
                sk = name_key(w)
                if len(sk) >= 2:
                    feats.append(f"n:{sk}")
    else:
        for w in words:
            if script_of(w[0]) == "Latin":
                feats.append(f"w:{fold(w)}" if latin_partner and partner_names else f"t:{fold(w)}")
            elif script_of(w[0]) == "Arabic":
                feats += [f"n:{sk}" for sk in arabic_name_keys(w)]
    return feats


def document_anchor_features(sentences: Iterable[str], partner_sentences: Iterable[str]) -> list[list[str]]:
    """Anchor features of every sentence of one side, given the other side (for its script)."""
    sentences = list(sentences)
    partner = " ".join(partner_sentences)
    latin_self = is_latin_text(" ".join(sentences))
    latin_partner = is_latin_text(partner)
    partner_names = main_script(partner) in SKELETON_SCRIPTS
    return [
        anchor_features(s, latin_partner=latin_partner, latin_self=latin_self, partner_names=partner_names)
        for s in sentences
    ]
