"""Output of a batch run: shards (Parquet or JSONL), errors files, and the manifest that makes it resumable.

An OUTPUT folder holds::

    manifest.jsonl        line 1: the run's settings and input fingerprint; then one line per finished shard
    part-00000.parquet    the translated rows of shard 0 (or .jsonl), one row per article
    errors-00000.jsonl    the rows of shard 0 that could not be translated, with their error (only if any)
    summary.json          written when the run is complete

Exactly once: a shard is written to a hidden temporary file, flushed to disk and renamed into place (so no
partial shard is ever visible), and only then recorded in the manifest (one appended, flushed line). A run
killed at any point leaves either a recorded shard, or an unrecorded one that the next run writes again under
the same name, with the same rows: every input row ends up in exactly one recorded shard. A torn last manifest
line (killed while appending) is ignored and cut off; leftover temporary files are removed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xling.errors import InputError

PARQUET = "parquet"
JSONL = "jsonl"
#: Shard formats (``output_format``).
OUTPUT_FORMATS = (PARQUET, JSONL)
MANIFEST = "manifest.jsonl"
SUMMARY = "summary.json"
PART_PREFIX = "part-"
ERRORS_PREFIX = "errors-"
TEMP_PREFIX = ".tmp-"
#: Bump when the layout of OUTPUT changes: a manifest of another version is not resumed.
MANIFEST_VERSION = 1

# -- output fields ----------------------------------------------------------------------------------------
#: Fields of a row that are plain text; the others hold JSON text (Parquet columns are all strings).
TEXT_FIELDS = ("id", "source_lang", "target_lang", "source", "target")
JSON_FIELDS = ("document", "settings", "alignment", "entities", "issues", "sentences")
#: What ``fields`` accepts.
FIELDS = TEXT_FIELDS + JSON_FIELDS
DEFAULT_FIELDS = ("id", "source_lang", "source", "target", "document")
#: The columns of an errors file.
ERROR_FIELDS = ("id", "position", "code", "message")


def check_fields(fields: Sequence[str] | None) -> tuple[str, ...]:
    """The output fields, validated (None: :data:`DEFAULT_FIELDS`); ``id`` always comes first."""
    if fields is None:
        return DEFAULT_FIELDS
    if isinstance(fields, str):
        raise TypeError("fields must be a list of field names, not a str")
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(map(repr, unknown))}; choose from {', '.join(FIELDS)}")
    return ("id", *dict.fromkeys(f for f in fields if f != "id"))


def document_fields(ident: str, doc: Any, fields: Sequence[str]) -> dict[str, str]:
    """The output row of one Document: each field as text (JSON text for the structured ones)."""
    data = doc.to_dict()
    values: dict[str, Any] = {
        "id": ident,
        "source_lang": doc.source.lang,
        "target_lang": doc.target.lang,
        "source": doc.source.text,
        "target": doc.target.text,
        "document": data,
        "settings": data["settings"],
        "alignment": data["alignment"],
        "entities": data["entities"],
        "issues": data["issues"],
        "sentences": {"paragraphs": data["paragraphs"], "sentences": data["sentences"]},
    }
    return {f: values[f] if f in TEXT_FIELDS else json.dumps(values[f], ensure_ascii=False) for f in fields}


@dataclass
class ShardRecord:
    """A finished shard as the manifest records it: what it holds, where, and who made it."""

    index: int
    first_row: int
    rows: int
    articles: int
    sentences: int
    issues: dict[str, int]
    errors: dict[str, int]
    file: str | None
    errors_file: str | None
    seconds: float = 0.0
    worker: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShardRecord:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, write: Any) -> None:
    """Write ``path`` through ``write(tmp_path)`` into a hidden temporary file, fsync it, rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _write_jsonl(tmp: str, rows: Iterable[Mapping[str, Any]]) -> None:
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_parquet(tmp: str, rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(f, pa.string()) for f in fields])
    table = pa.Table.from_pylist(list(rows), schema=schema)
    pq.write_table(table, tmp)


