"""The Ray Data engine: read tasks read the pending shards, an actor pool (one model per actor) translates them.

``ray.data.read_datasource`` gets one read task per pending shard (each reads its rows from the input itself,
so the driver never holds the corpus), ``map_batches`` runs :class:`~xling.batch.runner.ShardWorker` in
``workers`` actors, and the driver streams the results back and writes each shard as soon as all its rows are
in (the manifest and the shard files are written in one place, as with the embedded engine).

Sizing: an actor asks for ``threads_per_worker`` CPUs, unless the cluster cannot give every actor that much and
still keep :data:`READ_RESERVE_CPUS` for the read tasks; then the actors share what is left (0.5 CPU each for two
actors on 2 cores). Naive sizing (one CPU per actor, as many actors as cores) deadlocks: the actors hold every
CPU and the read task that would feed them never schedules.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

from xling.batch.runner import ShardOutput, ShardWorker
from xling.batch.sources import Row, RowError, ShardSpec, Source
from xling.errors import XlingError

#: CPUs a read task asks for (reading a shard is light next to translating it).
READ_TASK_CPUS = 0.25
#: CPUs kept free of actors so read tasks can always run.
READ_RESERVE_CPUS = 1.0
#: The smallest CPU share an actor gets.
MIN_ACTOR_CPUS = 0.1
#: Object store of a local Ray started for the run (shards are small; the default takes 30% of memory).
LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024
#: ``ray.init(address=LOCAL)`` starts a new local Ray even where a ``ray start`` cluster runs on this machine.
LOCAL = "local"
#: Actors go to different nodes where they can.
SPREAD = "SPREAD"
INSTALL_HINT = "the ray engine needs Ray Data: pip install 'xling[ray]' (or pip install 'ray[data]')"
_ROW_COLUMNS = ("shard", "position", "id", "text", "target_text", "error_code", "error_message")


def actor_cpus(cluster_cpus: float, workers: int, threads: int) -> float:
    """CPUs per actor: ``threads``, or an equal share of what the read tasks leave when that is too much."""
    if workers * threads + READ_RESERVE_CPUS <= cluster_cpus:
        return float(threads)
    return max(MIN_ACTOR_CPUS, round((cluster_cpus - READ_RESERVE_CPUS) / workers, 3)) \
        if cluster_cpus > READ_RESERVE_CPUS else MIN_ACTOR_CPUS


def _rows_table(index: int, rows: Sequence[Row]) -> Any:
    import pyarrow as pa

    return pa.table({
        "shard": pa.array([index] * len(rows), pa.int64()),
        "position": pa.array([r.position for r in rows], pa.int64()),
        "id": pa.array([r.id for r in rows], pa.string()),
        "text": pa.array([r.text for r in rows], pa.string()),
        "target_text": pa.array([r.target_text for r in rows], pa.string()),
        "error_code": pa.array([r.error.code if r.error else None for r in rows], pa.string()),
        "error_message": pa.array([r.error.message if r.error else None for r in rows], pa.string()),
    })


def _table_rows(table: Any) -> dict[int, list[Row]]:
    columns = {name: table.column(name).to_pylist() for name in _ROW_COLUMNS}
    by_shard: dict[int, list[Row]] = {}
    for shard, position, ident, text, target, code, message in zip(*(columns[c] for c in _ROW_COLUMNS)):
        error = RowError(code, message) if code is not None else None
        by_shard.setdefault(shard, []).append(Row(position, ident, text, target, error))
    return by_shard


class RayShardWorker:
    """The actor class of ``map_batches``: one :class:`ShardWorker` (one model) per actor."""

    def __init__(self, **worker_args: Any):
        import ray

        self.worker = ShardWorker(**worker_args)
        self.worker.info["node"] = ray.get_runtime_context().get_node_id()

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        results = [self.worker.process(index, rows).to_dict() for index, rows in _table_rows(batch).items()]
        return pa.table({"shard": pa.array([r["index"] for r in results], pa.int64()),
                         "result": pa.array([json.dumps(r, ensure_ascii=False) for r in results], pa.string())})


def _datasource(source: Source, pending: Sequence[ShardSpec]) -> Any:
    from ray.data import Datasource, ReadTask
    from ray.data.block import BlockMetadata

    class ShardDatasource(Datasource):
        """One read task per pending shard."""

        def estimate_inmemory_data_size(self) -> int | None:
            return None

        def get_read_tasks(self, parallelism: int, **_: Any) -> list[ReadTask]:
            def task(spec: ShardSpec) -> ReadTask:
                return ReadTask(lambda: [_rows_table(spec.index, source.read(spec))],
                                BlockMetadata(num_rows=spec.rows, size_bytes=None, exec_stats=None, input_files=None))

            return [task(spec) for spec in pending]

    return ShardDatasource()


def _quiet_ray() -> None:
    """Users see xling's progress, not Ray's internals (Ray's own logs stay in its session folder)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.WARNING)


def start_ray(address: str | None) -> bool:
    """Connect to ``address``, or start a local Ray (no dashboard, a small object store); whether we started it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise XlingError(INSTALL_HINT) from None
    _quiet_ray()
    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    else:
        ray.init(address=LOCAL, include_dashboard=False, object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                 logging_level=logging.WARNING, log_to_driver=False)
    return True


def run_on_ray(
    source: Source,
    pending: Sequence[ShardSpec],
    worker_args: dict[str, Any],
    finish: Callable[[ShardSpec, ShardOutput], None],
    *,
    workers: int = 1,
    threads_per_worker: int | None = None,
    address: str | None = None,
) -> None:
    """Translate the ``pending`` shards of ``source`` on Ray; ``finish`` gets each shard once all of it is done."""
    started = start_ray(address)
    import ray

    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.execution_options.preserve_order = False
        cluster_cpus = float(ray.cluster_resources().get("CPU", 1.0))
        threads = threads_per_worker or max(1, int(cluster_cpus // workers))
        args = {**worker_args, "spec": dataclasses.replace(worker_args["spec"], threads=threads)}
        dataset = ray.data.read_datasource(_datasource(source, pending), num_cpus=READ_TASK_CPUS).map_batches(
            RayShardWorker, batch_size=None, batch_format="pyarrow", fn_constructor_kwargs=args,
            compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=actor_cpus(cluster_cpus, workers, threads),
            scheduling_strategy=SPREAD,  # one model per node before two on one: a cluster's nodes all work
        )
        specs = {s.index: s for s in pending}
        parts: dict[int, list[ShardOutput]] = {}
        for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
            for payload in batch.column("result").to_pylist():
                part = ShardOutput.from_dict(json.loads(payload))
                parts.setdefault(part.index, []).append(part)
                if sum(p.size for p in parts[part.index]) == specs[part.index].rows:
                    finish(specs[part.index], ShardOutput.merge(parts.pop(part.index)))
        if parts:
            raise XlingError(f"Ray returned incomplete shards {sorted(parts)}; run again to redo them")
    except ray.exceptions.RayError as err:
        cause = getattr(err, "cause", None)
        if isinstance(cause, XlingError):  # e.g. ModelUnavailable in an actor: the user's error, not Ray's
            raise cause from None
        raise
    finally:
        if started:
            ray.shutdown()
