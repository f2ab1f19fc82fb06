"""Marian checkpoints must load with their weights intact, old format and new.

transformers upgrades have twice broken tied Marian weights (#26216, #45005): the model loaded without
an error and translated garbage. These tests catch that with tiny models built offline: the reloaded
weights must give the writer's own logits, and the tied output layer must stay tied.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from support.models import HUB_FILES, LEGACY_FILES, REFERENCE_FILE


@pytest.fixture(scope="module")
def legacy_model(legacy_model_dir: Path):
    from transformers import MarianMTModel

    return MarianMTModel.from_pretrained(legacy_model_dir).eval()


@pytest.fixture(scope="module")
def tiny_model(tiny_model_dir: Path):
    from transformers import MarianMTModel

    return MarianMTModel.from_pretrained(tiny_model_dir).eval()


def _logits(model, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    with torch.no_grad():
        return model(
            input_ids=inputs["input_ids"],
            attention_mask=inputs["attention_mask"],
            decoder_input_ids=inputs["decoder_input_ids"],
        ).logits


def test_legacy_layout(legacy_model_dir: Path) -> None:
    assert {p.name for p in legacy_model_dir.iterdir()} == LEGACY_FILES | {REFERENCE_FILE}
    state = torch.load(legacy_model_dir / "pytorch_model.bin", weights_only=True)
    assert "lm_head.weight" not in state  # the output layer was model.shared itself
    for key in ("model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight"):
        assert torch.equal(state[key], state["model.shared.weight"])
    assert "final_logits_bias" in state


def test_legacy_logits_match_writer(legacy_model, legacy_model_dir: Path) -> None:
    from safetensors.torch import load_file

    reference = load_file(str(legacy_model_dir / REFERENCE_FILE))
    logits = _logits(legacy_model, reference)
    assert logits.shape == reference["logits"].shape
    assert reference["logits"].std() > 0.01  # the reference is not degenerate
    torch.testing.assert_close(logits, reference["logits"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fixture", ["legacy_model", "tiny_model"])
def test_embeddings_tied(fixture: str, request: pytest.FixtureRequest) -> None:
    model = request.getfixturevalue(fixture)
    shared = model.model.shared.weight
    for weight in (model.lm_head.weight, model.model.encoder.embed_tokens.weight, model.model.decoder.embed_tokens.weight):
        assert torch.equal(weight, shared)
    # tied, not copied: an update to one is an update to all
    assert model.lm_head.weight.data_ptr() == shared.data_ptr()


def test_legacy_and_modern_agree(legacy_model, tiny_model, legacy_model_dir: Path) -> None:
    """Both formats come from the same seed and training run: loaded, they are the same model."""
    from safetensors.torch import load_file

    reference = load_file(str(legacy_model_dir / REFERENCE_FILE))
    torch.testing.assert_close(_logits(tiny_model, reference), reference["logits"], rtol=1e-5, atol=1e-5)


def test_hub_layout(tiny_model_dir: Path) -> None:
    assert {p.name for p in tiny_model_dir.iterdir()} == HUB_FILES
    config = json.loads((tiny_model_dir / "config.json").read_text(encoding="utf-8"))
    vocab = json.loads((tiny_model_dir / "vocab.json").read_text(encoding="utf-8"))
    generation = json.loads((tiny_model_dir / "generation_config.json").read_text(encoding="utf-8"))
    size = config["vocab_size"]
    assert len(vocab) == size
    assert (vocab["</s>"], vocab["<unk>"], vocab["<pad>"]) == (0, 1, size - 1)
    assert config["pad_token_id"] == config["decoder_start_token_id"] == size - 1
    assert config["eos_token_id"] == 0
    assert generation["bad_words_ids"] == [[size - 1]]
    assert (generation["num_beams"], generation["max_length"]) == (4, 512)
    assert json.loads((tiny_model_dir / "tokenizer_config.json").read_text(encoding="utf-8")) == {
        "source_lang": "ar",
        "target_lang": "en",
    }


def test_tiny_model_loads_and_generates(tiny_model, tiny_model_dir: Path, seed_text: str) -> None:
    from transformers import MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(tiny_model_dir)
    assert (tokenizer.source_lang, tokenizer.target_lang) == ("ar", "en")
    assert (tokenizer.eos_token_id, tokenizer.unk_token_id, tokenizer.pad_token_id) == (0, 1, len(tokenizer) - 1)
    sentence = seed_text.split("\n")[0].split("،")[0]
    batch = tokenizer([sentence], return_tensors="pt")
    ids = batch["input_ids"][0].tolist()
    assert ids[-1] == tokenizer.eos_token_id
    assert tokenizer.unk_token_id not in ids  # source.spm was trained on the seed article
    assert tokenizer.decode(ids, skip_special_tokens=True) == sentence.strip()
    output = tiny_model.generate(**batch, num_beams=2, max_new_tokens=8)
    assert output.shape[0] == 1 and output.shape[1] > 1
    assert output[0, 0].item() == tiny_model.config.decoder_start_token_id
    assert tiny_model.config.pad_token_id not in output[0, 1:].tolist()  # bad_words_ids blocks <pad>
    assert isinstance(tokenizer.decode(output[0], skip_special_tokens=True), str)  # garbage, but text
