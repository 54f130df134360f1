"""One fixture file per bad-input class; its first line says the expected `LINE: message`."""

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings

from reconciler.config import validate
from reconciler.config.loader import Document, SourceMap
from reconciler.config.schema import registry_schema
from reconciler.config.validate import dotted, schema_problems
from reconciler.deployments import load_desired_state
from reconciler.errors import ConfigError
from tests.config.strategies import BOUNDED, edited_registries
from tests.conftest import FIXTURES, ROOT

BAD = sorted((FIXTURES / "bad").glob("*.yaml"))


def expectation(path: Path) -> tuple[int, str]:
    line, message = path.read_text().splitlines()[0].removeprefix("# expect: ").split(": ", 1)
    return int(line), message


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_input_gives_file_line_and_message(path: Path) -> None:
    line, message = expectation(path)
    with pytest.raises(ConfigError) as caught:
        load_desired_state([str(path)], environ={})
    lines = caught.value.lines()
    prefix = f"{path}:{line}: " if line else ""
    assert any(l.startswith(prefix) and message in l for l in lines), lines


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    file = tmp_path / "many.yaml"
    file.write_text(
        "registry: r\ngateways:\n  a:\n    authorizerType: OPEN\n    roleArn: nope\n  b:\n    roleArn: arn:aws:iam::1:role/x\n    bogus: 1\n    authorizerType: NONE\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_desired_state([str(file)], environ={})
    assert [l.split(": ")[0] for l in caught.value.lines()] == [f"{file}:4", f"{file}:5", f"{file}:7", f"{file}:8"]


def test_env_secret_is_not_repeated_in_messages(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text("registry: r\ncredentialProviders:\n  k:\n    apiKey:\n      apiKeySecretSource: ${env:SRC}\n")
    with pytest.raises(ConfigError) as caught:
        load_desired_state([str(file)], environ={"SRC": "hunter2-secret"})
    assert "hunter2" not in str(caught.value)
    assert "(sensitive value)" in str(caught.value)


def test_target_quota_is_enforced_and_configurable(tmp_path: Path) -> None:
    targets = "".join(f"      t{i}:\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: 'https://e/{i}'}}}}}}\n" for i in range(3))
    body = "gateways:\n  gw:\n    roleArn: arn:aws:iam::123456789012:role/r\n    authorizerType: NONE\n    targets:\n" + targets
    file = tmp_path / "q.yaml"
    file.write_text("registry: r\nquotas: {targetsPerGateway: 2}\n" + body)
    with pytest.raises(ConfigError, match="3 targets exceed the quota of 2"):
        load_desired_state([str(file)], environ={})
    file.write_text("registry: r\nquotas: {targetsPerGateway: 3}\n" + body)
    assert len(load_desired_state([str(file)], environ={}).resources) == 4


@pytest.mark.parametrize("path", ["gateways.yaml", "../shared/examples/tutorial-registry.yaml", "../shared/examples/central-registry"])
def test_shipped_examples_validate(path: str) -> None:
    target = (ROOT / path).resolve()
    if not target.exists():
        pytest.skip(f"{target} is not beside this checkout")
    env = {"RUNTIME_CLIENT_SECRET": "x", "RUNTIME_M2M_SECRET": "y", "WEATHER_VENDOR_API_KEY": "z"}
    registry = load_desired_state([str(target)], environ=env)
    assert registry.resources


@pytest.mark.parametrize("value", ["['${env:SRC}']", "{value: '${env:SRC}'}", "[[{deep: 'x-${env:SRC}'}]]"])
def test_a_value_holding_a_secret_at_any_depth_is_not_shown(tmp_path: Path, value: str) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(f"registry: r\ncredentialProviders:\n  k:\n    apiKey:\n      apiKey: {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_desired_state([str(file)], environ={"SRC": "hunter2-secret"})
    (line,) = caught.value.lines()
    assert "hunter2" not in line
    kind = "list" if value.startswith("[") else "dict"
    assert line == f"{file}:5: credentialProviders.k.apiKey.apiKey: must be of type string, not {kind} (sensitive value)"


def test_a_secret_inside_a_verify_block_mapping_is_not_shown(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text("registry: r\ngateways:\n  gw:\n    roleArn: arn:aws:iam::123456789012:role/r\n    authorizerType: NONE\n"
                    "    verify:\n      clientSecret: {value: '${env:S}'}\n")
    with pytest.raises(ConfigError, match=r"verify.clientSecret: must be of type string, not dict \(sensitive value\)$") as caught:
        load_desired_state([str(file)], environ={"S": "hunter2-secret"})
    assert "hunter2" not in str(caught.value)


def test_long_values_and_keys_are_cut(tmp_path: Path) -> None:
    file = tmp_path / "long.yaml"
    file.write_text(f"registry: r\nregion: {'x' * 100_000}\n{'k' * 500}: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_desired_state([str(file)], environ={})
    assert caught.value.lines() == [
        f"{file}:2: region: '{'x' * 80}'... (100,000 characters) does not match the pattern ^[a-z]{{2}}(-[a-z]+)+-\\d$",
        f"{file}:3: {'k' * 80}... (500 characters): unknown member '{'k' * 80}... (500 characters)' (allowed: "
        + caught.value.lines()[1].split("(allowed: ")[1],
    ]


@settings(BOUNDED, max_examples=100)
@given(data=edited_registries())
def test_messages_are_those_of_one_jsonschema_run_over_the_whole_document(data: dict[str, Any]) -> None:
    """Only the invalid parts go to jsonschema: the same problems as a run over everything, none lost or added."""
    document = Document(data, SourceMap(), ["registry.yaml"])
    whole = []
    for error in jsonschema.Draft202012Validator(registry_schema()).iter_errors(data):
        path, message = validate._describe(error, tuple(error.absolute_path), document.source)
        whole.append((None, f"{dotted(path)}: {message}" if path else message))
    assert sorted(schema_problems(document), key=str) == sorted(whole, key=str)
