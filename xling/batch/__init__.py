"""Translating a corpus: ``xling batch INPUT OUTPUT`` and :func:`translate_corpus`.

sources.py reads the inputs (JSONL, Parquet, CSV, a folder of .txt files, a datasets dataset) shard by shard;
sinks.py writes the shards, errors files and the manifest that makes a run resumable and exactly-once;
runner.py plans the run and translates on the embedded engine; ray_engine.py runs the same workers on Ray Data.
Nothing heavy (pyarrow, ray, a model) is imported until a run starts.
"""

from __future__ import annotations

from xling.batch.runner import ENGINES, MODES, Summary, translate_corpus
from xling.batch.sinks import FIELDS, OUTPUT_FORMATS, read_errors, read_rows, shard_records
from xling.batch.sources import INPUT_FORMATS

__all__ = ["ENGINES", "FIELDS", "INPUT_FORMATS", "MODES", "OUTPUT_FORMATS", "Summary", "read_errors", "read_rows",
           "shard_records", "translate_corpus"]
