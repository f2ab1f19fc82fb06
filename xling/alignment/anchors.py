"""Model-free anchors: the parts of a sentence that survive translation unchanged or nearly so.

Numbers (with Arabic-Indic and Eastern digits normalized), Latin-script tokens, quotation and
question marks, names (an Arabic word's consonant skeleton matches the skeleton of its English
spelling: بوتين -> BTN <- Putin) and, between two Latin-script languages, cognates (Simard et al.
1992: words sharing their first four letters). The aligner turns these into features whose matches
across the two sides are evidence that two sentences are translations of each other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from xling.text.reading import script_share

#: Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits, and the Arabic decimal/thousands separators.
_DIGITS = {**{0x0660 + d: str(d) for d in range(10)}, **{0x06F0 + d: str(d) for d in range(10)}}
_DIGITS.update({0x066B: ".", 0x066C: ","})
_NUMBER = re.compile(r"\d+(?:[.,\u2009\u202f ]\d{3})*(?:[.,]\d+)?")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_QUOTES = re.compile(r"[\"«»“”„]")

# Consonant classes shared by both scripts; vowels, weak letters (w, y, alif) and h are dropped because
# transliteration is least consistent about them.
_ARABIC_CLASS = {
    "ب": "B", "پ": "B", "ت": "T", "ث": "T", "ط": "T", "د": "T", "ض": "T", "ذ": "T", "ظ": "T",
    "ج": "K", "خ": "K", "غ": "K", "ق": "K", "ك": "K", "گ": "K", "ر": "R", "ز": "S", "س": "S",
    "ش": "S", "ص": "S", "چ": "S", "ف": "F", "ڤ": "F", "ل": "L", "م": "M", "ن": "N",
}
_LATIN_DIGRAPHS = (("sh", "S"), ("ch", "S"), ("kh", "K"), ("gh", "K"), ("ph", "F"), ("th", "T"), ("ck", "K"))
_LATIN_CLASS = {
    "b": "B", "p": "B", "t": "T", "d": "T", "k": "K", "c": "K", "q": "K", "g": "K", "j": "K",
    "x": "KS", "s": "S", "z": "S", "f": "F", "v": "F", "l": "L", "m": "M", "n": "N", "r": "R",
}
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
_ARABIC_CLITICS = ("و", "ف", "ب", "ل")


def normalize_digits(text: str) -> str:
    """Map Arabic-Indic and Eastern digits and the Arabic separators ٫ ٬ to ASCII."""
    return text.translate(_DIGITS)


def numbers(text: str) -> list[str]:
    """Numbers as digit strings, separators dropped: "1,500", "1.500" and "١٬٥٠٠" all give "1500"."""
    return [re.sub(r"\D", "", m.group()) for m in _NUMBER.finditer(normalize_digits(text))]


def fold(word: str) -> str:
    """Lower-case and strip accents, so that cognates and names compare across Latin languages."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def skeleton(word: str) -> str:
    """The consonant skeleton of an Arabic or Latin word in shared classes: "Putin" and "بوتين" -> "BTN"."""
    if not word:
        return ""
    if "\u0600" <= word[0] <= "\u06ff":
        classes = [_ARABIC_CLASS.get(ch, "") for ch in word]
    else:
        w = fold(word)
        for digraph, cls in _LATIN_DIGRAPHS:
            w = w.replace(digraph, cls)
        classes = [ch if ch.isupper() else _LATIN_CLASS.get(ch, "") for ch in w]
    out: list[str] = []
    for cls in "".join(classes):
        if not out or out[-1] != cls:  # doubled letters are one sound
            out.append(cls)
    return "".join(out)


def arabic_skeletons(word: str) -> set[str]:
    """Skeletons of an Arabic word with and without its article or one-letter clitic (وبوتين -> BTN)."""
    stems = {word}
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            stems.add(word[len(prefix):])
            break
    else:
        if word[:1] in _ARABIC_CLITICS and len(word) >= 5:
            stems.add(word[1:])
    return {s for s in map(skeleton, stems) if len(s) >= 2}


def is_latin_text(text: str) -> bool:
    return script_share(text, "latin") >= 0.5


def anchor_features(text: str, *, latin_partner: bool, latin_self: bool) -> list[str]:
    """Model-free anchor features of one sentence.

    ``latin_self``: this side is written in Latin script; ``latin_partner``: the other side is. Two Latin
    sides share numbers, punctuation and cognates; a non-Latin side (Arabic) is matched through
    numbers, punctuation, its Latin-script tokens and the consonant skeletons of its words against the
    capitalized words (names) of the Latin side.
    """
    feats = [f"#{n}" for n in numbers(text)]
    feats += ["Q" for _ in _QUOTES.findall(text)] + ["?" for _ in re.findall(r"[?؟]", text)]
    words = _WORD.findall(normalize_digits(text))
    if latin_self and latin_partner:
        feats += [f"c:{fold(w)[:4]}" for w in words if len(w) >= 4]
        feats += [f"w:{fold(w)}" for w in words if 1 < len(w) < 4 and w[0].isupper()]
    elif latin_self:
        for w in words:
            if w[0].isupper() and len(w) > 1:
                feats.append(f"w:{fold(w)}")
                sk = skeleton(w)
                if len(sk) >= 2:
                    feats.append(f"n:{sk}")
    else:
        for w in words:
            if "a" <= fold(w[0]) <= "z":
                feats.append(f"w:{fold(w)}")
            else:
                feats += [f"n:{sk}" for sk in arabic_skeletons(w)]
    return feats


def document_anchor_features(sentences: Iterable[str], partner_sentences: Iterable[str]) -> list[list[str]]:
    """Anchor features of every sentence of one side, given the other side (for its script)."""
    sentences = list(sentences)
    latin_self = is_latin_text(" ".join(sentences))
    latin_partner = is_latin_text(" ".join(partner_sentences))
    return [anchor_features(s, latin_partner=latin_partner, latin_self=latin_self) for s in sentences]
