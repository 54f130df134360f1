"""The emulator backend: moto's bedrock-agentcore-control backend, corrected to behave like the real service.

moto 5.2.5 lacks credential providers and SynchronizeGatewayTargets, leaves an
updated gateway UPDATING forever, merges updates, ignores pagination and uses
other id formats. Each correction below cites the fact in SERVICE-FACTS.md it
follows. Everything is written against moto's own classes and registered in
`reconciler.emulator.install()`.

It also keeps what moto drops: a gateway's `domainOverride` and its
UpdateGateway-only `wafConfiguration` and `customTransformConfiguration`
(reset by an update that leaves them out, as UpdateGateway replaces the whole
configuration) and `webAclArn`, the web ACL that WAF's AssociateWebACL
associated with the gateway's ARN (moto's wafv2; `wafConfiguration` is refused
and not shown without one); a target's `privateEndpoint`,
`certificateConfigurations`, `authorizationData` while it waits for a user's
consent, and `lastSynchronizedAt` in ListGatewayTargets; a credential
provider's secret source (`*SecretSource`, the external `*SecretConfig`, whose
secret id is never returned). Request and response members are read from
botocore's model, so a member the model adds is kept without a code change.

The rest of the gateway surface lives in one module each, mixed in below:
policy engines and policies (policies.py), rate limits (rate_limits.py),
rules (rules.py), resource policies (resource_policies.py), workload
identities (workload_identities.py), agent runtimes and their endpoints
(agent_runtimes.py) and clientToken idempotency (idempotency.py).
"""

from __future__ import annotations

import copy
import json
import os
import string
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from botocore.model import Shape
from moto.bedrockagentcorecontrol.exceptions import ConflictException, ResourceNotFoundException
from moto.bedrockagentcorecontrol.models import BedrockAgentCoreControlBackend, Gateway, GatewayTarget
from moto.core.common_models import BaseModel
from moto.core.utils import camelcase_to_underscores, utcnow
from moto.moto_api._internal import mock_random
from moto.secretsmanager.exceptions import SecretsManagerClientError
from moto.secretsmanager.models import secretsmanager_backends
from moto.utilities.paginator import paginate
from moto.utilities.utils import get_partition
from moto.wafv2.models import wafv2_backends

from reconciler.aws_model import output_shape, shape
from reconciler.emulator import all_backends, holds
from reconciler.emulator.agent_runtimes import AgentRuntimeBackend
from reconciler.emulator.base import (  # noqa: F401 - DELAY_VARIABLE, Timed & co. are this module's public names too
    DELAY_VARIABLE, Timed, ValidationException, pagination, random_id, request_members, split_arguments,
    transition_delay, with_service_defaults,
)
from reconciler.emulator.dataplane import DataPlane, Outcome, static_tools
from reconciler.emulator.gateway_client import AUTH, Refusal
from reconciler.emulator.idempotency import IdempotentBackend
from reconciler.emulator.policies import PolicyBackend
from reconciler.emulator.rate_limits import RateLimitBackend
from reconciler.emulator.resource_policies import ResourcePolicyBackend
from reconciler.emulator.rules import RuleBackend
from reconciler.emulator.tagging import TaggedResources
from reconciler.emulator.tools import mcp_server_of
from reconciler.emulator.workload_identities import WorkloadIdentityBackend

POLICY_SESSION_HEADER = "x-amzn-bedrock-agentcore-policy-session-id"
UNORDERED_JWT_LISTS = ("allowedClients", "allowedAudience", "allowedScopes")
GATEWAY_UPDATE_MEMBERS = tuple(request_members("UpdateGateway", {}, exclude=("gatewayIdentifier",)))
TARGET_UPDATE_MEMBERS = tuple(request_members("UpdateGatewayTarget", {}, exclude=("gatewayIdentifier", "targetId")))
PAGINATION_MODEL = pagination(
    list_gateways="gateway_id",
    list_gateway_targets="target_id",
    list_oauth2_credential_providers="name",
    list_api_key_credential_providers="name",
)


READY_FLAP_VARIABLE = "RECONCILER_EMULATOR_READY_FLAP"  # "0": a gateway reads READY for good at once


