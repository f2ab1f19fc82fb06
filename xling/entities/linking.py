"""Named entities on both sides, linked across languages and clustered into one id per real-world entity.

Pipeline (each step a function below):

1. **Recognize** English mentions with a rule-based news recognizer (capitalized spans, sentence-initial
   handling, connectors inside names, titles and cue words for the type, CLDR gazetteer) or, if asked,
   any transformers token-classification model.
2. **Find Arabic candidates** in each bead's source sentences: gazetteer hits (CLDR + curated lexicon,
   with clitics stripped) and, for each English mention, Arabic word windows whose consonant skeleton
   matches the English name (بوتين ~ Putin).
3. **Link inside each bead** by score, greedily, under a threshold: no link is better than a wrong link.
4. **Cluster** over the document with union-find: linked pairs, same lexicon entry, the same Arabic
   form, and short English person names that end a longer one ("Putin" joins "Vladimir Putin"). Linked
   Arabic forms are then looked up in every source sentence, so a name the translation dropped still
   shows up as a source mention (that is what ``entity-missing`` reports).

Demonyms and nisba adjectives ("Russian", "the Russians", الروسي، الروس) are mentions *of the country*
(one id, one colour, label LOC). Translations swap "the Russian president" / "Russia's president" /
الرئيس الروسي freely, so treating them as one entity keeps ``entity-missing`` quiet on faithful
translations and still catches a country that vanished. They are never compared as spellings of a name
(``entity-inconsistent`` and :func:`harmonize_names` skip them).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from xling.document import Bead, Document, Entity, Issue, Mention
from xling.errors import ModelUnavailable
from xling.names.lexicon import DEMONYM, NAME, LexEntry, Lexicon, default_lexicon, english_key
from xling.names.arabic import arabic_key, arabic_tokens, clitic_splits, normalize_arabic, stem_offset
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

    @property
    def entry_key(self) -> str | None:
        return self.entry.key if self.entry is not None else None


# -- 1. English recognition ----------------------------------------------------------------------------

_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_](?:[\w\-]*\w)?(?:['\u2019]s\b)?")
_CONNECTORS = {"of", "de", "del", "al", "bin", "ibn", "von", "van", "der", "du", "la", "le", "da", "di"}
_TITLES = set(
    "president vice prime minister ministers secretary secretary-general chancellor king queen prince princess "
    "sheikh emir sultan mr mrs ms dr gen general colonel col lieutenant captain commander admiral marshal "
    "senator sen rep representative governor mayor ambassador envoy pope cardinal bishop imam ayatollah judge "
    "justice chairman chairwoman director spokesman spokeswoman sir lord lady premier".split()
)
#: What a title can be "of": Secretary of State, Minister of Defense, Minister of the Interior.
_TITLE_OBJECTS = set("state defense defence interior justice finance foreign health education economy energy "
                     "agriculture labor labour transport commerce trade".split())
#: Words that are part of a title only before one: "Foreign Minister", but "Foreign Policy" is a name.
_TITLE_MODIFIERS = set(
    "vice deputy prime foreign defense defence interior finance state crown chief former acting".split()
)
_ORG_HEADS = set(
    "party ministry council organization organisation agency bank university union company corporation corp inc "
    "ltd group army forces force police committee commission court parliament assembly congress senate times "
    "post news press institute foundation fund federation league movement front alliance association authority "
    "department office service guard brigade brigades network channel magazine journal".split()
)
_LOC_HEADS = set(
    "river sea ocean island islands mountains mountain lake gulf bay strait valley province region district "
    "county city street square desert peninsula coast border airport port".split()
)
_OF_HEADS = {"republic", "kingdom", "state", "states", "emirates"}
_LOC_CUES_BEFORE = {"in", "at", "from", "near", "to", "into", "across", "outside", "inside"}
_ORG_CUES_AFTER = {"magazine", "newspaper", "agency", "daily", "weekly", "channel", "website", "company", "group"}
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
    for sent_index, (s_start, s_end) in enumerate(sentences):
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, s_start, s_end)]
        i = 0
        while i < len(tokens):
            start, end, tok = tokens[i]
            if not _is_capitalized(tok) or _skip_token(text, s_start, tokens, i, lowercase_words, calendar):
                i += 1
                continue
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
            found += _split_span(text, tokens[i:j], tokens[j][2] if j < len(tokens) else "",
                                 tokens[i - 1][2] if i > 0 else "", sent_index, lexicon)
            i = j
    return _label_by_document(found, text)


def _only_space_between(text: str, a: int, b: int) -> bool:
    return text[a:b].strip() == "" and "\n" not in text[a:b]


def _connector_fits(tokens: list[tuple[int, int, str]], i: int, j: int) -> bool:
    """"of" joins a name only after a head word that takes one: Bank of England, Gulf of Mexico, Secretary of State."""
    head = tokens[j - 1][2].casefold()
    if tokens[j][2] != "of":
        return True  # de, al, bin, von ...: name particles
    return head in _TITLES or head in _ORG_HEADS or head in _LOC_HEADS or head in _OF_HEADS


def _skip_token(text: str, s_start: int, tokens, i: int, lowercase_words: set[str], calendar) -> bool:
    """Capitalized words that are not names: sentence-initial common words, "I", months and weekdays."""
    tok = tokens[i][2]
    low = tok.casefold()
    if tok == "I" or low in calendar:
        return True
    before = text[s_start : tokens[i][0]]
    clause_initial = re.fullmatch(r"[\s\"'\u201c\u2018(\[\-\u2014\u2013]*", before) is not None or re.search(
        r"[:;]\s*[\"'\u201c\u2018]?\s*$|[\"\u201c]\s*$", before
    ) is not None
    if not clause_initial:
        return False
    if low in _FUNCTION_WORDS:
        return True
    if not lexicon_free(tok):
        return False
    if low in lowercase_words:
        return True
    # "Asked whether...", "Speaking to reporters...", "Separately, ...": a lone sentence-initial verb/adverb form
    lone = i + 1 >= len(tokens) or not _is_capitalized(tokens[i + 1][2])
    return lone and len(low) > 4 and low.endswith(("ing", "ed", "ly"))


def lexicon_free(token: str) -> bool:
    """True unless the token is a known name (a sentence-initial "Turkey" stays a name though "turkey" occurs)."""
    return default_lexicon().english(token) is None


def _title_length(toks) -> int:
    """How many leading tokens form a title: "President", "Foreign Minister", "Deputy Prime Minister"."""
    n = 0
    while n < len(toks) and toks[n][2].casefold().rstrip(".") in _TITLE_MODIFIERS:
        n += 1
    if n >= len(toks) or toks[n][2].casefold().rstrip(".") not in _TITLES:
        return 0
    n += 1
    while n + 1 < len(toks) and toks[n][2] == "of":  # Secretary of State, Minister of the Interior
        k = n + 1 + (toks[n + 1][2] == "the")
        if k < len(toks) and toks[k][2].casefold() in _TITLE_OBJECTS:
            n = k + 1
        else:
            break
    return n


def _split_span(text: str, toks, next_tok: str, prev_tok: str, sentence: int, lexicon: Lexicon) -> list[Found]:
    """One capitalized run -> mentions: leading demonyms split off, titles dropped, the rest typed."""
    out: list[Found] = []
    titled = False
    while toks:
        hit = lexicon.english(toks[0][2])
        title = _title_length(toks)
        if hit is not None and hit[1] == DEMONYM and len(toks) > 1 and _longest_entry(toks, lexicon)[0] < 2:
            out.append(_found(text, toks[0][0], toks[0][1], "LOC", sentence, DEMONYM, hit[0]))
            toks = toks[1:]
        elif title and title < len(toks):
            titled = True
            toks = toks[title:]
        elif title:
            return out
        else:
            break
    while toks:  # a gazetteer name at the start of the run ("Moscow Mayor Sergei Sobyanin")
        n, hit = _longest_entry(toks, lexicon)
        if hit is None or n == len(toks):
            break
        out.append(_found(text, toks[0][0], toks[n - 1][1], hit[0].label if hit[1] == NAME else "LOC",
                          sentence, hit[1], hit[0]))
        toks = toks[n:]
        title = _title_length(toks)
        if title:
            titled = True
            toks = toks[title:]
    if not toks:
        return out
    start, end = toks[0][0], toks[-1][1]
    name, end = _strip_possessive(text[start:end], end)
    hit = lexicon.english(name)
    if hit is not None:
        label = hit[0].label if hit[1] == NAME else "LOC"
        out.append(_found(text, start, end, label, sentence, hit[1], hit[0]))
        return out
    words = name.split()
    last = words[-1].casefold()
    if titled or next_tok in _SPEECH_VERBS or prev_tok.casefold().rstrip(".") in _TITLES:
        label = "PER"
    elif name.isupper() and len(name.replace(".", "")) >= 2:
        label = "ORG"
    elif _ORG_HEADS & {w.casefold() for w in words} or next_tok.casefold() in _ORG_CUES_AFTER:
        label = "ORG"
    elif last in _LOC_HEADS or (len(words) == 1 and prev_tok in _LOC_CUES_BEFORE):
        label = "LOC"
    elif 2 <= len(words) <= 3:
        label = "PER"
    else:
        label = "MISC"
    out.append(_found(text, start, end, label, sentence))
    return out


def _longest_entry(toks, lexicon: Lexicon) -> tuple[int, tuple[LexEntry, str] | None]:
    for n in range(min(len(toks), lexicon.max_english_words), 0, -1):
        hit = lexicon.english(" ".join(t[2] for t in toks[:n]))
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
    text: str, span: tuple[int, int], english: str, *, max_words: int = 4
) -> list[tuple[float, int, int]]:
    """Arabic word windows in ``text[span]`` that sound like ``english``: ``(similarity, start, end)``, best first.

    Also tries the English name's last word alone (Arabic often drops a first name), at a small discount.
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
            for prefix, stem in clitic_splits(tokens[i][2]):
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


