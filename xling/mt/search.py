"""Beam search and greedy search over a transformers MarianMT model, each sentence leaving the batch when done.

``generate`` decodes a batch until its last sentence ends: a sentence whose translation is settled after 30
tokens is computed, with all its beams, for as long as the batch's longest runs. Batches that mix users'
sentences (:mod:`xling.mt.batching`) pay for that: on the tiny test model, 10 sentences of which one loops
to its 175-token cap took 1.24 s in one ``generate`` call, against 1.35 s one by one.

This module is the same search as transformers' (5.x): the same scores (log-softmax, the model's banned
tokens, repeated n-grams blocked, ``</s>`` forced at each sentence's own length cap, renormalised when the
model asks), the same 2 x beams candidates a step, the same length-normalised finished hypotheses and the
same rule for when a sentence can no longer improve (``length_penalty`` and ``early_stopping`` from the
model's generation settings). The one difference: a sentence whose best translation can no longer change
leaves the batch at once, with its beams' part of the decoder cache, the encoder states and the mask.
Outputs equal ``generate``'s, token for token (``tests/test_search.py``).

Generation settings that change scores in ways this search does not implement (a repetition penalty,
multi-token banned words, ...) are refused when the model loads (:func:`search_rules`), not ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xling.errors import ModelUnavailable
from xling.mt.base import RawOutput

#: transformers' score for "not a candidate" (beams not started yet, finished beams in the running set).
#: The same value keeps ties and sums as theirs.
IMPOSSIBLE = -1.0e9

#: Generation settings this search does not implement, each with the value that means "off".
UNSUPPORTED_SETTINGS: dict[str, Any] = {
    "repetition_penalty": 1.0,
    "encoder_repetition_penalty": 1.0,
    "encoder_no_repeat_ngram_size": 0,
    "suppress_tokens": None,
    "begin_suppress_tokens": None,
    "forced_bos_token_id": None,
    "num_beam_groups": 1,
    "diversity_penalty": 0.0,
    "sequence_bias": None,
    "exponential_decay_length_penalty": None,
    "min_length": 0,
    "min_new_tokens": 0,
    "force_words_ids": None,
    "stop_strings": None,
}


@dataclass(frozen=True)
class SearchRules:
    """What a model's generation settings ask of every search (read once, at load, by :func:`search_rules`)."""

    start_id: int
    eos_id: int
    banned_ids: tuple[int, ...] = ()  # never generated (opus-mt: ``<pad>``)
    length_penalty: float = 1.0
    early_stopping: bool | str = False  # transformers' values: False, True or "never"
    renormalize: bool = False  # log-softmax again after the rules (opus-mt: yes)


def search_rules(net: Any) -> SearchRules:
    """The :class:`SearchRules` of a loaded ``MarianMTModel``; ModelUnavailable names a setting it cannot honour."""
    config = net.generation_config
    name = getattr(net.config, "name_or_path", "") or "this model"
    for setting, off in UNSUPPORTED_SETTINGS.items():
        value = getattr(config, setting, None)
        if value is not None and value != off and value not in ([], {}, ()):
            raise ModelUnavailable(f"{name}: generation setting {setting}={value!r} is not supported by xling's search")
    banned = []
    for words in getattr(config, "bad_words_ids", None) or []:
        if len(words) != 1:
            raise ModelUnavailable(f"{name}: banned word sequences longer than one token ({words}) are not supported")
        banned.append(int(words[0]))
    eos = config.eos_token_id if config.eos_token_id is not None else net.config.eos_token_id
    if isinstance(eos, (list, tuple)):
        if len(eos) != 1:
            raise ModelUnavailable(f"{name}: more than one end-of-sentence token ({eos}) is not supported")
        eos = eos[0]
    start = config.decoder_start_token_id
    if start is None:
        start = net.config.decoder_start_token_id
    early = config.early_stopping if config.early_stopping is not None else False
    if early not in (False, True, "never"):
        raise ModelUnavailable(f"{name}: early_stopping={early!r} is not one of False, True, 'never'")
    return SearchRules(
        start_id=int(start),
        eos_id=int(eos),
        banned_ids=tuple(banned),
        length_penalty=float(config.length_penalty if config.length_penalty is not None else 1.0),
        early_stopping=early,
        renormalize=bool(config.renormalize_logits),
    )


