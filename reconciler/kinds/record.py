"""Agent Registry records: one per published MCP target, derived from the registry, never declared.

A published target (`publish: {registry: NAME}` on the target, or on its
gateway) gets a record named `GATEWAY.TARGET` in that agent registry. Its
content (server.json with the gateway's URL, the tools the gateway lists for
the target) is filled from live state by reconciler.catalog.publish; when the
target or its gateway changes in the same run, it is known only after the
synchronization, and apply fills it then. A record is compared by what a
reviewer cares about: its description, URL, tool names and descriptions, and
the version in its server.json (a digest of the whole content). Its
`recordVersion` is that digest when created; an update does not send it (the
API takes it as an optimistic lock there and increments it itself).
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.aws import Api
from reconciler.kinds.base import UNKNOWN, Derived, Kind, Ref, prune
from reconciler.kinds.publish import PUBLISH, published_in
from reconciler.kinds.target import TargetKind

KNOWN_LATER = ("descriptors", "recordVersion")  # what only the gateway's listing tells


class RecordKind(Kind):
    key = "record"
    noun = "record"
    order = 10
    parent = "agent-registry"
    section = "records"
    derived = True
    taggable = False
    after_sync = True
    show_status = True  # DRAFT, PENDING_APPROVAL, APPROVED, REJECTED: shown in plan and drift
    create_operation, read_operation = "CreateRegistryRecord", "GetRegistryRecord"
    update_operation, delete_operation, list_operation = "UpdateRegistryRecord", "DeleteRegistryRecord", "ListRegistryRecords"
    id_member = id_param = "recordId"
    parent_param = "registryId"
    arn_member = "recordArn"
    ready_statuses = frozenset({"DRAFT", "PENDING_APPROVAL", "APPROVED", "REJECTED", "DEPRECATED"})
    failed_statuses = frozenset({"CREATE_FAILED", "UPDATE_FAILED"})

    def derive(self, resources: dict[str, Any], document: dict[str, Any]) -> list[Derived]:
        found = []
        for target in resources.values():
            if target.kind != TargetKind.key or not target.parent_address:
                continue
            registry = published_in(target.extras.get(PUBLISH), resources[target.parent_address].extras.get(PUBLISH))
            if registry is None:
                continue
            name = f"{target.parent}.{target.name}"
            body = {"descriptorType": "MCP", "description": describe(target), **dict.fromkeys(KNOWN_LATER, UNKNOWN)}
            found.append(Derived(name, f"{self.parent}/{registry}", body, target,
                                 {"target": target.address, "gateway": target.parent_address, "depends_on": [target.address, target.parent_address]}))
        return found

    def comparable(self, body: dict[str, Any]) -> dict[str, Any]:
        """What the plan compares and shows: description, URL, each tool's name and description, the version."""
        descriptors = body.get("descriptors")
        summary: dict[str, Any] = {"description": body.get("description"), "descriptorType": body.get("descriptorType")}
        if isinstance(descriptors, dict):
            mcp = descriptors.get("mcp") or {}
            server = inline_document(mcp.get("server"))
            summary["version"] = server.get("version")  # the content digest: recordVersion is the service's after an update
            summary["url"] = next((r.get("url") for r in server.get("remotes") or []), None)
            summary["tools"] = {t.get("name"): t.get("description", "") for t in inline_document(mcp.get("tools")).get("tools", [])}
        else:
            summary["version"] = summary["url"] = summary["tools"] = descriptors  # unknown until apply (or absent)
        return prune(summary)

    def update_request(self, ref: Ref, body: dict[str, Any]) -> dict[str, Any]:
        """Without recordVersion: on update it is an optimistic lock the service increments itself (the model)."""
        return {k: v for k, v in super().update_request(ref, body).items() if k != "recordVersion"}

    def unknown_until_applied(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body when the target or its gateway changes in this run: the tools are known after synchronization."""
        return {**body, **dict.fromkeys(KNOWN_LATER, UNKNOWN)}

    def after_write(self, api: Api, ref: Ref) -> bool:
        """A written record is a DRAFT: submit it (an auto-approving registry approves it at once)."""
        api.call("submit_registry_record_for_approval", registryId=ref.parent_ident, recordId=ref.ident)
        return True


def describe(target: Any) -> str:
    text = target.body.get("description") or f"Tools of {target.name} through AgentCore gateway {target.parent}"
    return text[:100]  # server.json's description limit


def inline_document(block: Any) -> dict[str, Any]:
    """A descriptor's inline JSON document; {} when absent or not a JSON object (a record someone else wrote)."""
    try:
        value = json.loads((block or {}).get("inlineContent") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