class Output:
    """An OUTPUT folder: shard writing, the manifest, resuming."""

    def __init__(self, path: str | os.PathLike[str], output_format: str = PARQUET):
        if output_format not in OUTPUT_FORMATS:
            raise ValueError(f"output_format must be one of {OUTPUT_FORMATS}, not {output_format!r}")
        self.path = Path(path)
        self.format = output_format
        self.manifest = self.path / MANIFEST

    # -- starting or resuming ------------------------------------------------------------------------------
    def open(self, config: Mapping[str, Any], *, overwrite: bool = False) -> dict[int, ShardRecord]:
        """Start the run recorded by ``config``, or resume it: the shards already finished, by index.

        Raises InputError when OUTPUT holds something else: another run's manifest (other settings or a changed
        input) or files that are not a run's, unless ``overwrite`` (then those are deleted).
        """
        if self.path.exists() and not self.path.is_dir():
            raise InputError(f"{self.path} exists and is not a folder: OUTPUT is a folder of shards")
        self.path.mkdir(parents=True, exist_ok=True)
        header = json.loads(json.dumps({"xling_batch": MANIFEST_VERSION, "config": dict(config)}))
        done: dict[int, ShardRecord] = {}
        if overwrite:
            self._clear()
        elif self.manifest.exists():
            done = self._resume(header)
        elif any(self._ours(p) for p in self.path.iterdir()):
            raise InputError(f"{self.path} holds shards but no manifest: remove them, or pass --overwrite")
        if not self.manifest.exists():
            _atomic_write(self.manifest, lambda tmp: _write_jsonl(tmp, [header]))
        for temp in self.path.glob(TEMP_PREFIX + "*"):
            temp.unlink(missing_ok=True)  # a killed run's half-written shard
        (self.path / SUMMARY).unlink(missing_ok=True)
        return done

    def _ours(self, p: Path) -> bool:
        return p.name in (MANIFEST, SUMMARY) or p.name.startswith((PART_PREFIX, ERRORS_PREFIX, TEMP_PREFIX))

    def _clear(self) -> None:
        for p in self.path.iterdir():
            if p.is_file() and self._ours(p):
                p.unlink()

    def _resume(self, header: Mapping[str, Any]) -> dict[int, ShardRecord]:
        with open(self.manifest, "rb") as fh:
            data = fh.read()
        *lines, torn = data.split(b"\n")  # ``torn``: b"" unless the run was killed while appending a line
        done: dict[int, ShardRecord] = {}
        for n, line in enumerate(lines):
            try:
                entry = json.loads(line)
            except ValueError:
                raise InputError(f"{self.manifest} line {n + 1} is not JSON: the folder is damaged; "
                                 "use a new OUTPUT folder or --overwrite") from None
            if n == 0:
                self._check_header(entry, header)
            else:
                record = ShardRecord.from_dict(entry)
                done[record.index] = record
        if not lines:
            raise InputError(f"{self.manifest} is empty: use a new OUTPUT folder or --overwrite")
        if torn:
            with open(self.manifest, "rb+") as fh:
                fh.truncate(len(data) - len(torn))
        return done

    def _check_header(self, entry: Any, header: Mapping[str, Any]) -> None:
        if entry == header:
            return
        old = entry.get("config", {}) if isinstance(entry, dict) else {}
        new = header["config"]
        differs = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        raise InputError(f"{self.path} holds a run with other settings or another input (differs in: "
                         f"{', '.join(differs) or 'version'}); use a new OUTPUT folder or --overwrite")

    # -- writing -----------------------------------------------------------------------------------------
    def part_name(self, index: int) -> str:
        return f"{PART_PREFIX}{index:05d}.{self.format}"

    def errors_name(self, index: int) -> str:
        return f"{ERRORS_PREFIX}{index:05d}.{JSONL}"

    def write_shard(
        self,
        record: ShardRecord,
        rows: Sequence[Mapping[str, Any]],
        errors: Sequence[Mapping[str, Any]],
        fields: Sequence[str],
    ) -> ShardRecord:
        """Write one shard's rows and errors (each atomically), then record it in the manifest."""
        record.file = record.errors_file = None
        if errors:
            record.errors_file = self.errors_name(record.index)
            _atomic_write(self.path / record.errors_file, lambda tmp: _write_jsonl(tmp, errors))
        else:
            (self.path / self.errors_name(record.index)).unlink(missing_ok=True)
        if rows:
            record.file = self.part_name(record.index)
            if self.format == PARQUET:
                _atomic_write(self.path / record.file, lambda tmp: _write_parquet(tmp, rows, fields))
            else:
                _atomic_write(self.path / record.file, lambda tmp: _write_jsonl(tmp, rows))
        else:
            (self.path / self.part_name(record.index)).unlink(missing_ok=True)
        with open(self.manifest, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return record

    def write_summary(self, summary: Mapping[str, Any]) -> None:
        _atomic_write(self.path / SUMMARY,
                      lambda tmp: Path(tmp).write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n"))


# -- reading an output back ------------------------------------------------------------------------------
def shard_records(output: str | os.PathLike[str]) -> list[ShardRecord]:
    """The finished shards of an OUTPUT folder, in input order."""
    path = Path(output) / MANIFEST
    if not path.exists():
        raise InputError(f"{output} has no {MANIFEST}: it is not the output of xling batch")
    records: dict[int, ShardRecord] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n == 0 or not line.endswith("\n"):
                continue
            record = ShardRecord.from_dict(json.loads(line))
            records[record.index] = record
    return [records[k] for k in sorted(records)]


def _read_shard(path: Path) -> Iterator[dict[str, Any]]:
    if path.suffix == f".{PARQUET}":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        for g in range(pf.metadata.num_row_groups):
            yield from pf.read_row_group(g).to_pylist()
    else:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)


def read_rows(output: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The translated rows of an OUTPUT folder, shard by shard in input order (streamed)."""
    for record in shard_records(output):
        if record.file:
            yield from _read_shard(Path(output) / record.file)


def read_errors(output: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The rows that could not be translated, with ``code`` and ``message``, in input order."""
    for record in shard_records(output):
        if record.errors_file:
            yield from _read_shard(Path(output) / record.errors_file)


def merge_counts(counters: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """Counts by code, summed over shards, most frequent first."""
    total: Counter[str] = Counter()
    for c in counters:
        total.update(c)
    return dict(total.most_common())
