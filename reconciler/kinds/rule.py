"""Gateway rules: identified by their priority within the gateway (`rules: {10: ...}`).

The service generates a ruleId; moving a rule to another priority is a delete
and a create. Rules the service manages itself (`system.managedBy`) are never
touched: a declaration at their priority is refused at plan time.
"""

from __future__ import annotations

from typing import Any

from reconciler.kinds.base import GATEWAY_CONFIGURATION, Kind


class RuleKind(Kind):
    key = "rule"
    noun = "rule"
    order = 6
    parent = "gateway"
    section = "rules"
    opt_in = True
    # The service changes one rule or rate limit of a gateway at a time and refuses another write meanwhile with a
    # ConflictException that does not say "in progress" (Terraform serialises them and retries every conflict).
    parent_write_limit, write_group, retry_conflicts = 1, GATEWAY_CONFIGURATION, True
    create_operation, read_operation = "CreateGatewayRule", "GetGatewayRule"
    update_operation, delete_operation, list_operation = "UpdateGatewayRule", "DeleteGatewayRule", "ListGatewayRules"
    list_is_full = True
    name_member = "priority"
    id_member = id_param = "ruleId"
    parent_param = "gatewayIdentifier"
    ready_statuses = frozenset({"ACTIVE"})

    def off_limits_reason(self, raw: dict[str, Any]) -> str | None:
        manager = (raw.get("system") or {}).get("managedBy")
        return f"is managed by the service (system.managedBy: {manager})" if manager else None
