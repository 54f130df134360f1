"""`reconcile drift`: read-only, exit 0 / 2, per resource and field, text, JSON and markdown; unowned resources listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REGION
from tests.helpers import BASE, ROLE, SECRETS, converge, reconcile, registry_from


@pytest.fixture
def applied(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    converge(api, registry_from(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_drift_exits_zero(applied: Path) -> None:
    result = reconcile("drift")
    assert result.exit_code == 0, result.output
    assert "No drift" in result.stdout


def test_drift_is_reported_per_field_with_exit_two_and_nothing_written(api, client, applied: Path) -> None:
    gateway = next(g for g in client.list_gateways()["items"] if g["name"] == "main")
    live = client.get_gateway(gatewayIdentifier=gateway["gatewayId"])
    client.update_gateway(gatewayIdentifier=gateway["gatewayId"], name="main", roleArn=ROLE, authorizerType="CUSTOM_JWT",
                          authorizerConfiguration=live["authorizerConfiguration"], description="hand-edited",
                          protocolConfiguration=live["protocolConfiguration"])
    client.delete_api_key_credential_provider(name="vendor")
    client.create_gateway(name="shadow", roleArn=ROLE, authorizerType="AWS_IAM")
    writes = api.writes_made()

    text = reconcile("drift")
    assert text.exit_code == 2, text.output
    assert "gateway/main: changed" in text.stdout
    assert 'description: declared "Main gateway", live "hand-edited"' in text.stdout
    assert "api-key-credential-provider/vendor: missing" in text.stdout
    assert "gateway/shadow" in text.stdout.split("Not owned by any registry")[1]

    data = json.loads(reconcile("drift", "--format", "json").stdout)
    assert data["region"] == REGION
    main = next(d for d in data["drift"] if d["address"] == "gateway/main")
    assert {"path": "description", "declared": "Main gateway", "live": "hand-edited"} in main["fields"]
    assert "gateway/shadow" in data["unmanaged"]

    markdown = reconcile("drift", "--format", "markdown")
    assert markdown.exit_code == 2 and markdown.stdout.startswith("### agentcore-reconciler drift")
    assert api.writes_made() == writes  # drift never writes


def test_rotated_secret_shows_as_drift_without_its_value(applied: Path) -> None:
    result = reconcile("drift", "--format", "json", env={"VENDOR_KEY": "rotated-key-123"})
    assert result.exit_code == 2
    assert "rotated-key-123" not in result.output and SECRETS["VENDOR_KEY"] not in result.output
    vendor = next(d for d in json.loads(result.stdout)["drift"] if d["address"] == "api-key-credential-provider/vendor")
    assert vendor["fields"][0]["declared"] == "(sensitive)"


def test_a_resource_no_longer_declared_is_extra(applied: Path) -> None:
    (applied / "gateways.yaml").write_text(BASE.split("  vendor:\n")[0] + "gateways:" + BASE.split("gateways:")[1].replace(
        BASE[BASE.index("      weather:\n"):BASE.index("      holidays:\n")], ""))
    result = reconcile("drift")
    assert result.exit_code == 2
    assert "gateway/main/target/weather: extra" in result.stdout
