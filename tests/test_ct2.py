"""The CTranslate2 backend: parity with transformers on the tiny model, the conversion cache, the call it makes.

Random weights: the tests compare the two engines token for token, never judge a translation.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("ctranslate2")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from xling.errors import ModelUnavailable, XlingError  # noqa: E402
from xling.mt import ct2  # noqa: E402
from xling.mt.base import DecodeOptions  # noqa: E402
from xling.mt.base import THREADS_ENV, physical_cores  # noqa: E402
from xling.mt.ct2 import CT2Backend, build_vocabulary_map, converted_dir, worker_jobs  # noqa: E402

SHORT = DecodeOptions(beam_size=1, retry=False, max_length_a=0.25, max_length_b=4)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Torch's spinning OpenMP threads crawl on a shared, busy machine; these models are tiny anyway."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def sentences(seed_text: str) -> list[str]:
    """Seed sentences of very different lengths (a headline-sized one up to whole paragraphs)."""
    paragraphs = [p for p in seed_text.split("\n") if p.strip()]
    return [paragraphs[0][:40], *paragraphs[1:5], "قال الوزير"]


@pytest.fixture(scope="module")
def parity_model_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with a zero ``<pad>`` embedding, as in every opus-mt checkpoint.

    Marian starts decoding from a zero vector; transformers reads it from the ``<pad>`` row and CTranslate2
    from zero, so the two agree only when that row is zero (the trained tiny model's is not).
    """
    from safetensors.torch import load_file, save_file

    out = tmp_path_factory.mktemp("parity") / "model"
    shutil.copytree(tiny_model_dir, out)
    pad = json.loads((out / "config.json").read_text())["pad_token_id"]
    weights = load_file(out / "model.safetensors")
    for name, tensor in weights.items():
        if name.endswith(("shared.weight", "embed_tokens.weight")):
            tensor[pad] = 0
    save_file(weights, out / "model.safetensors", metadata={"format": "pt"})
    return out


@pytest.fixture(scope="module")
def ct2_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's conversion cache, laid out as $XLING_CACHE/ct2 so the pipeline finds it too."""
    return tmp_path_factory.mktemp("xling-cache") / "ct2"


@pytest.fixture(scope="module")
def ct2_fp32(parity_model_dir: Path, ct2_cache: Path) -> CT2Backend:
    return CT2Backend(str(parity_model_dir), compute_type="float32", threads=1, cache_dir=ct2_cache).load()


@pytest.fixture(scope="module")
def marian(parity_model_dir: Path):
    from xling.mt.marian import MarianBackend

    return MarianBackend(str(parity_model_dir), device="cpu").load()


# -- parity with the transformers backend -------------------------------------------------------------
@pytest.mark.parametrize("force_length", [False, True])
def test_greedy_tokens_match_transformers(marian, ct2_fp32, sentences, force_length):
    options = SHORT.replace(force_length=force_length)
    expected = marian.translate(sentences, options)
    got = ct2_fp32.translate(sentences, options)
    assert [h.tokens for h in got] == [h.tokens for h in expected]
    assert all(h.tokens for h in got)


def test_beam_search_matches_transformers_tokens_and_scores(marian, ct2_fp32, sentences):
    # Forced lengths: when outputs end by themselves the two beam searches stop by different rules
    # (transformers' early_stopping heuristic, CTranslate2's patience), so only equal-length search compares.
    options = SHORT.replace(beam_size=4, return_scores=True, force_length=True)
    expected = marian.translate(sentences, options)
    got = ct2_fp32.translate(sentences, options)
    assert [h.tokens for h in got] == [h.tokens for h in expected]
    for g, e in zip(got, expected):
        assert g.score == pytest.approx(e.score, rel=1e-3)


@pytest.fixture(scope="module")
def eager_model(parity_model_dir: Path):
    from transformers import MarianMTModel

    return MarianMTModel.from_pretrained(parity_model_dir, attn_implementation="eager").eval()


def _transformers_shift_attention(model, source_ids: list[int], target_ids: list[int]):
    """Last layer's cross-attention averaged over heads, at the steps that read each target token."""
    import torch

    start = model.config.decoder_start_token_id
    with torch.inference_mode():
        out = model(
            input_ids=torch.tensor([source_ids]),
            decoder_input_ids=torch.tensor([[start, *target_ids]]),
            output_attentions=True,
        )
    return out.cross_attentions[-1][0].mean(dim=0)[1:].tolist()


