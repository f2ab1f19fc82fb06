"""Corpus readers: JSONL, Parquet, CSV, a folder of ``.txt`` files, a Hugging Face ``datasets`` dataset.

A :class:`Source` is planned into shards of consecutive rows (:meth:`Source.plan`, one streaming pass that keeps
one small :class:`ShardSpec` per shard: where the shard starts and how many rows it has) and each shard is read
on its own (:meth:`Source.read`), by the driver (embedded engine) or by a Ray read task. A shard's rows are the
same on every read, so a resumed run redoes exactly the shards it had not finished.

Every input row becomes a :class:`Row`. A row that cannot be translated (undecodable bytes, binary data, empty,
oversized, not JSON, no text) carries a :class:`RowError` instead of failing the run. Reading is bounded: a line,
field or file over the character limit is skipped in chunks, never held whole in memory.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from xling.errors import InputError
from xling.text.reading import BYTES_PER_CHAR, CHUNK_BYTES, MAX_INPUT_CHARS, check_text, decode_bytes

# -- input formats --------------------------------------------------------------------------------------
JSONL = "jsonl"
PARQUET = "parquet"
CSV = "csv"
TEXT_FOLDER = "txt"
DATASET = "dataset"
#: What ``input_format`` accepts (None: guessed from the path, see :func:`guess_format`).
INPUT_FORMATS = (JSONL, PARQUET, CSV, TEXT_FOLDER, DATASET)
_SUFFIXES = {".jsonl": JSONL, ".ndjson": JSONL, ".json": JSONL, ".parquet": PARQUET, ".pq": PARQUET,
             ".csv": CSV, ".tsv": CSV}
#: A Hugging Face hub dataset id (``owner/name``), tried when INPUT is not a path here.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
#: Files a ``datasets`` ``save_to_disk`` folder holds (a Dataset; a DatasetDict has dataset_dict.json).
_DATASET_MARKERS = ("dataset_info.json", "state.json", "dataset_dict.json")

DEFAULT_TEXT_COLUMN = "text"
TEXT_SUFFIX = ".txt"

# -- row error codes ----------------------------------------------------------------------------------
EMPTY = "empty"
BINARY = "binary"
OVERSIZED = "oversized"
UNDECODABLE = "undecodable"
INVALID_RECORD = "invalid-record"
MISSING_TEXT = "missing-text"
#: Codes a reader gives; translation adds its own (see xling.batch.runner).
READ_ERRORS = (EMPTY, BINARY, OVERSIZED, UNDECODABLE, INVALID_RECORD, MISSING_TEXT)

#: JSON escapes (``\\uXXXX``) take up to 6 bytes a character; a record line gets this much room per character.
JSON_BYTES_PER_CHAR = 6
#: Room for the other fields of a record line.
RECORD_OVERHEAD_BYTES = 1 << 16
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # an undecodable byte kept by surrogateescape


@dataclass(frozen=True)
class RowError:
    """Why a row was not translated: a code (:data:`READ_ERRORS` or the runner's) and a message."""

    code: str
    message: str


@dataclass(frozen=True)
class Row:
    """One input row: its position in the input (0-based), id, text(s), or the error that stops it."""

    position: int
    id: str
    text: str | None
    target_text: str | None = None
    error: RowError | None = None


@dataclass(frozen=True)
class ShardSpec:
    """Consecutive rows of the input: shard ``index`` starts at ``start`` (a byte offset or a row index, as the
    source defines it) with row number ``first_row`` and holds ``rows`` rows."""

    index: int
    start: int
    first_row: int
    rows: int


@dataclass(frozen=True)
class Columns:
    """Which fields of a record hold the text, the id and (compare mode) the second text; the size limit."""

    text: str = DEFAULT_TEXT_COLUMN
    id: str | None = None
    target: str | None = None
    max_chars: int = MAX_INPUT_CHARS

    def __post_init__(self) -> None:
        if self.max_chars < 1:
            raise ValueError("max_chars must be at least 1")


def content_id(text: str, target_text: str | None = None) -> str:
    """The id of a row without an id column: a hash of its text(s), the same on every run."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(text.encode("utf-8", "surrogatepass"))
    if target_text is not None:
        digest.update(b"\0" + target_text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _raw_id(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def decode_value(data: bytes, name: str, max_chars: int) -> str | RowError:
    """Text from bytes, or the row error: binary (NUL bytes), undecodable, oversized."""
    if len(data) > BYTES_PER_CHAR * (max_chars + 1):
        return RowError(OVERSIZED, f"{name} is over the limit of {max_chars:,} characters")
    try:
        text = decode_bytes(data, name)
    except InputError as err:
        return RowError(BINARY if b"\x00" in data[:CHUNK_BYTES] else UNDECODABLE, str(err))
    return text


def check_value(value: Any, name: str, max_chars: int) -> str | RowError:
    """A text value of a record, checked: a str within the limit, with letters or digits, not binary noise."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = decode_value(bytes(value), name, max_chars)
        if isinstance(value, RowError):
            return value
    if value is None:
        return RowError(MISSING_TEXT, f"{name} is missing (null)")
    if not isinstance(value, str):
        return RowError(MISSING_TEXT, f"{name} is a {type(value).__name__}, not text")
    escaped = _ESCAPED_BYTE.search(value)
    if escaped:
        return RowError(UNDECODABLE, f"{name} is not valid UTF-8 (undecodable byte at character {escaped.start()})")
    if len(value) > max_chars:
        return RowError(OVERSIZED, f"{name} has {len(value):,} characters, over the limit of {max_chars:,}")
    if not any(ch.isalnum() for ch in value):
        return RowError(EMPTY, f"{name} is empty: it has no letters or digits to translate")
    try:
        check_text(value, name=name, max_chars=max_chars)
    except InputError as err:  # what is left: control characters or lone surrogates
        return RowError(BINARY, str(err))
    return value


def row_from_record(position: int, record: Any, columns: Columns, label: str) -> Row:
    """A Row from one parsed record (a mapping of field names to values)."""
    if not isinstance(record, Mapping):
        return Row(position, _raw_id(repr(record).encode()), None,
                   error=RowError(INVALID_RECORD, f"{label} is a {type(record).__name__}, not an object"))
    ident = record.get(columns.id) if columns.id else None
    if columns.text not in record:
        return Row(position, _record_id(ident, record), None,
                   error=RowError(MISSING_TEXT, f"{label} has no field {columns.text!r}"))
    text = check_value(record[columns.text], f"{label} {columns.text!r}", columns.max_chars)
    target: str | RowError | None = None
    if columns.target is not None:
        if columns.target not in record:
            target = RowError(MISSING_TEXT, f"{label} has no field {columns.target!r}")
        else:
            target = check_value(record[columns.target], f"{label} {columns.target!r}", columns.max_chars)
    error = text if isinstance(text, RowError) else target if isinstance(target, RowError) else None
    if error is not None:
        return Row(position, _record_id(ident, record), None, error=error)
    assert isinstance(text, str) and not isinstance(target, RowError)
    return Row(position, str(ident) if ident is not None else content_id(text, target), text, target)


def _record_id(ident: Any, record: Mapping[str, Any]) -> str:
    if ident is not None:
        return str(ident)
    return _raw_id(json.dumps(record, default=repr, sort_keys=True, ensure_ascii=False)
                   .encode("utf-8", "surrogatepass"))


# -- sources ------------------------------------------------------------------------------------------
class Source(ABC):
    """A corpus: planned into shards, read shard by shard; picklable (Ray read tasks read shards themselves)."""

    format: str

    def __init__(self, path: str, columns: Columns):
        self.path = path
        self.columns = columns

    @abstractmethod
    def plan(self, shard_rows: int) -> Iterator[ShardSpec]:
        """The shards of ``shard_rows`` rows (the last may hold fewer), in input order, streaming."""

    @abstractmethod
    def read(self, spec: ShardSpec) -> list[Row]:
        """The rows of one shard."""

    def fingerprint(self) -> dict[str, Any]:
        """What identifies this input's contents cheaply (a resumed run checks it has not changed)."""
        path = Path(self.path)
        if path.is_dir():
            from xling.mt.ct2 import model_fingerprint  # hash of names, sizes and mtimes of a folder's files

            state = model_fingerprint(path)
        else:
            stat = path.stat()
            state = f"{stat.st_size}:{stat.st_mtime_ns}"
        return {"path": str(path.resolve()), "format": self.format, "state": state}


def _shards(counts: Iterator[tuple[int, int]], shard_rows: int) -> Iterator[ShardSpec]:
    """Cut (start position, row number) pairs, one per row, into shards of ``shard_rows`` rows."""
    if shard_rows < 1:
        raise ValueError("shard_rows must be at least 1")
    index = 0
    first: tuple[int, int] | None = None
    n = 0
    for start, row in counts:
        if first is None:
            first = (start, row)
        n += 1
        if n == shard_rows:
            yield ShardSpec(index, first[0], first[1], n)
            index, first, n = index + 1, None, 0
    if first is not None:
        yield ShardSpec(index, first[0], first[1], n)


def _ranges(total: int, shard_rows: int) -> Iterator[ShardSpec]:
    return _shards(((i, i) for i in range(total)), shard_rows)


def _lines(fh: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(offset, line) for each line of a binary file from its current position; None for a line over
    ``limit`` bytes, which is skipped in chunks (never held whole)."""
    offset = fh.tell()
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        size = len(line)
        if size > limit and not line.endswith(b"\n"):
            while True:
                more = fh.readline(CHUNK_BYTES)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield offset, None
        else:
            yield offset, line
        offset += size


class JsonlSource(Source):
    """One JSON object per line; blank lines are not rows. Shards start at byte offsets."""

    format = JSONL

    def _line_limit(self) -> int:
        return JSON_BYTES_PER_CHAR * (self.columns.max_chars + 1) * (2 if self.columns.target else 1) \
            + RECORD_OVERHEAD_BYTES

    def _records(self, start: int) -> Iterator[tuple[int, bytes | None]]:
        with open(self.path, "rb") as fh:
            fh.seek(start)
            for offset, line in _lines(fh, self._line_limit()):
                if line is None or line.strip():
                    yield offset, line

    def plan(self, shard_rows: int) -> Iterator[ShardSpec]:
        return _shards(((offset, row) for row, (offset, _) in enumerate(self._records(0))), shard_rows)

    def read(self, spec: ShardSpec) -> list[Row]:
        rows = []
        for k, (offset, line) in enumerate(self._records(spec.start)):
            if k == spec.rows:
                break
            rows.append(self._row(spec.first_row + k, offset, line))
        return rows

    def _row(self, position: int, offset: int, line: bytes | None) -> Row:
        label = f"line {position + 1}"
        if line is None:
            return Row(position, f"offset-{offset}", None,
                       error=RowError(OVERSIZED, f"{label} is over the limit of {self.columns.max_chars:,} characters"))
        text = decode_value(line, label, self.columns.max_chars * JSON_BYTES_PER_CHAR)
        if isinstance(text, RowError):
            return Row(position, self._id_of_undecodable(line) or _raw_id(line), None, error=text)
        try:
            record = json.loads(text)
        except json.JSONDecodeError as err:
            return Row(position, _raw_id(line), None, error=RowError(INVALID_RECORD, f"{label} is not JSON: {err}"))
        return row_from_record(position, record, self.columns, label)

    def _id_of_undecodable(self, line: bytes) -> str | None:
        """The id column of a record line that is not UTF-8, when the rest of it parses."""
        if not self.columns.id or b"\x00" in line:
            return None
        try:
            record = json.loads(line.decode("utf-8", "surrogateescape"))
        except json.JSONDecodeError:
            return None
        ident = record.get(self.columns.id) if isinstance(record, dict) else None
        return None if ident is None or _ESCAPED_BYTE.search(str(ident)) else str(ident)


class CsvSource(Source):
    """A CSV (or, by suffix ``.tsv``, tab-separated) file with a header row; quoted newlines allowed.

    Shards start at byte offsets of records. A physical line over the limit makes its record an
    ``oversized`` row (the rest of that line is skipped).
    """

    format = CSV

    def __init__(self, path: str, columns: Columns):
        super().__init__(path, columns)
        self.delimiter = "\t" if path.lower().endswith(".tsv") else ","
        with open(path, "rb") as fh:
            header = next(self._records(fh), None)
        if header is None or not header[1]:
            raise InputError(f"{path} is empty: a CSV input needs a header row naming its columns")
        self.header = header[1]
        self.data_start = header[2]

    def _records(self, fh: BinaryIO) -> Iterator[tuple[int, list[str] | None, int]]:
        """(start offset, fields or None for an oversized line, end offset) for each record from here."""
        limit = BYTES_PER_CHAR * (self.columns.max_chars + 1) * (2 if self.columns.target else 1) \
            + RECORD_OVERHEAD_BYTES
        state = {"offset": fh.tell(), "oversized": False}

        def lines() -> Iterator[str]:
            for offset, line in _lines(fh, limit):
                state["offset"] = offset + (len(line) if line is not None else 0)
                if line is None:
                    state["oversized"] = True
                    yield "\n"
                else:
                    yield line.decode("utf-8", "surrogateescape")

        csv.field_size_limit(max(csv.field_size_limit(), limit))
        reader = csv.reader(lines(), delimiter=self.delimiter)
        while True:
            start = state["offset"]
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:
                fields = None
            end = state["offset"]
            if state["oversized"]:
                state["oversized"] = False
                yield start, None, end
            elif fields:  # a blank line is no record
                yield start, fields, end

    def plan(self, shard_rows: int) -> Iterator[ShardSpec]:
        def starts() -> Iterator[tuple[int, int]]:
            with open(self.path, "rb") as fh:
                fh.seek(self.data_start)
                for row, (start, _, _) in enumerate(self._records(fh)):
                    yield start, row

        return _shards(starts(), shard_rows)

    def read(self, spec: ShardSpec) -> list[Row]:
        rows = []
        with open(self.path, "rb") as fh:
            fh.seek(spec.start)
            for k, (start, fields, _) in enumerate(self._records(fh)):
                if k == spec.rows:
                    break
                position = spec.first_row + k
                label = f"record {position + 1}"
                if fields is None:
                    rows.append(Row(position, f"offset-{start}", None, error=RowError(
                        OVERSIZED, f"{label} is over the limit of {self.columns.max_chars:,} characters (or malformed)")))
                else:
                    rows.append(row_from_record(position, dict(zip(self.header, fields)), self.columns, label))
        return rows


class ParquetSource(Source):
    """A Parquet file; shards are row ranges, read a row group at a time (only the needed columns)."""

    format = PARQUET

    def __init__(self, path: str, columns: Columns):
        super().__init__(path, columns)
        self._file: Any = None
        self._group: tuple[int, list[dict[str, Any]]] | None = None  # the last row group read

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_file": None, "_group": None}

    def _parquet(self) -> Any:
        if self._file is None:
            import pyarrow.parquet as pq

            self._file = pq.ParquetFile(self.path)
        return self._file

    def plan(self, shard_rows: int) -> Iterator[ShardSpec]:
        return _ranges(self._parquet().metadata.num_rows, shard_rows)

    def read(self, spec: ShardSpec) -> list[Row]:
        pf = self._parquet()
        names = set(pf.schema_arrow.names)
        wanted = [c for c in (self.columns.text, self.columns.id, self.columns.target) if c and c in names]
        records: list[dict[str, Any]] = []
        group_start = 0
        for g in range(pf.metadata.num_row_groups):
            n = pf.metadata.row_group(g).num_rows
            lo, hi = max(spec.start, group_start), min(spec.start + spec.rows, group_start + n)
            if lo < hi:
                if self._group is None or self._group[0] != g:
                    self._group = (g, pf.read_row_group(g, columns=wanted).to_pylist())
                records.extend(self._group[1][lo - group_start : hi - group_start])
            group_start += n
        return [row_from_record(spec.first_row + k, r, self.columns, f"row {spec.first_row + k + 1}")
                for k, r in enumerate(records)]


class TextFolderSource(Source):
    """A folder of ``.txt`` files (searched recursively, in path order), one article each, id = relative path."""

    format = TEXT_FOLDER

    def __init__(self, path: str, columns: Columns):
        super().__init__(path, columns)
        if columns.target is not None:
            raise InputError("compare mode needs a second text per row: give a JSONL, CSV, Parquet or datasets input "
                             "with --target-column, not a folder of .txt files")
        root = Path(path)
        self.files = sorted(p.relative_to(root).as_posix() for p in root.rglob(f"*{TEXT_SUFFIX}") if p.is_file())
        if not self.files:
            raise InputError(f"{path} has no {TEXT_SUFFIX} files")

    def plan(self, shard_rows: int) -> Iterator[ShardSpec]:
        return _ranges(len(self.files), shard_rows)

    def read(self, spec: ShardSpec) -> list[Row]:
        limit = BYTES_PER_CHAR * (self.columns.max_chars + 1)
        rows = []
        for position in range(spec.start, spec.start + spec.rows):
            name = self.files[position]
            try:
                with open(Path(self.path) / name, "rb") as fh:
                    data = fh.read(limit + 1)
            except OSError as err:
                rows.append(Row(position, name, None, error=RowError(UNDECODABLE, f"{name} cannot be read: {err}")))
                continue
            value = check_value(data, name, self.columns.max_chars)
            if isinstance(value, RowError):
                rows.append(Row(position, name, None, error=value))
            else:
                rows.append(Row(position, name, value))
        return rows


class DatasetSource(Source):
    """A Hugging Face ``datasets`` dataset: a ``save_to_disk`` folder, or a hub id where the network allows."""

    format = DATASET

    def __init__(self, path: str, columns: Columns, split: str | None = None):
        super().__init__(path, columns)
        self.split = split
        self._dataset: Any = None
        self._dataset_len = len(self._data())

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_dataset": None}

    def _data(self) -> Any:
        if self._dataset is None:
            import datasets

            try:
                if Path(self.path).exists():
                    data = datasets.load_from_disk(self.path)
                else:
                    data = datasets.load_dataset(self.path, split=self.split)
            except Exception as err:  # datasets raises many types (FileNotFoundError, ConnectionError, ...)
                raise InputError(f"{self.path} cannot be loaded as a datasets dataset: {type(err).__name__}: {err}") from None
            if isinstance(data, datasets.DatasetDict):
                splits = list(data)
                if self.split is None and len(splits) == 1:
                    self.split = splits[0]
                if self.split not in data:
                    raise InputError(f"{self.path} has splits {', '.join(splits)}: choose one with --split")
                data = data[self.split]
            self._dataset = data
        return self._dataset

    def plan(self, shard_rows: int) -> Iterator[ShardSpec]:
        return _ranges(self._dataset_len, shard_rows)

    def read(self, spec: ShardSpec) -> list[Row]:
        data = self._data()
        wanted = [c for c in (self.columns.text, self.columns.id, self.columns.target) if c and c in data.column_names]
        chunk = data.select_columns(wanted)[spec.start : spec.start + spec.rows]
        records = [dict(zip(chunk, values)) for values in zip(*chunk.values())] if chunk else []
        return [row_from_record(spec.first_row + k, r, self.columns, f"row {spec.first_row + k + 1}")
                for k, r in enumerate(records)]

    def fingerprint(self) -> dict[str, Any]:
        if Path(self.path).exists():
            return {**super().fingerprint(), "split": self.split}
        return {"path": self.path, "format": self.format, "split": self.split,
                "state": getattr(self._data(), "_fingerprint", "")}


_SOURCES: dict[str, type[Source]] = {JSONL: JsonlSource, CSV: CsvSource, PARQUET: ParquetSource,
                                     TEXT_FOLDER: TextFolderSource, DATASET: DatasetSource}


def guess_format(path: str | os.PathLike[str]) -> str:
    """The input format of ``path``: by suffix for files; a datasets folder, or else a folder of .txt files."""
    p = Path(path)
    if p.is_dir():
        return DATASET if any((p / marker).is_file() for marker in _DATASET_MARKERS) else TEXT_FOLDER
    if p.is_file():
        fmt = _SUFFIXES.get(p.suffix.lower())
        if fmt is None:
            raise InputError(f"cannot tell the format of {p} from its suffix; name it with --input-format "
                             f"({', '.join(INPUT_FORMATS)})")
        return fmt
    if _HUB_ID.match(str(path)):
        return DATASET
    raise InputError(f"{path}: no such file or folder")


def open_source(
    path: str | os.PathLike[str],
    *,
    input_format: str | None = None,
    columns: Columns = Columns(),
    split: str | None = None,
) -> Source:
    """The Source for ``path`` (format from ``input_format`` or :func:`guess_format`)."""
    fmt = input_format or guess_format(path)
    if fmt not in _SOURCES:
        raise ValueError(f"input_format must be one of {INPUT_FORMATS}, not {fmt!r}")
    if split is not None and fmt != DATASET:
        raise ValueError("split is for a datasets input")
    if fmt == DATASET:
        return DatasetSource(os.fspath(path), columns, split)
    if not Path(path).exists():
        raise InputError(f"{path}: no such file or folder")
    return _SOURCES[fmt](os.fspath(path), columns)


def count_rows(specs: Sequence[ShardSpec]) -> int:
    """How many rows the shards hold."""
    return sum(s.rows for s in specs)


__all__ = [
    "INPUT_FORMATS", "READ_ERRORS", "Columns", "Row", "RowError", "ShardSpec", "Source", "content_id",
    "decode_value", "check_value", "guess_format", "open_source", "row_from_record", "count_rows",
]

