"""AgentCore gateways: CreateGateway / GetGateway / UpdateGateway (a full replacement) / DeleteGateway."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, TypedDict

from reconciler.aws_model import ITEM
from reconciler.kinds.base import Context, Kind, Live, Ref, _get
from reconciler.kinds.publish import PUBLISH, PUBLISH_SCHEMA, publish_problems
from reconciler.quotas import TARGETS_PER_GATEWAY
from reconciler.vocabulary import KeyPath

if TYPE_CHECKING:
    from reconciler.desired import Desired

WAF, WEB_ACL = "wafConfiguration", "webAclArn"
VERSIONS = ("protocolConfiguration", "mcp", "supportedVersions")
VERIFY = "verify"
# Blast-radius thresholds of a gateway's `safety:` (its targets), and of the registry's (config/schema.py).
THRESHOLDS: dict[str, Any] = {
    "updatePercent": {"type": "number", "minimum": 0, "maximum": 100},
    "deletePercent": {"type": "number", "minimum": 0, "maximum": 100},
    "minExisting": {"type": "integer", "minimum": 0},
}


class VerifySettings(TypedDict, total=False):
    """A gateway's `verify:` block: how `reconcile verify` authenticates to it (CUSTOM_JWT client credentials)."""

    clientId: str
    clientSecret: str
    scopes: list[str]
    tokenUrl: str
    searchQuery: str


def verify_settings(gateway: Desired) -> VerifySettings:
    settings: VerifySettings = gateway.extras.get(VERIFY, {})
    return settings.copy()


class GatewayKind(Kind):
    key = "gateway"
    noun = "gateway"
    order = 2
    section = "gateways"
    reconciler_only = {
        "authorizer": {"type": "string", "description": "Reconciler-only: name of an entry under top-level `authorizers`."},
        "safety": {"type": "object", "description": "Reconciler-only: blast-radius thresholds for this gateway's targets.",
                   "properties": THRESHOLDS, "additionalProperties": False},
        VERIFY: {
            "type": "object",
            "description": "Reconciler-only: how `reconcile verify` authenticates to this gateway (CUSTOM_JWT client credentials).",
            "properties": {
                "clientId": {"type": "string", "minLength": 1},
                "clientSecret": {"type": "string", "minLength": 1},
                "scopes": {"type": "array", "items": {"type": "string"}},
                "tokenUrl": {"type": "string", "pattern": "^https?://"},
                "searchQuery": {"type": "string", "minLength": 1},
            },
            "additionalProperties": False,
        },
        PUBLISH: PUBLISH_SCHEMA,
    }
    optional_members = frozenset({"authorizerType"})  # or `authorizer: NAME`
    destroy_setting = "allowGatewayDestroy"
    create_operation, read_operation = "CreateGateway", "GetGateway"
    update_operation, delete_operation, list_operation = "UpdateGateway", "DeleteGateway", "ListGateways"
    id_member, id_param, arn_member = "gatewayId", "gatewayIdentifier", "gatewayArn"
    # The service refuses these in UpdateGateway: "Authorizer type cannot be updated".
    replace_members = (("authorizerType",), ("protocolConfiguration", "mcp", "searchType"))
    default_overrides = {
        # The docs only say "The protocol type for the gateway"; MCP is the enum's one value and GetGateway returns it.
        ("protocolType",): "MCP",
        # "BUFFERED ... This is the default", but the member may only be set on an interceptor with the RESPONSE
        # interception point: filled (and sent) everywhere, a REQUEST-only interceptor would be refused.
        ("interceptorConfigurations", ITEM, "responseInterceptionMode"): None,
    }
    kept_outputs = ("gatewayUrl", WEB_ACL)  # where agents connect (published records point there); its WAF web ACL
    failed_statuses = frozenset({"FAILED", "UPDATE_UNSUCCESSFUL"})
    ready_reads = 2  # READY may flap back to a transient status once (Terraform waits for two READY reads in a row)

    def plan_problems(self, body: dict[str, Any], live: Live | None) -> list[str]:
        """UpdateGateway refuses wafConfiguration until an AWS WAF web ACL is associated with the gateway, which needs
        the gateway's ARN, and GetGateway drops it once the association is removed (Terraform PR 48903)."""
        if WAF not in body or (live is not None and live.outputs.get(WEB_ACL)):
            return []
        state = "is created by this plan" if live is None else "has no AWS WAF web ACL associated"
        return [f"wafConfiguration needs an AWS WAF web ACL associated with the gateway, and this gateway {state}: apply it "
                "without wafConfiguration, associate a web ACL with the gateway's ARN (wafv2 AssociateWebACL), then declare "
                "wafConfiguration (plan --refresh reads the new association)"]

    def replacement_reasons(self, desired: dict[str, Any], live: dict[str, Any]) -> list[tuple[str, str]]:
        """An update may drop MCP versions but not add one (aws-cli #10346): an added version needs a new gateway."""
        added = sorted(set(_get(desired, VERSIONS) or []) - set(_get(live, VERSIONS) or []))
        reason = [(".".join(VERSIONS), f"{', '.join(added)} cannot be added after creation (only removed)")] if added else []
        return super().replacement_reasons(desired, live) + reason

    def sibling_arn(self, sibling: str, ref: Ref) -> str | None:
        """ListGateways returns no ARNs; they differ only in the trailing gateway id."""
        return f"{sibling.rsplit('/', 1)[0]}/{ref.ident}"

    def resolve_and_check(self, desired: Desired, spec: Any, document: dict[str, Any], context: Context) -> list[tuple[KeyPath, str]]:
        return (self._authorizer(desired, spec, document, context) + self._target_quota(spec, document)
                + publish_problems(spec, document, context))

    def _authorizer(self, desired: Desired, spec: dict[str, Any], document: dict[str, Any], context: Context) -> list[tuple[KeyPath, str]]:
        """`authorizer: NAME` takes a reusable top-level authorizer; CUSTOM_JWT needs its configuration."""
        reference = spec.get("authorizer")
        if reference is not None:
            if "authorizerType" in spec or "authorizerConfiguration" in spec:
                return [(("authorizer",), "give either `authorizer:` or an inline authorizerType, not both")]
            authorizer = document.get("authorizers", {}).get(reference)
            if authorizer is None:
                known = ", ".join(document.get("authorizers", {})) or "none defined"
                return [(("authorizer",), f"unknown authorizer {context.show(reference, ('authorizer',))} (known: {known})")]
            desired.body.update(copy.deepcopy(authorizer))
            desired.secret_paths |= context.secrets_under(("authorizers", reference))  # its secrets stay secret here
        elif "authorizerType" not in spec:
            return [((), "missing required member 'authorizerType' (or `authorizer:` naming one)")]
        if desired.body.get("authorizerType") == "CUSTOM_JWT" and "authorizerConfiguration" not in desired.body:
            return [((), "authorizerType CUSTOM_JWT needs authorizerConfiguration.customJWTAuthorizer")]
        return []

    def _target_quota(self, spec: dict[str, Any], document: dict[str, Any]) -> list[tuple[KeyPath, str]]:
        limit = int(document.get("quotas", {}).get("targetsPerGateway", TARGETS_PER_GATEWAY))
        count = len(spec.get("targets", {}))
        if count <= limit:
            return []
        return [(("targets",), f"{count} targets exceed the quota of {limit} per gateway (raise quotas.targetsPerGateway "
                               "once AWS has raised it for the account)")]
