"""The gateway's own rules for the tools a target serves, as AgentCore documents them.

The emulator decides a synchronization's outcome with these rules, written
here and not shared with the product's probe (an emulator that reused the
product's checks could not catch their mistakes):

- the gateway shows a target's tool as `${target_name}___${tool_name}`
  (developer guide, "Understand how AgentCore Gateway tools are named"), and
  that name must be a valid MCP tool name (MCP specification: 1 to 128
  characters from A-Z a-z 0-9 _ - .);
- no two tools of a gateway may show the same name;
- every tool's input schema is a JSON Schema object (`type: object`), as the
  gateway's own ToolDefinition.inputSchema requires;
- the negotiated protocol version is one of the gateway's supportedVersions;
- a target lists at most 1000 tools (quota).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable

SEPARATOR = "___"
SEARCH_TOOL = "x_amz_bedrock_agentcore_search"  # the built-in tool of a gateway with searchType SEMANTIC
MCP_TOOL_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,128}")
TOOLS_PER_TARGET = 1000


def gateway_name(target: str, tool: str) -> str:
    return f"{target}{SEPARATOR}{tool}"


def mcp_server_of(target_configuration: dict[str, Any] | None) -> dict[str, Any] | None:
    """A target's `mcp.mcpServer` block, or None for Lambda, OpenAPI and other targets."""
    return ((target_configuration or {}).get("mcp") or {}).get("mcpServer")


def listing_reasons(target: str, tools: list[dict[str, Any]], protocol_version: str, supported: list[str]) -> list[str]:
    """Why the gateway refuses a server's tool list (statusReasons); empty when it accepts it."""
    reasons = []
    if supported and protocol_version not in supported:
        reasons.append(f"protocol version {protocol_version} is not among the gateway's supportedVersions ({', '.join(supported)})")
    if len(tools) > TOOLS_PER_TARGET:
        reasons.append(f"{len(tools)} tools exceed the quota of {TOOLS_PER_TARGET} tools per target")
    names = [gateway_name(target, str(tool.get("name", ""))) for tool in tools]
    reasons += [f"tool name {name} is not a valid MCP tool name (1-128 of A-Z a-z 0-9 _ - .)" for name in names
                if not MCP_TOOL_NAME.fullmatch(name)]
    repeated = duplicates(names)
    if repeated:
        reasons.append(f"Tool name collision: {', '.join(repeated)}")
    reasons += [f"tool '{tool.get('name')}': inputSchema must be a JSON object schema with type object"
                for tool in tools if not _object_schema(tool.get("inputSchema"))]
    return reasons


def duplicates(names: Iterable[str]) -> list[str]:
    return sorted(name for name, count in Counter(names).items() if count > 1)


def _object_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "object"
