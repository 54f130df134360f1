from pathlib import Path

import pytest
import yaml

from reconciler.config import loader
from reconciler.config.loader import OfflineEnviron, load, load_texts
from reconciler.errors import ConfigError, Location
from tests.conftest import FIXTURES, ROOT


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_every_key_and_item_keeps_its_line(tmp_path: Path) -> None:
    file = write(tmp_path, "a.yaml", "registry: r\ngateways:\n  gw:\n    targets:\n      t:\n        x: [1, 2]\n")
    doc = load([file])
    assert doc.source.locate(("gateways", "gw", "targets", "t")) == Location(file, 5, 7)
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
    assert doc.source.locate(("gateways", "gw", "targets", "t1")).file.endswith("teams/t.yaml")


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


# --- keys, anchors and merges ----------------------------------------------------------


def test_integer_keys_are_their_decimal_string_and_collide_with_the_quoted_form(tmp_path: Path) -> None:
    file = write(tmp_path, "a.yaml", "rules:\n  10: {a: 1}\n  0x14: {b: 2}\n")
    assert load([file]).data == {"rules": {"10": {"a": 1}, "20": {"b": 2}}}
    write(tmp_path, "a.yaml", "rules:\n  10: {a: 1}\n  '10': {b: 2}\n")
    with pytest.raises(ConfigError) as caught:
        load([file])
    assert caught.value.lines() == [f"{file}:3: duplicate key '10' (first defined at {file}:2)"]


def test_merge_keys_supply_what_the_mapping_does_not_set(tmp_path: Path) -> None:
    text = "d: &d {x: 1, y: 2}\ne: &e {y: 7, w: 8}\nf:\n  <<: [*d, *e]\n  y: 3\n"
    doc = load([write(tmp_path, "a.yaml", text)])
    assert doc.data["f"] == {"x": 1, "y": 3, "w": 8}  # own keys win, then the earlier mapping of the list
    assert doc.source.locate(("f", "x")).line == 1 and doc.source.locate(("f", "w")).line == 2  # where they were written
    assert doc.source.locate(("f", "y")).line == 5


def test_aliases_are_copies_and_each_copy_of_a_secret_is_secret(tmp_path: Path) -> None:
    text = "a: &k {apiKey: '${env:KEY}', n: [1]}\nb: *k\n"
    doc = load([write(tmp_path, "a.yaml", text)], environ={"KEY": "hunter2"})
    assert doc.data["b"] == {"apiKey": "hunter2", "n": [1]} and doc.data["a"]["n"] is not doc.data["b"]["n"]
    assert doc.source.from_env == {("a", "apiKey"), ("b", "apiKey")}
    assert doc.source.locate(("b", "n", 0)).line == 1


def test_provenance_answers_for_a_path_what_is_under_and_above_it(tmp_path: Path) -> None:
    text = "p:\n  apiKey: ['${env:KEY}']\n  plain: x\n"
    source = load([write(tmp_path, "a.yaml", text)], environ={"KEY": "v"}).source
    assert source.has_secret(("p", "apiKey", 0)) and source.has_secret(("p", "apiKey")) and source.has_secret(("p",))
    assert not source.has_secret(("p", "plain")) and not source.has_secret(("q",))
    assert source.secrets_under(("p",)) == {("apiKey", 0)}


# --- hostile files: each refused with one line, never an exception -------------------------


def refused(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ConfigError) as caught:
        load([str(path)])
    (line,) = caught.value.lines()
    return line.removeprefix(f"{path}:")


def test_a_10000_deep_nesting_is_refused(tmp_path: Path) -> None:
    line = refused(tmp_path, "registry: r\nx: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert line.startswith("2: ") and ("nested deeper than 100 levels" in line or "exceeded maximum nesting depth" in line)
    assert refused(tmp_path, "- " * 10_000 + "x\n") == "1: nested deeper than 100 levels: refused"


def test_aliases_cannot_nest_past_the_depth_limit(tmp_path: Path) -> None:
    text = "a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 60 + "*a" + "]" * 60 + "\n"
    assert refused(tmp_path, text) == "2: nested deeper than 100 levels (aliases expanded): refused"


def test_oversized_files_are_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    assert refused(tmp_path, "registry: " + "x" * 2000) == "1: the file has 2,010 bytes, more than the limit of 1,000"


def test_node_and_alias_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_ALIASES", 3)
    assert refused(tmp_path, "a: &a 1\nb: [*a, *a, *a,\n *a]\n") == "3: more than 3 aliases: refused"
    monkeypatch.setattr(loader, "MAX_NODES", 10)
    assert refused(tmp_path, "a: [1, 2, 3, 4,\n 5, 6, 7, 8]\n").startswith("2: more than 10 nodes")  # the 11th node
    monkeypatch.setattr(loader, "MAX_ALIAS_NODES", 5)
    assert refused(tmp_path, "a: &a [1, 2]\nb: [*a,\n *a]\n") == "3: aliases expand to more than 5 nodes: refused"  # 3 + 3


def test_text_that_is_not_utf8_or_has_control_characters(tmp_path: Path) -> None:
    assert refused(tmp_path, b"registry: r\nx: \xff\n") == "2: not UTF-8 text: byte 0xff cannot be decoded"
    assert refused(tmp_path, "registry: r\n\nx: \x00\n") == "3: invalid YAML: character U+0000 is not allowed"


def test_every_problem_of_construction_is_a_line(tmp_path: Path) -> None:
    text = "a: !!int 1_0x\nb: !!bool maybe\nc: !!float nan-ish\nd: !!timestamp 2024-13-01\ne: !!binary aGk=\nf: !foo bar\n"
    path = write(tmp_path, "a.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load([path])
    assert [line.removeprefix(f"{path}:") for line in caught.value.lines()] == [
        "1: '1_0x' is not a valid int (invalid literal for int() with base 10: '10x')",
        "2: 'maybe' is not a valid bool",
        "3: 'nan-ish' is not a valid float (could not convert string to float: 'nan-ish')",
        "4: '2024-13-01' is not a valid timestamp (month must be in 1..12)",
        "5: the tag tag:yaml.org,2002:binary is not allowed (plain YAML data only)",
        "6: the tag !foo is not allowed (plain YAML data only)",
    ]


def test_long_keys_are_cut_in_messages(tmp_path: Path) -> None:
    key = "k" * 5000
    line = refused(tmp_path, f"? {key}\n: 1\n? {key}\n: 2\n")
    assert line == f"3: duplicate key '{'k' * 80}... (5,000 characters)' (first defined at {tmp_path / 'hostile.yaml'}:1)"


def test_texts_load_like_files(tmp_path: Path) -> None:
    doc = load_texts([("HEAD:a.yaml", "registry: r\ngateways: {gw: {}}\n"), ("HEAD:b.yaml", "gateways: {gw: {description: d}}\n")])
    assert doc.data == {"registry": "r", "gateways": {"gw": {"description": "d"}}}
    assert str(doc.source.locate(("gateways", "gw", "description"))) == "HEAD:b.yaml:1"


@pytest.mark.parametrize("path", [*sorted(FIXTURES.rglob("*.yaml")), ROOT / "gateways.yaml"], ids=lambda p: p.name)
def test_the_pure_python_parser_gives_the_same_results(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def outcome() -> object:
        try:
            doc = load([str(path)], interpolate=False)
        except ConfigError as error:
            return [line.split(": ")[0] for line in error.lines()]  # the places (syntax messages differ in wording)
        return doc.data, doc.source.marks

    compiled = outcome()
    monkeypatch.setattr(loader, "_Parser", yaml.SafeLoader)
    assert outcome() == compiled
