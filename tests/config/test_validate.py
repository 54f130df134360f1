"""One fixture file per bad-input class; its first line says the expected `LINE: message`."""

from pathlib import Path

import pytest

from reconciler.desired import load_registry
from reconciler.errors import ConfigError
from tests.conftest import FIXTURES, ROOT

BAD = sorted((FIXTURES / "bad").glob("*.yaml"))


def expectation(path: Path) -> tuple[int, str]:
    line, message = path.read_text().splitlines()[0].removeprefix("# expect: ").split(": ", 1)
    return int(line), message


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_input_gives_file_line_and_message(path: Path) -> None:
    line, message = expectation(path)
    with pytest.raises(ConfigError) as caught:
        load_registry([str(path)], environ={})
    lines = caught.value.lines()
    prefix = f"{path}:{line}: " if line else ""
    assert any(l.startswith(prefix) and message in l for l in lines), lines


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    file = tmp_path / "many.yaml"
    file.write_text(
        "registry: r\ngateways:\n  a:\n    authorizerType: OPEN\n    roleArn: nope\n  b:\n    roleArn: arn:aws:iam::1:role/x\n    bogus: 1\n    authorizerType: NONE\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_registry([str(file)], environ={})
    assert [l.split(": ")[0] for l in caught.value.lines()] == [f"{file}:4", f"{file}:5", f"{file}:7", f"{file}:8"]


def test_env_secret_is_not_repeated_in_messages(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text("registry: r\ncredentialProviders:\n  k:\n    apiKey:\n      apiKeySecretSource: ${env:SRC}\n")
    with pytest.raises(ConfigError) as caught:
        load_registry([str(file)], environ={"SRC": "hunter2-secret"})
    assert "hunter2" not in str(caught.value)
    assert "(sensitive value)" in str(caught.value)


def test_target_quota_is_enforced_and_configurable(tmp_path: Path) -> None:
    targets = "".join(f"      t{i}:\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: 'https://e/{i}'}}}}}}\n" for i in range(3))
    body = "gateways:\n  gw:\n    roleArn: arn:aws:iam::123456789012:role/r\n    authorizerType: NONE\n    targets:\n" + targets
    file = tmp_path / "q.yaml"
    file.write_text("registry: r\nquotas: {targetsPerGateway: 2}\n" + body)
    with pytest.raises(ConfigError, match="3 targets exceed the quota of 2"):
        load_registry([str(file)], environ={})
    file.write_text("registry: r\nquotas: {targetsPerGateway: 3}\n" + body)
    assert len(load_registry([str(file)], environ={}).resources) == 4


@pytest.mark.parametrize("path", ["gateways.yaml", "../shared/examples/tutorial-registry.yaml", "../shared/examples/central-registry"])
def test_shipped_examples_validate(path: str) -> None:
    target = (ROOT / path).resolve()
    if not target.exists():
        pytest.skip(f"{target} is not beside this checkout")
    env = {"RUNTIME_CLIENT_SECRET": "x", "RUNTIME_M2M_SECRET": "y", "WEATHER_VENDOR_API_KEY": "z"}
    registry = load_registry([str(target)], environ=env)
    assert registry.resources
