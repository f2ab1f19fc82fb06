"""eval/search_bench.py runs, and its generate reference agrees with xling's search (one short round)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path


def test_one_round_runs_and_finds_no_difference(capsys):
    path = Path(__file__).resolve().parents[1] / "eval" / "search_bench.py"
    spec = importlib.util.spec_from_file_location("search_bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--rounds", "1", "--beam", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outputs_differing_from_generate_alone"] == 0 and result["sentences"] == 19
    assert set(result["median_wall_seconds"]) == set(bench.MODES)
