"""The transformers backend: ``MarianMTModel`` on CPU (or CUDA when present), under ``torch.inference_mode``."""

from __future__ import annotations

import os
from typing import Any

from xling.errors import ModelUnavailable
from xling.mt.base import Backend, DecodeOptions, RawOutput, available_cpus, physical_cores
from xling.mt.search import pad_batch, search, search_rules


#: Set by a user to choose torch's (OpenMP) threads themselves; the backend then leaves torch as it is.
OMP_THREADS_ENV = "OMP_NUM_THREADS"


class MarianBackend(Backend):
    """Marian through transformers: the model's forward pass, decoded by :func:`xling.mt.search.search`.

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
        self.rules = search_rules(self.net)  # refuses generation settings the search does not implement
        self.device = device
        self.pad_id = self.tokenizer.pad_token_id

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
        input_ids, attention_mask = pad_batch(batch, self.pad_id, self.device)
        longest = input_ids.shape[1]
        if options.force_length:  # every row runs to the batch's longest cap, as CTranslate2's benchmark rule
            caps = [options.max_output_tokens(longest)] * len(batch)
            minimum: list[int] | None = caps
        else:  # each row to its own cap: a sentence's translation does not depend on its batch
            caps, minimum = [options.max_output_tokens(len(ids)) for ids in batch], None
        found = search(
            self.net,
            input_ids,
            attention_mask,
            caps=caps,
            rules=self.rules,
            beam_size=options.beam_size,
            min_new_tokens=minimum,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            with_scores=options.return_scores,
        )
        if not options.return_attention:
            return found
        return [
            RawOutput(
                ids=raw.ids,
                score=raw.score,
                attention=self._cross_attention(input_ids[row : row + 1, : len(batch[row])], list(raw.ids)),
            )
            for row, raw in enumerate(found)
        ]

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