# -- 3. linking inside beads ----------------------------------------------------------------------------


def _bead_of_sentence(beads: Sequence[Bead]) -> dict[tuple[str, int], int]:
    """``(side, sentence index) -> bead index``."""
    return {(side, s): b for b, bead in enumerate(beads) for side in ("source", "target") for s in getattr(bead, side)}


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _link_bead(doc: Document, bead: Bead, english: list[Found], arabic: list[Found]) -> list[tuple[Found, Found]]:
    """Pairs (English, Arabic) for one bead; new Arabic mentions come from transliteration windows."""
    src = doc.source
    candidates: list[tuple[float, float, Found, Found]] = []
    taken_by_gazetteer = [(a.start, a.end) for a in arabic]

    def position(f: Found, side) -> float:
        spans = [side.sentences[i] for i in (bead.source if f.side == "source" else bead.target)]
        lo, hi = spans[0].start, spans[-1].end
        return (f.start - lo) / max(1, hi - lo)

    for e in english:
        for a in arabic:
            if e.entry is not None and a.entry is not None:
                if all(e.entry is not x for x in (a.entry, *a.alternatives)):
                    continue
                score = 1.0 if e.kind == a.kind else 0.9
            else:
                score = skeleton_similarity(skeleton(a.text), skeleton(e.text))
            if score >= LINK_THRESHOLD:
                candidates.append((score, -abs(position(e, doc.target) - position(a, src)), e, a))
        if e.entry is not None:
            continue  # the lexicon knows its Arabic forms: a sound-alike (رئيس ~ Russia) is not one of them
        for s in bead.source:
            sent = src.sentences[s]
            for score, start, end in transliteration_candidates(src.text, (sent.start, sent.end), e.text):
                if score < LINK_THRESHOLD:
                    break
                if any(_overlaps((start, end), g) for g in taken_by_gazetteer):
                    continue
                a = Found("source", start, end, src.text[start:end], e.label, s, NAME, None)
                candidates.append((score, -abs(position(e, doc.target) - position(a, src)), e, a))
    # best score first; among equals the tighter Arabic span, then the one at the same relative position
    candidates.sort(key=lambda c: (-round(c[0], 6), c[3].end - c[3].start, -c[1], c[2].start, c[3].start))
    pairs = []
    used_e: set[int] = set()
    used_a: list[tuple[int, int]] = []
    for _, _, e, a in candidates:
        if id(e) in used_e or any(_overlaps((a.start, a.end), u) for u in used_a):
            continue
        used_e.add(id(e))
        used_a.append((a.start, a.end))
        pairs.append((e, a))
    return pairs


