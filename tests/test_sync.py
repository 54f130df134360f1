"""The hints sync adds to the service's statusReasons."""

from __future__ import annotations

import pytest

from reconciler.sync import hint_for


@pytest.mark.parametrize(
    "reason, starts",
    [
        ("Failed to list tools from the MCP server at https://x/mcp: unreachable: cannot connect", "the gateway cannot reach"),
        ("Failed to list tools: auth: HTTP 401 from https://x/mcp", "the server refused the gateway's credentials"),
        ("protocol version 2024-11-05 is not among the gateway's supportedVersions", "the server must accept"),
        ("Tool name collision: a___x", "two tools share a name"),
        ("tool 'x': inputSchema must have type object", "a tool or its input schema"),
        ("Internal failure", ""),
    ],
)
def test_known_causes_get_a_hint(reason: str, starts: str) -> None:
    assert hint_for([reason]).startswith(starts)
