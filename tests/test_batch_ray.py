"""The Ray Data engine: a local Ray started for the run, and a two-node cluster on this machine.

Ray is part of the dev extra, so these tests run in CI (they do not skip without Ray: a missing Ray is a
failure here). Each Ray start costs seconds; there are two, and each stops what it started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ray  # noqa: F401  (the ray extra is a test dependency: fail, do not skip, without it)
from tests.conftest import REPO_ROOT
from tests.test_batch import BAD_LINES, BEAM, CT2_CACHE, MAX_CHARS, articles, translate_alone, write_jsonl
from xling.batch import read_errors, read_rows, shard_records, translate_corpus
from xling.batch.ray_engine import actor_cpus

#: Seconds a `ray start` may take before the test gives up (a busy 2-core machine needs 5-15).
START_TIMEOUT = 90
#: Seconds a node gets to stop after SIGTERM before its process group is killed.
STOP_TIMEOUT = 3
STARTED = b"Ray runtime started"
NODE_OBJECT_STORE_BYTES = 100 * 1024 * 1024


@pytest.fixture(scope="module", autouse=True)
def ray_environment():
    """Ray offline and quiet; its workers import xling from this checkout and share the conversion cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("RAY_USAGE_STATS_ENABLED", "0")
    mp.setenv("RAY_AUTH_MODE", "disabled")  # loopback-only test clusters
    mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    mp.setenv("XLING_CACHE", str(CT2_CACHE))
    mp.delenv("XLING_MODEL", raising=False)
    mp.delenv("XLING_BACKEND", raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def corpus(seed_text):
    return articles(seed_text)


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory, corpus) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("corpus") / "corpus.jsonl", corpus)


@pytest.fixture(scope="module")
def expected(corpus, tiny_model_dir):
    return translate_alone(corpus, str(tiny_model_dir), "ct2", BEAM)


def test_local_ray_gives_the_rows_of_translate_alone(jsonl, tiny_model_dir, expected, tmp_path):
    out = tmp_path / "out"
    summary = translate_corpus(jsonl, out, engine="ray", workers=2, model=str(tiny_model_dir), id_column="id",
                               shard_rows=4, max_chars=MAX_CHARS, beam_size=BEAM, progress="none")
    assert list(read_rows(out)) == expected
    assert [e["code"] for e in read_errors(out)] == [code for _, code in BAD_LINES]
    assert summary.engine == "ray" and summary.articles == len(expected)
    workers = {(s.worker["node"], s.worker["pid"]) for s in shard_records(out)}
    assert all(pid != os.getpid() for _, pid in workers)  # translated in actors, not in the driver
    assert not ray.is_initialized()  # the local Ray started for the run is shut down


def test_actor_sizing_leaves_room_for_the_read_tasks():
    assert actor_cpus(2, 2, 1) == 0.5  # 2 cores, 2 workers: the naive 1 CPU each would starve the reads
    assert actor_cpus(2, 1, 1) == 1.0
    assert actor_cpus(16, 4, 2) == 2.0
    assert actor_cpus(1, 1, 1) == 0.1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_node(args: list[str], log: Path) -> subprocess.Popen:
    """`ray start ... --block` in its own process group; returns once the node says it runs."""
    fh = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "ray.scripts.scripts", "start", *args, "--block",
                             "--disable-usage-stats", f"--object-store-memory={NODE_OBJECT_STORE_BYTES}"],
                            stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    fh.close()
    deadline = time.monotonic() + START_TIMEOUT
    while STARTED not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop_node(proc)
            raise AssertionError(f"ray start {' '.join(args)} failed:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return proc


def _stop_node(proc: subprocess.Popen) -> None:
    """SIGTERM to the node's process group (raylet, GCS, workers), SIGKILL if it is not gone in time."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=STOP_TIMEOUT)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def two_node_cluster(tmp_path):
    """A head and a second node (`ray start --address`) on loopback, one CPU each; stopped afterwards."""
    port = _free_port()
    nodes: list[subprocess.Popen] = []
    try:
        nodes.append(_start_node(["--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=1",
                                  "--include-dashboard=false"], tmp_path / "head.log"))
        nodes.append(_start_node([f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", "--num-cpus=1"],
                                 tmp_path / "worker.log"))
        yield f"127.0.0.1:{port}"
    finally:
        for node in reversed(nodes):
            _stop_node(node)


def test_a_two_node_cluster_shares_the_work(two_node_cluster, jsonl, tiny_model_dir, expected, tmp_path):
    out = tmp_path / "out"
    summary = translate_corpus(jsonl, out, engine="ray", ray_address=two_node_cluster, workers=2,
                               model=str(tiny_model_dir), id_column="id", shard_rows=2, max_chars=MAX_CHARS,
                               beam_size=BEAM, progress="none")
    assert list(read_rows(out)) == expected and summary.workers == 2
    nodes = {s.worker["node"] for s in shard_records(out)}
    assert len(nodes) == 2, [(s.worker, s.seconds) for s in shard_records(out)]  # shards were translated on both nodes
    assert not ray.is_initialized()
