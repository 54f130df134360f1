"""Gateway rate limits: children of a gateway, identified by their customer-chosen rateLimitId."""

from __future__ import annotations

from reconciler.kinds.base import GATEWAY_CONFIGURATION, Kind


class RateLimitKind(Kind):
    key = "rate-limit"
    noun = "rate limit"
    order = 5
    parent = "gateway"
    section = "rateLimits"
    opt_in = True
    # The service changes one rule or rate limit of a gateway at a time and refuses another write meanwhile with a
    # ConflictException that does not say "in progress" (Terraform serialises them and retries every conflict).
    parent_write_limit, write_group, retry_conflicts = 1, GATEWAY_CONFIGURATION, True
    create_operation, read_operation = "CreateGatewayRateLimit", "GetGatewayRateLimit"
    update_operation, delete_operation = "UpdateGatewayRateLimit", "DeleteGatewayRateLimit"
    list_operation = "ListGatewayRateLimits"
    batch_operation = "BatchPutGatewayRateLimits"  # upserts by rateLimitId: one call for a gateway's writes
    list_is_full = True
    name_member = id_member = id_param = "rateLimitId"
    parent_param = "gatewayIdentifier"
    ready_statuses = frozenset({"ACTIVE"})
