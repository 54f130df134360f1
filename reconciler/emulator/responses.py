"""HTTP handlers for the operations the emulator adds or corrects; the rest are moto's."""

from __future__ import annotations

from moto.bedrockagentcorecontrol.responses import BedrockAgentCoreControlResponse
from moto.core.responses import ActionResult, EmptyResult

from reconciler.emulator.models import EmulatorBackend


# Request member -> moto Gateway attribute (moto's own handlers require protocolType; the API does not).
GATEWAY_MEMBERS = {
    "name": "name",
    "roleArn": "role_arn",
    "protocolType": "protocol_type",
    "authorizerType": "authorizer_type",
    "description": "description",
    "protocolConfiguration": "protocol_configuration",
    "authorizerConfiguration": "authorizer_configuration",
    "kmsKeyArn": "kms_key_arn",
    "interceptorConfigurations": "interceptor_configurations",
    "policyEngineConfiguration": "policy_engine_configuration",
    "exceptionLevel": "exception_level",
}


class EmulatorResponse(BedrockAgentCoreControlResponse):
    @property
    def backend(self) -> EmulatorBackend:  # type: ignore[override]
        return super().backend  # type: ignore[return-value]

    def _page(self) -> dict[str, object]:
        return {"max_results": self._get_param("maxResults"), "next_token": self._get_param("nextToken")}

    def _gateway_members(self) -> dict[str, object]:
        params = self._get_params()
        members = {snake: params.get(camel) for camel, snake in GATEWAY_MEMBERS.items()}
        members["protocol_type"] = members["protocol_type"] or "MCP"  # optional in the API, defaulted by the service
        return members

    def create_gateway(self) -> ActionResult:
        gateway = self.backend.create_gateway(tags=self._get_params().get("tags"), **self._gateway_members())
        return ActionResult({**gateway.to_dict(), "status": "CREATING"})

    def update_gateway(self) -> ActionResult:
        gateway = self.backend.update_gateway(self._get_param("gatewayIdentifier"), **self._gateway_members())
        return ActionResult({**gateway.to_dict(), "status": "UPDATING"})

    def list_gateways(self) -> ActionResult:
        items, token = self.backend.list_gateways(**self._page())
        return ActionResult({"items": [g.to_summary() for g in items], "nextToken": token})

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
        provider = self.backend.create_api_key_credential_provider(params["name"], params.get("apiKey"), params.get("tags"))
        return ActionResult(provider.describe())

    def get_api_key_credential_provider(self) -> ActionResult:
        return ActionResult(self.backend.get_api_key_credential_provider(self._get_param("name")).describe())

    def update_api_key_credential_provider(self) -> ActionResult:
        params = self._get_params()
        provider = self.backend.update_api_key_credential_provider(params["name"], params.get("apiKey"))
        return ActionResult(provider.describe())

    def delete_api_key_credential_provider(self) -> ActionResult:
        self.backend.delete_api_key_credential_provider(self._get_param("name"))
        return EmptyResult()

    def list_api_key_credential_providers(self) -> ActionResult:
        items, token = self.backend.list_api_key_credential_providers(**self._page())
        return ActionResult({"credentialProviders": [p.summary() for p in items], "nextToken": token})