def pad_batch(batch: Sequence[Sequence[int]], pad_id: int, device: Any = None) -> tuple[Any, Any]:
    """Source id sequences as the model takes them: right-padded ``input_ids`` and their ``attention_mask``."""
    import torch

    longest = max(len(ids) for ids in batch)
    input_ids = torch.full((len(batch), longest), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), longest), dtype=torch.long)
    for row, ids in enumerate(batch):
        input_ids[row, : len(ids)] = torch.tensor(list(ids))
        attention_mask[row, : len(ids)] = 1
    return input_ids.to(device or "cpu"), attention_mask.to(device or "cpu")


def search(
    net: Any,
    input_ids: Any,
    attention_mask: Any,
    *,
    caps: Sequence[int],
    rules: SearchRules,
    beam_size: int = 4,
    min_new_tokens: Sequence[int] | None = None,
    no_repeat_ngram_size: int = 0,
    with_scores: bool = False,
) -> list[RawOutput]:
    """Translate one padded batch; returns each row's best output ids (no start token, nothing from ``</s>`` on).

    ``caps[i]``: row i's most output tokens, counting the ``</s>`` forced at the last one; ``min_new_tokens[i]``:
    ``</s>`` is blocked before that many tokens (benchmarks' forced lengths). ``beam_size`` 1 is greedy search,
    as in ``generate``. ``with_scores``: each output's length-normalised log-probability (beam search only).
    """
    import torch

    if beam_size < 1:
        raise ValueError(f"beam_size must be at least 1, not {beam_size}")
    rows = input_ids.shape[0]
    if len(caps) != rows or (min_new_tokens is not None and len(min_new_tokens) != rows):
        raise ValueError(f"caps and min_new_tokens need one value per row ({rows})")
    with torch.inference_mode():
        encoded = net.get_encoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        batch = _Batch(net, encoded, attention_mask, beam_size, caps, min_new_tokens or [0] * rows, rules)
        step = _beam_step if beam_size > 1 else _greedy_step
        while batch.size:
            step(batch, rules, no_repeat_ngram_size)
    return [
        RawOutput(ids=tuple(ids), score=score if with_scores and beam_size > 1 else None)
        for ids, score in batch.results
    ]


