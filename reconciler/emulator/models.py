"""The emulator backend: moto's bedrock-agentcore-control backend, corrected to behave like the real service.

moto 5.2.5 lacks credential providers and SynchronizeGatewayTargets, leaves an
updated gateway UPDATING forever, merges updates, ignores pagination and uses
other id formats. Each correction below cites the fact in SERVICE-FACTS.md it
follows. Everything is written against moto's own classes and registered in
`reconciler.emulator.install()`.
"""

from __future__ import annotations

import copy
import os
import string
import time
from concurrent.futures import Future
from typing import Any

from moto.bedrockagentcorecontrol.exceptions import (
    BedrockAgentCoreControlClientError,
    ConflictException,
    ResourceNotFoundException,
)
from moto.bedrockagentcorecontrol.models import BedrockAgentCoreControlBackend, Gateway, GatewayTarget
from moto.core.common_models import BaseModel
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random
from moto.utilities.paginator import paginate
from moto.utilities.utils import get_partition

from reconciler.desired import mcp_server
from reconciler.emulator import all_backends
from reconciler.emulator.dataplane import DataPlane, Outcome, static_tools

DELAY_VARIABLE = "RECONCILER_EMULATOR_DELAY"
POLICY_SESSION_HEADER = "x-amzn-bedrock-agentcore-policy-session-id"
UNORDERED_JWT_LISTS = ("allowedClients", "allowedAudience", "allowedScopes")
PAGE_SIZE = 10  # small on purpose: clients must follow nextToken

PAGINATION_MODEL = {
    name: {"input_token": "next_token", "limit_key": "max_results", "limit_default": PAGE_SIZE, "unique_attribute": key}
    for name, key in {
        "list_gateways": "gateway_id",
        "list_gateway_targets": "target_id",
        "list_oauth2_credential_providers": "name",
        "list_api_key_credential_providers": "name",
    }.items()
}


class ValidationException(BedrockAgentCoreControlClientError):
    code = "ValidationException"


def transition_delay() -> float:
    """Seconds a resource stays CREATING/UPDATING/SYNCHRONIZING/DELETING (real ones take 20 s to minutes)."""
    return float(os.environ.get(DELAY_VARIABLE, "1.0"))


def random_id(alphabet: str, length: int = 10) -> str:
    return "".join(mock_random.choice(alphabet) for _ in range(length))


class Timed:
    """A status that moves from a transient value to its final one after `transition_delay()`."""

    _current: str = "READY"
    _final: str = "READY"
    _until: float = 0.0

    def begin(self, transient: str, final: str = "READY") -> None:
        self._current, self._final, self._until = transient, final, time.monotonic() + transition_delay()

    @property
    def status(self) -> str:  # type: ignore[override]
        if self._until and time.monotonic() >= self._until:
            self._current, self._until = self._final, 0.0
        return self._current

    @status.setter
    def status(self, value: str) -> None:
        self._current, self._until = value, 0.0


class EmulatedGateway(Timed, Gateway):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        partition = get_partition(self.region_name)
        # Real ids: <name>-<10 [0-9a-z]> (SERVICE-FACTS: Gateway ids).
        self.gateway_id = f"{self.name.lower()}-{random_id(string.digits + string.ascii_lowercase)}"
        self.gateway_arn = f"arn:{partition}:bedrock-agentcore:{self.region_name}:{self.account_id}:gateway/{self.gateway_id}"
        self.gateway_url = DataPlane.shared(all_backends).gateway_url(self.gateway_id)
        self.workload_identity_details = {
            "workloadIdentityArn": f"arn:{partition}:bedrock-agentcore:{self.region_name}:{self.account_id}:"
            f"workload-identity-directory/default/workload-identity/{self.gateway_id}"
        }
        self.begin("CREATING")

    def update(self, **members: Any) -> None:  # type: ignore[override]
        """A full replacement: members left out are reset (SERVICE-FACTS: UpdateGateway)."""
        if members["authorizer_type"] != self.authorizer_type:
            raise ValidationException("Authorizer type cannot be updated for an existing gateway")
        if members["name"] != self.name:
            raise ValidationException("Gateway name cannot be changed")
        for key, value in members.items():
            setattr(self, key, value)
        self.description = members.get("description") or ""
        self.updated_at = utcnow()
        self.begin("UPDATING")

    def to_dict(self) -> dict[str, Any]:
        """List members come back in another order than sent (SERVICE-FACTS: compare as sets)."""
        result = copy.deepcopy(super().to_dict())
        jwt = result.get("authorizerConfiguration", {}).get("customJWTAuthorizer", {})
        for member in UNORDERED_JWT_LISTS:
            if isinstance(jwt.get(member), list):
                jwt[member] = list(reversed(jwt[member]))
        if not result.get("description"):
            result.pop("description", None)
        return result


