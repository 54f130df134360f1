"""Policy engines: Cedar policy stores that gateways reference (`policyEngineConfiguration.policyEngine: NAME`)."""

from __future__ import annotations

from reconciler.kinds.base import Kind, Reference

CHANGING_FAILED = frozenset({"CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"})


class PolicyEngineKind(Kind):
    key = "policy-engine"
    noun = "policy engine"
    order = 1
    section = "policyEngines"
    reference = Reference("GatewayPolicyEngineConfiguration", "policyEngine", "arn")
    create_operation, read_operation = "CreatePolicyEngine", "GetPolicyEngine"
    update_operation, delete_operation, list_operation = "UpdatePolicyEngine", "DeletePolicyEngine", "ListPolicyEngines"
    id_member = id_param = "policyEngineId"
    arn_member = "policyEngineArn"
    ready_statuses = frozenset({"ACTIVE"})
    failed_statuses = CHANGING_FAILED
