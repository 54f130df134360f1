"""The emulator's data plane decides a synchronization with its own tool rules, against real MCP servers on loopback."""

from __future__ import annotations

import json
from typing import Any

import boto3
import mcp_types as types
from mcp.server.lowlevel import Server

from tests.conftest import REGION
from tests.emulator.support import gateway, until
from tests.mcp_servers import OLD_VERSION, RequireApiKey, duplicate_tools, healthy, mcp_app, old_protocol, serving

SUPPORTED = "2025-06-18"


def spaced_name() -> Server[Any]:
    """A server whose tool name has a space: the MCP SDK serves it, the gateway refuses the name."""
    tool = types.Tool(name="get order", description="Look up an order", input_schema={"type": "object", "properties": {}})

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool])

    return Server("spaces", on_list_tools=list_tools)


def created(client, endpoint: str, name: str = "g", credentials: list[dict[str, Any]] | None = None,  # type: ignore[no-untyped-def]
            **gateway_members: Any) -> dict[str, Any]:
    """A gateway with one MCP-server target `t` at `endpoint`, once the target's creation has ended."""
    gateway_id = gateway(client, name, **gateway_members)
    outbound = {"credentialProviderConfigurations": credentials} if credentials else {}
    target_id = client.create_gateway_target(gatewayIdentifier=gateway_id, name="t", targetConfiguration={"mcp": {"mcpServer": {"endpoint": endpoint}}},
                                             **outbound)["targetId"]
    return dict(until(lambda: client.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id),
                      lambda target: target["status"] != "CREATING"))


def test_a_good_server_makes_a_ready_target(client) -> None:
    with serving(mcp_app(healthy())) as server:
        assert created(client, server.https())["status"] == "READY"


def test_two_tools_with_one_name_make_the_target_fail(client) -> None:
    with serving(mcp_app(duplicate_tools())) as server:
        target = created(client, server.https())
    assert (target["status"], target["statusReasons"]) == ("FAILED", ["Tool name collision: t___search"])


def test_a_tool_name_the_gateway_cannot_show_makes_the_target_fail(client) -> None:
    with serving(mcp_app(spaced_name())) as server:
        target = created(client, server.https())
    assert (target["status"], target["statusReasons"]) == ("FAILED", ["tool name t___get order is not a valid MCP tool name (1-128 of A-Z a-z 0-9 _ - .)"])


def test_a_server_on_a_protocol_the_gateway_does_not_support_makes_the_target_fail(client) -> None:
    with serving(mcp_app(old_protocol())) as server:
        target = created(client, server.https(), protocolConfiguration={"mcp": {"supportedVersions": [SUPPORTED]}})
    assert target["status"] == "FAILED"
    assert f"the server refused every protocol version offered ({SUPPORTED}" in target["statusReasons"][0] and OLD_VERSION in target["statusReasons"][0]


def test_an_external_api_key_is_read_from_the_customers_secret(client) -> None:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    secrets.create_secret(Name="team/orders-key", SecretString=json.dumps({"key": "k-123"}))
    provider = client.create_api_key_credential_provider(name="orders-key", apiKeySecretSource="EXTERNAL",
                                                         apiKeySecretConfig={"secretId": "team/orders-key", "jsonKey": "key"})
    api_key = [{"credentialProviderType": "API_KEY", "credentialProvider": {"apiKeyCredentialProvider": {
        "providerArn": provider["credentialProviderArn"], "credentialParameterName": "X-Api-Key", "credentialLocation": "HEADER"}}}]
    with serving(RequireApiKey(mcp_app(healthy()), "X-Api-Key", "k-123")) as server:
        assert created(client, server.https(), credentials=api_key)["status"] == "READY"
        secrets.put_secret_value(SecretId="team/orders-key", SecretString=json.dumps({"other": "x"}))
        target = created(client, server.https(), name="g2", credentials=api_key)
    assert (target["status"], target["statusReasons"]) == (
        "FAILED", [f"Failed to list tools from the MCP server at {server.https()}: auth: cannot read the credential provider's "
                   "external secret at its JSON key"])
