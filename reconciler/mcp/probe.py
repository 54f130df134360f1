"""`reconcile probe` and `plan --probe`: talk MCP to each MCP-server target before the gateway does.

Each target is probed on its own (a bounded pool): one failure is one line
for that target and the others still finish. Outbound credentials are the
target's own (see credentials.py).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from reconciler.desired import Desired, DesiredState
from reconciler.kinds import TARGET
from reconciler.kinds.target import mcp_server
from reconciler.errors import ReconcilerError
from reconciler.mcp.checks import check_listing, collisions
from reconciler.mcp.client import Listing, failure_line, list_tools, offered_versions, supported_versions
from reconciler.mcp.credentials import outbound, registry_lookup
from reconciler.mcp.endpoints import dialable

PROBE_WORKERS = 8


@dataclass
class TargetProbe:
    address: str
    url: str
    failure: str | None = None  # "<class>: <line>" when the conversation itself failed
    protocol_version: str | None = None
    tools: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.errors


@dataclass
class ProbeReport:
    probes: list[TargetProbe]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.probes)


def probe(registry: DesiredState, selected: tuple[str, ...] = (), endpoints: dict[str, str] | None = None, timeout: float = 15.0) -> ProbeReport:
    endpoints = endpoints or {}
    targets = registry.mcp_server_targets(names=tuple(dict.fromkeys([*selected, *endpoints])) if selected else ())
    unknown = [name for name in endpoints if name not in {f"{t.parent}/{t.name}" for t in targets}]
    if unknown:
        raise ReconcilerError(f"--endpoint names no MCP-server target in the registry: {', '.join(unknown)}")
    with ThreadPoolExecutor(max_workers=PROBE_WORKERS) as pool:
        results = list(pool.map(lambda t: _probe_one(registry, t, endpoints.get(f"{t.parent}/{t.name}"), timeout), targets))
    _flag_collisions(results)
    return ProbeReport([result for result, _ in results])


def _probe_one(registry: DesiredState, target: Desired, override: str | None, timeout: float) -> tuple[TargetProbe, Listing | None]:
    server = mcp_server(target.body.get("targetConfiguration"))
    assert server is not None, "probe is given MCP-server targets only"
    url = override or server["endpoint"]
    result = TargetProbe(target.address, url)
    gateway = registry.resources[target.parent_address or ""]
    supported = supported_versions(gateway.body.get("protocolConfiguration"))
    started = time.monotonic()
    listing = None
    try:
        credentials = outbound(target.body.get("credentialProviderConfigurations") or [], registry_lookup(registry), timeout)
        if credentials.note:
            result.warnings.append(credentials.note)
        listing = list_tools(credentials.connection(dialable(url, explicit=override is not None), timeout), offered_versions(supported))
        result.protocol_version = listing.protocol_version
        result.tools = sorted(str(t.get("name")) for t in listing.tools)
        findings = check_listing(target.name, listing, supported, registry.tools_per_target)
        result.errors += findings.errors
        result.warnings += findings.warnings
    except ReconcilerError as error:
        result.failure = failure_line(error)
    result.seconds = time.monotonic() - started
    return result, listing


def _flag_collisions(results: list[tuple[TargetProbe, Listing | None]]) -> None:
    """An error on each target whose gateway-visible tool names repeat within its gateway."""
    by_gateway: dict[str, dict[str, Listing]] = {}
    for result, listing in results:
        if listing is not None:
            gateway, target = result.address.split(f"/{TARGET}/")
            by_gateway.setdefault(gateway, {})[target] = listing
    for gateway, listings in by_gateway.items():
        for target, names in collisions(listings).items():
            probe_of = next(r for r, _ in results if r.address == f"{gateway}/{TARGET}/{target}")
            probe_of.errors.append(f"tool names collide in {gateway}: {', '.join(names)}")
