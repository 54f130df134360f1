"""Gateway rules, as the service behaves (botocore model and its docs; inferences marked).

- Children of a gateway with a server-generated UUID `ruleId` and no name. `priority` 1..1,000,000
  orders them and is unique within the gateway: a duplicate is a ConflictException (inferred from the
  ordering; the type is in the operation's error list).
- Every target an action names (`routeToTarget` static and weighted routes, their fallbacks: each
  member of shape TargetName) must be a target of the gateway: a ValidationException otherwise
  (inferred). A traffic split's weights sum to 100 (model: "Weights across all entries must sum to 100").
- UpdateGatewayRule is a PATCH (HTTP PATCH, "Updates a gateway rule's priority, conditions, actions,
  or description"; the AgentCore CLI keeps rule updates patch-shaped while it sends gateways and
  targets whole): members left out are kept, an explicit empty list (`conditions: []`) clears; an
  empty description is refused (the model's minimum length is 1), so an update cannot clear one.
- Get answers carry the defaults the model documents (a match model's operator StringLike, a
  fallback's circuit breaker ENABLED) where the rule left them out.
- Rules created by the service's automated processes carry `system.managedBy`; the emulator makes
  them with `add_managed_rule` (not reachable through the API) and refuses to update or delete them
  with a ValidationException (inferred).
- CREATING -> ACTIVE, UPDATING -> ACTIVE, DELETING -> gone. A gateway's deletion forgets its rules.
- One rule or rate-limit change at a time per gateway: a write while another is CREATING, UPDATING or
  DELETING is a ConflictException that does not say "in progress" (base.GatewayHooks.refuse_while_configuring;
  Terraform serialises them per gateway and retries every ConflictException).
"""

from __future__ import annotations

from typing import Any

from moto.bedrockagentcorecontrol.exceptions import ConflictException
from moto.core.common_models import BaseModel
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random
from moto.utilities.paginator import paginate

from reconciler.aws_model import shape
from reconciler.emulator.base import (
    ACTIVE, ChildTable, GatewayHooks, Timed, ValidationException, begin_deletion, pagination, present,
    with_service_defaults,
)
from reconciler.emulator.validation import ValidatedRequest, values_of

RULE_MEMBERS = ("priority", "conditions", "actions", "description")  # what UpdateGatewayRule may change
SERVICE = "bedrock-agentcore.amazonaws.com"
PAGINATION_MODEL = pagination(list_gateway_rules="rule_id")


class GatewayRule(Timed, BaseModel):
    def __init__(self, gateway: Any, members: dict[str, Any], managed_by: str | None = None):
        self.gateway_id = gateway.gateway_id
        self.gateway_arn = gateway.gateway_arn
        self.rule_id = str(mock_random.uuid4())
        self.members: dict[str, Any] = {name: members.get(name) for name in RULE_MEMBERS}
        self.system = {"managedBy": managed_by} if managed_by else None
        self.created_at = self.updated_at = utcnow()
        self.begin("CREATING", ACTIVE)

    @property
    def priority(self) -> int:
        return int(self.members["priority"])

    def describe(self) -> dict[str, Any]:
        return with_service_defaults(present({
            "ruleId": self.rule_id, "gatewayArn": self.gateway_arn, **self.members, "status": self.status,
            "createdAt": self.created_at, "updatedAt": self.updated_at, "system": self.system,
        }), "CreateGatewayRule")


def traffic_split_problems(value: Any) -> list[str]:
    """Every `trafficSplit` in a rule's actions must share out 100 percent."""
    if isinstance(value, list):
        return [problem for item in value for problem in traffic_split_problems(item)]
    if not isinstance(value, dict):
        return []
    problems = [problem for item in value.values() for problem in traffic_split_problems(item)]
    split = value.get("trafficSplit")
    if isinstance(split, list) and sum(int(entry.get("weight", 0)) for entry in split) != 100:
        problems.append(f"trafficSplit weights must sum to 100, not {sum(int(entry.get('weight', 0)) for entry in split)}")
    return problems


