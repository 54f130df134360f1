"""`reconcile verify` and `apply --verify`: tools listed through the emulator's gateway endpoint, as an agent sees them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.mcp.client import Connection, call_tool, list_tools
from reconciler.mcp.endpoints import dialable
from tests.helpers import converge, mcp_registry, reconcile, registry_from
from tests.mcp_servers import RequireBearer, healthy, mcp_app, oauth_server, serving

APPLY = ("apply", "--auto-approve", "--poll-interval", "0.02")


def gateway_url(client) -> str:  # type: ignore[no-untyped-def]
    return client.get_gateway(gatewayIdentifier=client.list_gateways()["items"][0]["gatewayId"])["gatewayUrl"]


def test_apply_verify_reports_missing_promised_tools(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(mcp_app(healthy())) as server:
        expect = {"orders": ["get_order", "list_orders", "refund_order"]}
        (tmp_path / "gateways.yaml").write_text(mcp_registry({"orders": server.https()}, expect=expect))
        monkeypatch.chdir(tmp_path)
        result = reconcile(*APPLY, "--verify")
    assert "Apply complete" in result.stdout
    assert result.exit_code == 1, result.output
    assert "orders: get_order, list_orders" in result.stdout
    assert "missing (expectTools): refund_order" in result.stdout
    assert "Verify: 0 passed, 1 failed." in result.stdout


def test_verify_passes_and_lists_unexpected_tools_as_a_warning(api, client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(mcp_app(healthy(version=2))) as server:
        converge(api, registry_from(tmp_path, mcp_registry({"orders": server.https()}, expect={"orders": ["get_order", "list_orders"]})))
        monkeypatch.chdir(tmp_path)
        result = reconcile("verify", "--format", "json", "--search", "cancel an order")
        connection = Connection(dialable(gateway_url(client)), {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/..."})
        called = call_tool(connection, ["2025-06-18"], "orders___get_order", {"order_id": "7"})
    assert result.exit_code == 0, result.output
    gateway = json.loads(result.stdout)["gateways"][0]
    assert gateway["targets"] == [{"name": "orders", "present": ["cancel_order", "get_order", "list_orders"], "missing": [],
                                   "unexpected": ["cancel_order"]}]
    assert gateway["search"][0] == "orders___cancel_order"
    assert called["content"][0]["text"] == "order 7: shipped"  # forwarded to the target's server


def test_the_gateway_lists_its_catalogue_without_calling_the_server(api, client, tmp_path: Path) -> None:
    with serving(mcp_app(healthy())) as server:
        converge(api, registry_from(tmp_path, mcp_registry({"orders": server.https()})))
    connection = Connection(dialable(gateway_url(client)), {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/..."})
    names = sorted(t["name"] for t in list_tools(connection, ["2025-06-18"]).tools)  # the server is gone by now
    assert names == ["orders___get_order", "orders___list_orders", "x_amz_bedrock_agentcore_search"]


def test_custom_jwt_gateways_are_verified_with_a_client_credentials_token(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with oauth_server({"agent": "agent-secret", "other": "other-secret"}) as authority, serving(mcp_app(healthy())) as server:
        authorizer = (
            "    authorizerType: CUSTOM_JWT\n    authorizerConfiguration:\n      customJWTAuthorizer:\n"
            f"        discoveryUrl: \"{authority.discovery_url}\"\n        allowedClients: [agent]\n"
            "    verify: {clientId: agent, clientSecret: '${env:AGENT_SECRET}'}\n"
        )
        text = mcp_registry({"orders": server.https()}, gateway=authorizer, expect={"orders": ["get_order"]})
        converge(api, registry_from(tmp_path, text, env={"AGENT_SECRET": "agent-secret"}))
        monkeypatch.chdir(tmp_path)
        good = reconcile("verify", env={"AGENT_SECRET": "agent-secret"})
        wrong = reconcile("verify", env={"AGENT_SECRET": "nope"})
        (tmp_path / "gateways.yaml").write_text(text.replace("clientId: agent,", "clientId: other,"))
        not_allowed = reconcile("verify", env={"AGENT_SECRET": "other-secret"})
    assert good.exit_code == 0, good.output
    assert wrong.exit_code == 1 and "auth: the token endpoint" in wrong.stdout and "invalid_client" in wrong.stdout
    assert not_allowed.exit_code == 1 and "auth: HTTP 401" in not_allowed.stdout


def test_the_emulator_authenticates_to_targets_with_the_stored_oauth_provider(api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with oauth_server({"gateway-client": "gw-secret"}) as authority:
        with serving(RequireBearer(mcp_app(healthy()), authority)) as server:
            head = ("credentialProviders:\n  idp:\n    oauth2:\n      credentialProviderVendor: CustomOauth2\n"
                    "      oauth2ProviderConfigInput:\n        customOauth2ProviderConfig:\n"
                    f"          oauthDiscovery: {{discoveryUrl: \"{authority.discovery_url}\"}}\n"
                    "          clientId: gateway-client\n          clientSecret: '${env:GW_SECRET}'\n")
            oauth = {"orders": "{credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: {provider: idp, scopes: [orders]}}}"}
            text = mcp_registry({"orders": server.https()}, head, oauth)
            converge(api, registry_from(tmp_path, text, env={"GW_SECRET": "gw-secret"}))
            issued = authority.issued
            converge(api, registry_from(tmp_path, text, env={"GW_SECRET": "bad"}))  # a wrong secret is rotated in
            monkeypatch.chdir(tmp_path)
            synced = reconcile("sync", "--all", "--attempts", "1", "--poll-interval", "0.02", env={"GW_SECRET": "bad"})
    assert issued == 1  # the create (synchronized by the service itself) fetched a token with the provider's stored secret
    assert synced.exit_code == 1
    assert "SYNCHRONIZE_UNSUCCESSFUL" in synced.stdout and "invalid_client" in synced.stdout
    assert "hint: the server refused the gateway's credentials" in synced.stdout
