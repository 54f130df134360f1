"""HTTP handlers for the operations the emulator adds or corrects; the rest are moto's.

moto routes each rest-json request to the handler named after its operation
(found by method and URI in botocore's model), both in-process and in its
server; the handlers of each concern live beside its backend mixin and are
mixed in here. Request members are read from botocore's model, so a member
the API adds reaches the backend without a change here.
"""

from __future__ import annotations

from typing import Any

from moto.bedrockagentcorecontrol.responses import BedrockAgentCoreControlResponse
from moto.core.responses import ActionResult, EmptyResult

from reconciler.emulator.agent_runtimes import AgentRuntimeResponse
from reconciler.emulator.base import request_members
from reconciler.emulator.idempotency import IdempotentResponse
from reconciler.emulator.models import EmulatorBackend
from reconciler.emulator.policies import PolicyResponse
from reconciler.emulator.preview import PreviewRefusal
from reconciler.emulator.rate_limits import RateLimitResponse
from reconciler.emulator.resource_policies import ResourcePolicyResponse
from reconciler.emulator.rules import RuleResponse
from reconciler.emulator.workload_identities import WorkloadIdentityResponse

GATEWAY_URI = ("gatewayIdentifier",)
TARGET_URI = ("gatewayIdentifier", "targetId")


# The mixins type service_name as the str it always is here; moto declares it Optional.
class EmulatorResponse(PreviewRefusal, IdempotentResponse, PolicyResponse, RateLimitResponse, RuleResponse,  # type: ignore[misc]
                       ResourcePolicyResponse, WorkloadIdentityResponse, AgentRuntimeResponse, BedrockAgentCoreControlResponse):
    @property
    def backend(self) -> EmulatorBackend:
        return super().backend

    def _page(self) -> dict[str, object]:
        return {"max_results": self._get_param("maxResults"), "next_token": self._get_param("nextToken")}

    def _members(self, operation: str, uri: tuple[str, ...] = ()) -> dict[str, Any]:
        return request_members(operation, self._get_params(), exclude=uri)

    def _gateway_members(self, operation: str) -> dict[str, Any]:
        members = self._members(operation, GATEWAY_URI)
        members["protocol_type"] = members["protocol_type"] or "MCP"  # optional in the API, defaulted by the service
        return members

    def create_gateway(self) -> ActionResult:
        gateway = self.backend.create_gateway(tags=self._get_params().get("tags"), **self._gateway_members("CreateGateway"))
        return ActionResult({**gateway.to_dict(), "status": "CREATING"})

    def update_gateway(self) -> ActionResult:
        gateway = self.backend.update_gateway(self._get_param("gatewayIdentifier"), **self._gateway_members("UpdateGateway"))
        return ActionResult({**gateway.to_dict(), "status": "UPDATING"})

    def list_gateways(self) -> ActionResult:
        items, token = self.backend.list_gateways(**self._page())
        return ActionResult({"items": [g.to_summary() for g in items], "nextToken": token})

    def create_gateway_target(self) -> ActionResult:
        target = self.backend.create_gateway_target(self._get_param("gatewayIdentifier"), **self._members("CreateGatewayTarget", GATEWAY_URI))
        return ActionResult({**target.to_dict(), "status": "CREATING"})

    def update_gateway_target(self) -> ActionResult:
        target = self.backend.update_gateway_target(self._get_param("gatewayIdentifier"), self._get_param("targetId"),
                                                    **self._members("UpdateGatewayTarget", TARGET_URI))
        return ActionResult({**target.to_dict(), "status": "UPDATING"})

    def list_gateway_targets(self) -> ActionResult:
        items, token = self.backend.list_gateway_targets(self._get_param("gatewayIdentifier"), **self._page())
        return ActionResult({"items": [t.to_summary() for t in items], "nextToken": token})

    def synchronize_gateway_targets(self) -> ActionResult:
        targets = self.backend.synchronize_gateway_targets(
            self._get_param("gatewayIdentifier"), self._get_param("targetIdList") or []
        )
        return ActionResult({"targets": [t.to_dict() for t in targets]})

    def create_oauth2_credential_provider(self) -> ActionResult:
        params = self._get_params()
        provider = self.backend.create_oauth2_credential_provider(
            params["name"], params["credentialProviderVendor"], params["oauth2ProviderConfigInput"], params.get("tags")
        )
        return ActionResult(provider.describe())

    def get_oauth2_credential_provider(self) -> ActionResult:
        return ActionResult(self.backend.get_oauth2_credential_provider(self._get_param("name")).describe())

    def update_oauth2_credential_provider(self) -> ActionResult:
        params = self._get_params()
        provider = self.backend.update_oauth2_credential_provider(
            params["name"], params["credentialProviderVendor"], params["oauth2ProviderConfigInput"]
        )
        return ActionResult(provider.describe())

    def delete_oauth2_credential_provider(self) -> ActionResult:
        self.backend.delete_oauth2_credential_provider(self._get_param("name"))
        return EmptyResult()

    def list_oauth2_credential_providers(self) -> ActionResult:
        items, token = self.backend.list_oauth2_credential_providers(**self._page())
        return ActionResult({"credentialProviders": [p.summary() for p in items], "nextToken": token})

    def create_api_key_credential_provider(self) -> ActionResult:
        params = self._get_params()
        provider = self.backend.create_api_key_credential_provider(params["name"], params, params.get("tags"))
        return ActionResult(provider.describe())

    def get_api_key_credential_provider(self) -> ActionResult:
        return ActionResult(self.backend.get_api_key_credential_provider(self._get_param("name")).describe())

    def update_api_key_credential_provider(self) -> ActionResult:
        params = self._get_params()
        provider = self.backend.update_api_key_credential_provider(params["name"], params)
        return ActionResult(provider.describe())

    def delete_api_key_credential_provider(self) -> ActionResult:
        self.backend.delete_api_key_credential_provider(self._get_param("name"))
        return EmptyResult()

    def list_api_key_credential_providers(self) -> ActionResult:
        items, token = self.backend.list_api_key_credential_providers(**self._page())
        return ActionResult({"credentialProviders": [p.summary() for p in items], "nextToken": token})
