"""The transformers backend: ``MarianMTModel`` on CPU (or CUDA when present), under ``torch.inference_mode``."""

from __future__ import annotations

import functools
import os
from typing import Any

from xling.errors import ModelUnavailable
from xling.mt.base import Backend, DecodeOptions, RawOutput, available_cpus, physical_cores


#: Set by a user to choose torch's (OpenMP) threads themselves; the backend then leaves torch as it is.
OMP_THREADS_ENV = "OMP_NUM_THREADS"


class MarianBackend(Backend):
    """Marian through transformers ``generate``.

    Threads: torch's intra-op thread count is process-wide; loading sets it to ``threads`` (else
    ``$XLING_THREADS``, else 1: see :meth:`default_threads`), unless the process chose one already
    (``$OMP_NUM_THREADS``, or ``torch.set_num_threads`` to a number other than torch's default).
    """

    name = "transformers"

    def default_threads(self) -> int:
        """One: on 2 busy cores torch's 2 OpenMP threads took 3.6x the wall time of one thread (and 3.4x the
        CPU), while on 2 idle cores they were only 1.5x faster. A dedicated machine: ``XLING_THREADS=<cores>``."""
        return 1

    def _load(self) -> None:
        import torch
        from transformers import MarianMTModel
        from transformers.utils import logging as hf_logging

        self._torch = torch
        self.threads = self._set_torch_threads(torch)
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()  # no "generation flags" chatter, no progress bar in users' output
        hf_logging.disable_progress_bar()
        try:
            model = MarianMTModel.from_pretrained(self.model_dir)
        except Exception as err:
            raise ModelUnavailable(f"Cannot load translation model '{self.model}' from {self.model_dir}: {err}") from None
        finally:
            hf_logging.set_verbosity(verbosity)
            if bars:
                hf_logging.enable_progress_bar()
        self.net = model.to(device).eval()
        self.device = device
        self.pad_id = self.tokenizer.pad_token_id
        self.eos_id = self.tokenizer.eos_token_id

    def _set_torch_threads(self, torch: Any) -> int:
        chosen = self.chosen_threads()
        current = int(torch.get_num_threads())
        if chosen is None and (os.environ.get(OMP_THREADS_ENV) or current not in _torch_default_threads()):
            return current  # the process chose already
        threads = chosen or self.default_threads()
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        return threads

    def _generate(self, batch: list[list[int]], options: DecodeOptions) -> list[RawOutput]:
        torch = self._torch
        longest = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), longest), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            attention_mask[row, : len(ids)] = 1
        max_new = options.max_output_tokens(longest)
        caps = [options.max_output_tokens(len(ids)) for ids in batch]
        kwargs: dict[str, Any] = {
            "num_beams": options.beam_size,
            # every row ends by its own cap (the processor below), the batch's longest by this one too
            "max_new_tokens": max_new,
            "max_length": None,
            "do_sample": False,
            "no_repeat_ngram_size": options.no_repeat_ngram_size,
            "return_dict_in_generate": True,
            "output_scores": options.return_scores and options.beam_size > 1,
        }
        if options.force_length:
            kwargs["min_new_tokens"] = max_new
        else:
            kwargs["logits_processor"] = _row_caps(torch, caps, options.beam_size, self.eos_id)
        if options.beam_size > 1:
            kwargs["cache"] = _beam_search_cache()
        input_ids, attention_mask = input_ids.to(self.device), attention_mask.to(self.device)
        with torch.inference_mode():
            out = self.net.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
        scores = getattr(out, "sequences_scores", None)
        results = []
        for row, seq in enumerate(out.sequences.tolist()):
            ids = self._strip(seq)
            score = float(scores[row]) if scores is not None else None
            attention = None
            if options.return_attention:
                attention = self._cross_attention(input_ids[row : row + 1, : len(batch[row])], ids)
            results.append(RawOutput(ids=tuple(ids), score=score, attention=attention))
        return results

    def _strip(self, seq: list[int]) -> list[int]:
        """Drop the decoder start token, everything from ``</s>`` on, and padding."""
        ids = seq[1:] if seq and seq[0] == self.net.config.decoder_start_token_id else seq
        if self.eos_id in ids:
            ids = ids[: ids.index(self.eos_id)]
        return [i for i in ids if i != self.pad_id]

    def _cross_attention(self, source_ids: Any, target_ids: list[int]) -> tuple[tuple[float, ...], ...]:
        """Last decoder layer's cross-attention, averaged over heads, by teacher forcing the output.

        SDPA attention returns no weights, so this one pass runs with eager attention.
        """
        torch = self._torch
        start = self.net.config.decoder_start_token_id
        decoder_ids = torch.tensor([[start, *target_ids]], device=self.device)
        implementation = self.net.config._attn_implementation
        self.net.set_attn_implementation("eager")
        try:
            with torch.inference_mode():
                out = self.net(input_ids=source_ids, decoder_input_ids=decoder_ids, output_attentions=True)
        finally:
            self.net.set_attn_implementation(implementation)
        weights = out.cross_attentions[-1][0].mean(dim=0)[1:]  # (target, source), predicting each target token
        return tuple(tuple(float(x) for x in row) for row in weights.tolist())


def _torch_default_threads() -> set[int]:
    """What torch's own default intra-op thread count can be: the CPUs it may run on, or their physical cores."""
    return {len(available_cpus()), physical_cores()}


def _beam_search_cache() -> Any:
    """A fresh decoder cache for one beam search that does not copy the encoder's keys and values each step.

    ``generate`` reorders every layer's cache after each step so that each beam keeps its own history. The
    cross-attention part holds keys and values computed from the encoder output, which beam search repeats
    for each beam of a sentence; a beam only ever takes over a beam of its own sentence, so reordering that
    part leaves it as it was: this cache skips it. Outputs are identical; a batch of 10 sentences on the tiny
    test model decoded 1.5 s -> 1.16 s of CPU (the copy grows with the batch and the padded source length).
    """
    from transformers.cache_utils import DynamicCache

    return _shared_encoder_cache_class()(DynamicCache(), DynamicCache())


@functools.cache
def _shared_encoder_cache_class() -> type:
    from transformers.cache_utils import EncoderDecoderCache

    class SharedEncoderCache(EncoderDecoderCache):
        def reorder_cache(self, beam_idx: Any) -> None:
            self.self_attention_cache.reorder_cache(beam_idx)  # the cross-attention part is the same per beam

    return SharedEncoderCache


def _row_caps(torch: Any, caps: list[int], beams: int, eos_id: int) -> Any:
    """A logits processor that ends each row at its own length cap (a * its source length + b).

    As with ``max_new_tokens``, the cap counts the forced final ``</s>``: at most cap - 1 content tokens.
    ``generate`` caps a whole batch at one length; capping each row by its own source instead makes a
    sentence's translation the same whichever sentences share its batch (other articles, other users).
    """
    from transformers import LogitsProcessor, LogitsProcessorList

    per_row = torch.tensor(caps).repeat_interleave(beams)

    class RowCaps(LogitsProcessor):
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            generated = input_ids.shape[1] - 1  # the decoder start token is not output
            done = per_row.to(scores.device)[: scores.shape[0]] - 1 <= generated
            if bool(done.any()):
                scores = scores.clone()
                scores[done] = float("-inf")
                scores[done, eos_id] = 0.0
            return scores

    return LogitsProcessorList([RowCaps()])
