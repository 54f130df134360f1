"""Resource-based policies of gateways and agent runtimes (Put/Get/DeleteResourcePolicy).

- Only AgentCore Runtime and Gateway resources take one (API reference); an ARN that names neither an
  existing gateway nor an existing agent runtime is a ResourceNotFoundException.
- The policy is a JSON document: anything but a JSON object is a ValidationException.
- Get or Delete of a resource without a policy is a ResourceNotFoundException (model, SERVICE-FACTS).
- The service keeps the document, not the text: Put and Get answer it re-serialized (compact, keys
  sorted), on purpose unlike what was sent, so a client must compare policies as JSON.
- Deleting a gateway forgets its policy.
"""

from __future__ import annotations

import json
from typing import Any

from moto.bedrockagentcorecontrol.exceptions import ResourceNotFoundException
from moto.core.responses import ActionResult, EmptyResult

from reconciler.emulator.base import GatewayHooks, ValidationException
from reconciler.emulator.validation import ValidatedRequest


def canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def parsed(policy: str) -> dict[str, Any]:
    try:
        document = json.loads(policy)
    except ValueError as error:
        raise ValidationException(f"The resource policy is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ValidationException("The resource policy must be a JSON object")
    return document


class ResourcePolicyBackend(GatewayHooks):
    """Backend mixin: one resource policy per gateway or agent runtime ARN."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)  # type: ignore[call-arg]
        self.resource_policies: dict[str, dict[str, Any]] = {}

    def _policy_resource(self, resource_arn: str) -> None:
        arns = {g.gateway_arn for g in self.gateways.values()}  # type: ignore[attr-defined]
        arns |= {r.agent_runtime_arn for r in self.agent_runtimes.values()}  # type: ignore[attr-defined]
        if resource_arn not in arns:
            raise ResourceNotFoundException(f"Resource {resource_arn} not found")

    def put_resource_policy(self, resource_arn: str, policy: str) -> str:
        self._policy_resource(resource_arn)
        self.resource_policies[resource_arn] = parsed(policy)
        return canonical(self.resource_policies[resource_arn])

    def get_resource_policy(self, resource_arn: str) -> str:
        self._policy_resource(resource_arn)
        if resource_arn not in self.resource_policies:
            raise ResourceNotFoundException(f"No resource policy exists for {resource_arn}")
        return canonical(self.resource_policies[resource_arn])

    def delete_resource_policy(self, resource_arn: str) -> None:
        self.get_resource_policy(resource_arn)
        del self.resource_policies[resource_arn]

    def forget_gateway(self, gateway: Any) -> None:
        self.resource_policies.pop(gateway.gateway_arn, None)
        super().forget_gateway(gateway)


class ResourcePolicyResponse(ValidatedRequest):
    """Response mixin: the HTTP handlers of the resource-policy operations."""

    backend: Any

    def put_resource_policy(self) -> ActionResult:
        params = self._request()
        return ActionResult({"policy": self.backend.put_resource_policy(params["resourceArn"], params["policy"])})

    def get_resource_policy(self) -> ActionResult:
        return ActionResult({"policy": self.backend.get_resource_policy(self._request()["resourceArn"])})

    def delete_resource_policy(self) -> ActionResult:
        self.backend.delete_resource_policy(self._request()["resourceArn"])
        return EmptyResult()
