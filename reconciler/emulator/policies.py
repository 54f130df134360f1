"""Policy engines and their Cedar policies (AgentCore Policy), as the service behaves.

Policy engines
- ids `<name>-<10 [a-z0-9]>` and ARNs `...:policy-engine/<id>` (botocore's patterns); names unique in
  the account and region (ConflictException); tags at create (ListTagsForResource on the ARN);
  CREATING -> ACTIVE, UPDATING -> ACTIVE, DELETING -> gone.
- UpdatePolicyEngine / UpdatePolicy take the description as `{optionalValue: ...}`: no wrapper leaves
  it unchanged, a wrapper without a value clears it (API reference: "If not specified, it will clear
  the current description").
- An engine that still has policies cannot be deleted (API reference: "must not have any associated
  policies before deletion"); neither can one that a gateway's policyEngineConfiguration names
  (inferred). Both are a ConflictException (the error type is inferred). A gateway that names an
  engine that does not exist is refused with a ValidationException (inferred).

Policies
- ids `<name>-<10>`, ARNs `.../policy-engine/<engine id>/policy/<policy id>`; names unique in the
  account (API reference); `enforcementMode` defaults to ACTIVE and an update without it keeps it;
  `validationMode` is accepted and never returned (write-only).
- Every create, and every update of the definition, is checked as the developer guide describes
  ("Policy create and update: per-policy engine validation"): schema checks always run (each action
  must be a tool that a gateway attached to the engine lists, `AgentCore::Action::"TARGET___TOOL"`;
  principals are AgentCore::OAuthUser or AgentCore::IamEntity; resources AgentCore::Gateway;
  `context.input.X` must be a parameter of every tool named); semantic validation runs only with
  FAIL_ON_ANY_FINDINGS (the default); the emulator knows one of its findings, a policy that applies to
  every request. IGNORE_ALL_FINDINGS skips the semantic validation, never the schema checks.
- Findings make the policy CREATE_FAILED / UPDATE_FAILED with statusReasons; a failed update changes
  nothing (inferred). A statement that is not Cedar is refused at once with a ValidationException.
"""

from __future__ import annotations

import string
from typing import Any

from moto.bedrockagentcorecontrol.exceptions import ConflictException, ResourceNotFoundException
from moto.core.common_models import BaseModel
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.utilities.paginator import paginate
from moto.utilities.utils import get_partition

from reconciler.emulator.base import (
    existing, ACTIVE, UNCHANGED, GatewayHooks, Timed, ValidationException, begin_deletion, pagination, present, purge_gone, random_id,
    refuse_while_busy,
)
from reconciler.emulator.cedar import CedarSyntaxError, Statement, parse
from reconciler.emulator.tools import gateway_name
from reconciler.emulator.validation import ValidatedRequest

ID_ALPHABET = string.ascii_lowercase + string.digits
ACTION_TYPE = "AgentCore::Action"
PRINCIPAL_TYPES = frozenset({"AgentCore::OAuthUser", "AgentCore::IamEntity"})
RESOURCE_TYPES = frozenset({"AgentCore::Gateway"})
STRICT = "FAIL_ON_ANY_FINDINGS"
FAILED = {"CREATING": "CREATE_FAILED", "UPDATING": "UPDATE_FAILED"}
PAGINATION_MODEL = pagination(list_policy_engines="policy_engine_id", list_policies="policy_id")


class PolicyEngine(Timed, BaseModel):
    def __init__(self, backend: Any, name: str, description: str | None, encryption_key_arn: str | None):
        self.name = name
        self.policy_engine_id = f"{name}-{random_id(ID_ALPHABET)}"
        self.arn = (f"arn:{get_partition(backend.region_name)}:bedrock-agentcore:{backend.region_name}:"
                    f"{backend.account_id}:policy-engine/{self.policy_engine_id}")
        self.description = description
        self.encryption_key_arn = encryption_key_arn
        self.created_at = self.updated_at = utcnow()
        self.policies: dict[str, Policy] = {}
        self.begin("CREATING", ACTIVE)

    def live_policies(self) -> dict[str, Policy]:
        purge_gone(self.policies)  # type: ignore[arg-type]
        return self.policies

    def describe(self) -> dict[str, Any]:
        return present({
            "policyEngineId": self.policy_engine_id, "name": self.name, "policyEngineArn": self.arn,
            "createdAt": self.created_at, "updatedAt": self.updated_at, "status": self.status, "statusReasons": [],
            "description": self.description, "encryptionKeyArn": self.encryption_key_arn,
        })


