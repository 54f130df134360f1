"""The emulator's data plane decides a synchronization with its own tool rules, against real MCP servers on loopback."""

from __future__ import annotations

from typing import Any

import mcp_types as types
from mcp.server.lowlevel import Server

from tests.emulator.support import gateway, until
from tests.mcp_servers import OLD_VERSION, duplicate_tools, healthy, mcp_app, old_protocol, serving

SUPPORTED = "2025-06-18"


def spaced_name() -> Server[Any]:
    """A server whose tool name has a space: the MCP SDK serves it, the gateway refuses the name."""
    tool = types.Tool(name="get order", description="Look up an order", input_schema={"type": "object", "properties": {}})

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool])

    return Server("spaces", on_list_tools=list_tools)


def created(client, endpoint: str, **gateway_members: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    gateway_id = gateway(client, **gateway_members)
    target_id = client.create_gateway_target(gatewayIdentifier=gateway_id, name="t",
                                             targetConfiguration={"mcp": {"mcpServer": {"endpoint": endpoint}}})["targetId"]
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