def ready_flap() -> bool:
    """Whether a gateway's READY flaps once after a change, as the real service's may (on unless turned off)."""
    return os.environ.get(READY_FLAP_VARIABLE, "1") != "0"


IMPLICIT_SYNC_VARIABLE = "RECONCILER_EMULATOR_IMPLICIT_SYNC"  # "0": create and update do not list the server's tools


def implicit_sync() -> bool:
    """Whether creating or updating an MCP-server target synchronizes it, as the service does (SERVICE-FACTS: targets;
    on unless turned off, which tests the callers' fallback: a SynchronizeGatewayTargets of their own)."""
    return os.environ.get(IMPLICIT_SYNC_VARIABLE, "1") != "0"


def with_output_members(result: dict[str, Any], resource: Any, output: Shape, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """`result` plus each member of the `output` shape that moto does not fill and `resource` holds (as snake_case)."""
    for member in output.members:
        value = getattr(resource, camelcase_to_underscores(member), None)
        if member not in result and member not in skip and value:
            result[member] = value
    return result


class EmulatedGateway(Timed, Gateway):
    def __init__(self, *args: Any, **members: Any):
        known, extra = split_arguments(Gateway.__init__, members)
        super().__init__(*args, **known)
        for name in GATEWAY_UPDATE_MEMBERS:  # members moto does not know yet, e.g. UpdateGateway-only ones
            if name not in known:
                setattr(self, name, extra.get(name))
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

    def begin(self, transient: str, final: str = "READY") -> None:
        """After the change, GetGateway reads READY, then once more the transient status, then READY for good: a
        gateway reporting READY once may still be settling (Terraform waits for two READY reads in a row)."""
        super().begin(transient, final)
        self._shown: list[str] = [final, transient] if ready_flap() and final == "READY" else []
        self._showing: str | None = None

    def show_statuses(self, *statuses: str) -> None:
        """What the next GetGateway reads show once the change is through, one each (an emulator control: a status
        the model's enum does not list yet, as the service may add one)."""
        self._shown, self._showing = list(statuses), None

    def observe(self) -> None:
        """One GetGateway read: the next status to show, if any, once the change itself ended READY."""
        ready = Timed.status.fget(self) == "READY"  # type: ignore[attr-defined]
        self._showing = self._shown.pop(0) if ready and self._shown else None

    @property
    def status(self) -> str:
        return self._showing or Timed.status.fget(self)  # type: ignore[attr-defined]

    @status.setter
    def status(self, value: str) -> None:
        Timed.status.fset(self, value)  # type: ignore[attr-defined]

    @property
    def web_acl_arn(self) -> str | None:
        """The WAF web ACL associated with the gateway through WAF's AssociateWebACL (moto's wafv2, with the gateway's ARN)."""
        acl = wafv2_backends[self.account_id][self.region_name].get_web_acl_for_resource(self.gateway_arn)
        return acl.arn if acl is not None else None

    def update(self, **members: Any) -> None:  # type: ignore[override]
        """A full replacement: members left out are reset, UpdateGateway-only ones too (SERVICE-FACTS: UpdateGateway).

        `wafConfiguration` is refused until a WAF web ACL is associated with the gateway (Terraform PR 48903).
        """
        if members["authorizer_type"] != self.authorizer_type:
            raise ValidationException("Authorizer type cannot be updated for an existing gateway")
        if members["name"] != self.name:
            raise ValidationException("Gateway name cannot be changed")
        if members.get("waf_configuration") and self.web_acl_arn is None:
            raise ValidationException(f"Gateway {self.gateway_id} has no associated AWS WAF web ACL: associate one (AWS WAF "
                                      "AssociateWebACL) before setting wafConfiguration")
        added = sorted(set(_versions(members.get("protocol_configuration"))) - set(_versions(self.protocol_configuration)))
        if added:  # aws-cli #10346: versions can be dropped after creation, not added
            raise ValidationException(f"supportedVersions cannot be added to an existing gateway: {', '.join(added)}")
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
        result.pop("customTransformConfiguration", None)  # kept and used, never returned (Terraform PR #48875)
        # wafConfiguration is dropped once the web ACL's association is removed (Terraform PR 48903).
        skip = ("customTransformConfiguration",) + (() if self.web_acl_arn else ("wafConfiguration",))
        result = with_output_members(result, self, output_shape("GetGateway"), skip=skip)
        # BUFFERED ("This is the default") applies only to interceptors with the RESPONSE interception point.
        return with_service_defaults(result, "CreateGateway", skip=("responseInterceptionMode",))


def _versions(protocol_configuration: dict[str, Any] | None) -> list[str]:
    return ((protocol_configuration or {}).get("mcp") or {}).get("supportedVersions") or []


# Work on a target, its failure status, and the status it waits in when its OAuth grant needs a user.
WORK = {
    "CREATING": ("FAILED", "CREATE_PENDING_AUTH"),
    "UPDATING": ("UPDATE_UNSUCCESSFUL", "UPDATE_PENDING_AUTH"),
    "SYNCHRONIZING": ("SYNCHRONIZE_UNSUCCESSFUL", "SYNCHRONIZE_PENDING_AUTH"),
}
PENDING_AUTH = frozenset(pending for _, pending in WORK.values())
UNLISTED = frozenset({"CREATING", "FAILED", "CREATE_PENDING_AUTH", "DELETING"})  # no tools synchronized (any more)


class EmulatedTarget(Timed, GatewayTarget):
    def __init__(self, gateway: Gateway, **members: Any):
        known, extra = split_arguments(GatewayTarget.__init__, members)
        super().__init__(gateway=gateway, **known)
        for name in TARGET_UPDATE_MEMBERS:
            if name not in known:
                setattr(self, name, extra.get(name))
        self.gateway = gateway
        self.target_id = random_id(string.ascii_uppercase + string.digits)  # 10 alphanumerics
        self.last_synchronized_at: Any = None
        self.status_reasons: list[str] = []
        self.tools: list[dict[str, Any]] = []  # the last tool list discovered from its server
        self._discovery: Future[Outcome] | None = None
        self._failure = "FAILED"
        self._consent_request = ""
        _refuse_restricted_headers(self.metadata_configuration)

    def work(self, transient: str, backend: Any) -> None:
        """Start CREATING/UPDATING/SYNCHRONIZING; an MCP server's tools are discovered meanwhile, for real."""
        self._failure, pending = WORK[transient]
        if self._needs_user():
            # A 3LO grant: the service waits for a user's consent at an authorization URL.
            self._consent_request = quote(f"urn:ietf:params:oauth:request_uri:{mock_random.uuid4()}", safe="")
            self.begin(transient, final=pending)
            return
        self.begin(transient)
        if static_tools(self) is None and (transient == "SYNCHRONIZING" or implicit_sync()):
            self._discovery = DataPlane.shared(all_backends).discover(self, self.gateway, backend)

    def _needs_user(self) -> bool:
        return any(
            (c.get("credentialProvider") or {}).get("oauthCredentialProvider", {}).get("grantType") == "AUTHORIZATION_CODE"
            for c in self.credential_provider_configurations or []
        )

    @property
    def status(self) -> str:
        """Transient until both the delay has passed and the discovery has finished; then READY or failed."""
        if self._discovery is not None:
            if not self._discovery.done() or time.monotonic() < self._until:
                return self._current
            outcome, self._discovery = self._discovery.result(), None
            self.status_reasons = outcome.reasons
            if outcome.ok:
                self.tools = outcome.tools
                self.last_synchronized_at = utcnow()  # after the write that started it: its tools are fresh
            self._final = "READY" if outcome.ok else self._failure
        return Timed.status.fget(self)  # type: ignore[attr-defined]

    @status.setter
    def status(self, value: str) -> None:
        Timed.status.fset(self, value)  # type: ignore[attr-defined]

    @property
    def authorization_data(self) -> dict[str, Any] | None:
        """While the target waits for a user's consent: the URL where the user grants it."""
        if self.status not in PENDING_AUTH:
            return None
        region = self.gateway.region_name
        url = f"https://bedrock-agentcore.{region}.amazonaws.com/identities/oauth2/authorize?request_uri={self._consent_request}"
        return {"oauth2": {"authorizationUrl": url}}

    @property
    def target_type(self) -> str | None:
        """TargetSummary's targetType: the kind of `targetConfiguration.mcp` (mcpServer -> MCP_SERVER)."""
        kind = next(iter((self.target_configuration or {}).get("mcp") or {}), "")
        name = camelcase_to_underscores(kind).upper()
        return name if name in shape("TargetType").enum else None

    @property
    def listing_mode(self) -> str | None:
        return (mcp_server_of(self.target_configuration) or {}).get("listingMode")

    def catalogue(self) -> list[dict[str, Any]]:
        """The tools the gateway lists for this target: none before its first synchronization; else declared inline or discovered."""
        if self.status in UNLISTED:
            return []
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
        server = mcp_server_of(self.target_configuration)
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
        result["status"] = self.status
        if self.status_reasons and result["status"] not in ("READY",):
            result["statusReasons"] = list(self.status_reasons)
        result = with_output_members(result, self, output_shape("GetGatewayTarget"), skip=("statusReasons",))
        # GetGatewayTarget answers listingMode DEFAULT for an MCP-server target that did not set it (issue 16:
        # Terraform has it optional and computed), though the docs name no default.
        return with_service_defaults(result, "CreateGatewayTarget", **{"targetConfiguration.mcp.mcpServer.listingMode": "DEFAULT"})

    def to_summary(self) -> dict[str, Any]:
        return with_output_members(super().to_summary(), self, shape("TargetSummary"))


def _refuse_pending_auth(target: GatewayTarget, verb: str) -> None:
    """UpdateGatewayTarget / DeleteGatewayTarget docs: refused while the target waits for a user's authorization."""
    if target.status in PENDING_AUTH:
        raise ValidationException(f"Target {target.target_id} is {target.status} and cannot be {verb} until the "
                                  "authorization completes or fails")


def _refuse_restricted_headers(metadata: dict[str, Any] | None) -> None:
    for header in (metadata or {}).get("allowedRequestHeaders", []):
        if header.lower() == POLICY_SESSION_HEADER:
            raise ValidationException(f"Header '{header}' is restricted and cannot be configured")


@dataclass
class SecretSource:
    """Where a provider's secret lives: MANAGED by AgentCore Identity, or EXTERNAL in the customer's Secrets Manager.

    The external reference ({secretId, jsonKey}) is kept; Get returns the source and the JSON key, never the secret id.
    """

    source: str
    reference: dict[str, Any] | None

    @classmethod
    def of(cls, source: str | None, reference: dict[str, Any] | None, prefix: str) -> SecretSource:
        chosen = source or "MANAGED"
        if chosen == "EXTERNAL" and not reference:
            # API reference: the secret config is "Required when ...SecretSource is set to EXTERNAL".
            raise ValidationException(f"{prefix}Config is required when {prefix}Source is EXTERNAL")
        return cls(chosen, reference)

    def value(self, kept: str | None, backend: Any) -> str:
        """The secret as the gateway uses it: the kept one, or the external secret's JSON key in Secrets Manager (moto's)."""
        if self.source != "EXTERNAL" or not self.reference:
            return kept or ""
        try:
            secret = secretsmanager_backends[backend.account_id][backend.region_name].get_secret_value(self.reference["secretId"], None, None)  # type: ignore[arg-type]  # moto takes None for "no version" (its annotation says str)
            return str(json.loads(secret["SecretString"])[self.reference["jsonKey"]])
        except (SecretsManagerClientError, KeyError, TypeError, ValueError):
            raise Refusal(AUTH, "cannot read the credential provider's external secret at its JSON key") from None

    def describe(self, prefix: str) -> dict[str, Any]:
        shown: dict[str, Any] = {f"{prefix}Source": self.source}
        if self.source == "EXTERNAL" and self.reference:
            shown[f"{prefix}JsonKey"] = self.reference.get("jsonKey")
        return shown


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
    SECRET = "clientSecret"

    def __init__(self, backend: BedrockAgentCoreControlBackend, name: str, vendor: str, config: dict[str, Any]):
        super().__init__(backend, name)
        self.vendor = vendor
        self.failure: tuple[str, str] | None = None  # (CREATE_FAILED or UPDATE_FAILED, failureReason)
        self.configure(config)

    def configure(self, config: dict[str, Any]) -> None:
        block: dict[str, Any] = next(iter(config.values()), {})
        self.secret = SecretSource.of(block.get(f"{self.SECRET}Source"), block.get(f"{self.SECRET}Config"), self.SECRET)
        self.config, self.updated = config, utcnow()

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "credentialProviderVendor": self.vendor}

    def describe(self) -> dict[str, Any]:
        """Secrets are never returned; the output config differs from the input (SERVICE-FACTS: providers)."""
        return {
            **self.summary(),
            "clientSecretArn": {"secretArn": self.secret_arn},
            **self.secret.describe(self.SECRET),
            "callbackUrl": f"https://bedrock-agentcore.amazonaws.com/identities/oauth2/callback/{self.name}",
            "oauth2ProviderConfigOutput": {key: self._output(key, value) for key, value in self.config.items()},
            "status": self.failure[0] if self.failure else "READY",
            **({"failureReason": self.failure[1]} if self.failure else {}),  # the model's member; no statusReasons here
        }

    def _output(self, key: str, value: dict[str, Any]) -> dict[str, Any]:
        """Without the secrets, nor the clientId: the service does not echo it (Terraform's import ignores client_id)."""
        shown = {k: v for k, v in value.items() if k not in ("clientSecret", "clientSecretConfig", "tenantId", "clientId")}
        if key == "includedOauth2ProviderConfig":
            metadata = {k: shown.pop(k) for k in ("issuer", "authorizationEndpoint", "tokenEndpoint") if k in shown}
            shown["oauthDiscovery"] = {"authorizationServerMetadata": metadata}
        elif key != "customOauth2ProviderConfig":
            shown["oauthDiscovery"] = {"discoveryUrl": self.BUILT_IN_DISCOVERY.format(vendor=self.vendor.lower())}
        return shown


