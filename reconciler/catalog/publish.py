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
from typing import Any, Callable

from reconciler.aws import Api
from reconciler.aws_model import DISCOVERY_SERVICE
from reconciler.desired import Desired, Registry
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


class Publisher:
    """Fills records from the gateways' listings; one listing per gateway per phase (plan, or after a sync)."""

    def __init__(self, api: Api, registry: Registry, progress: Progress, timeout: float = 15.0):
        self.api = api
        self.registry = registry
        self.progress = progress
        self.timeout = timeout
        self.listings: dict[str, list[dict[str, Any]] | None] = {}

    def fill(self, live: LiveState) -> None:
        """Plan time: each record whose gateway and target are live gets its content from the gateway now."""
        for record in self.registry.of_kind(RECORD):
            gateway = live.resources.get(record.extras["gateway"])
            if gateway is None or record.extras["target"] not in live.resources or "gatewayUrl" not in gateway.outputs:
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
        gateway_ref = refs.get(record.extras["gateway"])
        if gateway_ref is None:
            raise ReconcilerError(f"{record.address}: its gateway {record.extras['gateway']} does not exist")
        url = KINDS[GATEWAY].describe(self.api, gateway_ref).get("gatewayUrl", "")
        content = self._content(record, url)
        if content is None:
            raise ReconcilerError(f"{record.address}: the tools of {record.extras['target']} could not be listed through its gateway")
        return {**record.body, **content}

    def forget_listings(self) -> None:
        """After a synchronization the gateways list other tools: list them again."""
        self.listings.clear()

    def _content(self, record: Desired, url: str) -> dict[str, Any] | None:
        gateway = self.registry.resources[record.extras["gateway"]]
        tools = self._listing(gateway, url)
        if tools is None:
            return None
        target = self.registry.resources[record.extras["target"]]
        return record_content(gateway.name, target, url, tools, record.body["description"])

    def _listing(self, gateway: Desired, url: str) -> list[dict[str, Any]] | None:
        from reconciler.mcp.verify import gateway_tools  # the MCP SDK: only when records are published

        if gateway.address not in self.listings:
            try:
                self.listings[gateway.address] = gateway_tools(self.api, gateway, url, self.timeout)
            except ReconcilerError as error:
                self.progress(f"Warning: {gateway.address}: cannot list its tools for the catalog records ({error}); "
                              "their content is known after apply")
                self.listings[gateway.address] = None
        return self.listings[gateway.address]

