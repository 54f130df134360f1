"""What a gateway will accept from an MCP server's tool list, checked before it is registered.

- the negotiated protocol version is one of the gateway's `supportedVersions`;
- every name the gateway will show (`TARGET___TOOL`) is a valid MCP tool name
  (the SDK's SEP-986 rule), and no name appears twice in one gateway;
- the tool count stays within the per-target quota;
- every input schema is a JSON Schema object; types outside the ones the
  gateway's own tool schemas use (botocore's SchemaType enum) are warned about.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jsonschema
from mcp.shared.tool_name_validation import validate_tool_name

from reconciler.aws_model import shape
from reconciler.mcp.client import Listing

SEPARATOR = "___"  # the gateway shows a target's tool as TARGET___TOOL
SEARCH_TOOL = "x_amz_bedrock_agentcore_search"  # a SEMANTIC gateway's own tool


def gateway_name(target: str, tool: str) -> str:
    return f"{target}{SEPARATOR}{tool}"


@lru_cache(maxsize=1)
def gateway_schema_types() -> frozenset[str]:
    return frozenset(shape("SchemaType").enum)


@dataclass
class Findings:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_listing(target: str, listing: Listing, supported: list[str] | None, tool_quota: int) -> Findings:
    found = Findings()
    if supported and listing.protocol_version not in supported:
        found.errors.append(
            f"protocol version {listing.protocol_version} is not among the gateway's supportedVersions ({', '.join(supported)})"
        )
    if not supported:
        found.warnings.append(f"the gateway declares no supportedVersions; negotiated {listing.protocol_version}")
    if len(listing.tools) > tool_quota:
        found.errors.append(f"{len(listing.tools)} tools exceed the quota of {tool_quota} per target")
    if not listing.tools:
        found.warnings.append("the server lists no tools")
    for tool in listing.tools:
        name = str(tool.get("name", ""))
        validation = validate_tool_name(gateway_name(target, name))
        if not validation.is_valid:
            found.errors.append(f"tool '{name}': invalid as {gateway_name(target, name)}: {'; '.join(validation.warnings)}")
        found.errors += [f"tool '{name}': {problem}" for problem in schema_problems(tool.get("inputSchema"))]
        found.warnings += [f"tool '{name}': {note}" for note in unusual_types(tool.get("inputSchema"))]
    return found


def collisions(listings: dict[str, Listing]) -> dict[str, list[str]]:
    """Per target, the gateway-visible names that appear more than once across one gateway's targets."""
    counts = Counter(gateway_name(t, str(tool.get("name"))) for t, listing in listings.items() for tool in listing.tools)
    repeated = {name for name, count in counts.items() if count > 1}
    return {
        target: sorted({gateway_name(target, str(tool.get("name"))) for tool in listing.tools} & repeated)
        for target, listing in listings.items()
        if any(gateway_name(target, str(tool.get("name"))) in repeated for tool in listing.tools)
    }


def schema_problems(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return ["inputSchema is not a JSON object"]
    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(schema)
    except jsonschema.SchemaError as error:
        return [f"inputSchema is not a valid JSON Schema: {error.message}"]
    if schema.get("type") != "object":
        return [f"inputSchema must have type object, not {schema.get('type')!r}"]
    return []


def unusual_types(schema: Any) -> list[str]:
    """`type` names in the schema that the gateway's own SchemaDefinition cannot express."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            names = kind if isinstance(kind, list) else [kind] if isinstance(kind, str) else []
            found.update(n for n in names if n not in gateway_schema_types())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return [f"inputSchema uses type {name!r}, which gateway tool schemas do not define" for name in sorted(found)]
