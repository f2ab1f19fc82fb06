"""Entity mentions before linking: English recognition (rule-based or a model) and Arabic candidates.

1. **Recognize** English mentions with a rule-based news recognizer (capitalized spans, sentence-initial
   handling, connectors inside names, titles and cue words for the type, CLDR gazetteer) or, if asked,
   any transformers token-classification model. A title inside a capitalized run ends the name before it
   ("Portuguese Prime Minister António Costa": the demonym of Portugal, then the person António Costa).
2. **Find Arabic candidates** in each bead's source sentences: gazetteer hits (CLDR + curated lexicon,
   with clitics stripped) and, for each English mention, Arabic word windows whose consonant skeleton
   matches the English name (بوتين ~ Putin).

Linking is in :mod:`xling.entities.link`, clustering in :mod:`xling.entities.cluster`.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from xling.errors import ModelUnavailable
from xling.names.arabic import arabic_tokens, arabic_key, clitic_splits, stem_offset
from xling.names.lexicon import DEMONYM, NAME, LexEntry, Lexicon, default_lexicon
from xling.names.phonetics import collapse, romanize_arabic, skeleton, skeleton_similarity

LABELS = ("PER", "ORG", "LOC", "MISC")
#: Transliteration links below this similarity are dropped (see tests/test_entities.py for the trade-off).
LINK_THRESHOLD = 0.8
#: A match of the English name's last word only (Arabic drops a first name) scores at most this.
PARTIAL_WEIGHT = 0.8
#: Transliteration needs this many consonant classes: two (رئيس = RS = Russia) match far too much.
MIN_SKELETON = 3


@dataclass(frozen=True)
class Found:
    """A mention candidate before clustering: a span on one side, with what is known about it."""

    side: str
    start: int
    end: int
    text: str
    label: str
    sentence: int
    kind: str = NAME  # NAME or DEMONYM
    entry: LexEntry | None = None
    alternatives: tuple[LexEntry, ...] = ()  # other entries an ambiguous Arabic form can name (عمان: Oman, Amman)
    #: Kept only if linked to the other side or named like a kept mention (a lone sentence-initial word,
    #: a capitalized German noun): capitals alone do not make it a name.
    weak: bool = False
    #: Longer readings ``(end, text)`` that add the lowercase words after the name, shortest first (Parti
    #: social-démocrate, Октябрьский мост): taken only where a name on the other side confirms one
    #: (:func:`xling.entities.projection.confirm_extensions`).
    extensions: tuple[tuple[int, str], ...] = ()

    @property
    def entry_key(self) -> str | None:
        return self.entry.key if self.entry is not None else None



def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two ``[start, end)`` spans share a character."""
    return a[0] < b[1] and b[0] < a[1]


