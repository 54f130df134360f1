"""Property-based: `reconcile validate` on generated registries and on byte-level mutations of the example files.

Whatever the input, the command ends in exit 0 with one `Valid:` line, or exit 1
with one line per problem (`FILE:LINE: ...`, or a plain line naming the file),
never a traceback or another exit code, and never prints a value taken from
the environment. Bounded: derandomized, a fixed number of examples.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given

from reconciler.cli import cli
from tests.config.strategies import BOUNDED, ENVIRONMENT, SECRET, mutated_examples, registry_texts


def validate(name: str, data: bytes) -> tuple[Path, Result]:
    folder = Path(tempfile.mkdtemp(prefix="validate-"))  # hypothesis runs many examples per test: no tmp_path
    path = folder / name
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["validate", "-f", str(path)], env=ENVIRONMENT)
    path.unlink()
    folder.rmdir()
    return path, result


def assert_well_behaved(path: Path, result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code in (0, 1), result.output
    assert SECRET not in result.output
    lines = result.output.splitlines()
    assert lines, "no output"
    if result.exit_code == 0:
        assert len(lines) == 1 and lines[0].startswith("Valid: ")
        return
    for line in lines:  # one line per problem: no traceback, no message spread over lines
        assert line.removeprefix("Error: ").startswith(str(path)), result.output


@BOUNDED
@given(text=registry_texts())
def test_generated_registries(text: str) -> None:
    assert_well_behaved(*validate("registry.yaml", text.encode()))


@BOUNDED
@given(example=mutated_examples())
def test_mutated_example_files(example: tuple[str, bytes]) -> None:
    assert_well_behaved(*validate(*example))


ROLE = "arn:aws:iam::123456789012:role/gateway"
TARGET = "targetConfiguration: {mcp: {mcpServer: {endpoint: 'https://e.example.com/mcp'}}}"
# Values from the environment in names and references, which messages outside reconciler/config show (through validate.shown):
NAMES_FROM_THE_ENVIRONMENT = {
    "registry name (cli.py validate's `Valid:` line)": "registry: ${env:SECRET}\ngateways: {}\n",
    "authorizer reference (kinds/gateway.py)": f"registry: r\ngateways:\n  gw: {{roleArn: '{ROLE}', authorizer: '${{env:SECRET}}'}}\n",
    "provider reference (desired.py)": (
        f"registry: r\ngateways:\n  gw:\n    roleArn: '{ROLE}'\n    authorizerType: NONE\n    targets:\n      t:\n        {TARGET}\n"
        "        credentialProviderConfigurations:\n          - credentialProviderType: API_KEY\n"
        "            credentialProvider: {apiKeyCredentialProvider: {provider: '${env:SECRET}'}}\n"
    ),
}


@pytest.mark.parametrize("text", NAMES_FROM_THE_ENVIRONMENT.values(), ids=NAMES_FROM_THE_ENVIRONMENT.keys())
def test_values_from_the_environment_in_names_are_not_printed(text: str) -> None:
    assert_well_behaved(*validate("registry.yaml", text.encode()))
