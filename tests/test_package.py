"""The wheel works installed: it ships the view's CSS/JS, the example article and the lexicon, no test code,
and the installed package reads nothing from a source checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_NAME = "000_669c3c74050fa7e2.txt"
PACKAGE_FILES = {
    "xling/render/static/view.css",
    "xling/render/static/view.js",
    "xling/data/examples/ar-en.ar.txt",
    "xling/data/examples/ar-en.en.txt",
    "xling/data/examples/fr-en.fr.txt",
    "xling/data/examples/fr-en.en.txt",
    "xling/data/examples/ru-en.ru.txt",
    "xling/data/examples/ru-en.en.txt",
    "xling/data/lexicon.tsv",
    "xling/data/models.tsv",
    "xling/data/exonyms.tsv",
    "xling/data/inflection.tsv",
    "xling/data/name_words.tsv",
}
_BUILD_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".*")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel ``pip wheel`` builds from a copy of the working tree (nothing is written into the repo)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, src / name)
    for name in ("xling", "tests"):  # tests/ too: a packages.find that picked it up would show here
        shutil.copytree(REPO_ROOT / name, src / name, ignore=_BUILD_IGNORE)
    out = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-cache-dir", "-q",
         "-w", str(out), str(src)],
        cwd=tmp, check=True, capture_output=True, text=True,
        env={**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (built,) = out.glob("xling-*.whl")
    return built


def test_wheel_ships_the_package_data_and_no_test_code(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert PACKAGE_FILES <= names, sorted(PACKAGE_FILES - names)
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"xling"}, tops
    assert not [n for n in names if "/support/" in n or "/tests/" in n or n.startswith(("support", "tests"))]


def test_the_examples_are_the_repository_seeds():
    """The page's example is a copy of seeds/ (the repo's copy stays for tests, CLI and benchmarks)."""
    examples = REPO_ROOT / "xling" / "data" / "examples"
    assert (examples / "ar-en.ar.txt").read_bytes() == (REPO_ROOT / "seeds" / SEED_NAME).read_bytes()
    assert (examples / "ar-en.en.txt").read_bytes() == (REPO_ROOT / "seeds" / "en" / SEED_NAME).read_bytes()


#: Run from a temporary directory with the unpacked wheel first on the path: records every file opened or
#: listed under the repository while importing the package, its page and reading its package data.
_PROBE = r"""
import json, os, sys
repo = os.path.realpath(sys.argv[1])
touched = []
def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if os.path.realpath(path).startswith(repo + os.sep):
            touched.append(path)
sys.addaudithook(hook)
import xling
from xling.render import html
from xling.serve import ui
from xling.names.lexicon import _curated_entries
result = {
    "xling": xling.__file__,
    "css": len(html.view_css()), "js": html.view_js().lstrip().startswith("() =>"),
    "example_ar": ui.example_text("ar"), "example_en": ui.example_text("en"),
    "lexicon": len(_curated_entries()),  # data/lexicon.tsv
}
for name in ("support", "tests"):
    try:
        __import__(name)
        result[name] = "imported"
    except ImportError:
        result[name] = None
result["touched"] = sorted(set(touched))
print(json.dumps(result))
"""


def test_installed_wheel_reads_nothing_from_the_repository(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(REPO_ROOT)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(result["xling"]).is_relative_to(site), result["xling"]
    assert result["touched"] == []
    assert result["support"] is None and result["tests"] is None
    assert result["css"] > 1000 and result["js"] and result["lexicon"] > 0
    assert result["example_ar"] == (REPO_ROOT / "seeds" / SEED_NAME).read_text(encoding="utf-8")
    assert result["example_en"] == (REPO_ROOT / "seeds" / "en" / SEED_NAME).read_text(encoding="utf-8")


def test_the_page_offers_the_example_articles():
    import gradio as gr

    from xling.serve import ui

    demo = ui.build_demo(None, preload=False)
    examples = [block for block in demo.blocks.values() if isinstance(block, gr.Dataset)]
    samples = [sample for block in examples for sample in block.samples]
    for pair in ("ar-en", "fr-en", "ru-en"):
        source, english = ui.example_text(pair.split("-")[0], pair), ui.example_text("en", pair)
        assert [source, "auto"] in samples, f"the Translate tab lost its {pair} example"
        assert [source, english, "auto", "auto"] in samples, f"the Compare tab lost its {pair} example"
    assert "بوتين" in ui.example_text("ar") and "Putin" in ui.example_text("en")