class SpanSet:
    """A growing set of spans that answers "does ``span`` overlap any of them?" (as :func:`overlaps` does)
    in logarithmic time: non-empty spans are kept merged into sorted disjoint runs. An empty span (which
    :func:`overlaps` treats as a point) switches it to scanning every span, which is always exact."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._spans: list[tuple[int, int]] = []
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._exact_scan = False
        for span in spans:
            self.add(span)

    def add(self, span: tuple[int, int]) -> None:
        a, b = span
        self._spans.append((a, b))
        if a >= b:
            self._exact_scan = True
            return
        lo = bisect.bisect_right(self._ends, a)  # runs that end after a ...
        hi = bisect.bisect_left(self._starts, b, lo)  # ... and start before b overlap [a, b)
        if lo < hi:
            a, b = min(a, self._starts[lo]), max(b, self._ends[hi - 1])
        self._starts[lo:hi] = [a]
        self._ends[lo:hi] = [b]

    def overlaps(self, span: tuple[int, int]) -> bool:
        a, b = span
        if a >= b or self._exact_scan:
            return any(overlaps(span, s) for s in self._spans)
        i = bisect.bisect_right(self._ends, a)
        return i < len(self._starts) and self._starts[i] < b


# -- 1. English recognition ----------------------------------------------------------------------------

_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_](?:[\w\-]*\w)?(?:['\u2019]s\b)?")
_CONNECTORS = {"of", "de", "del", "al", "bin", "ibn", "von", "van", "der", "du", "la", "le", "da", "di"}
_TITLES = set(
    "president vice prime minister ministers secretary secretary-general chancellor king queen prince princess "
    "sheikh emir sultan mr mrs ms dr gen general colonel col lieutenant captain commander admiral marshal "
    "senator sen rep representative governor mayor ambassador envoy pope cardinal bishop imam ayatollah judge "
    "justice chairman chairwoman chairperson director spokesman spokeswoman spokesperson executive ceo sir lord lady "
    "premier".split()
)
#: What a title can be "of": Secretary of State, Minister of Defense, Minister of the Interior.
_TITLE_OBJECTS = set("state defense defence interior justice finance foreign health education economy energy "
                     "agriculture labor labour transport commerce trade".split())
#: Words that are part of a title only before one: "Foreign Minister", but "Foreign Policy" is a name.
_TITLE_MODIFIERS = set(
    "vice deputy prime foreign defense defence interior finance state crown chief former acting attorney "
    "surgeon inspector".split()
)
_ORG_HEADS = set(
    "party ministry council organization organisation agency bank university union company corporation corp inc "
    "ltd group army forces force police committee commission court parliament assembly congress senate times "
    "post news press institute foundation fund federation league movement front alliance association authority "
    "department office service guard brigade brigades network channel magazine journal".split()
)
_LOC_HEADS = set(
    "river sea ocean island islands mountains mountain lake gulf bay strait valley province region district "
    "county city street square desert peninsula coast border airport port bridge tower palace castle cathedral "
    "stadium station avenue road boulevard highway park canal dam embankment".split()
)
#: Common nouns that head a name ("Social Democratic Party", "Oktyabrsky Bridge"): another language may
#: write them in lowercase beside the name (Parti social-démocrate, Октябрьский мост).
ENGLISH_HEADS = frozenset(_ORG_HEADS | _LOC_HEADS)
_OF_HEADS = {"republic", "kingdom", "state", "states", "emirates"}
_LOC_CUES_BEFORE = {"in", "at", "from", "near", "to", "into", "across", "outside", "inside"}
#: Words that say the name beside them is an organisation: "Foreign Policy magazine", "the company Yandex".
_ORG_CUES = {"magazine", "newspaper", "agency", "daily", "weekly", "channel", "website", "company", "group", "firm"}
_SPEECH_VERBS = set(
    "said says told added warned replied wrote explained noted stressed asked announced insisted declared "
    "urged confirmed denied argued".split()
)
_FUNCTION_WORDS = set(
    "a an the this that these those there their they them then than he she it its his her him we our us you "
    "your i me my in on at by for from with without to into onto of off over under about after before during "
    "since until while when whether where which who whom whose what why how if but and or nor so yet not no "
    "yes all any both each every few many more most much other some such only own same also just very even "
    "still already earlier later now today yesterday tomorrow meanwhile however although though because as "
    "once again here according despite instead perhaps naturally indeed thus therefore moreover furthermore "
    "first second third last next new old is are was were be been being has have had do does did will would "
    "can could may might must should shall let nothing everything something anything nobody everybody no-one "
    "one two three four five six seven eight nine ten please thank thanks".split()
)


@functools.cache
def _calendar_words() -> frozenset[str]:
    """Month and weekday names (from CLDR): capitalized in English, yet not entities."""
    from babel import Locale

    en = Locale("en")
    words = set()
    for width in ("wide", "abbreviated"):
        words |= {m.casefold() for m in en.months["format"][width].values()}
        words |= {d.casefold() for d in en.days["format"][width].values()}
    return frozenset(words)


def _is_capitalized(token: str) -> bool:
    return token[:1].isupper()


def _strip_possessive(text: str, end: int) -> tuple[str, int]:
    m = re.search(r"['\u2019]s?$", text)
    if m and (text.endswith("s") or m.group() in ("'", "\u2019")):
        cut = len(m.group())
        return text[:-cut], end - cut
    return text, end


def recognize_english(
    text: str, sentences: Sequence[tuple[int, int]], lexicon: Lexicon | None = None
) -> list[Found]:
    """English entity mentions in ``text``, one sentence span at a time (rule-based, for news)."""
    lexicon = lexicon or default_lexicon()
    lowercase_words = {w for w in re.findall(r"\b[a-z][a-z\-]*\b", text)}
    calendar = _calendar_words()
    found: list[Found] = []
    initial_starts: set[int] = set()
    for sent_index, (s_start, s_end) in enumerate(sentences):
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, s_start, s_end)]
        i = 0
        while i < len(tokens):
            start, end, tok = tokens[i]
            if not _is_capitalized(tok):
                i += 1
                continue
            initial = clause_initial(text, s_start, start)
            if _skip_token(initial, tokens, i, lowercase_words, calendar):
                i += 1
                continue
            if initial:
                initial_starts.add(start)
            j = i + 1
            while j < len(tokens) and _only_space_between(text, tokens[j - 1][1], tokens[j][0]):
                nxt = tokens[j][2]
                if _is_capitalized(nxt) and nxt.casefold() not in calendar:
                    if re.search(r"['\u2019]s$", tokens[j - 1][2]):
                        break  # "Russia's Foreign Ministry": the possessive ends a name
                    j += 1
                    continue
                if nxt in _CONNECTORS and _connector_fits(tokens, i, j):
                    k = j + 1
                    if k < len(tokens) and tokens[k][2] == "the":
                        k += 1
                    if k < len(tokens) and _is_capitalized(tokens[k][2]):
                        j = k + 1
                        continue
                break
            after_cue = i > 0 and tokens[i - 1][2].casefold() in _ORG_CUES and \
                _only_space_between(text, tokens[i - 1][1], start)
            found += _split_span(text, tokens[i:j], tokens[j][2] if j < len(tokens) else "",
                                 tokens[i - 1][2] if i > 0 else "", sent_index, lexicon, after_cue)
            i = j
    return _weak_openers(_label_by_document(found, text), initial_starts)


def _weak_openers(found: list[Found], initial: set[int]) -> list[Found]:
    """A lone word the lexicon does not know, capitalized only at the start of a clause (its start is in
    ``initial``) and nowhere else among the mentions ("Residents complain ..."), is kept only if the other
    side has it (``weak``), as in the other languages (:func:`xling.entities.cased.recognize_cased`)."""
    inside = set()
    for f in found:
        words = f.text.split()
        inside.update(words[1:] if f.start in initial else words)
    return [replace(f, weak=True) if f.entry is None and f.start in initial and f.text not in inside
            and " " not in f.text else f for f in found]


def _only_space_between(text: str, a: int, b: int) -> bool:
    return text[a:b].strip() == "" and "\n" not in text[a:b]


def _connector_fits(tokens: list[tuple[int, int, str]], i: int, j: int) -> bool:
    """"of" joins a name only after a head word that takes one: Bank of England, Gulf of Mexico, Secretary of State."""
    head = tokens[j - 1][2].casefold()
    if tokens[j][2] != "of":
        return True  # de, al, bin, von ...: name particles
    return head in _TITLES or head in _ORG_HEADS or head in _LOC_HEADS or head in _OF_HEADS


def _skip_token(initial: bool, tokens, i: int, lowercase_words: set[str], calendar) -> bool:
    """Capitalized words that are not names: sentence-initial common words (``initial``: ``tokens[i]`` opens
    a clause), "I", months and weekdays."""
    tok = tokens[i][2]
    low = tok.casefold()
    if tok == "I" or low in calendar:
        return True
    if not initial:
        return False
    if low in _FUNCTION_WORDS and not (tok.isupper() and len(tok) > 1 and not lexicon_free(tok)):
        return True  # "US Secretary of State ..." opens a sentence: the country, not the pronoun
    if not lexicon_free(tok):
        return False
    if low in lowercase_words:
        return True
    # "Asked whether...", "Speaking to reporters...", "Separately, ...": a lone sentence-initial verb/adverb form
    lone = i + 1 >= len(tokens) or not _is_capitalized(tokens[i + 1][2])
    return lone and len(low) > 4 and low.endswith(("ing", "ed", "ly"))


#: What may come before a clause-initial word: nothing but spaces, quotes, brackets and dashes ...
_OPENING = re.compile(r"[\s\"'\u201c\u2018\u00ab\u201e\u2039\u300c\u300e(\[\-\u2014\u2013]*")
#: ... or a colon or semicolon (then perhaps a quote), or an opening double quote.
_CLAUSE_END = re.compile(r"[:;]\s*[\"'\u201c\u2018\u00ab\u201e]?\s*$|[\"\u201c\u00ab\u201e]\s*$")


def clause_initial(text: str, s_start: int, begin: int) -> bool:
    """Whether the word at ``begin`` opens its sentence (from ``s_start``) or a clause after : ; or a quote."""
    return _OPENING.fullmatch(text, s_start, begin) is not None or _CLAUSE_END.search(
        text, _tail_start(text, s_start, begin), begin) is not None


def _tail_start(text: str, start: int, end: int) -> int:
    """Where the last two non-space characters of ``text[start:end]`` begin: a match of :data:`_CLAUSE_END`
    holds at most two, so searching from here finds what searching from the sentence start would, without
    rescanning the sentence for every word (\\s and str.isspace agree)."""
    k = end
    for _ in range(2):
        while k > start and text[k - 1].isspace():
            k -= 1
        if k > start:
            k -= 1
    return k


def lexicon_free(token: str) -> bool:
    """True unless the token is a known name (a sentence-initial "Turkey" stays a name though "turkey" occurs)."""
    return default_lexicon().english(token) is None


def _title_length(toks, at: int = 0) -> int:
    """How many tokens from ``toks[at]`` on form a title: "President", "Foreign Minister", "Deputy Prime Minister"."""
    size = len(toks) - at
    n = 0
    while n < size and toks[at + n][2].casefold().rstrip(".") in _TITLE_MODIFIERS:
        n += 1
    if n >= size or toks[at + n][2].casefold().rstrip(".") not in _TITLES:
        return 0
    n += 1
    while n + 1 < size and toks[at + n][2] == "of":  # Secretary of State, Minister of the Interior
        k = n + 1 + (toks[at + n + 1][2] == "the")
        if k < size and toks[at + k][2].casefold() in _TITLE_OBJECTS:
            n = k + 1
        else:
            break
    return n


def _split_span(text: str, toks, next_tok: str, prev_tok: str, sentence: int, lexicon: Lexicon,
                after_cue: bool = False) -> list[Found]:
    """One capitalized run -> mentions: leading demonyms split off, titles dropped, the rest typed
    (``after_cue``: right after a word such as "company" that says an organisation follows)."""
    out: list[Found] = []
    titled = False
    at = 0  # toks[at:] is what is left of the run (an index, not a slice: a long run is not copied per step)
    while at < len(toks):
        hit = lexicon.english(toks[at][2])
        title = _title_length(toks, at)
        if hit is not None and hit[1] == DEMONYM and len(toks) - at > 1 and _longest_entry(toks, lexicon, at)[0] < 2:
            out.append(_found(text, toks[at][0], toks[at][1], "LOC", sentence, DEMONYM, hit[0]))
            at += 1
        elif title and title < len(toks) - at:
            titled = True
            at += title
        elif title:
            return out
        else:
            break
    while at < len(toks):  # a gazetteer name at the start of the run ("Moscow Mayor Sergei Sobyanin")
        n, hit = _longest_entry(toks, lexicon, at)
        if hit is None or n == len(toks) - at:
            break
        out.append(_found(text, toks[at][0], toks[at + n - 1][1], hit[0].label if hit[1] == NAME else "LOC",
                          sentence, hit[1], hit[0]))
        at += n
        title = _title_length(toks, at)
        if title:
            titled = True
            at += title
    inner = _inner_title(toks, at)
    if inner is not None:  # "Portuguese Prime Minister António Costa": what precedes a title is no part of the name
        p, title = inner
        out += _split_span(text, toks[at:p], toks[p][2], prev_tok, sentence, lexicon, after_cue)
        titled = True
        at = p + title
    if at >= len(toks):
        return out
    toks = toks[at:]
    start, end = toks[0][0], toks[-1][1]
    name, end = _strip_possessive(text[start:end], end)
    hit = lexicon.english(name)
    if hit is not None:
        label = hit[0].label if hit[1] == NAME else "LOC"
        out.append(_found(text, start, end, label, sentence, hit[1], hit[0]))
        return out
    words = name.split()
    last = words[-1].casefold()
    if not titled and after_cue:
        label = "ORG"
    elif titled or next_tok in _SPEECH_VERBS or prev_tok.casefold().rstrip(".") in _TITLES:
        label = "PER"
    elif name.isupper() and len(name.replace(".", "")) >= 2:
        label = "ORG"
    elif _ORG_HEADS & {w.casefold() for w in words} or next_tok.casefold() in _ORG_CUES:
        label = "ORG"
    elif last in _LOC_HEADS or (len(words) == 1 and prev_tok in _LOC_CUES_BEFORE):
        label = "LOC"
    elif 2 <= len(words) <= 3:
        label = "PER"
    else:
        label = "MISC"
    out.append(_found(text, start, end, label, sentence))
    return out


def _inner_title(toks, at: int) -> tuple[int, int] | None:
    """The first title inside ``toks[at:]`` after its first word and before its last, as ``(position,
    length)``: "Prime Minister" in "Portuguese Prime Minister António Costa" (None if there is none)."""
    for p in range(at + 1, len(toks) - 1):
        title = _title_length(toks, p)
        if title and p + title < len(toks):
            return p, title
    return None


def _longest_entry(toks, lexicon: Lexicon, at: int = 0) -> tuple[int, tuple[LexEntry, str] | None]:
    for n in range(min(len(toks) - at, lexicon.max_english_words), 0, -1):
        hit = lexicon.english(" ".join(t[2] for t in toks[at : at + n]))
        if hit is not None:
            return n, hit
    return 0, None


def _found(text, start, end, label, sentence, kind=NAME, entry=None, side="target") -> Found:
    return Found(side, start, end, text[start:end], label, sentence, kind, entry)


def _label_by_document(found: list[Found], text: str) -> list[Found]:
    """Types from the rest of the document: a one-word MISC mention that ends a known person's name is that
    person ("Ushakov" after "Yuri Ushakov"); a name right after ", " following a place is a place
    ("Wilmington, Delaware")."""
    people = {f.text.split()[-1] for f in found if f.label == "PER" and f.entry is None}
    out: list[Found] = []
    for f in found:
        if f.label == "MISC" and f.entry is None and f.text in people:
            f = replace(f, label="PER")
        elif f.label == "MISC" and out and out[-1].label == "LOC" and text[out[-1].end : f.start] == ", ":
            f = replace(f, label="LOC")
        out.append(f)
    return out


# -- optional model recognizer --------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _ner_pipeline(model: str):
    """A transformers token-classification pipeline from a local path or the local hub cache (never downloads)."""
    from pathlib import Path

    path = Path(model).expanduser()
    if path.is_dir() and not (path / "config.json").is_file():
        raise ModelUnavailable(f"Cannot load NER model '{model}': {path} has no config.json (not a transformers model)")
    if not path.is_dir():
        try:
            from huggingface_hub import snapshot_download

            path = Path(snapshot_download(model, local_files_only=True))
        except Exception:
            raise ModelUnavailable(
                f"Cannot load NER model '{model}': it is not a directory and not in the local Hugging Face cache "
                f"(the hub is not consulted for NER models). Download it once where the hub is reachable "
                f"(`huggingface-cli download {model}`) or pass its directory; or omit ner_model to use the "
                f"built-in recognizer."
            ) from None
    try:
        from transformers import pipeline

        return pipeline("token-classification", model=str(path), aggregation_strategy="simple", device=-1)
    except Exception as err:
        raise ModelUnavailable(f"Cannot load NER model '{model}' from {path}: {type(err).__name__}: {err}") from None


def recognize_with_model(model: str, text: str, sentences: Sequence[tuple[int, int]], side: str) -> list[Found]:
    """Mentions from a token-classification model (labels PER/ORG/LOC/MISC; others become MISC)."""
    ner = _ner_pipeline(model)
    found = []
    chunks = [text[a:b] for a, b in sentences]
    for index, ((s_start, _), results) in enumerate(zip(sentences, ner(chunks) if chunks else [])):
        for r in results:
            label = str(r.get("entity_group", "MISC")).upper().replace("B-", "").replace("I-", "")
            label = label if label in LABELS else "MISC"
            start, end = s_start + int(r["start"]), s_start + int(r["end"])
            name, end = _strip_possessive(text[start:end], end)
            if any(ch.isalpha() for ch in name):
                hit = default_lexicon().english(name) if side == "target" else None
                found.append(Found(side, start, end, name, label, index, hit[1] if hit else NAME,
                                   hit[0] if hit else None))
    return found


# -- 2. Arabic candidates -------------------------------------------------------------------------------


def gazetteer_arabic(text: str, sentences: Sequence[tuple[int, int]], lexicon: Lexicon | None = None) -> list[Found]:
    """Lexicon names in Arabic text, longest match first, with proclitics (و ب ل ك ف ال) left outside the span."""
    lexicon = lexicon or default_lexicon()
    found = []
    for sent_index, (s_start, s_end) in enumerate(sentences):
        tokens = list(arabic_tokens(text, s_start, s_end))
        i = 0
        while i < len(tokens):
            hit = _arabic_match(text, tokens, i, lexicon)
            if hit is None:
                i += 1
                continue
            n, start, hits = hit
            entry, kind = hits[0]
            end = tokens[i + n - 1][1]
            label = entry.label if kind == NAME else "LOC"
            others = tuple(e for e, _ in hits[1:])
            found.append(Found("source", start, end, text[start:end], label, sent_index, kind, entry, others))
            i += n
    return found


def _arabic_match(text: str, tokens, i: int, lexicon: Lexicon):
    for n in range(min(lexicon.max_arabic_words, len(tokens) - i), 0, -1):
        if any(not _only_space_between(text, tokens[k][1], tokens[k + 1][0]) for k in range(i, i + n - 1)):
            continue
        rest = [t[2] for t in tokens[i + 1 : i + n]]
        for prefix, stem in clitic_splits(tokens[i][2]):
            hits = lexicon.arabic_all(arabic_key([stem, *rest]))
            if hits:
                return n, tokens[i][0] + stem_offset(text[tokens[i][0] : tokens[i][1]], prefix), hits
    return None


def transliteration_candidates(
    text: str, span: tuple[int, int], english: str, *, max_words: int = 4, clitics: bool = True
) -> list[tuple[float, int, int]]:
    """Arabic word windows in ``text[span]`` that sound like ``english``: ``(similarity, start, end)``, best first.

    Also tries the English name's last word alone (Arabic often drops a first name), at a small discount.
    ``clitics=False`` reads every word whole (Persian and Urdu write و and ب apart from the next word).
    """
    tokens = list(arabic_tokens(text, *span))
    words = english.split()
    targets = [(skeleton(english), 1.0)]
    if len(targets[0][0]) < MIN_SKELETON:
        return []
    if len(words) > 1:
        targets.append((skeleton(words[-1]), PARTIAL_WEIGHT))
    longest = max(len(t) for t, _ in targets)
    out = []
    for i in range(len(tokens)):
        for n in range(1, min(max_words, len(words) + 1, len(tokens) - i) + 1):
            if n > 1 and not _only_space_between(text, tokens[i + n - 2][1], tokens[i + n - 1][0]):
                break
            if n > 1 and not all(romanize_arabic(t[2]) for t in tokens[i + 1 : i + n]):
                continue
            rest = "".join(romanize_arabic(t[2]) for t in tokens[i + 1 : i + n])
            if len(rest) > 2 * longest:
                break  # the window only grows from here
            for prefix, stem in (clitic_splits(tokens[i][2]) if clitics else ((0, tokens[i][2]),)):
                head = romanize_arabic(stem)
                if not head:
                    continue
                sk = collapse(head + rest)
                for target, weight in targets:
                    # each unmatched class costs at least 0.5: skip windows whose length alone rules them out
                    if (1 - 0.5 * abs(len(sk) - len(target)) / max(len(sk), len(target))) * weight < LINK_THRESHOLD:
                        continue
                    score = skeleton_similarity(sk, target) * weight
                    if score > 0:
                        start = tokens[i][0] + stem_offset(text[tokens[i][0] : tokens[i][1]], prefix)
                        out.append((score, start, tokens[i + n - 1][1]))
    out.sort(key=lambda c: (-c[0], c[2] - c[1]))
    return out


__all__ = [
    "LABELS", "LINK_THRESHOLD", "PARTIAL_WEIGHT", "MIN_SKELETON", "Found", "overlaps", "SpanSet", "recognize_english",
    "clause_initial",
    "lexicon_free", "recognize_with_model", "gazetteer_arabic", "transliteration_candidates",
]
