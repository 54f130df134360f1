"""Parsed files kept between runs (config/parsed.py): the same documents and problems as a fresh parse, fewer parses."""

from pathlib import Path

import pytest

from reconciler.config import loader
from reconciler.config.loader import load
from reconciler.errors import ConfigError

TEXT = "registry: r\nregion: us-east-1\ngateways:\n  gw:\n    description: d\n    tags: {team: a}\n    targets:\n      t: {x: [1, 2]}\n"


def counting_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = loader._parse

    def counted(name: str, text: str, problems: list) -> object:
        parsed.append(name)
        return real(name, text, problems)

    monkeypatch.setattr(loader, "_parse", counted)
    return parsed


def test_an_unchanged_file_loads_as_parsed_without_a_second_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").write_text(TEXT)
    (tmp_path / "b.yaml").write_text("gateways:\n  gw2: {description: e}\n")
    first = load([str(tmp_path)])
    parsed = counting_parses(monkeypatch)
    again = load([str(tmp_path)])
    assert parsed == []
    assert (again.data, again.source.marks) == (first.data, first.source.marks)
    (tmp_path / "b.yaml").write_text("gateways:\n  gw2: {description: f}\n")
    changed = load([str(tmp_path)])
    assert parsed == [str(tmp_path / "b.yaml")]
    assert changed.data["gateways"]["gw2"] == {"description": "f"}


def test_each_load_gets_its_own_values(tmp_path: Path) -> None:
    file = tmp_path / "a.yaml"
    file.write_text(TEXT)
    load([str(file)])
    kept = load([str(file)])
    kept.data["gateways"]["gw"]["tags"]["team"] = "changed"
    assert load([str(file)]).data["gateways"]["gw"]["tags"] == {"team": "a"}


def test_a_file_with_a_problem_is_reported_every_time(tmp_path: Path) -> None:
    file = tmp_path / "a.yaml"
    file.write_text("registry: r\nregistry: s\n")
    for _ in range(2):
        with pytest.raises(ConfigError, match="duplicate key 'registry'"):
            load([str(file)])


def test_an_unreadable_cache_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(cache))
    file = tmp_path / "a.yaml"
    file.write_text(TEXT)
    expected = load([str(file)]).data
    (kept,) = cache.glob("parsed-*")
    kept.write_bytes(b"\xffnot marshal")
    parsed = counting_parses(monkeypatch)
    assert load([str(file)]).data == expected
    assert parsed == [str(file)]


def test_an_escaped_reference_is_still_interpolated(tmp_path: Path) -> None:
    file = tmp_path / "a.yaml"
    file.write_text('registry: r\ngateways:\n  gw: {description: "\\x24{env:GW_DESCRIPTION}"}\n')
    assert load([str(file)], {"GW_DESCRIPTION": "from env"}).data["gateways"]["gw"]["description"] == "from env"
