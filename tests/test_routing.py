"""Model routing by language pair: the shipped table, local model folders, the error for an unknown pair and
``xling languages`` (all fast: no model is loaded)."""

from __future__ import annotations

import json
import re

import pytest

from xling.cli import main
from xling.errors import ModelUnavailable
from xling.mt import routing
from xling.mt.routing import Route, load_table, local_model_dir, parse_table, resolve, route


@pytest.fixture
def no_models_env(monkeypatch):
    monkeypatch.delenv("XLING_MODELS", raising=False)


def _local_model(root, name="opus-mt-fr-en"):
    path = root / name
    path.mkdir(parents=True)
    (path / "config.json").write_text('{"model_type": "marian"}', encoding="utf-8")
    return path


def test_the_table_parses_and_routes_into_english():
    table = load_table()
    assert len(table) >= 30 and load_table() is table  # read once
    for (source, target), r in table.items():
        assert (r.source, r.target) == (source, target) and target == "en"
        assert re.fullmatch(r"[a-z]{2}", source)
        assert re.fullmatch(r"Helsinki-NLP/opus-mt-[A-Za-z]+-en", r.model), r.model
        assert r.note


def test_bilingual_and_multilingual_routes():
    assert route("ar") == Route("ar", "en", "Helsinki-NLP/opus-mt-ar-en", "bilingual")
    assert route("fr").model == "Helsinki-NLP/opus-mt-fr-en" and not route("fr").multilingual
    pt = route("pt")
    assert pt.model == "Helsinki-NLP/opus-mt-ROMANCE-en" and pt.multilingual and "multilingual" in pt.note
    assert route("el").model == "Helsinki-NLP/opus-mt-mul-en"
    for (source, _), r in load_table().items():  # the note says when a route is not the bilingual model
        assert r.multilingual == ("multilingual" in r.note), source


def test_codes_are_normalized():
    assert route("FR").source == "fr" and route("pt-BR").source == "pt" and route("zh_Hant").source == "zh"
    assert route("iw").source == "he"


@pytest.mark.parametrize("source, target", [("xx", "en"), ("fr", "de"), ("", "en")])
def test_an_unknown_pair_is_one_line_naming_it(source, target):
    with pytest.raises(ModelUnavailable) as err:
        route(source, target)
    message = str(err.value)
    assert "\n" not in message and f"{target!r}" in message and "--model DIR" in message
    if source:
        assert f"{source!r}" in message


def test_a_bad_table_line_is_named():
    with pytest.raises(ValueError, match=":3:"):
        parse_table("# comment\nsource\ttarget\tmodel\tnote\nfr\ten\tsomeone/else\tx\n")
    with pytest.raises(ValueError, match="twice"):
        parse_table("fr\ten\tHelsinki-NLP/opus-mt-fr-en\ta\nfr\ten\tHelsinki-NLP/opus-mt-fr-en\tb\n")


def test_a_models_dir_is_found(tmp_path, no_models_env):
    path = _local_model(tmp_path)
    assert local_model_dir(route("fr"), tmp_path) == path
    assert resolve("fr", models_dir=tmp_path) == str(path)
    assert local_model_dir(route("de"), tmp_path) is None
    assert resolve("de", models_dir=tmp_path) == "Helsinki-NLP/opus-mt-de-en"
    (tmp_path / "opus-mt-ru-en").mkdir()  # a folder without config.json is not a model
    assert resolve("ru", models_dir=tmp_path) == "Helsinki-NLP/opus-mt-ru-en"
    assert resolve("fr") == "Helsinki-NLP/opus-mt-fr-en"  # no folder given, none in the environment


def test_a_multilingual_route_finds_its_local_copy(tmp_path, no_models_env):
    path = _local_model(tmp_path, "opus-mt-mul-en")
    assert resolve("el", models_dir=tmp_path) == str(path)


def test_models_dir_from_the_environment(tmp_path, monkeypatch):
    path = _local_model(tmp_path)
    monkeypatch.setenv("XLING_MODELS", str(tmp_path))
    assert local_model_dir(route("fr")) == path and resolve("fr") == str(path)
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert resolve("fr", models_dir=other) == "Helsinki-NLP/opus-mt-fr-en"  # the argument wins


def test_languages_have_english_names(tmp_path, no_models_env):
    _local_model(tmp_path)
    found = {info.code: info for info in routing.languages(tmp_path)}
    assert set(found) == {source for source, _ in load_table()}
    assert found["ar"].name == "Arabic" and found["zh"].name == "Chinese" and found["he"].name == "Hebrew"
    assert found["fr"].local and not found["de"].local


def test_languages_command_json(tmp_path, capsys, no_models_env):
    _local_model(tmp_path)
    assert main(["languages", "--models-dir", str(tmp_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_code = {row["code"]: row for row in rows}
    assert by_code["ar"] == {"code": "ar", "name": "Arabic", "model": "Helsinki-NLP/opus-mt-ar-en",
                             "local": False, "note": "bilingual"}
    assert by_code["fr"]["local"] is True and by_code["pt"]["model"] == "Helsinki-NLP/opus-mt-ROMANCE-en"


def test_languages_command_table(capsys, no_models_env):
    assert main(["languages"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["code", "name", "model", "local"]
    assert lines[1:] and all(line.split()[-1] in ("yes", "no") for line in lines[1:])
    assert any(line.split()[:2] == ["ar", "Arabic"] and "opus-mt-ar-en" in line for line in lines)
