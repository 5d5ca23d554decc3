"""The spec files' parsed-form cache: same document as the YAML, keyed by content, never in the way."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest

from mockserver.contract import control_spec, documents
from mockserver.contract.documents import CACHE_ENV, read_document
from mockserver.contract.spec import default_spec_path

SPEC = default_spec_path()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, path: Path) -> object:
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(documents, "parse_yaml", refuse)


def test_the_cached_spec_is_the_document_the_yaml_parses_to(cache: Path, monkeypatch: pytest.MonkeyPatch):
    parsed = documents.parse_yaml(SPEC.read_text(encoding="utf-8"), SPEC)
    assert read_document(SPEC) == parsed
    _no_parsing(monkeypatch)
    assert read_document(SPEC) == parsed  # now from the cache
    assert len(list(cache.glob("*.json"))) == 1


def test_an_edited_file_is_parsed_afresh(cache: Path, tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert read_document(path) == {"a": 1}
    path.write_text("a: 2\n", encoding="utf-8")
    assert read_document(path) == {"a": 2}


def test_an_empty_cache_setting_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert read_document(path) == {"a": 1}
    assert [item.name for item in tmp_path.iterdir()] == ["doc.yaml"]


def test_an_unwritable_cache_folder_only_costs_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    path = tmp_path / "doc.yaml"
    path.write_text("a: [1, 2.5, true, null, x]\n", encoding="utf-8")
    assert read_document(path) == {"a": [1, 2.5, True, None, "x"]}
    assert read_document(path) == {"a": [1, 2.5, True, None, "x"]}


def test_a_damaged_cache_entry_is_parsed_again(cache: Path, tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    read_document(path)
    (entry,) = cache.glob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    assert read_document(path) == {"a": 1}


def test_a_document_json_cannot_carry_exactly_is_not_cached(cache: Path, tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("when: 2026-01-01\n200: ok\n", encoding="utf-8")
    expected = {"when": datetime.date(2026, 1, 1), 200: "ok"}
    assert read_document(path) == expected
    assert read_document(path) == expected
    assert not list(cache.glob("*.json"))


def test_a_file_that_is_not_yaml_is_refused_naming_it(cache: Path, tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text("openapi: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.yaml is not valid YAML"):
        read_document(path)
    assert not list(cache.glob("*.json"))


def test_the_bundled_control_spec_is_rebuilt_when_a_file_it_refers_to_changes(cache: Path, tmp_path: Path):
    folder = tmp_path / "spec"
    shutil.copytree(SPEC.parent, folder)
    control = folder / "control.yaml"
    first = control_spec._bundled(control)
    assert control_spec._bundled(control) == first  # from the cache
    state = folder / "tenant-state.schema.json"
    schema = json.loads(state.read_text(encoding="utf-8"))
    schema["description"] = "changed"
    state.write_text(json.dumps(schema), encoding="utf-8")
    assert control_spec._bundled(control)["components"]["schemas"]["TenantState"]["description"] == "changed"
