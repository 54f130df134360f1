from pathlib import Path

import pytest

from reconciler.config.loader import OfflineEnviron, load
from reconciler.errors import ConfigError, Location
from tests.conftest import FIXTURES


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_every_key_and_item_keeps_its_line(tmp_path: Path) -> None:
    file = write(tmp_path, "a.yaml", "registry: r\ngateways:\n  gw:\n    targets:\n      t:\n        x: [1, 2]\n")
    doc = load([file])
    assert doc.source.place(("gateways", "gw", "targets", "t")) == Location(file, 5, 7)
    assert doc.source.locate(("gateways", "gw", "targets", "t", "x", 1)).line == 6


def test_duplicate_key_is_an_error_naming_both_places(tmp_path: Path) -> None:
    file = write(tmp_path, "a.yaml", "registry: r\nregion: us-east-1\nregistry: s\n")
    with pytest.raises(ConfigError) as caught:
        load([file])
    assert caught.value.lines() == [f"{file}:3: duplicate key 'registry' (first defined at {file}:1)"]


def test_folder_merge_reports_conflicts_with_both_places() -> None:
    folder = FIXTURES / "conflict"
    with pytest.raises(ConfigError) as caught:
        load([str(folder)])
    (line,) = caught.value.lines()
    assert line.startswith(f"{folder / 'b.yaml'}:3: 'gateways.gw.description' is already defined at {folder / 'a.yaml'}:6")


def test_team_file_merges_targets_into_a_gateway_declared_elsewhere(tmp_path: Path) -> None:
    write(tmp_path, "platform.yaml", "registry: r\ngateways:\n  gw:\n    authorizerType: NONE\n")
    write(tmp_path, "teams/t.yaml", "gateways:\n  gw:\n    targets:\n      t1: {description: hi}\n")
    doc = load([str(tmp_path)])
    assert doc.data["gateways"]["gw"] == {"authorizerType": "NONE", "targets": {"t1": {"description": "hi"}}}
    assert doc.source.place(("gateways", "gw", "targets", "t1")).file.endswith("teams/t.yaml")


def test_env_values_are_substituted_and_marked_secret(tmp_path: Path) -> None:
    file = write(tmp_path, "a.yaml", "registry: r\nx: 'Bearer ${env:TOKEN}'\ny: plain\n")
    doc = load([file], environ={"TOKEN": "abc"})
    assert doc.data["x"] == "Bearer abc"
    assert doc.source.from_env == {("x",)}


def test_unset_env_vars_are_all_reported(tmp_path: Path) -> None:
    file = write(tmp_path, "a.yaml", "registry: r\nx: ${env:ONE}\ny: ${env:TWO}\n")
    with pytest.raises(ConfigError) as caught:
        load([file], environ={})
    assert caught.value.lines() == [
        f"{file}:2: environment variable ONE is not set",
        f"{file}:3: environment variable TWO is not set",
    ]


def test_missing_path_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load([str(tmp_path / "absent.yaml")])


def test_offline_environment_keeps_unset_references_and_uses_set_ones(tmp_path: Path) -> None:
    file = write(tmp_path, "a.yaml", "registry: r\na: ${env:UNSET_ONE}\nb: ${env:SET_ONE}\n")
    doc = load([file], OfflineEnviron({"SET_ONE": "value"}))
    assert doc.data["a"] == "${env:UNSET_ONE}" and doc.data["b"] == "value"


def test_declarations_can_be_read_without_interpolation(tmp_path: Path) -> None:
    file = write(tmp_path, "a.yaml", "registry: r\na: ${env:UNSET_ONE}\n")
    assert load([file], {}, interpolate=False).data["a"] == "${env:UNSET_ONE}"
