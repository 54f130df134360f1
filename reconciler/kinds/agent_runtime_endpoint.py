"""Agent runtime endpoints: a named, stable way in to one version of an agent runtime
(`agentRuntimes.NAME.endpoints.NAME`).

A declaration holds the CreateAgentRuntimeEndpoint members: `description` and `agentRuntimeVersion`, the version it
serves. Left out, the service points a new endpoint at the runtime's latest version and keeps it there when the
runtime changes: the version is then the service's to fill in (`computed`), not drift; declared, a plan moves the
endpoint to it. The read answers it as `targetVersion` (what the endpoint was pointed at; `liveVersion` is what
serves while an update rolls out).

The service makes one endpoint itself with every runtime, DEFAULT, which always serves the latest version and
goes with its runtime (developer guide, "AgentCore Runtime versioning and endpoints"): it is listed beside the
declared ones but is never drift, never deleted, never imported, and declaring an endpoint named DEFAULT is a
plan error (`off_limits_reason`).

A child of its runtime: no tags of its own (CreateAgentRuntimeEndpoint takes some, the runtime's ownership covers
it), deleted before it and replaced with it.
"""

from __future__ import annotations

from typing import Any

from reconciler.kinds.agent_runtime import FAILED, AgentRuntimeKind
from reconciler.kinds.base import Kind

DEFAULT_ENDPOINT = "DEFAULT"
VERSION = "agentRuntimeVersion"


class AgentRuntimeEndpointKind(Kind):
    key = "agent-runtime-endpoint"
    noun = "agent runtime endpoint"
    order = 3
    parent = AgentRuntimeKind.key
    section = "endpoints"
    create_operation, read_operation = "CreateAgentRuntimeEndpoint", "GetAgentRuntimeEndpoint"
    update_operation, delete_operation = "UpdateAgentRuntimeEndpoint", "DeleteAgentRuntimeEndpoint"
    list_operation = "ListAgentRuntimeEndpoints"
    id_member, id_param = "name", "endpointName"  # addressed by its name; its `id` is never asked for
    parent_param = "agentRuntimeId"
    arn_member = "agentRuntimeEndpointArn"
    stamp_member = "lastUpdatedAt"
    output_renames = {VERSION: "targetVersion"}
    computed = ((VERSION,),)
    failed_statuses = FAILED

    def off_limits_reason(self, raw: dict[str, Any]) -> str | None:
        if raw.get("name") == DEFAULT_ENDPOINT:
            return "was made by the service with its agent runtime (it always serves the latest version)"
        return None