# -- 4. clustering ---------------------------------------------------------------------------------------


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def arabic_form(text: str) -> str:
    """The normalized form of an Arabic mention, the key for "same name" across the document."""
    return arabic_key(re.findall(r"\w+", normalize_arabic(text)))


def link_entities(doc: Document, *, ner_model: str | None = None) -> Document:
    """``doc`` with ``entities`` filled: mentions on both sides, one id per real-world entity (E1, E2, ...).

    ``ner_model`` (a local directory or a model in the local Hugging Face cache, e.g. ``dslim/bert-base-NER``
    or the multilingual ``Davlan/xlm-roberta-base-ner-hrl``) replaces the rule-based English recognizer and
    adds Arabic mentions; it is never downloaded, and a missing one raises ModelUnavailable at once.
    """
    lexicon = default_lexicon()
    tgt_spans = [(s.start, s.end) for s in doc.target.sentences]
    src_spans = [(s.start, s.end) for s in doc.source.sentences]
    if ner_model:
        english = recognize_with_model(ner_model, doc.target.text, tgt_spans, "target")
        model_arabic = recognize_with_model(ner_model, doc.source.text, src_spans, "source")
    else:
        english = recognize_english(doc.target.text, tgt_spans, lexicon)
        model_arabic = []
    arabic = gazetteer_arabic(doc.source.text, src_spans, lexicon)
    arabic += [m for m in model_arabic if not any(_overlaps((m.start, m.end), (a.start, a.end)) for a in arabic)]
    by_sentence: dict[tuple[str, int], list[Found]] = defaultdict(list)
    for f in english + arabic:
        by_sentence[(f.side, f.sentence)].append(f)

    beads = doc.beads()
    pairs: list[tuple[Found, Found]] = []
    for bead in beads:
        e_in = [f for t in bead.target for f in by_sentence[("target", t)]]
        a_in = [f for s in bead.source for f in by_sentence[("source", s)]]
        pairs += _link_bead(doc, bead, e_in, a_in)

    mentions: list[Found] = list(english) + list(arabic)
    index = {(f.side, f.start, f.end): k for k, f in enumerate(mentions)}
    for e, a in pairs:
        if (a.side, a.start, a.end) not in index:
            index[(a.side, a.start, a.end)] = len(mentions)
            mentions.append(a)
        elif e.entry is not None and a.entry is not None and a.entry is not e.entry:
            # an ambiguous Arabic form takes the reading its English counterpart chose (عمان -> Amman)
            mentions[index[(a.side, a.start, a.end)]] = replace(a, entry=e.entry, label=e.entry.label)
    uf = _UnionFind()
    for e, a in pairs:
        uf.union(index[(e.side, e.start, e.end)], index[(a.side, a.start, a.end)])
    _propagate_arabic_forms(doc, mentions, index, uf, {index[(a.side, a.start, a.end)] for _, a in pairs})
    _union_same_names(mentions, uf)
    return doc.replace(entities=tuple(_entities(doc, beads, mentions, uf)))


