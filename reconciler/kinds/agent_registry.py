"""AWS Agent Registries: the organisation's catalog of tools, where published MCP targets get a record.

CreateRegistry takes no tags: a registry is tagged right after it is created,
and owned like a gateway.
"""

from __future__ import annotations

from reconciler.kinds.base import Kind


class AgentRegistryKind(Kind):
    key = "agent-registry"
    noun = "agent registry"
    order = 9
    section = "agentRegistries"
    create_operation, read_operation = "CreateRegistry", "GetRegistry"
    update_operation, delete_operation, list_operation = "UpdateRegistry", "DeleteRegistry", "ListRegistries"
    id_member = id_param = "registryId"
    arn_member = "registryArn"
    failed_statuses = frozenset({"CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"})
