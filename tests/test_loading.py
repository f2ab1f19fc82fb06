"""Model resolution fails fast and clearly; a real local model directory loads through the real path."""

import json
import shutil
import time

import pytest

from xling.errors import ModelUnavailable
from xling.mt.loading import resolve_model
from xling.mt.engine import Engine
from xling.pipeline.translation import translate


def test_hub_id_offline_fails_within_seconds(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # probe the (closed) network for real
    monkeypatch.setenv("HF_HOME", "/nonexistent-xling-hf-home")
    started = time.perf_counter()
    with pytest.raises(ModelUnavailable) as err:
        resolve_model("Helsinki-NLP/opus-mt-ar-en")
    assert time.perf_counter() - started < 15
    message = str(err.value)
    assert "Helsinki-NLP/opus-mt-ar-en" in message and "XLING_MODEL" in message


@pytest.mark.parametrize("path", ["/nonexistent/model", "./no-such-model-dir", "~/no-such-dir"])
def test_missing_directory(path):
    with pytest.raises(ModelUnavailable, match="no such directory"):
        resolve_model(path)


def test_not_a_marian_model(tmp_path, tiny_model_dir):
    bad = tmp_path / "bert"
    shutil.copytree(tiny_model_dir, bad)
    config = json.loads((bad / "config.json").read_text())
    config["model_type"] = "bert"
    (bad / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelUnavailable, match="not MarianMT"):
        resolve_model(str(bad))


def test_missing_tokenizer_file(tmp_path, tiny_model_dir):
    bad = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, bad)
    (bad / "source.spm").unlink()
    with pytest.raises(ModelUnavailable, match="source.spm"):
        resolve_model(str(bad))


def test_corrupt_weights_raise_model_unavailable(tmp_path, tiny_model_dir):
    bad = tmp_path / "corrupt"
    shutil.copytree(tiny_model_dir, bad)
    (bad / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelUnavailable):
        translate("مرحبا بكم في الاختبار.", model=str(bad))


def test_local_directory_loads_once_per_process(tiny_model_dir):
    first = Engine(str(tiny_model_dir)).backend
    second = Engine(str(tiny_model_dir)).backend
    assert first is second and first.source_lang == "ar" and first.target_lang == "en"


def test_long_paragraphs_are_measured_without_the_tokenizers_length_warning(tiny_model_dir):
    import logging

    from xling.mt.engine import Engine

    heard: list[logging.LogRecord] = []
    listener = logging.Handler()
    listener.emit = heard.append  # transformers' logger does not propagate: listen on it directly
    hf_logger = logging.getLogger("transformers")
    hf_logger.addHandler(listener)
    try:
        engine = Engine(str(tiny_model_dir), cache=False)
        assert engine.count_tokens("بوتين " * 3000) > 512  # measured whole before xling splits it
    finally:
        hf_logger.removeHandler(listener)
    assert not [r for r in heard if "sequence length" in r.getMessage()]