# Work on a target, its failure status, and the status it waits in when its OAuth grant needs a user.
WORK = {
    "CREATING": ("FAILED", "CREATE_PENDING_AUTH"),
    "UPDATING": ("UPDATE_UNSUCCESSFUL", "UPDATE_PENDING_AUTH"),
    "SYNCHRONIZING": ("SYNCHRONIZE_UNSUCCESSFUL", "SYNCHRONIZE_PENDING_AUTH"),
}
PENDING_AUTH = frozenset(pending for _, pending in WORK.values())


class EmulatedTarget(Timed, GatewayTarget):
    def __init__(self, gateway: Gateway, *args: Any, **kwargs: Any):
        super().__init__(*args, gateway=gateway, **kwargs)
        self.gateway = gateway
        self.target_id = random_id(string.ascii_uppercase + string.digits)  # 10 alphanumerics
        self.last_synchronized_at: Any = None
        self.status_reasons: list[str] = []
        self.tools: list[dict[str, Any]] = []  # the last tool list discovered from its server
        self._discovery: Future[Outcome] | None = None
        self._failure = "FAILED"
        _refuse_restricted_headers(self.metadata_configuration)

    def work(self, transient: str, backend: Any) -> None:
        """Start CREATING/UPDATING/SYNCHRONIZING; an MCP server's tools are discovered meanwhile, for real."""
        self._failure, pending = WORK[transient]
        if self._needs_user():
            self.begin(transient, final=pending)  # a 3LO grant: the service waits for a user's consent
            return
        self.begin(transient)
        if static_tools(self) is None:
            self._discovery = DataPlane.shared(all_backends).discover(self, self.gateway, backend)

    def _needs_user(self) -> bool:
        return any(
            (c.get("credentialProvider") or {}).get("oauthCredentialProvider", {}).get("grantType") == "AUTHORIZATION_CODE"
            for c in self.credential_provider_configurations or []
        )

    @property  # type: ignore[override]
    def status(self) -> str:
        """Transient until both the delay has passed and the discovery has finished; then READY or failed."""
        if self._discovery is not None:
            if not self._discovery.done() or time.monotonic() < self._until:
                return self._current
            outcome, self._discovery = self._discovery.result(), None
            self.status_reasons = outcome.reasons
            if outcome.ok:
                self.tools = outcome.tools
            self._final = "READY" if outcome.ok else self._failure
        return Timed.status.fget(self)  # type: ignore[attr-defined]

    @status.setter
    def status(self, value: str) -> None:
        Timed.status.fset(self, value)  # type: ignore[attr-defined]

    def catalogue(self) -> list[dict[str, Any]]:
        """The tools the gateway lists for this target: declared inline, or the last discovered."""
        declared = static_tools(self)
        return self.tools if declared is None else declared

    def update(self, **members: Any) -> None:  # type: ignore[override]
        """A full PUT: a member left out is removed (SERVICE-FACTS: UpdateGatewayTarget)."""
        _refuse_restricted_headers(members.get("metadata_configuration"))
        for key, value in members.items():
            setattr(self, key, value)
        self.description = members.get("description") or ""
        self.credential_provider_configurations = members.get("credential_provider_configurations") or []
        self.updated_at = utcnow()

    def synchronize(self) -> None:
        server = mcp_server(self.target_configuration)
        if server is None:
            raise ValidationException(f"Target {self.target_id} is not an MCP server target")
        if "mcpToolSchema" in server:
            raise ValidationException(f"Target {self.target_id} has a static mcpToolSchema and cannot be synchronized")
        if self.status in PENDING_AUTH:
            raise ValidationException(f"Target {self.target_id} is {self.status} and cannot be synchronized")
        if self.status not in ("READY", "SYNCHRONIZE_UNSUCCESSFUL"):
            raise ConflictException(f"Target {self.target_id} is {self.status}")
        self.last_synchronized_at = utcnow()

    def to_dict(self) -> dict[str, Any]:
        result = copy.deepcopy(super().to_dict())
        if self.gateway.policy_engine_configuration:
            # The service adds its policy-session header (SERVICE-FACTS: policy engine).
            headers = result.setdefault("metadataConfiguration", {}).setdefault("allowedRequestHeaders", [])
            headers.append(POLICY_SESSION_HEADER)
        if not result.get("description"):
            result.pop("description", None)
        if self.last_synchronized_at:
            result["lastSynchronizedAt"] = self.last_synchronized_at
        result["status"] = self.status
        if self.status_reasons and result["status"] not in ("READY",):
            result["statusReasons"] = list(self.status_reasons)
        return result