def _propagate_arabic_forms(doc: Document, mentions: list[Found], index, uf: _UnionFind, linked: set[int]) -> None:
    """Every occurrence of a linked Arabic name (outside transliteration-only beads) joins its entity."""
    forms: dict[str, int] = {}
    for k in sorted(linked):
        f = mentions[k]
        if f.entry is None and f.kind == NAME:
            forms.setdefault(arabic_form(f.text), k)
    if not forms:
        return
    longest = max(form.count(" ") + 1 for form in forms)
    text = doc.source.text
    covered = [(m.start, m.end) for m in mentions if m.side == "source"]
    for s_index, sent in enumerate(doc.source.sentences):
        tokens = list(arabic_tokens(text, sent.start, sent.end))
        for i in range(len(tokens)):
            for n in range(min(longest, len(tokens) - i), 0, -1):
                rest = [t[2] for t in tokens[i + 1 : i + n]]
                hit = None
                for prefix, stem in clitic_splits(tokens[i][2]):
                    if arabic_key([stem, *rest]) in forms:
                        hit = (prefix, arabic_key([stem, *rest]))
                        break
                if hit is None:
                    continue
                start = tokens[i][0] + stem_offset(text[tokens[i][0] : tokens[i][1]], hit[0])
                end = tokens[i + n - 1][1]
                if not any(_overlaps((start, end), c) for c in covered):
                    owner = mentions[forms[hit[1]]]
                    mentions.append(Found("source", start, end, text[start:end], owner.label, s_index))
                    index[("source", start, end)] = len(mentions) - 1
                    uf.union(len(mentions) - 1, forms[hit[1]])
                    covered.append((start, end))
                break


