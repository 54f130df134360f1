"""The content of each published target's record: what its gateway lists for it, as agents see it.

A record's `mcpServer` descriptor holds the MCP registry's server.json (name
`agentcore.GATEWAY/TARGET`, the target's description, a `streamable-http`
remote at the gateway's URL) and, as `additionalData.tools`, the tools the
gateway lists for the target after synchronization (`TARGET___TOOL` names,
descriptions, input schemas). `recordVersion` and the server.json `version`
are a digest of that content, so they change exactly when the content does.

At plan time the content comes from the live gateway (its URL, its listing
now); a record whose target or gateway changes in the same run is known only
after apply synchronized them, and apply fills it then. A listing that fails
(gateway unreachable, no inbound credentials) leaves the content unknown, with
one warning.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from reconciler.aws import Api
from reconciler.aws_model import DISCOVERY_SERVICE
from reconciler.desired import Desired, DesiredState
from reconciler.errors import AwsError, ReconcilerError
from reconciler.kinds import GATEWAY, KINDS, RECORD
from reconciler.kinds.base import Live, Ref
from reconciler.kinds.record import SERVER_SCHEMA_VERSION, TOOLS_SCHEMA_VERSION
from reconciler.live import LiveState

Progress = Callable[[str], None]
VERSION_LENGTH = 16
WAITING = frozenset({"DRAFT", "PENDING_APPROVAL", "REJECTED"})  # a record's latest revision, not (yet) the approved one


def record_content(gateway: str, target: Desired, url: str, tools: list[dict[str, Any]], description: str) -> dict[str, Any]:
    """The record's descriptors and version for a target whose gateway lists `tools` at `url`."""
    from reconciler.mcp.checks import SEPARATOR  # the MCP SDK is imported only when a record is made

    prefix = f"{target.name}{SEPARATOR}"
    listed = sorted(({"name": t["name"], "description": t.get("description") or "", "inputSchema": t.get("inputSchema") or {}}
                     for t in tools if str(t.get("name", "")).startswith(prefix)), key=lambda t: t["name"])
    version = hashlib.sha256(_canonical([url, description, listed]).encode()).hexdigest()[:VERSION_LENGTH]
    server = {"name": f"agentcore.{gateway}/{target.name}", "description": description, "version": version,
              "remotes": [{"type": "streamable-http", "url": url}]}
    tools_descriptor = {"data": _canonical({"tools": listed}), "dataSchemaVersion": TOOLS_SCHEMA_VERSION}
    descriptor = {"data": _canonical(server), "dataSchemaVersion": SERVER_SCHEMA_VERSION, "additionalData": {"tools": tools_descriptor}}
    return {"descriptors": {"mcpServer": descriptor}, "recordVersion": version}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Source:
    """The deployment a record's target lives in, when it is not the record's own (a central catalog)."""

    api: Api
    registry: DesiredState
    live: LiveState | None = None  # its plan's read
    refs: dict[str, Ref] = field(default_factory=dict)  # its resources, as its apply left them
    changed: set[str] = field(default_factory=set)  # what its plan creates or changes: known after its apply


class Publisher:
    """Fills records from the gateways' listings; one listing per gateway per phase (plan, or after a sync).

    A record published from another deployment (`extras["deployment"]`) is filled from that deployment's
    gateway, through its connection (`sources`)."""

    def __init__(self, api: Api, registry: DesiredState, progress: Progress, timeout: float = 15.0,
                 sources: dict[str, Source] | None = None):
        self.api = api
        self.registry = registry
        self.progress = progress
        self.timeout = timeout
        self.sources = sources or {}
        self.listings: dict[tuple[str, str], list[dict[str, Any]] | None] = {}

    def fill(self, live: LiveState) -> None:
        """Plan time: each record whose gateway and target are live gets its content from the gateway now."""
        for record in self.registry.of_kind(RECORD):
            source = self._source(record)
            if source is not None and source.changed & set(record.depends_on):
                continue  # its target changes in this run: known after that deployment's apply
            seen = (live if source is None else source.live) or LiveState()
            gateway = seen.resources.get(record.extras["gateway"])
            if gateway is None or record.extras["target"] not in seen.resources or "gatewayUrl" not in gateway.outputs:
                continue
            content = self._content(record, gateway.outputs["gatewayUrl"])
            if content is not None:
                record.body.update(content)

    def note_discoverable(self, live: LiveState) -> None:
        """A record whose latest revision waits (DRAFT, PENDING_APPROVAL, REJECTED) may still have an approved one
        that agents find: its status says so. One ListDiscoverableRegistryRecords per agent registry concerned; a
        registry that refuses it (a CUSTOM_JWT one takes bearer tokens only) is left as it is."""
        waiting: dict[str, list[Live]] = {}
        for found in live.resources.values():
            if found.ref.kind == RECORD and found.ref.parent is not None and found.status in WAITING:
                waiting.setdefault(found.ref.parent.ident, []).append(found)
        for registry_id, records in waiting.items():
            try:
                listed = self.api.on(DISCOVERY_SERVICE).list_all("list_discoverable_registry_records", "registryRecords",
                                                                 registryId=registry_id)
            except AwsError:
                continue
            approved = {item["name"]: item.get("recordVersion", "") for item in listed}
            for record in records:
                if record.ref.name in approved:
                    record.status_reasons.append(f"approved revision {approved[record.ref.name]} stays discoverable until this one is approved")

    def content(self, record: Desired, refs: dict[str, Ref]) -> dict[str, Any]:
        """Apply time: the record's body from what its gateway lists now (after this run's synchronization)."""
        source = self._source(record)
        gateway_ref = (refs if source is None else source.refs).get(record.extras["gateway"])
        if gateway_ref is None:
            raise ReconcilerError(f"{record.address}: its gateway {record.extras['gateway']} does not exist")
        url = KINDS[GATEWAY].describe(self.api if source is None else source.api, gateway_ref).get("gatewayUrl", "")
        content = self._content(record, url)
        if content is None:
            raise ReconcilerError(f"{record.address}: the tools of {record.extras['target']} could not be listed through its gateway")
        return {**record.body, **content}

    def _source(self, record: Desired) -> Source | None:
        deployment = record.extras.get("deployment")
        return self.sources[deployment] if deployment else None

    def forget_listings(self) -> None:
        """After a synchronization the gateways list other tools: list them again."""
        self.listings.clear()

    def _content(self, record: Desired, url: str) -> dict[str, Any] | None:
        source = self._source(record)
        registry, api = (self.registry, self.api) if source is None else (source.registry, source.api)
        gateway = registry.resources[record.extras["gateway"]]
        tools = self._listing(gateway, url, api, record.extras.get("deployment", ""))
        if tools is None:
            return None
        target = registry.resources[record.extras["target"]]
        return record_content(gateway.name, target, url, tools, record.body["description"])

    def _listing(self, gateway: Desired, url: str, api: Api, deployment: str) -> list[dict[str, Any]] | None:
        from reconciler.mcp.verify import gateway_tools  # the MCP SDK: only when records are published

        key = (deployment, gateway.address)
        if key not in self.listings:
            try:
                self.listings[key] = gateway_tools(api, gateway, url, self.timeout)
            except ReconcilerError as error:
                self.progress(f"Warning: {gateway.address}: cannot list its tools for the catalog records ({error}); "
                              "their content is known after apply")
                self.listings[key] = None
        return self.listings[key]

