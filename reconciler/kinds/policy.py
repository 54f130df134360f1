"""Cedar policies of a policy engine.

The service checks a policy against the tools its engine's gateways expose, so
policies are written after the run's targets were synchronized. `validationMode`
is accepted but never returned: write-only, and a policy has no tag to keep its
fingerprint in, so it is not compared; every create and update sends it (its
documented default, FAIL_ON_ANY_FINDINGS, when not declared).
"""

from __future__ import annotations

from reconciler.kinds.base import Kind
from reconciler.kinds.policy_engine import CHANGING_FAILED


class PolicyKind(Kind):
    key = "policy"
    noun = "policy"
    order = 4
    parent = "policy-engine"
    section = "policies"
    after_sync = True
    create_operation, read_operation = "CreatePolicy", "GetPolicy"
    update_operation, delete_operation, list_operation = "UpdatePolicy", "DeletePolicy", "ListPolicies"
    list_is_full = True
    id_member = id_param = "policyId"
    parent_param = "policyEngineId"
    arn_member = "policyArn"
    ready_statuses = frozenset({"ACTIVE"})
    failed_statuses = CHANGING_FAILED
