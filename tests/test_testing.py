"""The test-model builders: deterministic, hub-shaped, cached safely, and input-sensitive."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import models as testing
from support.models import EOS, PAD, UNK, cached_model, hub_config, marian_vocab, train_sentencepiece

pieces = st.lists(
    st.sampled_from(["a", "▁b", "▁", EOS, UNK, PAD]) | st.text("abc▁", min_size=1, max_size=4), max_size=30
)


@given(source=pieces, target=pieces, extra=st.integers(0, 50))
def test_marian_vocab_layout(source: list[str], target: list[str], extra: int) -> None:
    natural = marian_vocab(source, target)
    assert sorted(natural.values()) == list(range(len(natural)))
    assert (natural[EOS], natural[UNK], natural[PAD]) == (0, 1, len(natural) - 1)
    assert set(source) | set(target) <= set(natural)
    padded = marian_vocab(source, target, size=len(natural) + extra)
    assert len(padded) == len(natural) + extra and padded[PAD] == len(padded) - 1
    assert all(padded[p] == natural[p] for p in natural if p != PAD)


def test_marian_vocab_too_small() -> None:
    with pytest.raises(ValueError, match="smaller than"):
        marian_vocab(["a", "b"], ["c"], size=4)


@pytest.mark.parametrize("sizes", [dict(d_model=30, heads=4), dict(d_model=32, heads=2, ffn_dim=0)])
def test_build_marian_rejects_bad_sizes(tmp_path: Path, sizes: dict) -> None:
    settings = dict(d_model=32, encoder_layers=1, decoder_layers=1, heads=2, ffn_dim=64) | sizes
    with pytest.raises(ValueError, match="bad Marian sizes"):
        testing.build_marian(tmp_path, **settings)
    assert list(tmp_path.iterdir()) == []  # checked before anything is written


def test_sentencepiece_is_deterministic_with_opus_mt_ids(tmp_path: Path, seed_english: str) -> None:
    import sentencepiece as spm

    first = train_sentencepiece([seed_english], tmp_path / "one.spm", 200)
    second = train_sentencepiece([seed_english], tmp_path / "two.spm", 200)
    assert first.read_bytes() == second.read_bytes()
    processor = spm.SentencePieceProcessor(model_file=str(first))
    assert [processor.id_to_piece(i) for i in range(3)] == ["<unk>", "<s>", "</s>"]
    assert processor.decode(processor.encode("Putin warned Biden.")) == "Putin warned Biden."


def test_sentencepiece_rejects_empty_text(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        train_sentencepiece(["", "  \n"], tmp_path / "x.spm", 100)


def test_hub_config_shapes() -> None:
    from transformers import MarianConfig

    sizes = dict(vocab_size=100, d_model=16, encoder_layers=1, decoder_layers=2, heads=2, ffn_dim=32)
    modern, legacy = hub_config(**sizes), hub_config(**sizes, legacy=True)
    assert set(modern) - set(legacy) == {
        "classifier_dropout",
        "decoder_vocab_size",
        "forced_eos_token_id",
        "share_encoder_decoder_embeddings",
    }
    assert set(legacy) - set(modern) == {"_num_labels"}
    config = MarianConfig(**{k: v for k, v in modern.items() if k != "transformers_version"})
    assert (config.pad_token_id, config.decoder_start_token_id, config.eos_token_id) == (99, 99, 0)
    assert (config.d_model, config.decoder_layers, config.activation_function) == (16, 2, "swish")
    assert config.scale_embedding and config.share_encoder_decoder_embeddings


def test_build_marian_padded_and_reproducible(tmp_path: Path, seed_text: str, seed_english: str) -> None:
    """``vocab_size`` pads the vocabulary (as the speed model does to 62834); builds, trained ones
    included, are byte-identical, and training changes the weights."""
    from transformers import MarianMTModel, MarianTokenizer

    sizes = dict(d_model=8, encoder_layers=1, decoder_layers=1, heads=1, ffn_dim=16)

    def build(name: str, steps: int) -> Path:
        testing._TRAINED.clear()  # really train twice
        return testing.build_marian(
            tmp_path / name,
            **sizes,
            vocab_size=1000,
            spm_vocab_size=100,
            source_texts=[seed_text],
            target_texts=[seed_english],
            train_steps=steps,
            source_lang="xx",
            target_lang="yy",
        )

    builds = [build("one", 3), build("two", 3)]
    out = builds[0]
    assert {p.name for p in out.iterdir()} == testing.HUB_FILES
    for name in testing.HUB_FILES:
        assert (out / name).read_bytes() == (builds[1] / name).read_bytes(), name
    untrained = build("untrained", 0)
    assert (untrained / "model.safetensors").read_bytes() != (out / "model.safetensors").read_bytes()
    assert json.loads((out / "config.json").read_text(encoding="utf-8")) == hub_config(vocab_size=1000, **sizes)
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    assert len(vocab) == 1000 and vocab[PAD] == 999
    tokenizer = MarianTokenizer.from_pretrained(out)
    model = MarianMTModel.from_pretrained(out)
    assert (tokenizer.source_lang, tokenizer.target_lang) == ("xx", "yy")
    assert model.get_input_embeddings().weight.shape == (1000, 8)
    assert model.lm_head.weight.data_ptr() == model.model.shared.weight.data_ptr()


def test_tiny_model_is_input_sensitive(tiny_model_dir: Path, seed_text: str) -> None:
    """Different sentences must decode differently, or tests could not catch sentences mixed up."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(tiny_model_dir)
    model = MarianMTModel.from_pretrained(tiny_model_dir).eval()
    paragraphs = [p.strip() for p in seed_text.split("\n") if p.strip()]
    batch = tokenizer(paragraphs, return_tensors="pt", padding=True)
    with torch.no_grad():
        output = model.generate(**batch, num_beams=1, max_new_tokens=8)
    assert len({tuple(row.tolist()) for row in output}) >= 12  # of 16


