"""translate_corpus(): a corpus through xling, shard by shard, resumable, on the embedded engine or on Ray Data.

The driver plans the input into shards (:mod:`xling.batch.sources`), skips those the manifest says are done
(:mod:`xling.batch.sinks`), and has a :class:`ShardWorker` translate the others: in this process (the embedded
engine, the default) or in Ray actors holding one model each (:mod:`xling.batch.ray_engine`). Each shard's
articles go to ``xling.translate`` as one list (batched across articles; each Document equal to translating
that article alone) or, in compare mode, one by one to ``xling.compare``. Rows that cannot be translated end
in the errors files with their code; they never stop the run.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from xling.batch.sinks import (
    DEFAULT_FIELDS,
    PARQUET,
    Output,
    ShardRecord,
    check_fields,
    document_fields,
    merge_counts,
)
from xling.batch.sources import Columns, Row, RowError, ShardSpec, Source, count_rows, open_source
from xling.document import AUTO_LANG
from xling.errors import InputError, ModelUnavailable
from xling.text.reading import MAX_INPUT_CHARS

EMBEDDED = "embedded"
RAY = "ray"
#: What ``engine`` accepts.
ENGINES = (EMBEDDED, RAY)
TRANSLATE = "translate"
COMPARE = "compare"
#: What ``mode`` accepts.
MODES = (TRANSLATE, COMPARE)
#: Rows per shard: the unit of batching, writing and resuming.
DEFAULT_SHARD_ROWS = 64
#: Without a terminal, one progress line per this many rows.
DEFAULT_LOG_EVERY = 1000
#: ``progress``: a bar on a terminal and log lines otherwise (None), or forced.
PROGRESS_BAR = "bar"
PROGRESS_LOG = "log"
PROGRESS_NONE = "none"
PROGRESS_MODES = (PROGRESS_BAR, PROGRESS_LOG, PROGRESS_NONE)
CT2 = "ct2"
TRANSFORMERS = "transformers"

# -- error codes added by translation (the readers' are xling.batch.sources.READ_ERRORS) -----------------
#: The text is not in a language the run can translate (undetermined, or not the model's script).
LANGUAGE = "language"
#: No model for the row's language (routing by language only; a forced model that cannot load stops the run).
MODEL_UNAVAILABLE = "model-unavailable"
#: Anything else that went wrong for this one row (its message says what).
FAILED = "failed"


def batch_backend(backend: str | None = None) -> str:
    """The backend of a batch run: as asked, else ``$XLING_BACKEND``, else CTranslate2 when installed."""
    if backend:
        return backend
    if os.environ.get("XLING_BACKEND"):
        return os.environ["XLING_BACKEND"]
    return CT2 if importlib.util.find_spec("ctranslate2") is not None else TRANSFORMERS


@dataclass(frozen=True)
class ModelSpec:
    """Which model(s) a worker loads and how it decodes: picklable, so each Ray actor builds its own."""

    model: str | None = None
    models_dir: str | None = None
    backend: str = TRANSFORMERS
    compute_type: str | None = None
    device: str | None = None
    beam_size: int | None = None
    unit: str = "sentence"
    max_sentence_tokens: int | None = None
    batch_tokens: int | None = None
    cache_path: str | None = None
    threads: int | None = None

    def describe(self) -> dict[str, Any]:
        """What decides the output (the manifest compares it on resume): not threads, device or cache."""
        out = dataclasses.asdict(self)
        for key in ("threads", "device", "cache_path"):
            out.pop(key)
        return out

    def build(self) -> Any:
        """The ``model`` argument for translate/compare: an Engine on the forced model, else an EnginePool."""
        from xling.mt.engine import Engine, EnginePool, engine_for

        cache: Any = True
        if self.cache_path:
            from xling.mt.cache import TranslationCache

            cache = TranslationCache(path=self.cache_path)
        options = dict(beam_size=self.beam_size, batch_tokens=self.batch_tokens, cache=cache)
        if self.max_sentence_tokens is not None:
            options["max_sentence_tokens"] = self.max_sentence_tokens
        if self.model is None:
            if self.threads and self.backend == TRANSFORMERS:  # routed models: torch's process-wide count
                import torch

                torch.set_num_threads(self.threads)
            return EnginePool(models_dir=self.models_dir, backend=self.backend, device=self.device,
                              compute_type=self.compute_type, **options)  # type: ignore[arg-type]
        if self.threads:
            # Given to the backend itself: a transformers backend sets torch's count from it when it loads
            # (torch.set_num_threads to torch's own default beforehand would be read as "unchosen" and reset).
            from xling.mt.base import backend_class

            kwargs: dict[str, Any] = {"threads": self.threads}
            if self.compute_type and self.compute_type != "default":
                kwargs["compute_type"] = self.compute_type
            return Engine(backend_class(self.backend)(self.model, device=self.device, **kwargs), **options)  # type: ignore[arg-type]
        return engine_for(self.model, backend=self.backend, device=self.device, compute_type=self.compute_type,
                          **options)  # type: ignore[arg-type]


@dataclass
class ShardOutput:
    """What a worker made of (part of) a shard: output rows, error rows, counts, and who made it."""

    index: int
    rows: list[dict[str, Any]] = field(default_factory=list)  # each with "_position" for ordering
    errors: list[dict[str, Any]] = field(default_factory=list)
    sentences: int = 0
    issues: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    worker: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.rows) + len(self.errors)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShardOutput:
        return cls(**data)

    @classmethod
    def merge(cls, parts: Sequence[ShardOutput]) -> ShardOutput:
        """One shard's pieces (Ray may cut a shard's block in several batches), rows in input order."""
        out = cls(parts[0].index, worker=parts[0].worker)
        issues: Counter[str] = Counter()
        for p in parts:
            out.rows += p.rows
            out.errors += p.errors
            out.sentences += p.sentences
            out.seconds += p.seconds
            issues.update(p.issues)
        out.rows.sort(key=lambda r: r["_position"])
        out.errors.sort(key=lambda r: r["position"])
        out.issues = dict(sorted(issues.items()))
        return out


def _error_row(row: Row, error: RowError) -> dict[str, Any]:
    return {"id": row.id, "position": row.position, "code": error.code, "message": error.message}


class ShardWorker:
    """Translates the rows of shards with one model (Engine or EnginePool), in one process.

    Args:
        mode: ``"translate"`` or ``"compare"``.
        spec: the model and decoding settings.
        fields: the output fields of a row.
        source_lang, target_lang: as for translate/compare (``"auto"``: detected per row).
        annotate: link entities and run the QA checks.
    """

    def __init__(self, mode: str, spec: ModelSpec, fields: Sequence[str], source_lang: str = AUTO_LANG,
                 target_lang: str = AUTO_LANG, annotate: bool = True):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode = mode
        self.spec = spec
        self.fields = tuple(fields)
        self.source_lang = source_lang
        self.target_lang = target_lang
        self.annotate = annotate
        self.model = spec.build()
        self.routed = spec.model is None
        self.info: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid()}
        if not self.routed:
            # now, not on the first shard: a model that cannot load stops the run before any row, and a Ray
            # actor counts as ready (and gets work) only once its model is in memory
            self.model.load()

    def _one(self, row: Row) -> Any:
        if self.mode == COMPARE:
            from xling.pipeline.comparison import compare

            return compare(row.text, row.target_text, model=self.model, source_lang=self.source_lang,  # type: ignore[arg-type]
                           target_lang=self.target_lang, annotate=self.annotate)
        from xling.pipeline.translation import translate

        return translate(row.text, model=self.model, source_lang=self.source_lang, unit=self.spec.unit,  # type: ignore[arg-type]
                         annotate_result=self.annotate)

    def _each(self, rows: Sequence[Row]) -> list[Any]:
        """Documents or RowErrors, one row at a time (compare mode, or a batch in which some row failed)."""
        out: list[Any] = []
        for row in rows:
            try:
                out.append(self._one(row))
            except InputError as err:
                out.append(RowError(LANGUAGE, str(err)))
            except ModelUnavailable as err:
                if not self.routed:
                    raise  # the run's one model cannot load: no row can be translated
                out.append(RowError(MODEL_UNAVAILABLE, str(err)))
            except Exception as err:  # noqa: BLE001  (a bad row never stops the run; its error is recorded)
                out.append(RowError(FAILED, f"{type(err).__name__}: {err}"))
        return out

    def _documents(self, rows: Sequence[Row]) -> list[Any]:
        if self.mode == COMPARE or len(rows) < 2:
            return self._each(rows)
        from xling.pipeline.translation import translate

        try:
            return list(translate([r.text for r in rows], model=self.model, source_lang=self.source_lang,  # type: ignore[misc]
                                  unit=self.spec.unit, annotate_result=self.annotate))
        except ModelUnavailable:
            if not self.routed:
                raise
        except Exception:  # noqa: BLE001  (some row failed: find which, one by one)
            pass
        return self._each(rows)

    def process(self, index: int, rows: Sequence[Row]) -> ShardOutput:
        """Translate the rows of shard ``index``; rows with a read error pass straight to the errors."""
        started = time.perf_counter()
        out = ShardOutput(index, worker=dict(self.info))
        good = [r for r in rows if r.error is None]
        issues: Counter[str] = Counter()
        for row in rows:
            if row.error is not None:
                out.errors.append(_error_row(row, row.error))
        for row, result in zip(good, self._documents(good)):
            if isinstance(result, RowError):
                out.errors.append(_error_row(row, result))
                continue
            out.rows.append({**document_fields(row.id, result, self.fields), "_position": row.position})
            out.sentences += len(result.source.sentences)
            issues.update(i.code for i in result.issues)
        out.errors.sort(key=lambda r: r["position"])
        out.issues = dict(sorted(issues.items()))
        out.seconds = time.perf_counter() - started
        return out


# -- progress -------------------------------------------------------------------------------------------
class Progress:
    """A progress bar with articles/s and ETA on a terminal; one log line per ``log_every`` rows otherwise."""

    def __init__(self, total: int, done: int, *, mode: str | None = None, log_every: int = DEFAULT_LOG_EVERY,
                 stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        if mode is None:
            mode = PROGRESS_BAR if getattr(self.stream, "isatty", lambda: False)() else PROGRESS_LOG
        if mode not in PROGRESS_MODES:
            raise ValueError(f"progress must be one of {PROGRESS_MODES}, not {mode!r}")
        if log_every < 1:
            raise ValueError("log_every must be at least 1")
        self.mode, self.total, self.done, self.log_every = mode, total, done, log_every
        self.started = time.perf_counter()
        self.new_rows = self.articles = 0
        self._next_log = done + log_every
        self._bar: Any = None
        if mode == PROGRESS_BAR:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, unit="article", file=self.stream, dynamic_ncols=True,
                             smoothing=0.1, desc="xling batch")

    def update(self, rows: int, articles: int) -> None:
        self.done += rows
        self.new_rows += rows
        self.articles += articles
        if self._bar is not None:
            self._bar.update(rows)
        elif self.mode == PROGRESS_LOG and (self.done >= self._next_log or self.done == self.total):
            self._next_log = self.done + self.log_every
            print(f"xling batch: {self.line()}", file=self.stream, flush=True)

    def line(self) -> str:
        elapsed = time.perf_counter() - self.started
        rate = self.new_rows / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        return (f"{self.done:,}/{self.total:,} rows ({100 * self.done / max(1, self.total):.0f}%), "
                f"{rate:.1f} rows/s, ETA {_duration(eta)}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _duration(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "?"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


# -- the run --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Summary:
    """The outcome of a run (all shards, also those of earlier, interrupted runs) and this run's speed."""

    output: str
    rows: int
    articles: int
    sentences: int
    issues: dict[str, int]
    errors: dict[str, int]
    shards: int
    resumed_shards: int
    seconds: float
    articles_per_second: float
    engine: str
    workers: int

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def report(self) -> str:
        """The summary as a few readable lines."""
        issues = ", ".join(f"{k} {v}" for k, v in self.issues.items()) or "none"
        errors = ", ".join(f"{k} {v}" for k, v in self.errors.items()) or "none"
        resumed = f" ({self.resumed_shards} done before)" if self.resumed_shards else ""
        return (f"{self.articles:,} articles, {self.sentences:,} sentences, {self.error_count:,} errors "
                f"in {self.shards} shards{resumed} -> {self.output}\n"
                f"issues: {issues}\nerrors: {errors}\n"
                f"{self.articles_per_second:.2f} articles/s ({self.seconds:.1f} s, {self.engine}, "
                f"{self.workers} worker(s))")