def _union_same_names(mentions: list[Found], uf: _UnionFind) -> None:
    """Same lexicon entry, same Arabic form, same English name, or a person's short name ending a full one."""
    by_key: dict[tuple, int] = {}
    full_names: dict[str, list[int]] = defaultdict(list)
    for k, f in enumerate(mentions):
        keys = []
        if f.entry is not None:
            keys.append(("entry", f.entry.key))
        elif f.side == "source":
            keys.append(("ar", arabic_form(f.text)))
        else:
            keys.append(("en", english_key(f.text)))
            if f.label == "PER" and len(f.text.split()) > 1:
                full_names[f.text.split()[-1].casefold()].append(k)
        for key in keys:
            if key in by_key:
                uf.union(by_key[key], k)
            else:
                by_key[key] = k
    for k, f in enumerate(mentions):
        if f.side == "target" and f.entry is None and len(f.text.split()) == 1:
            owners = {uf.find(o) for o in full_names.get(f.text.casefold(), [])}
            if len(owners) == 1:  # ambiguous short names (two Bidens) stay apart
                uf.union(owners.pop(), k)


def _entities(doc: Document, beads: list[Bead], mentions: list[Found], uf: _UnionFind) -> list[Entity]:
    bead_of = _bead_of_sentence(beads)
    clusters: dict[int, list[Found]] = defaultdict(list)
    for k, f in enumerate(mentions):
        clusters[uf.find(k)].append(f)

    def first(ms: list[Found]) -> tuple:
        return min((bead_of.get((m.side, m.sentence), m.sentence), m.side != "source", m.start) for m in ms)

    entities = []
    for n, ms in enumerate(sorted(clusters.values(), key=first), 1):
        ms = sorted({(m.side, m.start, m.end): m for m in ms}.values(), key=lambda m: (m.side, m.start))
        entry = next((m.entry for m in ms if m.entry is not None), None)
        labels = Counter(m.label for m in ms if m.kind == NAME) or Counter(m.label for m in ms)
        label = entry.label if entry is not None else ("PER" if "PER" in labels else labels.most_common(1)[0][0])
        english_names = [m.text for m in ms if m.side == "target" and m.kind == NAME]
        if entry is not None:
            name = entry.english[0]
        elif english_names:
            name = max(english_names, key=lambda t: (len(t.split()), english_names.count(t)))
        else:
            name = ms[0].text
        entities.append(Entity(f"E{n}", label, tuple(Mention(m.side, m.start, m.end) for m in ms), name))
    return entities


# -- consistency and harmonization ---------------------------------------------------------------------


def same_name_variant(a: str, b: str) -> bool:
    """True when one English rendering is the other or a part of it ("Putin" / "Vladimir Putin")."""
    x, y = english_key(a).split(), english_key(b).split()
    if len(x) > len(y):
        x, y = y, x
    return any(y[i : i + len(x)] == x for i in range(len(y) - len(x) + 1))