class _Batch:
    """The rows still being decoded: their hypotheses, the decoder cache, the encoder states and the mask.

    Hypotheses are flattened row-major, ``beams`` per row. :meth:`settle` takes finished rows out of all of it.
    """

    def __init__(self, net: Any, encoded: Any, mask: Any, beams: int, caps: Sequence[int], mins: Sequence[int],
                 rules: SearchRules):
        import torch
        from transformers.cache_utils import DynamicCache, EncoderDecoderCache
        from transformers.modeling_outputs import BaseModelOutput

        self.torch, self.net, self.beams, self.eos_id = torch, net, beams, rules.eos_id
        self._output = BaseModelOutput
        rows, device = encoded.shape[0], encoded.device
        self.encoded = encoded.repeat_interleave(beams, dim=0)
        self.mask = mask.repeat_interleave(beams, dim=0)
        self.cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
        self.device = device
        self.index = torch.arange(rows, device=device)  # each live row's position in the caller's batch
        self.caps = torch.tensor(list(caps), device=device)
        self.mins = torch.tensor(list(mins), device=device)
        self.seqs = torch.full((rows, beams, 1), rules.start_id, dtype=torch.long, device=device)
        self.running = torch.zeros((rows, beams), device=device)  # running beams' summed log-probabilities
        self.running[:, 1:] = IMPOSSIBLE  # the first step expands the first beam only
        self.finished = self.seqs.clone()  # each row's best finished hypotheses so far ...
        self.finished_scores = torch.full((rows, beams), IMPOSSIBLE, device=device)  # ... length-normalised
        self.is_finished = torch.zeros((rows, beams), dtype=torch.bool, device=device)
        self.generated = 0  # tokens generated so far (the same for every live row)
        self.results: list[tuple[list[int], float | None]] = [([], None)] * rows

    @property
    def size(self) -> int:
        return int(self.index.numel())

    def next_scores(self) -> Any:
        """The decoder's float32 logits for each hypothesis' next token, shape (rows x beams, vocabulary)."""
        out = self.net(
            encoder_outputs=self._output(last_hidden_state=self.encoded),
            attention_mask=self.mask,
            decoder_input_ids=self.seqs[:, :, -1].reshape(-1, 1),
            cache=self.cache,
            use_cache=True,
        )
        return out.logits[:, -1, :].float()

    def apply_rules(self, scores: Any, rules: SearchRules, no_repeat: int) -> Any:
        """transformers' logits processors for this search, in their order: repeats, banned tokens, minimum
        length, then ``</s>`` forced at each row's cap."""
        torch, beams = self.torch, self.beams
        if no_repeat:
            scores = block_repeated_ngrams(scores, self.seqs.reshape(scores.shape[0], -1), no_repeat)
        if rules.banned_ids:
            scores[:, list(rules.banned_ids)] = float("-inf")
        too_short = (self.generated < self.mins).repeat_interleave(beams)
        if bool(too_short.any()):
            scores[too_short, rules.eos_id] = float("-inf")
        at_cap = (self.generated >= self.caps - 1).repeat_interleave(beams)
        if bool(at_cap.any()):
            scores[at_cap] = float("-inf")
            scores[at_cap, rules.eos_id] = 0.0
        return scores

    def settle(self, done: Any) -> None:
        """Record the rows in ``done`` (a bool per live row) and take them out of the batch."""
        if not bool(done.any()):
            return
        torch, beams = self.torch, self.beams
        for row in done.nonzero().view(-1).tolist():
            found = bool(self.is_finished[row, 0])  # a beam search's best finished hypothesis; else the best beam
            ids = (self.finished if found else self.seqs)[row, 0, 1:].tolist()
            if self.eos_id in ids:
                ids = ids[: ids.index(self.eos_id)]
            self.results[int(self.index[row])] = (ids, float(self.finished_scores[row, 0]) if found else None)
        keep = ~done
        flat = (keep.nonzero().view(-1, 1) * beams + torch.arange(beams, device=keep.device)).view(-1)
        self.cache.batch_select_indices(flat)
        self.encoded, self.mask = self.encoded[flat], self.mask[flat]
        for name in ("index", "caps", "mins", "seqs", "running", "finished", "finished_scores", "is_finished"):
            setattr(self, name, getattr(self, name)[keep])


