"""The gateway's own rules for a target's tool list (the emulator decides synchronizations with them)."""

from __future__ import annotations

from reconciler.emulator.tools import TOOLS_PER_TARGET, gateway_name, listing_reasons, mcp_server_of

OBJECT = {"type": "object", "properties": {}}
VERSION = "2025-06-18"


def tool(name: str, schema: object = OBJECT) -> dict[str, object]:
    return {"name": name, "description": name, "inputSchema": schema}


def test_a_good_listing_has_no_reasons_and_tools_show_as_target___tool() -> None:
    assert listing_reasons("orders", [tool("get_order"), tool("list.orders-v2")], VERSION, [VERSION]) == []
    assert gateway_name("orders", "get_order") == "orders___get_order"


def test_two_tools_with_one_name_collide() -> None:
    assert listing_reasons("t", [tool("search"), tool("search"), tool("other")], VERSION, []) == ["Tool name collision: t___search"]


def test_an_input_schema_must_be_an_object_schema() -> None:
    reasons = listing_reasons("t", [tool("a", {"type": "string"}), tool("b", "not a schema"), tool("c")], VERSION, [])
    assert reasons == ["tool 'a': inputSchema must be a JSON object schema with type object",
                       "tool 'b': inputSchema must be a JSON object schema with type object"]


def test_a_name_the_mcp_specification_refuses() -> None:
    long_name = "x" * 130
    assert listing_reasons("t", [tool("has space"), tool(long_name)], VERSION, []) == [
        "tool name t___has space is not a valid MCP tool name (1-128 of A-Z a-z 0-9 _ - .)",
        f"tool name t___{long_name} is not a valid MCP tool name (1-128 of A-Z a-z 0-9 _ - .)",
    ]


def test_the_protocol_version_must_be_one_the_gateway_supports() -> None:
    assert listing_reasons("t", [tool("a")], "2024-11-05", [VERSION]) == [
        f"protocol version 2024-11-05 is not among the gateway's supportedVersions ({VERSION})"
    ]


def test_the_tool_quota_per_target() -> None:
    tools = [tool(f"t{i}") for i in range(TOOLS_PER_TARGET + 1)]
    assert listing_reasons("t", tools, VERSION, []) == [f"{TOOLS_PER_TARGET + 1} tools exceed the quota of 1000 tools per target"]


def test_only_mcp_server_targets_have_a_server_block() -> None:
    assert mcp_server_of({"mcp": {"mcpServer": {"endpoint": "https://e"}}}) == {"endpoint": "https://e"}
    assert mcp_server_of({"mcp": {"lambda": {}}}) is None and mcp_server_of(None) is None
