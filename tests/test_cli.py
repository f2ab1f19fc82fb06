"""The `xling` command: output, JSON contract, and one-line errors for bad input or an unloadable model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_669c3c74050fa7e2.txt"


def xling(*args, stdin: bytes | None = None, env_extra=None):
    env = dict(os.environ, HF_HUB_OFFLINE="1", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "xling", *args], input=stdin, capture_output=True, env=env,
                          cwd=ROOT, timeout=300)


def test_translate_json_contract(tiny_model_dir):
    result = xling("translate", str(SEED), "--json", "--model", str(tiny_model_dir), "--beam-size", "1")
    assert result.returncode == 0, result.stderr.decode()
    doc = json.loads(result.stdout)
    assert len(doc["paragraphs"]["source"]) == 16 and len(doc["paragraphs"]["target"]) == 16
    ids = sorted(i for b in doc["alignment"] for i in b["source"])
    assert ids == list(range(len(doc["sentences"]["source"])))
    for bead in doc["alignment"]:
        assert len(bead["source"]) == 1 and len(bead["target"]) == 1
        src = doc["sentences"]["source"][bead["source"][0]]
        tgt = doc["sentences"]["target"][bead["target"][0]]
        assert src["paragraph"] == tgt["paragraph"]
        for s, text in ((src, doc["source"]["text"]), (tgt, doc["target"]["text"])):
            piece = text[s["start"] : s["end"]]
            assert piece == piece.strip()
            para = doc["paragraphs"]["source" if text is doc["source"]["text"] else "target"][s["paragraph"]]
            assert para[0] <= s["start"] <= s["end"] <= para[1]
    assert doc["source"]["text"] == SEED.read_text(encoding="utf-8")
    assert set(doc) >= {"entities", "issues", "settings", "xling", "mode"}


def test_translate_text_from_stdin_with_a_cache_file(tiny_model_dir, tmp_path):
    args = ["translate", "-", "--model", str(tiny_model_dir), "--beam-size", "1", "--no-report",
            "--batch-tokens", "256", "--cache", str(tmp_path / "cache.sqlite")]
    text = "وصل الوفد إلى العاصمة.\n\nبدأت المحادثات.".encode()
    result = xling(*args, stdin=text)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().count("\n\n") == 1
    assert (tmp_path / "cache.sqlite").stat().st_size > 0
    again = xling(*args, stdin=text)  # served from the cache file: the same English
    assert again.stdout == result.stdout


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"\n \n", "empty"),
        ("قال المتحدث".encode("cp1256"), "not valid UTF-8"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)), "binary"),
    ],
)
def test_bad_input_gets_one_line_error(data, message, tiny_model_dir):
    result = xling("translate", "-", "--model", str(tiny_model_dir), stdin=data)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_file():
    result = xling("translate", "/no/such/file.txt")
    assert result.returncode == 2 and "no such file" in result.stderr.decode()


def test_unloadable_model_one_line():
    result = xling("translate", str(SEED), "--model", "Helsinki-NLP/opus-mt-ar-en",
                   env_extra={"HF_HOME": "/nonexistent-xling-hf-home"})
    err = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "XLING_MODEL" in err


def test_help_is_fast_and_lists_commands():
    result = xling("--help")
    out = result.stdout.decode()
    assert result.returncode == 0
    for command in ("translate", "compare", "align", "eval", "serve"):
        assert command in out