class Policy(Timed, BaseModel):
    def __init__(self, engine: PolicyEngine, name: str, definition: dict[str, Any], description: str | None,
                 enforcement_mode: str | None, findings: list[str]):
        self.engine = engine
        self.name = name
        self.policy_id = f"{name}-{random_id(ID_ALPHABET)}"
        self.arn = f"{engine.arn}/policy/{self.policy_id}"
        self.definition = definition
        self.description = description
        self.enforcement_mode = enforcement_mode or "ACTIVE"  # API reference: defaults to ACTIVE
        self.created_at = self.updated_at = utcnow()
        self.findings: list[str] = []
        self.settle("CREATING", findings)

    def settle(self, transient: str, findings: list[str]) -> None:
        """CREATING/UPDATING, then ACTIVE, or CREATE_FAILED/UPDATE_FAILED with the findings as statusReasons."""
        self.findings = findings
        self.begin(transient, FAILED[transient] if findings else ACTIVE)

    def describe(self) -> dict[str, Any]:
        status = self.status
        return present({
            "policyId": self.policy_id, "name": self.name, "policyEngineId": self.engine.policy_engine_id,
            "policyArn": self.arn, "createdAt": self.created_at, "updatedAt": self.updated_at, "status": status,
            "statusReasons": list(self.findings) if status.endswith("_FAILED") else [],
            "definition": self.definition, "description": self.description, "enforcementMode": self.enforcement_mode,
        })


def statement_of(definition: dict[str, Any]) -> Statement:
    """The Cedar (or Dogwood, read as Cedar) statement of a policy definition; a ValidationException when unreadable."""
    if "policyGeneration" in definition:
        generation = definition["policyGeneration"]
        raise ResourceNotFoundException(f"Policy generation {generation.get('policyGenerationId')} not found")
    text = (definition.get("cedar") or definition.get("policy") or {}).get("statement", "")
    try:
        return parse(text)
    except CedarSyntaxError as error:
        raise ValidationException(f"The policy statement is not valid Cedar: {error}") from None


def findings_for(statement: Statement, tools: dict[str, dict[str, Any]], validation_mode: str | None) -> list[str]:
    found = schema_findings(statement, tools)
    if (validation_mode or STRICT) == STRICT:
        found += semantic_findings(statement)
    return found


def schema_findings(statement: Statement, tools: dict[str, dict[str, Any]]) -> list[str]:
    """The Cedar schema checks against the tools of the engine's gateways (always run)."""
    found = [f"unrecognized action `{entity}`: no gateway attached to this policy engine lists that tool"
             for entity in statement.action.entities if entity.type != ACTION_TYPE or entity.id not in tools]
    found += [f"unrecognized entity type `{kind}` for the principal" for kind in sorted(statement.principal.types - PRINCIPAL_TYPES)]
    found += [f"unrecognized entity type `{kind}` for the resource" for kind in sorted(statement.resource.types - RESOURCE_TYPES)]
    named = [tools[e.id] for e in statement.action.entities if e.type == ACTION_TYPE and e.id in tools]
    if named and len(named) == len(statement.action.entities):
        common = set.intersection(*(set(((tool.get("inputSchema") or {}).get("properties") or {})) for tool in named))
        found += [f"attribute `{name}` not found in context.input of the actions this policy names"
                  for name in sorted(statement.input_fields() - common)]
    return found


