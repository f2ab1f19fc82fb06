"""Names in languages whose scripts have capitals (Latin, Cyrillic, Greek, Armenian...), other than English.

English has its own, richer recognizer (:func:`xling.entities.recognize.recognize_english`). For the other
languages a name is a run of capitalized words, with the words of ``xling/data/name_words.tsv`` for each
language: clause-initial function words dropped, titles dropped before a name (Президент Швейцарии Иньяцио
Кассис -> Швейцария + the person Иньяцио Кассис), particles kept inside one (Charles de Gaulle), elided
articles cut off (l'OTAN -> OTAN), and
the lowercase words after a name offered as longer readings that the other side may confirm (Parti
social-démocrate / Social Democratic Party, Октябрьский мост / Oktyabrsky Bridge). Lexicon names are matched first, whatever the case of their later
words (Европейский союз, Union européenne) and inflection aside (Женеве is Женева).

Capitals alone are weak evidence at the start of a sentence and in German, which capitalizes every noun:
such mentions are marked ``weak`` and kept only if the linker finds them on the other side (or they are
named like a kept mention); see :func:`xling.entities.link.link_entities`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources

from xling.entities.recognize import ENGLISH_HEADS, Found, clause_initial
from xling.names.inflection import contains_name, fold, stems
from xling.names.lexicon import NAME, Lexicon, default_lexicon
from xling.names.tokens import words

#: Kinds of rows in ``name_words.tsv``.
KINDS = ("function", "title", "particle", "elision", "common", "head", "nouns")
#: Scripts whose letters have case: names are found by their capitals.
CASED_SCRIPTS = frozenset({"Latin", "Cyrillic", "Greek", "Armenian", "Coptic", "Glagolitic", "Adlam", "Deseret",
                           "Osage", "Warang", "Cherokee"})
#: Hyphens that join the parts of one word (États-Unis, пресс-секретарь, Kreml-Sprecher).
_HYPHENS = "-\u2010\u2011"
_APOSTROPHES = "'\u2019"
#: At most this many lowercase words after a name are tried as part of it (Banque centrale européenne).
MAX_EXTENSION = 2


@dataclass(frozen=True)
class LanguageWords:
    """The recognizer's words of one language (empty sets for a language without a row)."""

    function: frozenset[str] = frozenset()
    title: frozenset[str] = frozenset()
    particle: frozenset[str] = frozenset()
    elision: frozenset[str] = frozenset()
    common: frozenset[str] = frozenset()
    head: frozenset[str] = frozenset()
    nouns: bool = False


@functools.cache
def language_words(lang: str) -> LanguageWords:
    """The rows of ``xling/data/name_words.tsv`` for ``lang`` ("fr", "ru", "de"...)."""
    base = lang.split("-")[0].lower()
    text = resources.files("xling").joinpath("data/name_words.tsv").read_text(encoding="utf-8")
    found: dict[str, set[str]] = {k: set() for k in KINDS}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, kind, values = line.split("\t")
        if kind not in found:
            raise ValueError(f"name_words.tsv: unknown kind {kind!r} (known: {', '.join(KINDS)})")
        if code == base:
            found[kind] |= {fold(v) for v in values.split()}
    return LanguageWords(*(frozenset(found[k]) for k in KINDS[:-1]), nouns=bool(found["nouns"]))


def _tokens(text: str, start: int, end: int, rules: LanguageWords, lang: str) -> list[tuple[int, int, str]]:
    """Words of one sentence: hyphenated parts joined, elided articles cut off (l'OTAN -> OTAN), a Turkish
    suffix after an apostrophe left outside the span (Putin'in -> Putin)."""
    out: list[tuple[int, int, str]] = []
    for a, b, w in words(text, start, end):
        if out and a - out[-1][1] == 1 and text[a - 1] in _HYPHENS:
            pa, _, pw = out.pop()
            a, w = pa, text[pa:b]
        out.append((a, b, w))
    cut_suffix = _suffix_apostrophe(lang)
    result = []
    for a, b, w in out:
        k = next((i for i, c in enumerate(w) if c in _APOSTROPHES), -1)
        if k > 0:
            if fold(w[:k]) in rules.elision:
                a, w = a + k + 1, w[k + 1 :]
            elif cut_suffix:
                b, w = a + k, w[:k]
        if w:
            result.append((a, b, w))
    return result


@functools.cache
def _suffix_apostrophe(lang: str) -> bool:
    """Whether ``lang`` writes case suffixes of names after an apostrophe (Turkish Putin'in)."""
    return stems("abcd'ef", lang)[-1] == "abcd"


def _capitalized(word: str) -> bool:
    return word[:1].isupper()


def _only_space(text: str, a: int, b: int) -> bool:
    return text[a:b].strip() == "" and "\n" not in text[a:b]