def test_attention_matches_transformers_in_a_beam_batch(eager_model, ct2_fp32, sentences):
    # beam search over a batch of unequal lengths: where CTranslate2's own first-step attention goes wrong
    options = SHORT.replace(beam_size=4, return_attention=True)
    hyps = ct2_fp32.translate(sentences, options)
    for sentence, hyp in zip(sentences, hyps):
        source_ids = ct2_fp32.encode(sentence)
        target_ids = ct2_fp32.tokenizer.convert_tokens_to_ids(list(hyp.tokens))
        assert hyp.attention is not None and len(hyp.attention) == len(hyp.tokens)
        assert {len(row) for row in hyp.attention} == {len(source_ids)}
        expected = _transformers_shift_attention(eager_model, source_ids, target_ids)
        for row, want in zip(hyp.attention, expected):
            assert row == pytest.approx(want, abs=1e-4)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.integers(0, 5), min_size=1, max_size=6), beam=st.sampled_from([1, 3]))
def test_output_does_not_depend_on_batch_company(ct2_fp32, sentences, picks, beam):
    batch = [sentences[i] for i in picks]
    for options in (SHORT.replace(beam_size=beam, max_length_a=0, max_length_b=12),  # one cap for all
                    SHORT.replace(beam_size=beam, max_length_a=0.5, max_length_b=3)):  # each row its own
        together = ct2_fp32.translate(batch, options)
        alone = [ct2_fp32.translate([s], options)[0] for s in batch]
        assert [h.tokens for h in together] == [h.tokens for h in alone]
        assert [h.score for h in together] == pytest.approx([h.score for h in alone], abs=1e-4)


# -- the translate_batch call ----------------------------------------------------------------------------
class _Recorder:
    """Wraps the real translator and keeps the keyword arguments of each call."""

    def __init__(self, translator):
        self.translator = translator
        self.calls: list[dict] = []

    def translate_batch(self, source, **kwargs):
        self.calls.append({"source": source, **kwargs})
        return self.translator.translate_batch(source, **kwargs)


@pytest.fixture
def recorded(ct2_fp32):
    recorder = _Recorder(ct2_fp32.translator)
    ct2_fp32.translator = recorder
    yield ct2_fp32, recorder
    ct2_fp32.translator = recorder.translator


def test_call_passes_beam_lengths_and_marian_tokens(recorded, sentences):
    backend, recorder = recorded
    options = DecodeOptions(beam_size=4, retry=False, max_length_a=0.5, max_length_b=3, no_repeat_ngram_size=3)
    backend.translate(sentences[:3], options)
    longest = max(len(backend.encode(s)) for s in sentences[:3])
    call, *reruns = recorder.calls
    assert call["beam_size"] == 4  # never CTranslate2's default of 2
    assert call["max_decoding_length"] == options.max_output_tokens(longest) - 1
    # rows stopped by the call's cap but not by their own are decoded again under their own
    assert all(r["max_decoding_length"] < call["max_decoding_length"] for r in reruns)
    assert call["min_decoding_length"] == 0
    assert call["no_repeat_ngram_size"] == 3
    assert call["max_input_length"] >= longest  # nothing truncated
    assert all(tokens[-1] == "</s>" for tokens in call["source"])
    assert sorted(map(len, call["source"])) == sorted(len(backend.encode(s)) for s in sentences[:3])
    backend.translate(sentences[:3], options.replace(force_length=True))
    forced = recorder.calls[-1]
    assert forced["min_decoding_length"] == forced["max_decoding_length"] == call["max_decoding_length"]


def test_outputs_longer_than_ctranslate2_default_cap(ct2_fp32, sentences):
    long_sentence = " ".join(sentences[1:4])
    n_source = len(ct2_fp32.encode(long_sentence))
    options = DecodeOptions(beam_size=1, retry=False, force_length=True, max_length_a=2.0, max_length_b=10)
    expected = options.max_output_tokens(n_source) - 1
    assert expected > 256  # CTranslate2's default max_decoding_length
    (hyp,) = ct2_fp32.translate([long_sentence], options)
    assert len(hyp.tokens) == expected


