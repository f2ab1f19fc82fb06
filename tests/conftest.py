"""Shared fixtures: offline settings, the seed texts and the test models built by support.models."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_NAME = "000_669c3c74050fa7e2.txt"


def pytest_configure(config: pytest.Config) -> None:
    """No test may reach the network: the hub and Gradio's telemetry stay off for the whole run."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    # The test models are tiny: one thread decodes them 5-20x faster than two (thread hand-offs cost more
    # than the arithmetic, worst of all on a busy machine). Set before torch is imported; subprocesses inherit it.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The Arabic seed article (16 paragraphs)."""
    return (REPO_ROOT / "seeds" / SEED_NAME).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_english() -> str:
    """The faithful English version of the seed article, paragraph for paragraph."""
    return (REPO_ROOT / "seeds" / "en" / SEED_NAME).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tiny_model_dir() -> Path:
    """A tiny random-weight MarianMT in opus-mt-ar-en's hub layout (cached under .test-models/)."""
    from support.models import cached_model

    return cached_model("tiny", REPO_ROOT / ".test-models")


@pytest.fixture(scope="session")
def legacy_model_dir() -> Path:
    """The same tiny model stored as the 2020 checkpoints were (pytorch_model.bin, tied embeddings)."""
    from support.models import cached_model

    return cached_model("tiny-legacy", REPO_ROOT / ".test-models")


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory, tiny_model_dir) -> Path:
    """A models folder as ``--models-dir`` takes it: tiny ar->en, fr->en and ru->en models in the hub's layout."""
    from support.models import cached_model

    root = tmp_path_factory.mktemp("models")
    (root / "opus-mt-ar-en").symlink_to(tiny_model_dir)
    (root / "opus-mt-fr-en").symlink_to(cached_model("tiny-fr-en", REPO_ROOT / ".test-models"))
    (root / "opus-mt-ru-en").symlink_to(cached_model("tiny-ru-en", REPO_ROOT / ".test-models"))
    return root
