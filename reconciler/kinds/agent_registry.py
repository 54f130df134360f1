"""AWS Agent Registries (GA, `agent-registry-control`): the organisation's catalog, where published MCP targets
get a record.

CreateRegistry takes the ownership tags and answers 202 with only the ARN;
the registry is CREATING, then READY. UpdateRegistry is a PATCH whose
members are `{optionalValue}` wrappers (left out: kept; `{}`: cleared), and
it cannot change the discovery authorizer's type (only its configuration),
nor the encryption key (CreateRegistry only, so a replacement). GetRegistry
shows the requested auto-detection settings under `autoDetection.configuration`.
"""

from __future__ import annotations

from typing import Any

from reconciler.aws_model import REGISTRY_SERVICE
from reconciler.kinds.base import Kind
from reconciler.vocabulary import KeyPath

AUTO_DETECTION = "autoDetectionConfiguration"  # declared (and written) here; read back under autoDetection.configuration


class AgentRegistryKind(Kind):
    key = "agent-registry"
    noun = "agent registry"
    order = 9
    section = "agentRegistries"
    service = REGISTRY_SERVICE
    create_operation, read_operation = "CreateRegistry", "GetRegistry"
    update_operation, delete_operation, list_operation = "UpdateRegistry", "DeleteRegistry", "ListRegistries"
    id_member = id_param = "registryId"
    arn_member = "registryArn"
    failed_statuses = frozenset({"CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"})
    replace_members = (("discoveryConfiguration", "authorizerType"),)  # UpdateRegistry takes only its configuration
    # The preview API's members (switched off on 2026-09-17), with what a file must say instead.
    retired_members = {
        ("approvalConfiguration", "autoApproval"): "use `autoApprovalRules: [APPROVE_ALL]` (true) or leave it out (false: curator review)",
        ("authorizerType",): "moved to `discoveryConfiguration.authorizerType`",
        ("authorizerConfiguration",): "moved to `discoveryConfiguration.authorizerConfiguration`",
    }

    @property
    def write_only(self) -> set[KeyPath]:
        """Auto-detection is read back, under another member (see `normalize`)."""
        return {path for path in super().write_only if path[0] != AUTO_DETECTION}

    def normalize(self, raw: dict[str, Any]) -> dict[str, Any]:
        detection = raw.get("autoDetection") or {}
        return super().normalize({**raw, AUTO_DETECTION: detection.get("configuration")})