def lexicon_alternates(a: str, b: str) -> bool:
    """True for two established names of one lexicon entry ("U.S." / "United States", "Kiev" / "Kyiv")."""
    lexicon = default_lexicon()
    x, y = lexicon.english(a), lexicon.english(b)
    return x is not None and y is not None and x[0] is y[0]


def renderings(doc: Document) -> dict[str, dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]]:
    """For each entity id and Arabic name form: the ``(source span, target span)`` pairs that render it.

    Pairs come from mentions of the entity inside one bead (in order when counts agree, else by sound).
    Demonyms are left out: "Russian" and "Russia's" are grammar, not two spellings of a name.
    """
    lexicon = default_lexicon()
    sentence_bead = _bead_of_sentence(doc.beads())
    out: dict[str, dict[str, list]] = {}
    for entity in doc.entities:
        by_bead: dict[int, dict[str, list[Mention]]] = defaultdict(lambda: {"source": [], "target": []})
        for m in entity.mentions:
            text = doc.side(m.side).text[m.start : m.end]
            if m.side == "target":
                hit = lexicon.english(text)
            else:
                hit = lexicon.arabic(arabic_form(text))
            if hit is not None and hit[1] == DEMONYM:
                continue
            b = sentence_bead.get((m.side, _sentence_at(doc, m.side, m.start)))
            if b is not None:
                by_bead[b][m.side].append(m)
        forms: dict[str, list] = defaultdict(list)
        for sides in by_bead.values():
            for s, t in _pair(doc, sides["source"], sides["target"]):
                forms[arabic_form(doc.source.text[s.start : s.end])].append(((s.start, s.end), (t.start, t.end)))
        if forms:
            out[entity.id] = dict(forms)
    return out


def _sentence_at(doc: Document, side: str, pos: int) -> int | None:
    sentences = doc.side(side).sentences
    i = bisect.bisect_right([s.start for s in sentences], pos) - 1
    return i if i >= 0 and pos < sentences[i].end else None


def _pair(doc: Document, source: list[Mention], target: list[Mention]) -> list[tuple[Mention, Mention]]:
    if not source or not target:
        return []
    if len(source) == len(target):
        return list(zip(source, target))
    def sound(s: Mention, t: Mention) -> float:
        arabic, english = doc.source.text[s.start : s.end], doc.target.text[t.start : t.end]
        return skeleton_similarity(skeleton(arabic), skeleton(english))

    scored = sorted(((sound(s, t), i, j) for i, s in enumerate(source) for j, t in enumerate(target)), reverse=True)
    pairs, used_s, used_t = [], set(), set()
    for _, i, j in scored:
        if i not in used_s and j not in used_t:
            used_s.add(i)
            used_t.add(j)
            pairs.append((source[i], target[j]))
    return pairs


def inconsistent_renderings(doc: Document) -> list[tuple[Entity, str, dict[str, list[tuple[int, int]]], list]]:
    """Arabic names rendered two ways in the English.

    Each item is ``(entity, arabic form, {rendering: target spans}, source spans)``.
    """
    found = []
    entities = {e.id: e for e in doc.entities}
    for entity_id, forms in renderings(doc).items():
        for form, pairs in forms.items():
            variants: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for _, t in pairs:
                variants[doc.target.text[t[0] : t[1]]].append(t)
            names = list(variants)
            clash = any(not same_name_variant(a, b) and not lexicon_alternates(a, b)
                        for i, a in enumerate(names) for b in names[i + 1 :])
            if clash:
                found.append((entities[entity_id], form, dict(variants), [s for s, _ in pairs]))
    return found


