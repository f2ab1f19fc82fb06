"""xling's search (xling.mt.search) against transformers' generate, on the tiny test models.

The reference is ``generate`` itself, one sentence at a time (``max_new_tokens`` = the sentence's cap, so its
own forced ``</s>`` ends it where ours does): our search must give the same tokens and scores alone and in a
batch, for greedy and beam search, with repeats blocked, forced lengths, and each early-stopping rule.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REPO_ROOT, SEED_NAME
from xling.errors import ModelUnavailable
from xling.mt.base import DecodeOptions
from xling.mt.engine import Engine
from xling.mt.search import block_repeated_ngrams, pad_batch, search, search_rules

SEED = [p for p in (REPO_ROOT / "seeds" / SEED_NAME).read_text(encoding="utf-8").split("\n") if p.strip()]
# sentences of many lengths: whole seed paragraphs, a few words, a single word
SENTENCES = SEED[:5] + [" ".join(SEED[5].split()[:4]), SEED[6].split()[0], SEED[7][:120]]


@pytest.fixture(scope="module")
def backend(tiny_model_dir):
    return Engine(str(tiny_model_dir), cache=False).backend.load()


def padded(backend, batch):
    return pad_batch(batch, backend.pad_id)


def generate_alone(net, ids, cap, *, beams, no_repeat=0, force=False):
    """transformers' answer for one sentence: its ids (no start token, nothing from </s> on) and score."""
    import torch

    kwargs = dict(num_beams=beams, max_new_tokens=cap, max_length=None, do_sample=False,
                  no_repeat_ngram_size=no_repeat, return_dict_in_generate=True, output_scores=beams > 1)
    if force:
        kwargs["min_new_tokens"] = cap
    with torch.inference_mode():
        out = net.generate(input_ids=torch.tensor([ids]), attention_mask=torch.ones((1, len(ids)), dtype=torch.long),
                           **kwargs)
    seq = out.sequences[0].tolist()[1:]
    seq = seq[: seq.index(0)] if 0 in seq else seq  # </s> is 0 in the test models
    score = float(out.sequences_scores[0]) if beams > 1 else None
    return tuple(seq), score


@pytest.mark.parametrize("beams, no_repeat", [(4, 0), (4, 3), (1, 0), (1, 3), (2, 0), (5, 2)])
def test_search_equals_generate_alone_and_in_a_batch(backend, beams, no_repeat):
    options = DecodeOptions(beam_size=beams, no_repeat_ngram_size=no_repeat)
    encoded = [backend.encode(s) for s in SENTENCES]
    caps = [options.max_output_tokens(len(e)) for e in encoded]
    theirs = [generate_alone(backend.net, e, c, beams=beams, no_repeat=no_repeat) for e, c in zip(encoded, caps)]
    batch = search(backend.net, *padded(backend, encoded), caps=caps, rules=backend.rules, beam_size=beams,
                   no_repeat_ngram_size=no_repeat, with_scores=True)
    alone = [search(backend.net, *padded(backend, [e]), caps=[c], rules=backend.rules, beam_size=beams,
                    no_repeat_ngram_size=no_repeat, with_scores=True)[0] for e, c in zip(encoded, caps)]
    assert [b.ids for b in batch] == [t[0] for t in theirs] == [a.ids for a in alone]
    if beams > 1:
        assert [b.score for b in batch] == pytest.approx([t[1] for t in theirs], abs=1e-5)
    else:
        assert all(b.score is None for b in batch)
    assert len({b.ids for b in batch}) > 2  # real, different outputs
    if not no_repeat:  # one runs to its cap (the tiny model loops) while the others end early
        assert any(len(t[0]) == c - 1 for t, c in zip(theirs, caps))


def test_forced_lengths_equal_generate(backend):
    encoded = [backend.encode(s) for s in SENTENCES[:4]]
    cap = 30
    ours = search(backend.net, *padded(backend, encoded), caps=[cap] * 4, min_new_tokens=[cap] * 4,
                  rules=backend.rules, beam_size=4)
    assert [o.ids for o in ours] == [generate_alone(backend.net, e, cap, beams=4, force=True)[0] for e in encoded]
    assert all(len(o.ids) == cap - 1 for o in ours)  # every one runs to the forced length


