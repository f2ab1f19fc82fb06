"""Batching, loop detection and the retry of bad outputs, shared by every backend."""

from hypothesis import given
from hypothesis import strategies as st

from xling.mt.base import Backend, DecodeOptions, RawOutput, length_sorted_batches, repetition_loop


@given(st.lists(st.integers(1, 600), max_size=80), st.integers(1, 5000), st.integers(1, 64))
def test_batches_cover_every_input_once_within_budget(lengths, budget, max_size):
    batches = length_sorted_batches(lengths, budget, max_size)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= max_size
        if len(b) > 1:
            assert max(lengths[i] for i in b) * len(b) <= budget


def test_batches_are_runs_of_the_length_order():
    lengths = [5, 100, 6, 101, 7, 99]
    batches = length_sorted_batches(lengths, 210, 64)
    assert batches == [[3, 1], [5, 4], [2, 0]]  # longest first, neighbours in length share a batch


def test_repetition_loop():
    assert repetition_loop("no , no , no , no , no".split()) is not None
    assert repetition_loop(list("aaaaaa")) is not None
    assert repetition_loop("the cat sat on the mat".split()) is None
    assert repetition_loop(["very", "very", "good"]) is None


class ScriptedBackend(Backend):
    """A backend whose 'model' answers from a script, to test the retry logic around any real model."""

    name = "scripted"

    def __init__(self, answers):
        super().__init__("scripted")
        self.answers = answers  # beam_size -> list of token lists, consumed in call order
        self.calls = []
        self._loaded = True

    def _load(self):
        pass

    def encode(self, text):
        return [1] * len(text.split()) + [0]

    def decode(self, ids):
        tokens = tuple(f"w{i}" for i in ids)
        return " ".join(tokens), tokens

    def _generate(self, batch, options):
        self.calls.append((len(batch), options.beam_size, options.no_repeat_ngram_size))
        return [RawOutput(ids=tuple(self.answers(options))) for _ in batch]


def test_empty_output_is_retried_then_flagged():
    backend = ScriptedBackend(lambda o: [])
    [hyp] = backend.translate(["some words here"], DecodeOptions())
    assert hyp.text == "" and "empty" in hyp.flags and "retried" in hyp.flags
    assert [c[1:] for c in backend.calls] == [(4, 0), (4, 3), (1, 3)]


def test_loop_fixed_by_retry_is_kept():
    backend = ScriptedBackend(lambda o: [7] * 9 if o.no_repeat_ngram_size == 0 else [3, 4, 5])
    [hyp] = backend.translate(["some words"], DecodeOptions())
    assert hyp.text == "w3 w4 w5" and hyp.flags == ("retried",)


def test_no_retry_when_disabled():
    backend = ScriptedBackend(lambda o: [])
    [hyp] = backend.translate(["x"], DecodeOptions(retry=False))
    assert hyp.flags == () and len(backend.calls) == 1


def test_over_limit_input_is_refused_not_truncated():
    backend = ScriptedBackend(lambda o: [1])
    try:
        backend.translate([" ".join(["w"] * 600)])
    except ValueError as err:
        assert "limit" in str(err)
    else:
        raise AssertionError("an input over 511 tokens must not reach the model")
    assert backend.calls == []