def test_seed_pairs_pair_up() -> None:
    pairs = testing.seed_pairs()
    assert len(pairs) == 19
    assert all(source.strip() and target.strip() for source, target in pairs)
    assert pairs[-1] == ("أ ف ب", "AFP")


@pytest.fixture(scope="module")
def tiny_tokenizer(tiny_model_dir: Path):
    from transformers import MarianTokenizer

    return MarianTokenizer.from_pretrained(tiny_model_dir)


@given(seed=st.integers(0, 2**32 - 1))
def test_training_windows_are_word_runs_of_one_pair(tiny_tokenizer, seed: int) -> None:
    import random

    windows = testing._Windows(tiny_tokenizer, testing.seed_pairs(), max_words=16)
    source, target = windows.sample(random.Random(seed))
    eos = tiny_tokenizer.eos_token_id
    assert source[-1] == target[-1] == eos
    assert len(source) >= 2 and len(target) >= 2  # at least one piece each, then </s>

    def word_run(part: list[int], sentence: list[int]) -> bool:
        """``part`` occurs in ``sentence`` starting and ending at word boundaries."""
        pieces = tiny_tokenizer.convert_ids_to_tokens(sentence) + ["▁"]  # the end is a boundary too
        return any(
            sentence[i : i + len(part)] == part and pieces[i][0] == pieces[i + len(part)][0] == "▁"
            for i in range(len(sentence) - len(part) + 1)
        )

    assert any(word_run(source[:-1], s[:-1]) and word_run(target[:-1], t[:-1]) for s, t in windows.whole())
    batch = windows.batch([(source, target), windows.whole()[6]])
    assert (batch["labels"][0, len(target) :] == -100).all()
    assert (batch["attention_mask"][0, len(source) :] == 0).all() and batch["attention_mask"][0, : len(source)].all()


def test_tiny_model_stops_by_itself(tiny_model_dir: Path) -> None:
    """Trained, the tiny model ends most sentences with </s> before the pipeline's length limit.

    Random weights looped to the limit on every sentence, which made each test that translates
    slow (and exercised only the retry path). This checks the test fixture's behaviour, not quality.
    """
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(tiny_model_dir)
    model = MarianMTModel.from_pretrained(tiny_model_dir).eval()
    sources = [source for source, _ in testing.seed_pairs()]
    batch = tokenizer(sources, return_tensors="pt", padding=True)
    limits = [2 * n + 10 for n in batch["attention_mask"].sum(1).tolist()]  # DecodeOptions' default
    with torch.no_grad():
        output = model.generate(**batch, num_beams=4, max_new_tokens=max(limits))
    stopped = sum(
        tokenizer.eos_token_id in row[1 : limit + 1].tolist() and row[1] != tokenizer.eos_token_id
        for row, limit in zip(output, limits)
    )
    assert stopped >= 16  # of 19


# -- the cache ------------------------------------------------------------------------------------------


@pytest.fixture
def fake_kind(monkeypatch: pytest.MonkeyPatch) -> dict:
    """A registered kind whose build only writes config.json and records its calls."""
    calls: list[dict] = []

    def fake_build(out_dir, **params):
        calls.append(params)
        if params.get("fail"):
            (Path(out_dir) / "partial.bin").write_bytes(b"x")
            raise RuntimeError("build failed")
        (Path(out_dir) / "config.json").write_text(json.dumps(params), encoding="utf-8")
        return Path(out_dir)

    monkeypatch.setattr(testing, "build_marian", fake_build)
    monkeypatch.setitem(testing.MODEL_KINDS, "fake", {"d_model": 8})
    return {"calls": calls, "kinds": testing.MODEL_KINDS}


def test_cache_builds_once(tmp_path: Path, fake_kind: dict) -> None:
    first = cached_model("fake", tmp_path)
    second = cached_model("fake", tmp_path)
    assert first == second and len(fake_kind["calls"]) == 1
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temporary directories left


def test_cache_rebuilds_on_new_parameters_and_drops_the_old(tmp_path: Path, fake_kind: dict) -> None:
    old = cached_model("fake", tmp_path)
    fake_kind["kinds"]["fake"] = {"d_model": 16}
    new = cached_model("fake", tmp_path)
    assert new != old and len(fake_kind["calls"]) == 2
    assert json.loads((new / "config.json").read_text(encoding="utf-8")) == {"d_model": 16}
    assert not old.exists()


def test_failed_build_leaves_nothing(tmp_path: Path, fake_kind: dict) -> None:
    fake_kind["kinds"]["fake"] = {"fail": True}
    with pytest.raises(RuntimeError, match="build failed"):
        cached_model("fake", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown model kind 'huge'.*tiny"):
        cached_model("huge", tmp_path)


def test_session_is_offline() -> None:
    """conftest switches the hub and telemetry off before anything reads the settings."""
    from huggingface_hub import constants

    assert constants.HF_HUB_OFFLINE
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