@pytest.mark.parametrize("early_stopping, length_penalty", [(True, 1.0), ("never", 1.0), (False, 0.5), (False, 2.0)])
def test_each_early_stopping_rule_equals_generate(backend, early_stopping, length_penalty):
    net = copy.copy(backend.net)  # the same weights; its own generation settings
    net.generation_config = copy.deepcopy(backend.net.generation_config)
    net.generation_config.early_stopping = early_stopping
    net.generation_config.length_penalty = length_penalty
    rules = search_rules(net)
    assert (rules.early_stopping, rules.length_penalty) == (early_stopping, length_penalty)
    encoded = [backend.encode(s) for s in SENTENCES[:6]]
    options = DecodeOptions()
    caps = [options.max_output_tokens(len(e)) for e in encoded]
    ours = search(net, *padded(backend, encoded), caps=caps, rules=rules, beam_size=4)
    assert [o.ids for o in ours] == [generate_alone(net, e, c, beams=4)[0] for e, c in zip(encoded, caps)]


def test_a_finished_sentence_leaves_the_batch(backend):
    """The decoder runs on fewer hypotheses once short sentences are done; the long one goes on alone."""
    rows_seen: list[int] = []
    hook = backend.net.model.decoder.register_forward_pre_hook(
        lambda module, args, kwargs: rows_seen.append(int(kwargs["input_ids"].shape[0])), with_kwargs=True)
    try:
        encoded = [backend.encode(s) for s in SENTENCES]
        options = DecodeOptions()
        caps = [options.max_output_tokens(len(e)) for e in encoded]
        ours = search(backend.net, *padded(backend, encoded), caps=caps, rules=backend.rules, beam_size=4)
    finally:
        hook.remove()
    assert rows_seen[0] == 4 * len(encoded)
    assert rows_seen == sorted(rows_seen, reverse=True) and rows_seen[-1] == 4  # shrinking to the last sentence
    assert len(rows_seen) == max(len(o.ids) for o in ours) + 1  # the longest ran to its </s>, no further
    assert sum(rows_seen) < 0.6 * rows_seen[0] * len(rows_seen)  # most of the padding work is gone


@pytest.mark.parametrize("setting, value", [("repetition_penalty", 1.3), ("suppress_tokens", [5]),
                                             ("num_beam_groups", 2), ("bad_words_ids", [[5, 6]])])
def test_generation_settings_it_cannot_honour_are_refused(backend, setting, value):
    net = copy.copy(backend.net)
    net.generation_config = copy.deepcopy(backend.net.generation_config)
    setattr(net.generation_config, setting, value)
    with pytest.raises(ModelUnavailable, match="not supported"):
        search_rules(net)


def test_legacy_checkpoint_settings_are_read(legacy_model_dir):
    backend = Engine(str(legacy_model_dir), cache=False).backend.load()  # generation settings in config.json
    assert backend.rules.banned_ids == (backend.pad_id,) and backend.rules.eos_id == 0


def test_bad_arguments_raise(backend):
    ids, mask = padded(backend, [backend.encode("x")])
    with pytest.raises(ValueError, match="beam_size"):
        search(backend.net, ids, mask, caps=[5], rules=backend.rules, beam_size=0)
    with pytest.raises(ValueError, match="one value per row"):
        search(backend.net, ids, mask, caps=[5, 6], rules=backend.rules)


def _blocked_by_reference(seq: list[int], n: int) -> set[int]:
    """transformers' rule, written plainly: tokens that would complete an n-gram already in the sequence."""
    if len(seq) + 1 < n:
        return set()
    grams = [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]
    tail = tuple(seq[len(seq) - n + 1 :]) if n > 1 else ()
    return {g[-1] for g in grams if g[:-1] == tail}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=12), min_size=1, max_size=4).filter(
    lambda rows: len({len(r) for r in rows}) == 1), st.integers(1, 4))
def test_blocked_ngrams_match_the_plain_rule(rows, n):
    import torch

    scores = torch.zeros((len(rows), 6))
    out = block_repeated_ngrams(scores, torch.tensor(rows), n)
    for row, seq in enumerate(rows):
        assert {t for t in range(6) if out[row, t] == float("-inf")} == _blocked_by_reference(seq, n)