def test_no_repeat_ngram_size_reaches_the_decoder(ct2_fp32, sentences):
    options = SHORT.replace(max_length_a=0.5, max_length_b=10)
    looping = ct2_fp32.translate(sentences[1:3], options)
    blocked = ct2_fp32.translate(sentences[1:3], options.replace(no_repeat_ngram_size=2))
    def bigrams(tokens):
        return [tuple(tokens[i : i + 2]) for i in range(len(tokens) - 1)]
    assert any(len(set(bigrams(h.tokens))) < len(bigrams(h.tokens)) for h in looping)  # random weights loop
    assert all(len(set(bigrams(h.tokens))) == len(bigrams(h.tokens)) for h in blocked)


def test_int8_default_translates(tiny_model_dir, ct2_cache, sentences):
    backend = CT2Backend(str(tiny_model_dir), threads=1, cache_dir=ct2_cache).load()
    assert backend.compute_type == "int8"
    hyps = backend.translate(sentences[:2], SHORT)
    assert all(h.tokens and h.text for h in hyps)


# -- the conversion cache ----------------------------------------------------------------------------------
def _count_conversions(monkeypatch) -> list[Path]:
    calls: list[Path] = []
    real = ct2._convert

    def counting(model_dir, out_dir, quantization):
        calls.append(out_dir)
        real(model_dir, out_dir, quantization)

    monkeypatch.setattr(ct2, "_convert", counting)
    return calls