class ApiKeyProvider(CredentialProvider):
    path_kind = "apikeycredentialprovider"
    SECRET = "apiKeySecret"

    def __init__(self, backend: BedrockAgentCoreControlBackend, name: str, members: dict[str, Any]):
        super().__init__(backend, name)
        self.configure(members)

    def configure(self, members: dict[str, Any]) -> None:
        """Create and Update take the key, or the reference to an external secret; both replace what was there."""
        self.secret = SecretSource.of(members.get(f"{self.SECRET}Source"), members.get(f"{self.SECRET}Config"), self.SECRET)
        self.api_key, self.updated = members.get("apiKey"), utcnow()  # the key is kept, never returned

    def describe(self) -> dict[str, Any]:
        return {**self.summary(), "apiKeySecretArn": {"secretArn": self.secret_arn}, **self.secret.describe(self.SECRET)}


class EmulatorBackend(IdempotentBackend, PolicyBackend, RateLimitBackend, RuleBackend, ResourcePolicyBackend,
                      WorkloadIdentityBackend, AgentRuntimeBackend, BedrockAgentCoreControlBackend, TaggedResources):
    """moto's backend with the behaviours the reconciler depends on made real."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.oauth2_providers: dict[str, Oauth2Provider] = {}
        self.api_key_providers: dict[str, ApiKeyProvider] = {}
        self.oauth2_failures: dict[str, str] = {}  # provider name -> failureReason of its next write
        self.deleting_targets: dict[tuple[str, str], float] = {}

    # --- gateways -------------------------------------------------------------------
    def create_gateway(self, name: str, tags: dict[str, str] | None = None, **members: Any) -> Gateway:  # type: ignore[override]
        if any(g.name == name for g in self.gateways.values()):
            raise ConflictException(f"A gateway named {name} already exists")
        self.check_engine_reference(members.get("policy_engine_configuration"))
        gateway = EmulatedGateway(region_name=self.region_name, account_id=self.account_id, name=name, **members)
        self.gateways[gateway.gateway_id] = gateway
        if tags:
            self.tag_resource(gateway.gateway_arn, tags)
        return gateway

    def get_gateway(self, gateway_identifier: str) -> Gateway:
        gateway = super().get_gateway(gateway_identifier)
        gateway.observe()  # type: ignore[attr-defined]
        return gateway

    def update_gateway(self, gateway_identifier: str, **members: Any) -> Gateway:  # type: ignore[override]
        gateway = self._get_gateway(gateway_identifier)
        self.check_engine_reference(members.get("policy_engine_configuration"))
        gateway.update(**members)
        return gateway

    def delete_gateway(self, gateway_identifier: str) -> Gateway:
        """Refused while targets exist (SERVICE-FACTS); its rules, rate limits and resource policy go with it.

        Only targets are documented to block a gateway's deletion; rules, rate limits and the resource
        policy are parts of the gateway's configuration, so the emulator deletes them with it (inferred).
        """
        gateway = self._get_gateway(gateway_identifier)
        if self.list_gateway_targets_all(gateway.gateway_id):
            raise ValidationException(
                f"Gateway {gateway.gateway_id} has targets. Delete all targets before deleting the gateway."
            )
        self.gateways.pop(gateway.gateway_id)
        self.tagger.delete_all_tags_for_resource(gateway.gateway_arn)
        self.forget_gateway(gateway)
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
        _refuse_pending_auth(target, "updated")
        target.update(**members)
        target.work("UPDATING", self)  # type: ignore[attr-defined]
        return target

    def get_gateway_target(self, gateway_identifier: str, target_id: str) -> GatewayTarget:
        self._purge_deleted_targets()
        return super().get_gateway_target(gateway_identifier, target_id)

    def delete_gateway_target(self, gateway_identifier: str, target_id: str) -> GatewayTarget:
        """Asynchronous: DELETING for a while, then gone (SERVICE-FACTS: target deletion)."""
        target = self.get_gateway_target(gateway_identifier, target_id)
        _refuse_pending_auth(target, "deleted")
        target.begin("DELETING", final="DELETING")  # type: ignore[attr-defined]  # the backend makes only EmulatedTargets
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
            if now >= until and not holds.keeps(self.gateway_targets.get(key)):  # a hold keeps it DELETING
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
        provider = self._add_provider(self.oauth2_providers, Oauth2Provider(self, name, vendor, config), tags)
        self._fate(provider, "CREATE_FAILED")
        return provider

    def fail_oauth2_provider(self, name: str, reason: str) -> None:
        """An emulator control: the next create or update of provider `name` ends failed with this `failureReason`."""
        self.oauth2_failures[name] = reason

    def _fate(self, provider: Oauth2Provider, failed: str) -> None:
        reason = self.oauth2_failures.pop(provider.name, None)
        provider.failure = (failed, reason) if reason else None

    def get_oauth2_credential_provider(self, name: str) -> Oauth2Provider:
        return self._provider(self.oauth2_providers, name)

    def update_oauth2_credential_provider(self, name: str, vendor: str, config: dict[str, Any]) -> Oauth2Provider:
        provider = self._provider(self.oauth2_providers, name)
        if vendor != provider.vendor:
            raise ValidationException("credentialProviderVendor cannot be changed")
        provider.configure(config)
        self._fate(provider, "UPDATE_FAILED")
        return provider

    def delete_oauth2_credential_provider(self, name: str) -> None:
        self._remove_provider(self.oauth2_providers, name)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_oauth2_credential_providers(self) -> list[Oauth2Provider]:
        return list(self.oauth2_providers.values())

    def create_api_key_credential_provider(self, name: str, members: dict[str, Any], tags: dict[str, str] | None) -> ApiKeyProvider:
        return self._add_provider(self.api_key_providers, ApiKeyProvider(self, name, members), tags)

    def get_api_key_credential_provider(self, name: str) -> ApiKeyProvider:
        return self._provider(self.api_key_providers, name)

    def update_api_key_credential_provider(self, name: str, members: dict[str, Any]) -> ApiKeyProvider:
        provider = self._provider(self.api_key_providers, name)
        provider.configure(members)
        return provider

    def delete_api_key_credential_provider(self, name: str) -> None:
        self._remove_provider(self.api_key_providers, name)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_api_key_credential_providers(self) -> list[ApiKeyProvider]:
        return list(self.api_key_providers.values())
