"""Which side is recognized and which is searched, and finding names on a side without capitals.

A script with capitals (Latin, Cyrillic, Greek) shows where names are; Arabic, Hebrew, Devanagari, Chinese
and Japanese do not. :func:`side_roles` makes the side with capitals the *anchor* (the target when both
have them). A caseless side gets its lexicon names (:func:`gazetteer_caseless`; Arabic keeps
:func:`xling.entities.recognize.gazetteer_arabic` with its clitics) and, for each anchor name the lexicon
does not know, the word windows that sound like it (:func:`window_candidates`): the anchor's mentions are
*projected* onto the other side. Sound is the consonant skeleton of :mod:`xling.names.phonetics`, whatever
the two scripts; inflected anchor names are tried without their endings too (Лаврова, Байденом).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from xling.document import Document
from xling.entities.cased import CASED_SCRIPTS, head_word, language_words, recognize_cased
from xling.entities.recognize import (
    LINK_THRESHOLD,
    MIN_SKELETON,
    PARTIAL_WEIGHT,
    Found,
    gazetteer_arabic,
    recognize_english,
    transliteration_candidates,
)
from xling.names.inflection import name_readings
from xling.names.lexicon import NAME, LexEntry, Lexicon
from xling.names.phonetics import collapse, skeleton, skeleton_similarity
from xling.names.tokens import SPACELESS_SCRIPTS, words
from xling.text.scripts import lang_script, main_script, script_of

ARABIC_SCRIPT = "Arabic"
#: Languages with their own recognizer or gazetteer (English; Arabic with its clitics).
ENGLISH = "en"
ARABIC = "ar"
#: Hebrew proclitics written as part of the next word (ו ה ב ל מ ש כ: בלינקן is not one, ובמוסקבה is).
_HEBREW_PREFIXES = "והבלמשכ"
#: Marks that join the words of one name in Chinese and Japanese (弗拉基米尔·普京, ウラジーミル・プーチン).
_NAME_JOINERS = "\u00b7\u30fb\u2027\uff1d\u30a0= "
#: A window of a spaceless script holds at most this many characters per word of the anchor name.
_CHARS_PER_WORD = 5
#: Katakana (and its prolonged sound mark) as one kind of run, apart from hiragana and Han.
_KATAKANA = re.compile("[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+")


def _base(lang: str) -> str:
    return (lang or "").split("-")[0].split("_")[0].lower()


@dataclass(frozen=True)
class SideRole:
    """One side of a document as the linker sees it: its language, script, and whether it has capitals."""

    side: str
    lang: str
    cased: bool
    script: str | None

    def recognize(self, doc: Document, lexicon: Lexicon) -> list[Found]:
        """Mentions found on this side alone: capitalized names, or lexicon names where there are no capitals."""
        text = doc.side(self.side).text
        spans = [(s.start, s.end) for s in doc.side(self.side).sentences]
        if self.cased:
            if _base(self.lang) == ENGLISH:
                return [replace(f, side=self.side) for f in recognize_english(text, spans, lexicon)]
            return recognize_cased(text, spans, self.lang, self.side, lexicon)
        if self.script == ARABIC_SCRIPT and _base(self.lang) not in ("fa", "ur", "ps", "ku", "sd", "ug"):
            return [replace(f, side=self.side) for f in gazetteer_arabic(text, spans, lexicon)]
        return gazetteer_caseless(text, spans, self.lang, self.side, lexicon)


def side_role(doc: Document, side: str) -> SideRole:
    """The role of ``side``: its script from its text (its language's script for an empty text)."""
    s = doc.side(side)
    script = main_script(s.text) or lang_script(s.lang)
    return SideRole(side, s.lang, script in CASED_SCRIPTS, script)


def side_roles(doc: Document) -> tuple[SideRole, SideRole]:
    """``(anchor, other)``: the anchor is the side with capitals, the target when both or neither have them."""
    source, target = side_role(doc, "source"), side_role(doc, "target")
    if source.cased and not target.cased:
        return source, target
    return target, source


# -- scoring two recognized names ------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def name_score(a: str, a_lang: str, b: str, b_lang: str) -> float:
    """How likely two recognized names (any scripts) are one name: the best skeleton similarity over their
    readings without case endings; a person named by the last word alone on one side scores at most
    :data:`~xling.entities.recognize.PARTIAL_WEIGHT` ("Lavrov" / "Sergueï Lavrov")."""
    best = 0.0
    a_readings, b_readings = name_readings(a, a_lang), name_readings(b, b_lang)
    for x in a_readings:
        for y in b_readings:
            best = max(best, skeleton_similarity(skeleton(x), skeleton(y)))
    if best >= 1.0:
        return best
    a_words, b_words = a.split(), b.split()
    if len(a_words) != len(b_words) and min(len(a_words), len(b_words)) == 1:
        for x in name_readings(a_words[-1], a_lang):
            for y in name_readings(b_words[-1], b_lang):
                sx, sy = skeleton(x), skeleton(y)
                if min(len(sx), len(sy)) >= MIN_SKELETON:
                    best = max(best, skeleton_similarity(sx, sy) * PARTIAL_WEIGHT)
    return best


#: Words of a name for :func:`phrase_score`, split at hyphens too (social-démocrate: Social Democratic).
_PHRASE_WORDS = re.compile(r"[^\s\-\u2010\u2011]+")


def _knows_heads(lang: str) -> bool:
    return _base(lang) == ENGLISH or bool(language_words(lang).head)


@functools.lru_cache(maxsize=65536)
def phrase_score(a: str, a_lang: str, b: str, b_lang: str) -> float:
    """How likely two names of several words are one name in another word order, with a common noun
    translated: each word of one sounds like a word of the other (Parti social-démocrate / Social Democratic
    Party), except that one pair may be two head nouns instead (Октябрьский мост / Oktyabrsky Bridge: мост and
    Bridge head names in their languages, :func:`~xling.entities.cased.head_word`; a language without head
    words accepts any word there). The weakest sounding pair's similarity; 0 unless both have the same
    number of words, at least two, and most pairs sound alike."""
    x, y = _PHRASE_WORDS.findall(a), _PHRASE_WORDS.findall(b)
    if len(x) != len(y) or len(x) < 2:
        return 0.0
    scored = sorted(((name_score(u, a_lang, v, b_lang), i, j) for i, u in enumerate(x) for j, v in enumerate(y)),
                    reverse=True)
    used_x: set[int] = set()
    used_y: set[int] = set()
    sound = []
    for score, i, j in scored:
        if score < LINK_THRESHOLD:
            break
        if i not in used_x and j not in used_y:
            used_x.add(i)
            used_y.add(j)
            sound.append(score)
    rest_x = [w for i, w in enumerate(x) if i not in used_x]
    rest_y = [w for j, w in enumerate(y) if j not in used_y]
    if len(rest_x) > 1 or 2 * len(sound) < len(x):
        return 0.0
    for rest, lang in ((rest_x, a_lang), (rest_y, b_lang)):
        if rest and _knows_heads(lang) and not head_word(rest[0], lang):
            return 0.0
    return min(sound)


def confirm_extensions(mentions: Sequence[Found], lang: str, others: Sequence[Found], other_lang: str) -> list[Found]:
    """``mentions`` (one bead of one side) with each longer reading that a name in ``others`` (the same bead's
    other side) confirms by :func:`phrase_score`: "Parti" becomes "Parti social-démocrate" beside "Social
    Democratic Party", and takes that name's label unless it is MISC."""
    out = []
    for f in mentions:
        for end, text in reversed(f.extensions):
            match = next((g for g in others if phrase_score(text, lang, g.text, other_lang) >= LINK_THRESHOLD), None)
            if match is not None:
                label = match.label if match.label != "MISC" else f.label
                f = replace(f, end=end, text=text, label=label, weak=False, extensions=())
                break
        out.append(f)
    return out


# -- lexicon names where there are no capitals -----------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _form_pattern(lang: str, script: str | None, lexicon: Lexicon) -> tuple[re.Pattern[str] | None, dict[str, LexEntry]]:
    forms: dict[str, LexEntry] = {}
    for form, entry in lexicon.all_forms(lang):
        forms.setdefault(form, entry)
    if not forms:
        return None, forms
    body = "|".join(map(re.escape, sorted(forms, key=len, reverse=True)))
    if script in SPACELESS_SCRIPTS:
        return re.compile(f"(?:{body})"), forms
    prefixes = f"[{_HEBREW_PREFIXES}]{{0,2}}" if script == "Hebrew" else ""
    return re.compile(f"(?<!\\w){prefixes}({body})(?!\\w)"), forms


def gazetteer_caseless(
    text: str, sentences: Sequence[tuple[int, int]], lang: str, side: str, lexicon: Lexicon
) -> list[Found]:
    """Lexicon names of ``lang`` in a text without capitals (Chinese, Hebrew, Hindi, Persian...), longest first."""
    script = main_script(text) or lang_script(lang)
    pattern, forms = _form_pattern(_base(lang), script, lexicon)
    if pattern is None:
        return []
    found = []
    for index, (a, b) in enumerate(sentences):
        for m in pattern.finditer(text, a, b):
            g = 1 if pattern.groups else 0
            entry = forms[m.group(g)]
            found.append(Found(side, m.start(g), m.end(g), m.group(g), entry.label, index, NAME, entry))
    return found


# -- projection: windows that sound like an anchor name ------------------------------------------------------


def window_candidates(
    text: str, span: tuple[int, int], name: str, anchor: SideRole, other: SideRole
) -> list[tuple[float, int, int]]:
    """Windows of ``text[span]`` (the caseless side) that sound like the anchor's ``name``:
    ``(similarity, start, end)``, best first. Arabic script goes through
    :func:`~xling.entities.recognize.transliteration_candidates` (clitics); other scripts through their words,
    or their characters where words are not spaced (Chinese; Japanese kana runs)."""
    readings = name_readings(name, anchor.lang)
    best: dict[tuple[int, int], float] = {}
    for reading in readings:
        if other.script == ARABIC_SCRIPT:
            found = transliteration_candidates(text, span, reading if reading is name else _titled(reading),
                                               clitics=_base(other.lang) in (ARABIC, ""))
        else:
            found = _windows(text, span, reading, other.script)
        for score, start, end in found:
            if score > best.get((start, end), 0.0):
                best[(start, end)] = score
    out = [(score, start, end) for (start, end), score in best.items()]
    out.sort(key=lambda c: (-c[0], c[2] - c[1]))
    return out


def _titled(reading: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in reading.split())


def _tokens(text: str, span: tuple[int, int], script: str | None) -> list[tuple[int, int, tuple[int, ...]]]:
    """Candidate words ``(start, end, prefix lengths that may be cut)``: words of a spaced script (Hebrew
    words may lose one or two proclitic letters), katakana runs, and single Han characters."""
    out: list[tuple[int, int, tuple[int, ...]]] = []
    for a, b, w in words(text, *span):
        if script in SPACELESS_SCRIPTS or any(script_of(c) in SPACELESS_SCRIPTS for c in w[:1]):
            kata = [(a + m.start(), a + m.end()) for m in _KATAKANA.finditer(w)]
            covered = set()
            for ka, kb in kata:
                out.append((ka, kb, (0,)))
                covered.update(range(ka, kb))
            for k, ch in enumerate(w):
                if a + k not in covered and script_of(ch) == "Han":
                    out.append((a + k, a + k + 1, (0,)))
            continue
        cuts = [0]
        if script == "Hebrew":
            for n in (1, 2):
                if len(w) - n >= 2 and all(c in _HEBREW_PREFIXES for c in w[:n]):
                    cuts.append(n)
        out.append((a, b, tuple(cuts)))
    out.sort()
    return out


def _joinable(text: str, a: int, b: int) -> bool:
    between = text[a:b]
    return len(between) <= 1 and all(c in _NAME_JOINERS for c in between) and "\n" not in between


def _windows(text: str, span: tuple[int, int], name: str, script: str | None) -> list[tuple[float, int, int]]:
    name_words = name.split()
    targets = [(skeleton(name), 1.0)]
    if len(targets[0][0]) < MIN_SKELETON:
        return []
    if len(name_words) > 1:
        last = skeleton(name_words[-1])
        if len(last) >= MIN_SKELETON:
            targets.append((last, PARTIAL_WEIGHT))
    longest = max(len(t) for t, _ in targets)
    tokens = _tokens(text, span, script)
    spaceless = script in SPACELESS_SCRIPTS
    max_n = _CHARS_PER_WORD * len(name_words) + 2 if spaceless else len(name_words) + 1
    out = []
    for i in range(len(tokens)):
        for cut in tokens[i][2]:
            start = tokens[i][0] + cut
            for n in range(1, min(max_n, len(tokens) - i) + 1):
                k = i + n - 1
                if n > 1 and not _joinable(text, tokens[k - 1][1], tokens[k][0]):
                    break
                sk = collapse(skeleton(text[start : tokens[k][1]]))
                if len(sk) > 2 * longest:
                    break
                for target, weight in targets:
                    if (1 - 0.5 * abs(len(sk) - len(target)) / max(len(sk), len(target), 1)) * weight < LINK_THRESHOLD:
                        continue
                    score = skeleton_similarity(sk, target) * weight
                    if score > 0:
                        out.append((score, start, tokens[k][1]))
    return out


__all__ = [
    "ARABIC_SCRIPT", "SideRole", "side_role", "side_roles", "name_score", "phrase_score", "confirm_extensions", "gazetteer_caseless", "window_candidates",
]