def recognize_cased(
    text: str, sentences: Sequence[tuple[int, int]], lang: str, side: str, lexicon: Lexicon | None = None
) -> list[Found]:
    """Name mentions in ``text`` (language ``lang``, a cased script), one sentence span at a time."""
    lexicon = lexicon or default_lexicon()
    rules = language_words(lang)
    max_words = lexicon.max_words(lang)
    per_sentence = [_tokens(text, a, b, rules, lang) for a, b in sentences]
    lowercase = {fold(w) for toks in per_sentence for _, _, w in toks if not _capitalized(w)}
    mid_capitals: set[str] = set()
    for (s_start, _), toks in zip(sentences, per_sentence):
        for k, (a, _, w) in enumerate(toks):
            if _capitalized(w) and k > 0 and not clause_initial(text, s_start, a):
                mid_capitals.update(stems(w, lang))
    found: list[Found] = []
    for index, ((s_start, _), toks) in enumerate(zip(sentences, per_sentence)):
        i = 0
        titled = False
        while i < len(toks):
            a, b, w = toks[i]
            low = fold(w)
            if not _capitalized(w):
                titled = titled and low in rules.particle  # "président de la République": a title goes on
                i += 1
                continue
            hit = _longest_entry(text, toks, i, lexicon, lang, max_words)
            if hit is not None:
                n, entry = hit
                found.append(Found(side, a, toks[i + n - 1][1], text[a : toks[i + n - 1][1]], entry.label, index,
                                   NAME, entry))
                i += n
                continue
            if low in rules.title or low.rsplit("-", 1)[-1] in rules.title:  # US-Präsident, пресс-секретарь
                titled = True
                i += 1
                continue
            initial = clause_initial(text, s_start, a)
            if low in rules.common or (initial and low in rules.function):
                i += 1
                continue
            if initial and _opens_before_name(text, toks, i, lang, mid_capitals):
                i += 1  # "Слова Путина": a sentence-initial word before a name seen inside sentences
                continue
            j = i + 1
            while j < len(toks) and _only_space(text, toks[j - 1][1], toks[j][0]):
                nxt = toks[j][2]
                if _capitalized(nxt) and fold(nxt) not in rules.title and fold(nxt) not in rules.common:
                    if _longest_entry(text, toks, j, lexicon, lang, max_words) is not None:
                        break
                    j += 1
                    continue
                if fold(nxt) in rules.particle and j + 1 < len(toks) and _capitalized(toks[j + 1][2]) \
                        and _only_space(text, toks[j][1], toks[j + 1][0]):
                    j += 2
                    continue
                break
            end = toks[j - 1][1]
            single = j - i == 1
            if single and initial and low in lowercase:
                i = j
                continue  # a common word that opens the sentence (it occurs in lowercase elsewhere)
            weak = single and ((initial and not set(stems(w, lang)) & mid_capitals) or rules.nouns)
            label = "PER" if titled or 2 <= j - i <= 3 else "MISC"
            extensions = () if titled else _extensions(text, toks, j, rules, a)
            found.append(Found(side, a, end, text[a:end], label, index, NAME, None, weak=weak,
                               extensions=extensions))
            titled = False
            i = j
    return _label_by_document(found, lang)


def head_word(word: str, lang: str) -> bool:
    """Whether ``word`` is a common noun that heads names in ``lang`` (bridge, Party; мост, партия; pont,
    parti: ``head`` rows of ``name_words.tsv``, English from :data:`~xling.entities.recognize.ENGLISH_HEADS`),
    case endings aside."""
    if lang.split("-")[0].lower() == "en":
        return fold(word) in ENGLISH_HEADS
    return not _head_stems(lang).isdisjoint(stems(word, lang))


@functools.cache
def _head_stems(lang: str) -> frozenset[str]:
    return frozenset(s for h in language_words(lang).head for s in stems(h, lang))


def _extensions(text: str, toks, j: int, rules: LanguageWords, start: int) -> tuple[tuple[int, str], ...]:
    """The name starting at ``start`` and ending before ``toks[j]`` with the next one or two lowercase words
    (not function words or particles) added, ``(end, text)`` each: Parti social-démocrate, Октябрьский мост.
    Only the other side can say whether they belong to the name."""
    out: list[tuple[int, str]] = []
    prev_end = toks[j - 1][1]
    for a, b, w in toks[j : j + MAX_EXTENSION]:
        low = fold(w)
        if not _only_space(text, prev_end, a) or _capitalized(w) or not w.replace("-", "").isalpha() \
                or low in rules.function or low in rules.particle:
            break
        out.append((b, text[start:b]))
        prev_end = b
    return tuple(out)


def _opens_before_name(text: str, toks, i: int, lang: str, mid_capitals: set[str]) -> bool:
    """Whether the clause-initial word ``toks[i]`` is capitalized only for opening the sentence: it never
    appears capitalized inside one, and the capitalized word after it does."""
    if i + 1 >= len(toks) or not _capitalized(toks[i + 1][2]) or not _only_space(text, toks[i][1], toks[i + 1][0]):
        return False
    return not set(stems(toks[i][2], lang)) & mid_capitals and bool(set(stems(toks[i + 1][2], lang)) & mid_capitals)


def _longest_entry(text: str, toks, i: int, lexicon: Lexicon, lang: str, max_words: int):
    """The longest lexicon name starting at token ``i`` (later words in any case): ``(tokens, entry)``."""
    for n in range(min(max_words, len(toks) - i), 0, -1):
        if any(not _only_space(text, toks[k][1], toks[k + 1][0]) for k in range(i, i + n - 1)):
            continue
        hit = lexicon.lookup(text[toks[i][0] : toks[i + n - 1][1]], lang)
        if hit is not None:
            return n, hit[0]
    return None


def _label_by_document(found: list[Found], lang: str) -> list[Found]:
    """A one-word mention that ends a known person's name is that person (Лавров after Сергей Лавров)."""
    people = [f.text.split() for f in found if f.label == "PER" and f.entry is None and len(f.text.split()) > 1]
    out = []
    for f in found:
        if f.entry is None and len(f.text.split()) == 1 and any(contains_name(p[-1:], [f.text], lang) for p in people):
            f = replace(f, label="PER", weak=False)
        out.append(f)
    return out


__all__ = ["KINDS", "CASED_SCRIPTS", "MAX_EXTENSION", "LanguageWords", "language_words", "head_word",
           "recognize_cased"]