def semantic_findings(statement: Statement) -> list[str]:
    """Automated-reasoning findings (FAIL_ON_ANY_FINDINGS only): the emulator knows the policy that covers everything."""
    if not statement.unconstrained:
        return []
    if statement.effect == "permit":
        return ["Overly permissive policy: it allows every request for every principal, action and resource"]
    return ["Overly restrictive policy: it denies every request for every principal, action and resource"]


def description_change(params: dict[str, Any]) -> Any:
    """UNCHANGED without the `description` wrapper; its `optionalValue` (None clears) otherwise."""
    return params["description"].get("optionalValue") if "description" in params else UNCHANGED


class PolicyBackend(GatewayHooks):
    """Backend mixin: policy engines and policies."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)  # type: ignore[call-arg]
        self.policy_engines: dict[str, PolicyEngine] = {}

    # --- engines ------------------------------------------------------------------
    def live_engines(self) -> dict[str, PolicyEngine]:
        purge_gone(self.policy_engines)  # type: ignore[arg-type]
        return self.policy_engines

    def get_policy_engine(self, engine_id: str) -> PolicyEngine:
        return existing(self.live_engines(), engine_id, f"Policy engine {engine_id} not found")

    def create_policy_engine(self, name: str, description: str | None, encryption_key_arn: str | None,
                             tags: dict[str, str] | None) -> PolicyEngine:
        if any(engine.name == name for engine in self.live_engines().values()):
            raise ConflictException(f"A policy engine named {name} already exists")
        engine = PolicyEngine(self, name, description, encryption_key_arn)
        self.policy_engines[engine.policy_engine_id] = engine
        if tags:
            self.tag_resource(engine.arn, tags)  # type: ignore[attr-defined]
        return engine

    def update_policy_engine(self, engine_id: str, description: Any) -> PolicyEngine:
        engine = self.get_policy_engine(engine_id)
        refuse_while_busy(engine, f"Policy engine {engine_id}")
        if description is not UNCHANGED:
            engine.description = description
        engine.updated_at = utcnow()
        engine.begin("UPDATING", ACTIVE)
        return engine

    def delete_policy_engine(self, engine_id: str) -> PolicyEngine:
        engine = self.get_policy_engine(engine_id)
        if engine.live_policies():
            raise ConflictException(f"Policy engine {engine_id} still has policies; delete them before the policy engine")
        users = sorted(g.gateway_id for g in self.engine_gateways(engine))
        if users:
            raise ConflictException(f"Policy engine {engine_id} is associated with gateways {', '.join(users)}; "
                                    "remove it from their policyEngineConfiguration first")
        begin_deletion(engine, f"Policy engine {engine_id}")
        self.tagger.delete_all_tags_for_resource(engine.arn)  # type: ignore[attr-defined]
        return engine

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_policy_engines(self) -> list[PolicyEngine]:
        return list(self.live_engines().values())

    def engine_gateways(self, engine: PolicyEngine) -> list[Any]:
        return [g for g in self.gateways.values()  # type: ignore[attr-defined]
                if (g.policy_engine_configuration or {}).get("arn") == engine.arn]

    def check_engine_reference(self, configuration: dict[str, Any] | None) -> None:
        """A gateway's policyEngineConfiguration must name a policy engine of this account and region."""
        arn = (configuration or {}).get("arn")
        if arn and not any(engine.arn == arn and engine.status != "DELETING" for engine in self.live_engines().values()):
            raise ValidationException(f"Policy engine {arn} does not exist")

    def engine_tools(self, engine: PolicyEngine) -> dict[str, dict[str, Any]]:
        """The tools the engine's gateways list, by the action name Cedar uses: TARGET___TOOL."""
        return {
            gateway_name(target.name, tool["name"]): tool
            for gateway in self.engine_gateways(engine)
            for target in self.list_gateway_targets_all(gateway.gateway_id)  # type: ignore[attr-defined]
            for tool in target.catalogue()
        }

    # --- policies -----------------------------------------------------------------
    def get_policy(self, engine_id: str, policy_id: str) -> Policy:
        return existing(self.get_policy_engine(engine_id).live_policies(), policy_id, f"Policy {policy_id} not found in policy engine {engine_id}")

    def create_policy(self, engine_id: str, name: str, definition: dict[str, Any], description: str | None,
                      enforcement_mode: str | None, validation_mode: str | None) -> Policy:
        engine = self.get_policy_engine(engine_id)
        if engine.status == "DELETING":
            raise ConflictException(f"Policy engine {engine_id} is being deleted")
        if any(p.name == name for e in self.live_engines().values() for p in e.live_policies().values()):
            raise ConflictException(f"A policy named {name} already exists")
        findings = findings_for(statement_of(definition), self.engine_tools(engine), validation_mode)
        policy = Policy(engine, name, definition, description, enforcement_mode, findings)
        engine.policies[policy.policy_id] = policy
        return policy

    def update_policy(self, engine_id: str, policy_id: str, definition: dict[str, Any] | None, description: Any,
                      enforcement_mode: str | None, validation_mode: str | None) -> Policy:
        policy = self.get_policy(engine_id, policy_id)
        refuse_while_busy(policy, f"Policy {policy_id}")
        findings = findings_for(statement_of(definition), self.engine_tools(policy.engine), validation_mode) if definition else []
        if not findings:
            policy.definition = definition or policy.definition
            policy.description = policy.description if description is UNCHANGED else description
            policy.enforcement_mode = enforcement_mode or policy.enforcement_mode
            policy.updated_at = utcnow()
        policy.settle("UPDATING", findings)
        return policy

    def delete_policy(self, engine_id: str, policy_id: str) -> Policy:
        policy = self.get_policy(engine_id, policy_id)
        begin_deletion(policy, f"Policy {policy_id}")
        return policy

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_policies(self, engine_id: str, resource_scope: str | None = None) -> list[Policy]:
        policies = self.get_policy_engine(engine_id).live_policies().values()
        return [p for p in policies if resource_scope is None or applies_to(p, resource_scope)]