class RuleBackend(GatewayHooks):
    """Backend mixin: the rules of each gateway."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)  # type: ignore[call-arg]
        self.gateway_rules: ChildTable[GatewayRule] = ChildTable()

    def rules_of(self, gateway_identifier: str) -> dict[str, GatewayRule]:
        return self.gateway_rules.of(self._get_gateway(gateway_identifier).gateway_id)  # type: ignore[attr-defined]

    def get_gateway_rule(self, gateway_identifier: str, rule_id: str) -> GatewayRule:
        return self.gateway_rules.get(self._get_gateway(gateway_identifier).gateway_id, rule_id, "Rule")  # type: ignore[attr-defined]

    def create_gateway_rule(self, gateway_identifier: str, members: dict[str, Any], managed_by: str | None = None) -> GatewayRule:
        gateway = self._get_gateway(gateway_identifier)  # type: ignore[attr-defined]
        self.refuse_while_configuring(gateway.gateway_id)
        self._check(gateway, members, None)
        rule = GatewayRule(gateway, members, managed_by)
        return self.gateway_rules.add(gateway.gateway_id, rule.rule_id, rule)

    def add_managed_rule(self, gateway_identifier: str, priority: int, actions: list[dict[str, Any]],
                         conditions: list[dict[str, Any]] | None = None, managed_by: str = SERVICE) -> GatewayRule:
        """A rule the service itself creates (e.g. for a feature it manages); tests use it, the API cannot."""
        rule = self.create_gateway_rule(gateway_identifier, {"priority": priority, "actions": actions, "conditions": conditions},
                                        managed_by)
        rule.status = ACTIVE
        return rule

    def update_gateway_rule(self, gateway_identifier: str, rule_id: str, changes: dict[str, Any]) -> GatewayRule:
        rule = self._changeable(gateway_identifier, rule_id)
        self.refuse_while_configuring(rule.gateway_id)
        members = {**rule.members, **{k: v for k, v in changes.items() if k in RULE_MEMBERS and v is not None}}
        self._check(self._get_gateway(gateway_identifier), members, rule)  # type: ignore[attr-defined]
        rule.members, rule.updated_at = members, utcnow()
        rule.begin("UPDATING", ACTIVE)
        return rule

    def delete_gateway_rule(self, gateway_identifier: str, rule_id: str) -> GatewayRule:
        rule = self._changeable(gateway_identifier, rule_id)
        self.refuse_while_configuring(rule.gateway_id)
        begin_deletion(rule, f"Rule {rule_id}")
        return rule

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_gateway_rules(self, gateway_identifier: str) -> list[GatewayRule]:
        return sorted(self.rules_of(gateway_identifier).values(), key=lambda rule: rule.priority)

    def _changeable(self, gateway_identifier: str, rule_id: str) -> GatewayRule:
        rule = self.get_gateway_rule(gateway_identifier, rule_id)
        if rule.system:
            raise ValidationException(f"Rule {rule_id} is managed by {rule.system['managedBy']} and cannot be changed or deleted")
        return rule

    def _check(self, gateway: Any, members: dict[str, Any], rule: GatewayRule | None) -> None:
        taken = next((other for other in self.rules_of(gateway.gateway_id).values()
                      if other is not rule and other.priority == members["priority"]), None)
        if taken is not None:
            raise ConflictException(f"Rule {taken.rule_id} already has priority {members['priority']} in gateway {gateway.gateway_id}")
        targets = {target.name for target in self.list_gateway_targets_all(gateway.gateway_id)}  # type: ignore[attr-defined]
        unknown = sorted({name for name in values_of(members.get("actions"), shape("Actions"), "TargetName")} - targets)
        problems = [f"Target {name} does not exist in gateway {gateway.gateway_id}" for name in unknown]
        problems += traffic_split_problems(members.get("actions"))
        if problems:
            raise ValidationException("; ".join(problems))

    def configuration_changes(self, gateway_id: str) -> list[Timed]:
        return [rule for rule in self.gateway_rules.of(gateway_id).values() if rule.busy] + super().configuration_changes(gateway_id)

    def forget_gateway(self, gateway: Any) -> None:
        self.gateway_rules.forget(gateway.gateway_id)
        super().forget_gateway(gateway)


class RuleResponse(ValidatedRequest):
    """Response mixin: the HTTP handlers of the gateway-rule operations."""

    backend: Any

    def create_gateway_rule(self) -> ActionResult:
        params = self._request()
        return ActionResult(self.backend.create_gateway_rule(params["gatewayIdentifier"], params).describe())

    def get_gateway_rule(self) -> ActionResult:
        return self._described(self.backend.get_gateway_rule, "gatewayIdentifier", "ruleId")

    def update_gateway_rule(self) -> ActionResult:
        params = self._request()
        return ActionResult(self.backend.update_gateway_rule(params["gatewayIdentifier"], params["ruleId"], params).describe())

    def delete_gateway_rule(self) -> ActionResult:
        return self._described(self.backend.delete_gateway_rule, "gatewayIdentifier", "ruleId")

    def list_gateway_rules(self) -> ActionResult:
        return self._listed(self.backend.list_gateway_rules, "gatewayRules", "gatewayIdentifier")
