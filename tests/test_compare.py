"""compare(): the seed article against an English version with known edits, fallbacks, inputs, CLI."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO_ROOT, SEED_NAME
from xling.pipeline.comparison import compare
from xling.errors import InputError
from xling.mt.engine import NO_MODEL

EDITED = REPO_ROOT / "tests" / "data" / "compare" / SEED_NAME.replace(".txt", ".en.txt")

# The edited English (tests/data/compare) against the Arabic seed's 19 sentences: source 2 is split in
# two, a sentence is added as its own paragraph (target 7), source 8 is dropped, and sources 10 and 11
# are merged into one sentence. Everything else is 1-1.
EXPECTED = (
    "[0]:[0] [1]:[1] [2]:[2, 3] [3]:[4] [4]:[5] [5]:[6] []:[7] [6]:[8] [7]:[9] [8]:[] [9]:[10] "
    "[10, 11]:[11] [12]:[12] [13]:[13] [14]:[14] [15]:[15] [16]:[16] [17]:[17] [18]:[18]"
)


@pytest.fixture(scope="module")
def edited_english() -> str:
    return EDITED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model_free(seed_text, edited_english):
    return compare(seed_text, edited_english, model=NO_MODEL, annotate=False)


def test_model_free_finds_the_edits(model_free, seed_text, edited_english):
    doc = model_free
    assert " ".join(b.to_string() for b in doc.alignment) == EXPECTED
    assert doc.mode == "compare"
    assert doc.target.text == edited_english and doc.source.text == seed_text
    assert doc.settings.backend == "none"
    assert dict(doc.settings.extra)["similarity"] == "length+anchors"
    doc.validate()
    data = doc.to_dict()
    assert data["mode"] == "compare" and data["settings"]["backend"] == "none"
    assert len(data["alignment"]) == len(doc.alignment)


def test_faithful_translation_has_no_unmatched_sentence(seed_text, seed_english):
    doc = compare(seed_text, seed_english, model=NO_MODEL, annotate=False)
    assert all(b.source and b.target for b in doc.alignment)
    # the Arabic and the English cut sentences 10-11 differently ("Ushakov said" moves): a 2-2 is fair there
    assert sum(len(b.source) == len(b.target) == 1 for b in doc.alignment) >= len(doc.source.sentences) - 2


def test_omission_and_addition_are_reported(seed_text, edited_english):
    doc = compare(seed_text, edited_english, model=NO_MODEL)
    doc.validate()
    by_code = {}
    for issue in doc.issues:
        by_code.setdefault(issue.code, []).append(issue)
    (omission,) = by_code["omission"]
    (addition,) = by_code["addition"]
    dropped = doc.source.sentences[8]
    assert omission.source == ((dropped.start, dropped.end),)
    assert "Washington" not in edited_english  # the dropped sentence really is gone
    added = doc.target.sentences[7]
    assert addition.target == ((added.start, added.end),)
    assert doc.target.slice(addition.target[0]).startswith("Analysts in Kyiv")


def test_unloadable_model_falls_back_to_model_free(seed_text, edited_english, tmp_path):
    doc = compare(seed_text, edited_english, model=str(tmp_path / "no-such-model"), annotate=False)
    extra = dict(doc.settings.extra)
    assert doc.settings.backend == "none"
    assert "no-such-model" in extra["model_fallback"]
    assert " ".join(b.to_string() for b in doc.alignment) == EXPECTED


def test_with_a_model_the_source_is_translated_for_similarity(tiny_model_dir, seed_text, edited_english):
    """Random weights: only the plumbing and the invariants are checked, never the translation."""
    short_source = "\n\n".join(seed_text.split("\n\n")[:3])  # random-weight decoding is slow: keep it short
    short_target = "\n\n".join(edited_english.split("\n\n")[:3])
    doc = compare(short_source, short_target, model=str(tiny_model_dir), annotate=False)
    assert dict(doc.settings.extra)["similarity"] == "mt"
    assert doc.settings.backend != "none"
    doc.validate()
    assert sorted(i for b in doc.alignment for i in b.source) == list(range(len(doc.source.sentences)))
    assert sorted(j for b in doc.alignment for j in b.target) == list(range(len(doc.target.sentences)))


@pytest.mark.parametrize(
    "source,target,message",
    [("", "Hello.", "source text is empty"), ("مرحبا.", "  \n", "target text is empty"),
     ("Hello there, friend.", "Hello.", "does not look like 'ar'"), ("مرحبا.", b"bytes", "must be a str")],
)
def test_bad_inputs(source, target, message):
    with pytest.raises(InputError, match=message):
        compare(source, target, model=NO_MODEL, source_lang="ar", target_lang="en")


def test_languages_are_detected_on_both_sides(seed_text, seed_english):
    doc = compare(seed_text, seed_english, model=NO_MODEL, annotate=False)
    assert (doc.source.lang, doc.target.lang) == ("ar", "en")
    extra = dict(doc.settings.extra)
    assert extra["source_detected"].startswith("ar:") and extra["target_detected"].startswith("en:")
    assert "source_detected:ar" in doc.settings.signature()
    with pytest.raises(InputError, match="cannot tell which language the target text is in"):
        compare(seed_text, "Hello.", model=NO_MODEL)


def test_compare_command(capsys, tmp_path):
    from xling.cli import main

    source = REPO_ROOT / "seeds" / SEED_NAME
    assert main(["compare", str(source), str(EDITED), "--model", "none", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "compare" and data["settings"]["backend"] == "none"
    assert " ".join(f"{b['source']}:{b['target']}".replace(" ", "") for b in data["alignment"]) == EXPECTED.replace(", ", ",")
    assert main(["compare", str(source), str(EDITED), "--model", "none"]) == 0
    report = capsys.readouterr().out
    assert "[8]:[]" in report and "[]:[7]" in report and "omission" in report and "addition" in report
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["compare", str(source), str(empty), "--model", "none"]) == 2
    assert "empty" in capsys.readouterr().err


def test_two_languages_without_a_model_between_them_are_compared_through_english(models_dir):
    """ar-ru has no model: each side goes through its own model into English (tiny fixture models, whose
    translations nobody reads), and entities and checks still see both texts verbatim."""
    from xling.mt.base import DecodeOptions
    from xling.mt.engine import EnginePool
    from xling.pipeline.comparison import SIMILARITY_PIVOT

    story = REPO_ROOT / "tests" / "data" / "entities" / "story"
    arabic, russian = ((story / f"{lang}.txt").read_text("utf-8").split("\n\n")[0] for lang in ("ar", "ru"))
    calls = []
    pool = EnginePool(models_dir=models_dir, options=DecodeOptions(max_length_a=0.1, max_length_b=4, retry=False),
                      cache=False)
    original = pool.engine

    def engine(source_lang, target_lang="en"):
        calls.append((source_lang, target_lang))
        return original(source_lang, target_lang)

    pool.engine = engine
    doc = compare(arabic, russian, model=pool, source_lang="ar", target_lang="ru")
    extra = dict(doc.settings.extra)
    assert extra["similarity"] == SIMILARITY_PIVOT and "model_fallback" not in extra
    assert ("ar", "en") in calls and ("ru", "en") in calls
    assert extra["target_model"].endswith("opus-mt-ru-en") and doc.settings.model.endswith("opus-mt-ar-en")
    assert (doc.settings.source_lang, doc.settings.target_lang) == ("ar", "ru")
    assert doc.source.text == arabic and doc.target.text == russian
    lavrov = [e for e in doc.entities if e.name == "Сергей Лавров"]
    assert len(lavrov) == 1 and {m.side for m in lavrov[0].mentions} == {"source", "target"}


def test_a_forced_model_is_not_pivoted(tiny_model_dir):
    doc = compare("قال لافروف.", "Лавров сказал.", model=str(tiny_model_dir), source_lang="ar", target_lang="ru")
    extra = dict(doc.settings.extra)
    assert extra["similarity"] == "length+anchors" and "not into the target" in extra["model_fallback"]
