"""Offline language identification (xling.text.detect) and ``xling detect``, on the texts in eval/data/langid."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from xling.cli import main
from xling.text import detect
from xling.text.detect import Detection, detect_language, identify

DATA = Path(__file__).resolve().parents[1] / "eval" / "data" / "langid"
LANGS = sorted(p.stem for p in DATA.glob("*.txt"))
REQUIRED = "ar fa ur he hi zh ja ko ru uk bg el fr de es it pt nl pl tr sv ro cs en".split()


def paragraph_and_short(lang: str) -> tuple[str, str]:
    paragraph, short = (b.strip() for b in (DATA / f"{lang}.txt").read_text(encoding="utf-8").split("\n\n"))
    return paragraph, short


def test_every_required_language_has_a_text():
    assert set(REQUIRED) <= set(LANGS)


@pytest.mark.parametrize("lang", LANGS)
def test_paragraph_and_short_sentence_are_detected(lang):
    paragraph, short = paragraph_and_short(lang)
    found = identify(paragraph)
    assert (found.lang, detect_language(short)) == (lang, lang), found
    assert found.confidence >= 0.6 and found.reason
    assert lang not in dict(found.alternatives)


def test_detection_is_a_frozen_record_with_iso_639_1_codes():
    found = identify(paragraph_and_short("ar")[0], candidates=2)
    assert isinstance(found, Detection) and found.lang == "ar"
    assert len(found.alternatives) == 2 and all(isinstance(c, str) and 0 <= p <= 1 for c, p in found.alternatives)
    assert found.alternatives[0][1] >= found.alternatives[1][1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.lang = "fa"  # type: ignore[misc]
    assert found.to_dict()["alternatives"] == [list(a) for a in found.alternatives]
    # variants are folded: a dialect label never comes back, and Hebrew is "he", never "iw"
    assert detect_language("قاعد نستنى فيك من الصبح، فين كنتي؟ راه الطوبيس ما جاش") == "ar"
    assert detect_language("הממשלה החליטה היום על תקציב חדש") == "he"


@pytest.mark.parametrize("text, why", [
    ("", "no letters"),
    ("2024-05-01 12:30 !!! 42%", "no letters"),
    ("Hello", "too short"),
    ("ok thanks", "too short"),
    ("See https://example.com/very/long/path?query=words 2024", "too short"),  # the URL is not text
    ("北京", "too short"),
    ("Barack Obama visited", "low confidence"),
    ("Togtrafikken over", "low confidence"),  # Danish or Norwegian: too close to call
    ("asdf qwer zxcv", "no language"),
    ("Путин встретился with Trump at the summit", "mixed scripts"),
    ("قال الرئيس اليوم Donald Trump said today", "mixed scripts"),
])
def test_too_little_or_mixed_text_is_undetermined_with_a_reason(text, why):
    found = identify(text)
    assert found.lang == "und" and why in found.reason, found
    assert detect_language(text) == "und"


def test_low_confidence_keeps_the_best_guesses():
    found = identify("Togtrafikken over")
    assert {code for code, _ in found.alternatives} >= {"da", "no"}


@pytest.mark.parametrize("text, lang", [
    ("東京の株価は三日ぶりに反発した", "ja"),
    ("北京今天迎来第一场雪", "zh"),
    ("서울 지하철 파업이 사흘째", "ko"),
    ("漢字와 한글을 섞어 쓴 文章입니다", "ko"),
    ("Ισχυρός σεισμός στην Κρήτη", "el"),
    ("Երևանում այսօր առատ ձյուն է", "hy"),
    ("თბილისში დღეს ძლიერი წვიმა", "ka"),
    ("ฝนตกหนักทำให้น้ำท่วม", "th"),
    ("הרכבת לירושלים תחזור לפעול", "he"),
    ("דער מענטש איז גוט און קלוג", "yi"),
    ("Apple 发布了新款 iPhone 手机", "zh"),  # Latin brand names do not make it mixed
])
def test_script_rules_decide_without_the_library(text, lang, monkeypatch):
    monkeypatch.setattr(detect, "_rank", lambda text: pytest.fail("the library was consulted"))
    found = identify(text)
    assert found.lang == lang and found.alternatives == (), found


def test_urls_digits_and_foreign_names_do_not_change_the_answer():
    text = "Selon https://www.lemonde.fr/2024/05/01/article.html, le gouvernement a présenté 12 mesures le 3 mai."
    assert detect.clean(text) == "Selon le gouvernement a présenté mesures le mai"
    assert detect_language(text) == "fr"
    assert detect_language("وقال الرئيس Emmanuel Macron إن فرنسا ستواصل دعم المفاوضات") == "ar"


def test_rejects_non_text():
    with pytest.raises(TypeError):
        identify(b"bytes")  # type: ignore[arg-type]


def test_importing_loads_no_model():
    code = "import sys, xling.text.detect; print('py3langid' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_model_is_loaded_once_across_threads(monkeypatch):
    from py3langid.langid import LanguageIdentifier

    loads = []
    original = LanguageIdentifier.from_model_file.__func__

    def counting(cls, *args, **kwargs):
        loads.append(1)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(LanguageIdentifier, "from_model_file", classmethod(counting))
    monkeypatch.setattr(detect, "_model", None)
    barrier = threading.Barrier(6)
    answers = []

    def work():
        barrier.wait()
        answers.append(detect_language("Die Bundesregierung hat am Dienstag ein neues Programm beschlossen."))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["de"] * 6 and len(loads) == 1


def test_cli_json(capsys):
    assert main(["detect", str(DATA / "fa.txt"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"lang", "confidence", "alternatives", "reason"}
    assert out["lang"] == "fa" and out["confidence"] > 0.9 and len(out["alternatives"]) == 3
    assert all(len(pair) == 2 for pair in out["alternatives"])


def test_cli_plain_from_stdin_and_undetermined(capsys, monkeypatch):
    data = paragraph_and_short("uk")[0].encode("utf-8")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    assert main(["detect", "-"]) == 0
    assert capsys.readouterr().out == "uk\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Hi!"), encoding="utf-8"))
    assert main(["detect"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "und\n" and "too short" in captured.err


def test_cli_missing_file_is_a_clear_error(capsys, tmp_path):
    assert main(["detect", str(tmp_path / "nope.txt")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_the_top_level_names_are_there():
    import xling

    assert xling.detect_language("Le président a parlé mardi devant les députés à Paris.") == "fr"
    assert callable(xling.translate_corpus) and {"detect_language", "translate_corpus"} <= set(xling.__all__)