def _refuse_restricted_headers(metadata: dict[str, Any] | None) -> None:
    for header in (metadata or {}).get("allowedRequestHeaders", []):
        if header.lower() == POLICY_SESSION_HEADER:
            raise ValidationException(f"Header '{header}' is restricted and cannot be configured")


class CredentialProvider(BaseModel):
    """What both AgentCore Identity provider kinds share: a name, an ARN, a secret in Secrets Manager."""

    path_kind: str = ""

    def __init__(self, backend: BedrockAgentCoreControlBackend, name: str):
        self.name = name
        partition = get_partition(backend.region_name)
        prefix = f"arn:{partition}:bedrock-agentcore:{backend.region_name}:{backend.account_id}"
        self.arn = f"{prefix}:token-vault/default/{self.path_kind}/{name}"
        self.secret_arn = (
            f"arn:{partition}:secretsmanager:{backend.region_name}:{backend.account_id}:"
            f"secret:bedrock-agentcore-identity!default/{self.path_kind}/{name}-{random_id(string.ascii_letters, 6)}"
        )
        self.created = self.updated = utcnow()

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "credentialProviderArn": self.arn, "createdTime": self.created, "lastUpdatedTime": self.updated}


class Oauth2Provider(CredentialProvider):
    path_kind = "oauth2credentialprovider"
    BUILT_IN_DISCOVERY = "https://accounts.{vendor}.example/.well-known/openid-configuration"

    def __init__(self, backend: BedrockAgentCoreControlBackend, name: str, vendor: str, config: dict[str, Any]):
        super().__init__(backend, name)
        self.vendor = vendor
        self.config = config

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "credentialProviderVendor": self.vendor}

    def describe(self) -> dict[str, Any]:
        """Secrets are never returned; the output config differs from the input (SERVICE-FACTS: providers)."""
        return {
            **self.summary(),
            "clientSecretArn": {"secretArn": self.secret_arn},
            "callbackUrl": f"https://bedrock-agentcore.amazonaws.com/identities/oauth2/callback/{self.name}",
            "oauth2ProviderConfigOutput": {key: self._output(key, value) for key, value in self.config.items()},
            "status": "READY",
        }

    def _output(self, key: str, value: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in value.items() if k not in ("clientSecret", "clientSecretConfig", "tenantId")}
        if key == "includedOauth2ProviderConfig":
            metadata = {k: shown.pop(k) for k in ("issuer", "authorizationEndpoint", "tokenEndpoint") if k in shown}
            shown["oauthDiscovery"] = {"authorizationServerMetadata": metadata}
        elif key != "customOauth2ProviderConfig":
            shown["oauthDiscovery"] = {"discoveryUrl": self.BUILT_IN_DISCOVERY.format(vendor=self.vendor.lower())}
        return shown