def _beam_step(batch: _Batch, rules: SearchRules, no_repeat: int) -> None:
    torch, beams = batch.torch, batch.beams
    rows = batch.size
    scores = torch.log_softmax(batch.next_scores(), dim=-1)
    scores = batch.apply_rules(scores, rules, no_repeat)
    if rules.renormalize:
        scores = torch.log_softmax(scores, dim=-1)
    vocab = scores.shape[-1]
    total = (scores.view(rows, beams, vocab) + batch.running[:, :, None]).view(rows, beams * vocab)
    top, flat = torch.topk(total, k=2 * beams)  # 2 x beams: enough to go on when beams end at once
    parents, tokens = flat // vocab, flat % vocab
    candidates = torch.cat((torch.take_along_dim(batch.seqs, parents[:, :, None], dim=1), tokens[:, :, None]), dim=2)
    batch.generated += 1
    ended = tokens == rules.eos_id

    # the best candidates that did not end run on; ended ones are set aside (as generate does, by score)
    open_scores = top + ended.float() * IMPOSSIBLE
    keep = torch.topk(open_scores, k=beams).indices
    hypotheses = torch.take_along_dim(parents, keep, dim=1) + (torch.arange(rows, device=batch.device) * beams)[:, None]
    batch.seqs = torch.take_along_dim(candidates, keep[:, :, None], dim=1)
    batch.running = torch.take_along_dim(open_scores, keep, dim=1)
    batch.cache.self_attention_cache.reorder_cache(hypotheses.view(-1))
    # (the cross-attention cache holds the encoder's keys and values: the same for every beam of a row)

    # among the first `beams` candidates, those that ended join the row's finished hypotheses if good enough
    ended_early = ended.clone()
    ended_early[:, beams:] = False
    if bool(ended_early.any()):
        normalised = top / (batch.generated**rules.length_penalty)
        normalised = torch.where(ended_early, normalised, torch.full_like(normalised, float("-inf")))
        width = candidates.shape[2] - batch.finished.shape[2]
        finished = torch.nn.functional.pad(batch.finished, (0, width), value=rules.eos_id)
        merged_scores = torch.cat((batch.finished_scores, normalised), dim=1)
        best = torch.topk(merged_scores, k=beams).indices
        batch.finished = torch.take_along_dim(torch.cat((finished, candidates), dim=1), best[:, :, None], dim=1)
        batch.finished_scores = torch.take_along_dim(merged_scores, best, dim=1)
        batch.is_finished = torch.take_along_dim(torch.cat((batch.is_finished, ended_early), dim=1), best, dim=1)

    # a row is done when no running beam can beat its worst finished one (generate's heuristic), when its
    # finished set is full under early_stopping=True, or at its cap
    full = batch.is_finished.all(dim=1)
    if rules.early_stopping == "never" and rules.length_penalty > 0.0:
        best_length = batch.caps.float()
    else:
        best_length = torch.full((rows,), float(batch.generated), device=batch.device)
    best_possible = batch.running[:, 0] / best_length**rules.length_penalty
    unfilled = torch.full_like(best_possible, IMPOSSIBLE)  # a free slot: any finished hypothesis beats it
    worst_finished = torch.where(full, batch.finished_scores.min(dim=1).values, unfilled)
    done = ~(best_possible > worst_finished) | (batch.generated >= batch.caps)
    if rules.early_stopping is True:
        done |= full
    batch.settle(done)


def _greedy_step(batch: _Batch, rules: SearchRules, no_repeat: int) -> None:
    torch = batch.torch
    scores = batch.apply_rules(batch.next_scores(), rules, no_repeat)
    tokens = scores.argmax(dim=-1)  # renormalising would not change the argmax
    batch.seqs = torch.cat((batch.seqs, tokens.view(-1, 1, 1)), dim=2)
    batch.generated += 1
    done = (tokens == rules.eos_id) | (batch.generated >= batch.caps)
    batch.settle(done)


def block_repeated_ngrams(scores: Any, seqs: Any, n: int) -> Any:
    """Forbid each hypothesis a token that would repeat one of its n-grams (transformers' no_repeat_ngram_size).

    ``seqs``: (hypotheses, length) including the start token, as transformers counts them.
    """
    length = seqs.shape[1]
    if length < n:  # no whole n-gram yet
        return scores
    windows = seqs.unfold(1, n, 1)  # (hypotheses, length - n + 1, n): every n-gram so far
    prefix = seqs[:, length - n + 1 :]  # the last n - 1 tokens (none for n = 1)
    seen = (windows[:, :, : n - 1] == prefix[:, None, :]).all(dim=-1)
    hypotheses, positions = seen.nonzero(as_tuple=True)
    if hypotheses.numel():
        scores[hypotheses, windows[hypotheses, positions, n - 1]] = float("-inf")
    return scores
