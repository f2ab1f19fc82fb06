"""The `xling` command: output, JSON contract, and one-line errors for bad input or an unloadable model.

The command runs in-process (``xling.cli.main``) where a subprocess would add only torch's import time;
two tests keep a real process: ``--help`` and an unloadable model (the hub settings are read at import).
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from xling.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_669c3c74050fa7e2.txt"


@pytest.fixture
def xling(capsysbinary, monkeypatch):
    """Run ``xling ARGS`` in-process with ``stdin`` bytes; returns returncode, stdout and stderr bytes."""

    def run(*args, stdin: bytes | None = None):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8"))
        code = main(list(args))
        out = capsysbinary.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


def xling_process(*args, env_extra=None):
    env = dict(os.environ, HF_HUB_OFFLINE="1", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "xling", *args], capture_output=True, env=env, cwd=ROOT,
                          timeout=300)


def test_translate_json_contract(tiny_model_dir, xling):
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


def test_translate_text_from_stdin_with_a_cache_file(tiny_model_dir, tmp_path, xling):
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
def test_bad_input_gets_one_line_error(data, message, tiny_model_dir, xling):
    result = xling("translate", "-", "--model", str(tiny_model_dir), stdin=data)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_file(xling):
    result = xling("translate", "/no/such/file.txt")
    assert result.returncode == 2 and "no such file" in result.stderr.decode()


def test_unloadable_model_one_line():
    result = xling_process("translate", str(SEED), "--model", "Helsinki-NLP/opus-mt-ar-en",
                   env_extra={"HF_HOME": "/nonexistent-xling-hf-home"})
    err = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "XLING_MODEL" in err


def test_help_is_fast_and_lists_commands():
    result = xling_process("--help")
    out = result.stdout.decode()
    assert result.returncode == 0
    for command in ("translate", "compare", "align", "eval", "serve"):
        assert command in out