class ApiKeyProvider(CredentialProvider):
    path_kind = "apikeycredentialprovider"

    def __init__(self, backend: BedrockAgentCoreControlBackend, name: str, api_key: str | None):
        super().__init__(backend, name)
        self.api_key = api_key  # kept, never returned

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "apiKeySecretArn": {"secretArn": self.secret_arn}}


class EmulatorBackend(BedrockAgentCoreControlBackend):
    """moto's backend with the behaviours the reconciler depends on made real."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.oauth2_providers: dict[str, Oauth2Provider] = {}
        self.api_key_providers: dict[str, ApiKeyProvider] = {}
        self.deleting_targets: dict[tuple[str, str], float] = {}

    # --- gateways -------------------------------------------------------------------
    def create_gateway(self, name: str, tags: dict[str, str] | None = None, **members: Any) -> Gateway:  # type: ignore[override]
        if any(g.name == name for g in self.gateways.values()):
            raise ConflictException(f"A gateway named {name} already exists")
        gateway = EmulatedGateway(region_name=self.region_name, account_id=self.account_id, name=name, **members)
        self.gateways[gateway.gateway_id] = gateway
        if tags:
            self.tag_resource(gateway.gateway_arn, tags)
        return gateway

    def update_gateway(self, gateway_identifier: str, **members: Any) -> Gateway:  # type: ignore[override]
        gateway = self._get_gateway(gateway_identifier)
        gateway.update(**members)
        return gateway

    def delete_gateway(self, gateway_identifier: str) -> Gateway:
        gateway = self._get_gateway(gateway_identifier)
        if self.list_gateway_targets_all(gateway.gateway_id):
            raise ValidationException(
                f"Gateway {gateway.gateway_id} has targets. Delete all targets before deleting the gateway."
            )
        self.gateways.pop(gateway.gateway_id)
        self.tagger.delete_all_tags_for_resource(gateway.gateway_arn)
        return gateway

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_gateways(self) -> list[Gateway]:  # type: ignore[override]
        return list(self.gateways.values())

    # --- targets --------------------------------------------------------------------
    def create_gateway_target(self, gateway_identifier: str, name: str, **members: Any) -> GatewayTarget:  # type: ignore[override]
        gateway = self._get_gateway(gateway_identifier)
        if any(t.name == name for t in self.list_gateway_targets_all(gateway.gateway_id)):
            raise ConflictException(f"A target named {name} already exists in gateway {gateway.gateway_id}")
        target = EmulatedTarget(gateway, region_name=self.region_name, account_id=self.account_id, name=name, **members)
        self.gateway_targets[(gateway.gateway_id, target.target_id)] = target
        target.work("CREATING", self)
        return target

    def update_gateway_target(self, gateway_identifier: str, target_id: str, **members: Any) -> GatewayTarget:  # type: ignore[override]
        target = self.get_gateway_target(gateway_identifier, target_id)
        if target.status == "DELETING":
            raise ConflictException(f"Target {target_id} is being deleted")
        target.update(**members)
        target.work("UPDATING", self)  # type: ignore[attr-defined]
        return target

    def get_gateway_target(self, gateway_identifier: str, target_id: str) -> GatewayTarget:
        self._purge_deleted_targets()
        return super().get_gateway_target(gateway_identifier, target_id)

    def delete_gateway_target(self, gateway_identifier: str, target_id: str) -> GatewayTarget:
        """Asynchronous: DELETING for a while, then gone (SERVICE-FACTS: target deletion)."""
        target = self.get_gateway_target(gateway_identifier, target_id)
        target.begin("DELETING", final="DELETING")
        self.deleting_targets[(target.gateway_id, target.target_id)] = time.monotonic() + transition_delay()
        return target

    def list_gateway_targets_all(self, gateway_id: str) -> list[GatewayTarget]:
        self._purge_deleted_targets()
        return [t for (gid, _), t in self.gateway_targets.items() if gid == gateway_id]

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_gateway_targets(self, gateway_identifier: str) -> list[GatewayTarget]:  # type: ignore[override]
        return self.list_gateway_targets_all(self._get_gateway(gateway_identifier).gateway_id)

    def _purge_deleted_targets(self) -> None:
        now = time.monotonic()
        for key, until in list(self.deleting_targets.items()):
            if now >= until:
                self.gateway_targets.pop(key, None)
                del self.deleting_targets[key]

    def synchronize_gateway_targets(self, gateway_identifier: str, target_ids: list[str]) -> list[GatewayTarget]:
        if len(target_ids) != 1:
            raise ValidationException("targetIdList must contain exactly one target id")
        target = self.get_gateway_target(gateway_identifier, target_ids[0])
        target.synchronize()  # type: ignore[attr-defined]
        target.work("SYNCHRONIZING", self)  # type: ignore[attr-defined]
        return [target]

    # --- credential providers ------------------------------------------------------------
    def _provider(self, table: dict[str, Any], name: str) -> Any:
        if name not in table:
            raise ResourceNotFoundException(f"Credential provider {name} not found")
        return table[name]

    def _add_provider(self, table: dict[str, Any], provider: CredentialProvider, tags: dict[str, str] | None) -> Any:
        if provider.name in self.oauth2_providers or provider.name in self.api_key_providers:
            raise ConflictException(f"Credential provider {provider.name} already exists")
        table[provider.name] = provider
        if tags:
            self.tag_resource(provider.arn, tags)
        return provider

    def _remove_provider(self, table: dict[str, Any], name: str) -> None:
        provider = self._provider(table, name)
        self.tagger.delete_all_tags_for_resource(provider.arn)
        del table[name]

    def create_oauth2_credential_provider(self, name: str, vendor: str, config: dict[str, Any], tags: dict[str, str] | None) -> Oauth2Provider:
        return self._add_provider(self.oauth2_providers, Oauth2Provider(self, name, vendor, config), tags)

    def get_oauth2_credential_provider(self, name: str) -> Oauth2Provider:
        return self._provider(self.oauth2_providers, name)

    def update_oauth2_credential_provider(self, name: str, vendor: str, config: dict[str, Any]) -> Oauth2Provider:
        provider = self._provider(self.oauth2_providers, name)
        if vendor != provider.vendor:
            raise ValidationException("credentialProviderVendor cannot be changed")
        provider.config, provider.updated = config, utcnow()
        return provider

    def delete_oauth2_credential_provider(self, name: str) -> None:
        self._remove_provider(self.oauth2_providers, name)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_oauth2_credential_providers(self) -> list[Oauth2Provider]:
        return list(self.oauth2_providers.values())

    def create_api_key_credential_provider(self, name: str, api_key: str | None, tags: dict[str, str] | None) -> ApiKeyProvider:
        return self._add_provider(self.api_key_providers, ApiKeyProvider(self, name, api_key), tags)

    def get_api_key_credential_provider(self, name: str) -> ApiKeyProvider:
        return self._provider(self.api_key_providers, name)

    def update_api_key_credential_provider(self, name: str, api_key: str | None) -> ApiKeyProvider:
        provider = self._provider(self.api_key_providers, name)
        provider.api_key, provider.updated = api_key, utcnow()
        return provider

    def delete_api_key_credential_provider(self, name: str) -> None:
        self._remove_provider(self.api_key_providers, name)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_api_key_credential_providers(self) -> list[ApiKeyProvider]:
        return list(self.api_key_providers.values())