def harmonize_names(
    doc: Document, *, glossary: Mapping[str, str] | None = None, consistent_names: bool = False
) -> Document:
    """Render each Arabic name one way everywhere: the glossary's English (keys are Arabic) or the majority's.

    Only spellings are changed, never a short name into a full one ("Putin" stays when "Vladimir Putin"
    is the majority), and established alternates ("U.S."/"United States") only by the glossary. A glossary
    key applies where that Arabic name was linked to an English mention (its whole form: بوتين, not the
    بوتين inside فلاديمير بوتين). Each change is recorded as an ``info`` issue ``name-harmonized``.
    """
    from xling.entities.edits import replace_in_target

    wanted = {arabic_form(k): v for k, v in (glossary or {}).items() if arabic_form(k)}
    replacements: list[tuple[tuple[int, int], str]] = []
    issues: list[Issue] = []
    for entity_id, forms in renderings(doc).items():
        for form, pairs in forms.items():
            texts = [doc.target.text[t[0] : t[1]] for _, t in pairs]
            if form in wanted:
                chosen, why = wanted[form], "the glossary"
            elif consistent_names:
                counts = Counter(texts)
                chosen = max(counts, key=lambda t: (counts[t], -texts.index(t)))
                why = f"the most frequent rendering ({counts[chosen]} of {len(texts)})"
            else:
                continue
            for (s, t), text in zip(pairs, texts):
                if text == chosen or same_name_variant(text, chosen):
                    continue
                if form not in wanted and lexicon_alternates(text, chosen):
                    continue  # "U.S." among "United States": both established, only a glossary overrides
                replacements.append((t, chosen))
                issues.append(Issue(
                    "name-harmonized", "info",
                    f"{doc.source.text[s[0]:s[1]]} rendered \"{chosen}\" (was \"{text}\"), as in {why} ({entity_id}).",
                    source=[s], target=[t],
                ))
    if not replacements:
        return doc
    unique = sorted(dict(replacements).items())
    return replace_in_target(doc.replace(issues=doc.issues + tuple(issues)), unique)


def entity_mentions_by_bead(doc: Document) -> list[dict[str, dict[str, list[Mention]]]]:
    """For each bead: entity id -> {"source": mentions, "target": mentions} inside that bead (for QA checks)."""
    beads = doc.beads()
    sentence_bead = _bead_of_sentence(beads)
    out: list[dict[str, dict[str, list[Mention]]]] = [defaultdict(lambda: {"source": [], "target": []}) for _ in beads]
    for entity in doc.entities:
        for m in entity.mentions:
            b = sentence_bead.get((m.side, _sentence_at(doc, m.side, m.start)))
            if b is not None:
                out[b][entity.id][m.side].append(m)
    return out


def entity_forms(doc: Document, entity: Entity, side: str) -> set[str]:
    """Every way this entity is written on ``side``, from its mentions and its lexicon entry (normalized for Arabic)."""
    lexicon = default_lexicon()
    texts = {doc.side(side).text[m.start : m.end] for m in entity.mentions if m.side == side}
    hit = lexicon.english(entity.name) if entity.name else None
    if hit is not None and hit[0].english[0] == entity.name:
        texts |= set(hit[0].english + hit[0].demonyms) if side == "target" else set(hit[0].arabic)
    if side == "source":
        return {arabic_form(t) for t in texts} - {""}
    return {english_key(t) for t in texts} - {""}


def written_in(text: str, forms: set[str], side: str) -> bool:
    """Whether one of ``forms`` (from :func:`entity_forms`) occurs in ``text`` as a word, clitics allowed in Arabic."""
    if side == "source":
        flat = " ".join(re.findall(r"\w+", normalize_arabic(text)))
        return any(re.search(r"(?<!\w)[وفبلك]{0,2}" + re.escape(f) + r"(?!\w)", flat) for f in forms)
    low = text.casefold()
    return any(re.search(r"(?<!\w)" + re.escape(f) + r"(?!\w)", low) for f in forms)


def known_arabic(entity: Entity, doc: Document) -> bool:
    """Whether we would find this entity in Arabic if it were there (lexicon entry or linked elsewhere)."""
    if any(m.side == "source" for m in entity.mentions):
        return True
    text = doc.target.text
    return any(default_lexicon().english(text[m.start : m.end]) is not None for m in entity.mentions)


__all__ = [
    "LINK_THRESHOLD", "Found", "link_entities", "harmonize_names", "recognize_english", "gazetteer_arabic",
    "transliteration_candidates", "renderings", "inconsistent_renderings", "entity_mentions_by_bead",
    "same_name_variant", "arabic_form", "known_arabic", "entity_forms", "written_in",
]