def test_conversion_is_cached_across_loads(tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XLING_CACHE", str(tmp_path))
    conversions = _count_conversions(monkeypatch)
    first = CT2Backend(str(tiny_model_dir), threads=1).load()
    second = CT2Backend(str(tiny_model_dir), threads=1).load()
    assert len(conversions) == 1
    assert first.converted_dir == second.converted_dir
    assert first.converted_dir.parent == tmp_path / "ct2"
    assert (first.converted_dir / "model.bin").is_file()
    meta = json.loads((first.converted_dir / "xling.json").read_text())
    assert meta["quantization"] == "int8" and meta["model"] == str(tiny_model_dir)
    assert [p.name for p in (tmp_path / "ct2").iterdir()] == [first.converted_dir.name]  # no temp left


def test_changed_model_is_converted_again_and_old_copy_removed(tiny_model_dir, tmp_path, monkeypatch):
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    conversions = _count_conversions(monkeypatch)
    old = converted_dir(str(model), model, root=tmp_path / "cache")
    assert converted_dir(str(model), model, root=tmp_path / "cache") == old
    stat = (model / "model.safetensors").stat()
    os.utime(model / "model.safetensors", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    new = converted_dir(str(model), model, root=tmp_path / "cache")
    assert new != old and (new / "model.bin").is_file()
    assert not old.exists()
    assert len(conversions) == 2


def test_cache_key_separates_quantization_and_revision(tiny_model_dir, ct2_cache):
    model = str(tiny_model_dir)  # the module's backends have converted int8 and float32 here already
    int8 = converted_dir(model, tiny_model_dir, quantization="int8", root=ct2_cache)
    fp32 = converted_dir(model, tiny_model_dir, quantization="float32", root=ct2_cache)
    pinned = converted_dir(model, tiny_model_dir, quantization="int8", revision="abc", root=ct2_cache)
    assert len({int8, fp32, pinned}) == 3 and all(p.exists() for p in (int8, fp32, pinned))
    assert (fp32 / "model.bin").stat().st_size > (int8 / "model.bin").stat().st_size


def test_failed_conversion_leaves_nothing_behind(tiny_model_dir, tmp_path, monkeypatch):
    def broken(model_dir, out_dir, quantization):
        (out_dir / "model.bin").write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(ct2, "_convert", broken)
    with pytest.raises(ModelUnavailable, match="disk full"):
        converted_dir("m", tiny_model_dir, root=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_cache_is_a_clear_error(tiny_model_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ModelUnavailable, match="XLING_CACHE"):
        converted_dir("m", tiny_model_dir, root=blocker / "sub")


# -- configuration errors ----------------------------------------------------------------------------------
def test_bad_settings_are_rejected_up_front(tiny_model_dir):
    with pytest.raises(XlingError, match="compute type"):
        CT2Backend(str(tiny_model_dir), compute_type="int4")
    with pytest.raises(XlingError, match="threads"):
        CT2Backend(str(tiny_model_dir), threads=0)


def test_compute_type_the_device_lacks(tiny_model_dir, tmp_path):
    import ctranslate2

    if "float16" in ctranslate2.get_supported_compute_types("cpu"):
        pytest.skip("this CPU runs float16")
    with pytest.raises(ModelUnavailable, match="float16"):
        CT2Backend(str(tiny_model_dir), device="cpu", compute_type="float16", cache_dir=tmp_path).load()


def test_missing_ctranslate2_says_how_to_install(tiny_model_dir, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "ctranslate2", None)
    with pytest.raises(ModelUnavailable, match=r"xling\[fast\]"):
        CT2Backend(str(tiny_model_dir)).load()


def test_threads_default_to_physical_cores(ct2_cache, tiny_model_dir, monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert 1 <= physical_cores() <= (os.cpu_count() or 1)
    backend = CT2Backend(str(tiny_model_dir), cache_dir=ct2_cache).load()
    assert backend.threads == physical_cores() and backend.intra_threads == 1
    assert backend.translator.num_active_batches == 0
    assert backend.translator.num_translators == physical_cores()  # workers: inter_threads


def test_threads_from_the_environment_and_explicit(ct2_cache, tiny_model_dir, monkeypatch):
    monkeypatch.setenv(THREADS_ENV, "3")
    assert CT2Backend(str(tiny_model_dir), cache_dir=ct2_cache).load().translator.num_translators == 3
    explicit = CT2Backend(str(tiny_model_dir), threads=1, cache_dir=ct2_cache).load()  # threads= wins
    assert explicit.threads == 1 and explicit.translator.num_translators == 1
    monkeypatch.setenv(THREADS_ENV, "many")
    with pytest.raises(XlingError, match=THREADS_ENV):
        CT2Backend(str(tiny_model_dir), cache_dir=ct2_cache).load()
    with pytest.raises(XlingError, match="intra_threads"):
        CT2Backend(str(tiny_model_dir), intra_threads=0)


# -- parallel jobs -------------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 300), min_size=1, max_size=40), st.integers(1, 8), st.integers(1, 16),
       st.integers(40, 4096))
def test_worker_jobs_cover_each_input_once_within_its_batch(lengths, workers, max_batch, batch_tokens):
    from xling.mt.base import length_sorted_batches

    batches = length_sorted_batches(lengths, batch_tokens, max_batch)
    jobs = worker_jobs(batches, lengths, workers)
    assert sorted(i for job, _ in jobs for i in job) == list(range(len(lengths)))
    assert all(job and set(job) <= set(batches[b]) for job, b in jobs)
    assert len(jobs) >= min(workers, len(lengths))  # every worker busy when there is enough to split
    if len(batches) >= workers:
        assert [job for job, _ in jobs] == batches  # enough batches: none split


def test_a_lone_batch_is_split_between_the_workers_without_changing_outputs(parity_model_dir, ct2_cache, sentences):
    options = SHORT.replace(beam_size=2, force_length=True)
    one = CT2Backend(str(parity_model_dir), compute_type="float32", threads=1, cache_dir=ct2_cache).load()
    two = CT2Backend(str(parity_model_dir), compute_type="float32", threads=2, cache_dir=ct2_cache).load()
    calls = []
    real = two.translator

    class Spy:
        def translate_batch(self, source, **kwargs):
            calls.append((len(source), kwargs["max_decoding_length"], kwargs.get("asynchronous")))
            return real.translate_batch(source, **kwargs)

    two.translator = Spy()
    try:
        got = two.translate(sentences, options)
    finally:
        two.translator = real
    assert [h.tokens for h in got] == [h.tokens for h in one.translate(sentences, options)]
    assert len(calls) == 2 and sum(n for n, _, _ in calls) == len(sentences)
    assert len({length for _, length, _ in calls}) == 1  # the forced length stays the whole batch's
    assert all(asynchronous for _, _, asynchronous in calls)  # submitted together, run side by side


# -- the transformers backend's torch threads (one policy, in the base class) ------------------------------
@pytest.fixture
def torch_threads():
    import torch

    before = torch.get_num_threads()
    yield torch
    torch.set_num_threads(before)


def test_transformers_sets_torch_to_one_thread_by_default(tiny_model_dir, torch_threads, monkeypatch):
    from xling.mt.marian import MarianBackend

    monkeypatch.delenv(THREADS_ENV, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    torch_threads.set_num_threads(len(os.sched_getaffinity(0)))  # torch's own default
    backend = MarianBackend(str(tiny_model_dir), device="cpu").load()
    assert backend.threads == 1 and torch_threads.get_num_threads() == 1
    assert MarianBackend(str(tiny_model_dir), device="cpu", threads=2).load().threads == 2
    assert torch_threads.get_num_threads() == 2
    monkeypatch.setenv(THREADS_ENV, "3")
    assert MarianBackend(str(tiny_model_dir), device="cpu").load().threads == 3
    with pytest.raises(XlingError, match="threads"):
        MarianBackend(str(tiny_model_dir), threads=0)


def test_transformers_leaves_a_thread_count_the_process_chose(tiny_model_dir, torch_threads, monkeypatch):
    from xling.mt.marian import MarianBackend

    monkeypatch.delenv(THREADS_ENV, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    chosen = len(os.sched_getaffinity(0)) + 3  # not torch's default: someone set it
    torch_threads.set_num_threads(chosen)
    backend = MarianBackend(str(tiny_model_dir), device="cpu").load()
    assert backend.threads == chosen and torch_threads.get_num_threads() == chosen


# -- through the pipeline ---------------------------------------------------------------------------------
def test_translate_with_ct2_backend(tiny_model_dir, seed_text, ct2_cache, monkeypatch):
    import xling

    monkeypatch.setenv("XLING_CACHE", str(ct2_cache.parent))
    doc = xling.translate(
        seed_text, model=str(tiny_model_dir), backend="ct2", compute_type="float32", beam_size=2,
        options=SHORT, cache=False, annotate_result=False,
    )
    assert doc.settings.backend == "ct2" and doc.settings.compute_type == "float32"
    assert len(doc.target.paragraphs) == len(doc.source.paragraphs)
    assert doc.target.text.strip()


# -- vocabulary maps (an option: they can only cost quality) ---------------------------------------------
def test_vocabulary_map_lists_cooccurring_pieces_and_common_ones():
    pairs = [(["▁a", "▁b"], ["▁x", "▁y"]), (["▁a"], ["▁x"]), (["▁c"], ["▁z"])]
    lines = build_vocabulary_map(pairs, per_source=1, common=1).splitlines()
    assert lines[0] == "\t▁x"  # the most frequent target piece, always a candidate
    rules = dict(line.split("\t") for line in lines[1:])
    assert rules == {"▁a": "▁x", "▁b": "▁y", "▁c": "▁z"}  # Dice: b is always with y, x also goes without b


def test_decoding_with_a_vocabulary_map_produces_only_its_candidates(tiny_model_dir, tmp_path, sentences):
    plain = CT2Backend(str(tiny_model_dir), threads=1, cache_dir=tmp_path).load()
    source = [plain.tokenizer.convert_ids_to_tokens(plain.encode(s))[:-1] for s in sentences]
    vocab = plain.tokenizer.get_vocab()
    allowed = sorted(vocab, key=vocab.get)[:60]  # candidates unrelated to the sources
    vmap = tmp_path / "vmap.txt"
    vmap.write_text("\t" + " ".join(allowed) + "\n" + "".join(f"{t}\t{allowed[0]}\n" for s in source for t in s))
    mapped = CT2Backend(str(tiny_model_dir), threads=1, cache_dir=tmp_path, vocabulary_map=vmap).load()
    assert mapped.converted_dir != plain.converted_dir and (mapped.converted_dir / "vmap.txt").is_file()
    assert plain.converted_dir.is_dir()  # the plain conversion stays beside the mapped one
    hyps = mapped.translate(sentences, SHORT)
    assert all(set(h.tokens) <= set(allowed) for h in hyps)
    assert any(not set(h.tokens) <= set(allowed) for h in plain.translate(sentences, SHORT))
