"""`reconcile verify` and `apply --verify`: list tools through each gateway, as an agent would, and check `expectTools`.

The gateway shows each target's tool as `TARGET___TOOL` from its catalogue.
Per target: the expected tools missing (an error) and the tools present that
were not promised (a warning, when `expectTools` is declared). Optionally the
gateway's semantic search tool is called with a query and its hits shown.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from reconciler.aws import Api
from reconciler.desired import Desired, DesiredState
from reconciler.kinds import GATEWAY, TARGET
from reconciler.errors import ReconcilerError
from reconciler.kinds import KINDS
from reconciler.kinds.gateway import verify_settings
from reconciler.kinds.target import expected_tools
from reconciler.mcp.checks import SEARCH_TOOL, SEPARATOR
from reconciler.mcp.client import Connection, call_tool, failure_line, list_tools, offered_versions, supported_versions
from reconciler.mcp.credentials import inbound
from reconciler.mcp.endpoints import dialable

VERIFY_WORKERS = 4


@dataclass
class TargetTools:
    name: str
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


@dataclass
class GatewayCheck:
    address: str
    url: str = ""
    failure: str | None = None
    targets: list[TargetTools] = field(default_factory=list)
    undeclared: list[str] = field(default_factory=list)  # tools of targets the files do not declare
    search: list[str] = field(default_factory=list)  # hits, when a query was given

    @property
    def ok(self) -> bool:
        return self.failure is None and not any(t.missing for t in self.targets)


@dataclass
class VerifyReport:
    gateways: list[GatewayCheck]

    @property
    def ok(self) -> bool:
        return all(g.ok for g in self.gateways)


def verify(api: Api, registry: DesiredState, gateways: tuple[str, ...] = (), query: str | None = None, timeout: float = 15.0) -> VerifyReport:
    declared = {g.name: g for g in registry.of_kind(GATEWAY)}
    unknown = [name for name in gateways if name not in declared]
    if unknown:
        raise ReconcilerError(f"no gateway {', '.join(unknown)} in the registry")
    chosen = [declared[name] for name in (gateways or tuple(declared))]
    urls = _gateway_urls(api)
    with ThreadPoolExecutor(max_workers=VERIFY_WORKERS) as pool:
        return VerifyReport(list(pool.map(lambda g: _check(api, registry, g, urls.get(g.name), query, timeout), chosen)))


def _gateway_urls(api: Api) -> dict[str, str]:
    kind = KINDS[GATEWAY]
    return {ref.name: kind.describe(api, ref).get("gatewayUrl", "") for ref in kind.list(api)}


def _check(api: Api, registry: DesiredState, gateway: Desired, url: str | None, query: str | None, timeout: float) -> GatewayCheck:
    check = GatewayCheck(gateway.address, url or "")
    if not url:
        check.failure = "not found in AWS: apply first"
        return check
    try:
        connection, versions = gateway_connection(api, gateway, url, timeout)
        names = [str(t.get("name")) for t in list_tools(connection, versions).tools]
        query = query or verify_settings(gateway).get("searchQuery")
        if query and SEARCH_TOOL in names:
            check.search = _hits(call_tool(connection, versions, SEARCH_TOOL, {"query": query}))
    except ReconcilerError as error:
        check.failure = failure_line(error)
        return check
    targets = [t for t in registry.of_kind(TARGET) if t.parent == gateway.name]
    check.targets = [_compare(t, names) for t in targets]
    declared = {t.name for t in targets}
    check.undeclared = sorted(n for n in names if SEPARATOR in n and n.split(SEPARATOR, 1)[0] not in declared)
    return check


def gateway_connection(api: Api, gateway: Desired, url: str, timeout: float = 15.0) -> tuple[Connection, list[str]]:
    """An MCP connection to a gateway's URL, authenticated as its authorizer requires, and the versions to offer."""
    headers, auth = inbound(gateway, api.region, timeout)
    supported = supported_versions(gateway.body.get("protocolConfiguration"))
    return Connection(dialable(url), headers, auth, timeout), offered_versions(supported)


def gateway_tools(api: Api, gateway: Desired, url: str, timeout: float = 15.0) -> list[dict[str, Any]]:
    """Every tool the gateway lists, as an agent sees it (`TARGET___TOOL` names)."""
    connection, versions = gateway_connection(api, gateway, url, timeout)
    return list(list_tools(connection, versions).tools)


def _compare(target: Desired, names: list[str]) -> TargetTools:
    prefix = f"{target.name}{SEPARATOR}"
    present = sorted(n[len(prefix):] for n in names if n.startswith(prefix))
    expected = expected_tools(target)
    return TargetTools(
        target.name,
        present,
        missing=[t for t in expected if t not in present],
        unexpected=[t for t in present if t not in expected] if expected else [],
    )


def _hits(result: dict[str, Any]) -> list[str]:
    """Hit names from the search tool's result: its structured content, else its text as JSON."""
    structured = result.get("structuredContent") or {}
    tools = structured.get("tools")
    if tools is None:
        texts = [c.get("text", "") for c in result.get("content", []) if c.get("type") == "text"]
        try:
            tools = json.loads(texts[0]) if texts else []
        except ValueError:
            return texts
    return [str(t.get("name", t)) if isinstance(t, dict) else str(t) for t in tools]