def _record(spec: ShardSpec, out: ShardOutput) -> ShardRecord:
    return ShardRecord(index=spec.index, first_row=spec.first_row, rows=spec.rows, articles=len(out.rows),
                       sentences=out.sentences, issues=out.issues,
                       errors=dict(Counter(e["code"] for e in out.errors)), file=None, errors_file=None,
                       seconds=round(out.seconds, 3), worker=out.worker)


def translate_corpus(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    mode: str = TRANSLATE,
    input_format: str | None = None,
    text_column: str = "text",
    id_column: str | None = None,
    target_column: str | None = None,
    split: str | None = None,
    source_lang: str = AUTO_LANG,
    target_lang: str = AUTO_LANG,
    fields: Sequence[str] | None = None,
    output_format: str = PARQUET,
    shard_rows: int = DEFAULT_SHARD_ROWS,
    max_chars: int = MAX_INPUT_CHARS,
    engine: str = EMBEDDED,
    workers: int = 1,
    threads_per_worker: int | None = None,
    ray_address: str | None = None,
    model: str | os.PathLike[str] | None = None,
    models_dir: str | os.PathLike[str] | None = None,
    backend: str | None = None,
    compute_type: str | None = None,
    device: str | None = None,
    beam_size: int | None = None,
    unit: str = "sentence",
    max_sentence_tokens: int | None = None,
    batch_tokens: int | None = None,
    cache: str | os.PathLike[str] | None = None,
    annotate: bool = True,
    overwrite: bool = False,
    progress: str | None = None,
    log_every: int = DEFAULT_LOG_EVERY,
    on_shard: Callable[[ShardRecord], None] | None = None,
) -> Summary:
    """Translate (or compare) every row of a corpus into Parquet or JSONL shards in ``output``; resumable.

    Args:
        input: a JSONL, Parquet or CSV file, a folder of ``.txt`` files, a ``datasets`` ``save_to_disk`` folder
            or a hub dataset id.
        output: the folder of shards, errors files and ``manifest.jsonl``. Run again with the same arguments
            after an interruption, it does only what is left and ends as an uninterrupted run would.
        mode: ``"translate"`` or ``"compare"`` (``target_column`` holds the translation to compare with).
        input_format: ``jsonl``, ``parquet``, ``csv``, ``txt``, ``dataset`` (None: from the path).
        text_column, id_column, target_column: the record fields (no ``id_column``: ids hashed from the text;
            a ``.txt`` folder's ids are the files' relative paths).
        split: the split of a datasets input with several.
        source_lang, target_lang: ``"auto"`` detects each row's language (and routes it to its model).
        fields: output fields (see :data:`xling.batch.sinks.FIELDS`; default id, source_lang, source, target,
            document).
        output_format: ``"parquet"`` or ``"jsonl"``.
        shard_rows: rows per shard (the unit of batching and resuming).
        max_chars: longer texts are ``oversized`` errors.
        engine: ``"embedded"`` (this process) or ``"ray"`` (Ray Data actors, the ``ray`` extra).
        workers, threads_per_worker: Ray actors (one model each) and each one's threads.
        ray_address: an existing cluster (``auto``, ``HOST:PORT``, ``ray://HOST:10001``); None starts a local
            Ray for the run.
        model, models_dir, backend, compute_type, device, beam_size, unit, max_sentence_tokens, batch_tokens:
            as for :func:`xling.translate`; the backend defaults to CTranslate2 when it is installed.
        cache: a sqlite translation cache file shared across runs (default: in memory).
        annotate: link entities and run the QA checks.
        overwrite: delete an earlier run's files in ``output`` instead of resuming it.
        progress: ``"bar"``, ``"log"`` or ``"none"`` (None: a bar on a terminal, else log lines).
        log_every: rows between log lines.
        on_shard: called with each shard's record once it is written.

    Returns:
        the :class:`Summary` (also written to ``output/summary.json``).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if threads_per_worker is not None and threads_per_worker < 1:
        raise ValueError("threads_per_worker must be at least 1")
    if engine == EMBEDDED and (workers != 1 or ray_address):
        raise ValueError("workers and ray_address are for engine='ray'; the embedded engine is one process")
    if (mode == COMPARE) != (target_column is not None):
        raise ValueError("compare mode needs target_column (the second text), and only compare mode takes one")
    out_fields = check_fields(fields) if fields is not None else DEFAULT_FIELDS
    columns = Columns(text=text_column, id=id_column, target=target_column, max_chars=max_chars)
    source = open_source(input, input_format=input_format, columns=columns, split=split)
    spec = ModelSpec(
        model=_local_path(model or os.environ.get("XLING_MODEL") or None),
        models_dir=_local_path(models_dir),
        backend=batch_backend(backend), compute_type=compute_type, device=device, beam_size=beam_size, unit=unit,
        max_sentence_tokens=max_sentence_tokens, batch_tokens=batch_tokens,
        cache_path=os.fspath(cache) if cache else None, threads=threads_per_worker,
    )
    config = {
        "input": source.fingerprint(), "columns": dataclasses.asdict(columns), "mode": mode,
        "source_lang": source_lang, "target_lang": target_lang, "fields": list(out_fields),
        "output_format": output_format, "shard_rows": shard_rows, "model": spec.describe(), "annotate": annotate,
    }
    sink = Output(output, output_format)
    done = sink.open(config, overwrite=overwrite)
    plan = list(source.plan(shard_rows))
    pending = [s for s in plan if s.index not in done]
    records: dict[int, ShardRecord] = {i: r for i, r in done.items() if i < len(plan)}
    bar = Progress(count_rows(plan), count_rows(plan) - count_rows(pending), mode=progress, log_every=log_every)
    started = time.perf_counter()

    def finish(shard: ShardSpec, result: ShardOutput) -> None:
        rows = [{k: v for k, v in r.items() if k != "_position"} for r in result.rows]
        record = sink.write_shard(_record(shard, result), rows, result.errors, out_fields)
        records[shard.index] = record
        bar.update(shard.rows, record.articles)
        if on_shard is not None:
            on_shard(record)

    worker_args = dict(mode=mode, spec=spec, fields=out_fields, source_lang=source_lang, target_lang=target_lang,
                       annotate=annotate)
    try:
        if pending and engine == EMBEDDED:
            _run_embedded(source, pending, worker_args, finish)
        elif pending:
            from xling.batch.ray_engine import run_on_ray

            run_on_ray(source, pending, worker_args, finish, workers=workers, threads_per_worker=threads_per_worker,
                       address=ray_address)
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    all_records = [records[i] for i in sorted(records)]
    summary = Summary(
        output=os.fspath(output), rows=sum(r.rows for r in all_records),
        articles=sum(r.articles for r in all_records), sentences=sum(r.sentences for r in all_records),
        issues=merge_counts(r.issues for r in all_records), errors=merge_counts(r.errors for r in all_records),
        shards=len(all_records), resumed_shards=len(plan) - len(pending), seconds=round(seconds, 3),
        articles_per_second=round(bar.articles / seconds, 3) if seconds > 0 else 0.0, engine=engine,
        workers=workers,
    )
    sink.write_summary(summary.to_dict())
    return summary


def _local_path(model: str | os.PathLike[str] | None) -> str | None:
    """A model or folder as every worker can find it: an existing local path made absolute, a hub id as is."""
    if not model:
        return None
    return os.path.abspath(model) if os.path.exists(model) else os.fspath(model)


def _run_embedded(source: Source, pending: Sequence[ShardSpec], worker_args: dict[str, Any],
                  finish: Callable[[ShardSpec, ShardOutput], None]) -> None:
    worker = ShardWorker(**worker_args)
    for shard in pending:
        finish(shard, worker.process(shard.index, source.read(shard)))
