"""Agent Registry records (GA): one MCP record per published target, derived from the files, never declared.

A published target (`publish: {registry: NAME}` on the target, or on its
gateway) gets a record named `GATEWAY.TARGET` in that agent registry, with
`recordType: MCP` and the `mcpServer` descriptor: `data` is the MCP
registry's server.json (its remote is the gateway's URL), and
`additionalData.tools.data` the tools the gateway lists for the target. The
content is filled from live state by reconciler.catalog.publish; when the
target or its gateway changes in the same run, it is known only after the
synchronization, and apply fills it then.

Records carry the ownership tag (CreateRegistryRecord takes tags): a record
in the same registry without it (another team's, or one the registry's own
auto-detection made) is never changed, deleted or reported as drift. A
record is compared by what a reviewer cares about: its description, URL,
tool names and descriptions, and the version in its server.json (a digest of
the whole content, also sent as `recordVersion`, which GA takes as free text).
An update is a PATCH of the changed content; on an APPROVED record it makes a
new DRAFT revision, submitted for approval, while the approved one stays
discoverable. Unpublishing deletes the record: deprecation would keep its name
taken for good, so the target could never be published again.
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.aws import Api
from reconciler.aws_model import REGISTRY_SERVICE
from reconciler.kinds.base import UNKNOWN, Derived, Kind, Ref, prune
from reconciler.kinds.publish import PUBLISH, published_in
from reconciler.kinds.target import TargetKind

KNOWN_LATER = ("descriptors", "recordVersion")  # what only the gateway's listing tells
MCP_RECORD = "MCP"
SERVER_SCHEMA_VERSION = "2025-12-11"  # the MCP registry's server.json schema the record's `data` follows
TOOLS_SCHEMA_VERSION = "2025-06-18"  # the MCP revision whose tools/list result `tools.data` holds
DESCRIPTION_LIMIT = 100  # server.json's description limit (the record's own allows 4,096)


class RecordKind(Kind):
    key = "record"
    noun = "record"
    order = 10
    parent = "agent-registry"
    section = "records"
    derived = True
    derived_from = "`publish:` on a gateway or target, one per published MCP target"
    derived_name = "GATEWAY.TARGET"
    tagged_child = True  # other teams and the registry's auto-detection write records in the same agent registry
    after_sync = True
    show_status = True  # DRAFT, PENDING_APPROVAL, APPROVED, REJECTED: shown in plan and drift
    service = REGISTRY_SERVICE
    create_operation, read_operation = "CreateRegistryRecord", "GetRegistryRecord"
    update_operation, delete_operation, list_operation = "UpdateRegistryRecord", "DeleteRegistryRecord", "ListRegistryRecords"
    after_write_operation = "SubmitRegistryRecordForApproval"
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
            found.append(record_of(target, registry, f"{target.parent}.{target.name}"))
        return found

    def comparable(self, body: dict[str, Any]) -> dict[str, Any]:
        """What the plan compares and shows: description, URL, each tool's name and description, the version."""
        descriptors = body.get("descriptors")
        summary: dict[str, Any] = {"description": body.get("description"), "recordType": body.get("recordType")}
        if isinstance(descriptors, dict):
            server = descriptors.get("mcpServer") or {}
            document = json_document(server.get("data"))
            summary["version"] = document.get("version")  # the content digest
            summary["url"] = next((r.get("url") for r in document.get("remotes") or [] if isinstance(r, dict)), None)
            summary["tools"] = {t.get("name"): t.get("description", "") for t in record_tools(server) if isinstance(t, dict)}
        else:
            summary["version"] = summary["url"] = summary["tools"] = descriptors  # unknown until apply (or absent)
        return prune(summary)

    def update_request(self, ref: Ref, body: dict[str, Any]) -> dict[str, Any]:
        """A PATCH of what the reconciler writes: members it never sets (displayName, customMetadata) are kept."""
        return {k: v for k, v in super().update_request(ref, body).items() if k in body}

    def unknown_until_applied(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body when the target or its gateway changes in this run: the tools are known after synchronization."""
        return {**body, **dict.fromkeys(KNOWN_LATER, UNKNOWN)}

    def off_limits_reason(self, raw: dict[str, Any]) -> str | None:
        return "was made by the agent registry's auto-detection" if raw.get("createdByAutoDetection") else None

    def after_write(self, api: Api, ref: Ref) -> bool:
        """A written record (or its new revision) is a DRAFT: submit it (an auto-approving registry approves it)."""
        self.call(api, self.after_write_operation, registryId=ref.parent_ident, recordId=ref.ident)
        return True


def record_of(target: Any, registry: str, name: str) -> Derived:
    """The record `name` of a published target in agent registry `registry`, its content known later."""
    body = {"recordType": MCP_RECORD, "description": describe(target), **dict.fromkeys(KNOWN_LATER, UNKNOWN)}
    return Derived(name, f"{RecordKind.parent}/{registry}", body, target, {"target": target.address, "gateway": target.parent_address},
                   depends_on=(target.address, target.parent_address))


def describe(target: Any) -> str:
    text = target.body.get("description") or f"Tools of {target.name} through AgentCore gateway {target.parent}"
    return text[:DESCRIPTION_LIMIT]


def record_tools(server: dict[str, Any]) -> list[Any]:
    """The tools in an `mcpServer` descriptor's `additionalData.tools.data`; [] when absent or not a tools list."""
    tools = json_document(((server.get("additionalData") or {}).get("tools") or {}).get("data")).get("tools")
    return tools if isinstance(tools, list) else []


def json_document(data: Any) -> dict[str, Any]:
    """A descriptor's JSON `data`; {} when absent or not a JSON object (a record someone else wrote)."""
    try:
        value = json.loads(data or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