def applies_to(policy: Policy, resource_arn: str) -> bool:
    """ListPolicies' targetResourceScope: policies whose resource scope covers that resource."""
    resource = statement_of(policy.definition).resource
    return not resource.entities or any(entity.id == resource_arn for entity in resource.entities)


class PolicyResponse(ValidatedRequest):
    """Response mixin: the HTTP handlers of the policy operations."""

    backend: Any

    def create_policy_engine(self) -> ActionResult:
        return self._described(self.backend.create_policy_engine, "name", "description", "encryptionKeyArn", "tags")

    def get_policy_engine(self) -> ActionResult:
        return self._described(self.backend.get_policy_engine, "policyEngineId")

    def update_policy_engine(self) -> ActionResult:
        params = self._request()
        return ActionResult(self.backend.update_policy_engine(params["policyEngineId"], description_change(params)).describe())

    def delete_policy_engine(self) -> ActionResult:
        return self._described(self.backend.delete_policy_engine, "policyEngineId")

    def list_policy_engines(self) -> ActionResult:
        return self._listed(self.backend.list_policy_engines, "policyEngines")

    def create_policy(self) -> ActionResult:
        return self._described(self.backend.create_policy, "policyEngineId", "name", "definition", "description", "enforcementMode",
                               "validationMode")

    def get_policy(self) -> ActionResult:
        return self._described(self.backend.get_policy, "policyEngineId", "policyId")

    def update_policy(self) -> ActionResult:
        params = self._request()
        policy = self.backend.update_policy(params["policyEngineId"], params["policyId"], params.get("definition"),
                                            description_change(params), params.get("enforcementMode"), params.get("validationMode"))
        return ActionResult(policy.describe())

    def delete_policy(self) -> ActionResult:
        return self._described(self.backend.delete_policy, "policyEngineId", "policyId")

    def list_policies(self) -> ActionResult:
        return self._listed(self.backend.list_policies, "policies", "policyEngineId", "targetResourceScope")
