"""Gateway targets: children of a gateway, untaggable, updated by full replacement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.aws import Api
from reconciler.kinds.base import Context, Kind, Ref, Status
from reconciler.kinds.publish import PUBLISH, PUBLISH_SCHEMA, publish_problems
from reconciler.quotas import TARGET_WRITES_PER_GATEWAY
from reconciler.vocabulary import KeyPath

if TYPE_CHECKING:
    from reconciler.desired import Desired

# The service adds this header on gateways with a policy engine and refuses it when sent back.
POLICY_SESSION_HEADER = "x-amzn-bedrock-agentcore-policy-session-id"
HEADER_PATH = ("metadataConfiguration", "allowedRequestHeaders")
EXPECT_TOOLS = "expectTools"


def expected_tools(target: Desired) -> list[str]:
    """The tools a declared target promises (`expectTools`), checked by `reconcile verify`."""
    return [str(tool) for tool in target.extras.get(EXPECT_TOOLS, [])]


def mcp_server(target_configuration: dict[str, Any] | None) -> dict[str, Any] | None:
    """A target's `mcp.mcpServer` block (endpoint, optional static schema), or None for other target types."""
    server = ((target_configuration or {}).get("mcp") or {}).get("mcpServer")
    return server if isinstance(server, dict) else None


def target_type(body: dict[str, Any]) -> tuple[str, ...]:
    """(family, type), e.g. ('mcp', 'mcpServer'): a change of either needs a new target."""
    config = body.get("targetConfiguration", {})
    family = next(iter(config), "")
    inner = config.get(family)
    return (family, next(iter(inner), "")) if isinstance(inner, dict) else (family,)


def is_synchronizable(body: dict[str, Any]) -> bool:
    """An MCP-server target whose tools the gateway keeps a list of: neither a static mcpToolSchema nor DYNAMIC
    listing (the gateway asks the server at each request)."""
    return unsynchronizable(body) is None and mcp_server(body.get("targetConfiguration")) is not None


def unsynchronizable(body: dict[str, Any]) -> str | None:
    """Why an MCP-server target is never synchronized, or None."""
    server = mcp_server(body.get("targetConfiguration")) or {}
    if "mcpToolSchema" in server:
        return "static mcpToolSchema: the gateway does not list its tools from the server"
    if server.get("listingMode") == "DYNAMIC":
        return "listingMode DYNAMIC: the gateway lists its tools from the server at each request"
    return None


class TargetKind(Kind):
    key = "target"
    noun = "target"
    order = 3
    parent = "gateway"
    section = "targets"
    reconciler_only = {
        EXPECT_TOOLS: {"type": "array", "items": {"type": "string"},
                       "description": "Reconciler-only: tools this target promises (never sent to the API)."},
        PUBLISH: PUBLISH_SCHEMA,
    }
    parent_write_limit = TARGET_WRITES_PER_GATEWAY
    create_operation, read_operation = "CreateGatewayTarget", "GetGatewayTarget"
    update_operation, delete_operation, list_operation = "UpdateGatewayTarget", "DeleteGatewayTarget", "ListGatewayTargets"
    id_member = id_param = "targetId"
    parent_param = "gatewayIdentifier"
    failed_statuses = frozenset({"FAILED", "UPDATE_UNSUCCESSFUL", "SYNCHRONIZE_UNSUCCESSFUL"})
    pending_statuses = frozenset({"CREATE_PENDING_AUTH", "UPDATE_PENDING_AUTH", "SYNCHRONIZE_PENDING_AUTH"})
    # The docs describe DEFAULT and DYNAMIC without naming a default; GetGatewayTarget answers DEFAULT for an
    # MCP-server target that did not set it (Terraform: optional and computed; SERVICE-FACTS: DEFAULT listing mode).
    default_overrides = {("targetConfiguration", "mcp", "mcpServer", "listingMode"): "DEFAULT"}

    def resolve_and_check(self, desired: Desired, spec: Any, document: dict[str, Any], context: Context) -> list[tuple[KeyPath, str]]:
        return publish_problems(spec, document, context)

    def comparable(self, body: dict[str, Any]) -> dict[str, Any]:
        body = super().comparable(without_service_headers(body))
        for config in body.get("credentialProviderConfigurations", []):
            # The service may return GATEWAY_IAM_ROLE with or without an empty credentialProvider.
            if config.get("credentialProviderType") == "GATEWAY_IAM_ROLE" and not config.get("credentialProvider"):
                config.pop("credentialProvider", None)
        return body

    def replacement_reasons(self, desired: dict[str, Any], live: dict[str, Any]) -> list[tuple[str, str]]:
        if target_type(desired) != target_type(live):
            return [("targetConfiguration", "the target type changes")]
        return []

    def create_request(self, body: dict[str, Any]) -> dict[str, Any]:
        return super().create_request(without_service_headers(body))

    def update_request(self, ref: Ref, body: dict[str, Any]) -> dict[str, Any]:
        return super().update_request(ref, without_service_headers(body))

    def synchronize(self, api: Api, ref: Ref) -> None:
        api.call("synchronize_gateway_targets", gatewayIdentifier=ref.parent_ident, targetIdList=[ref.ident])

    def status_of(self, raw: dict[str, Any]) -> Status:
        """With whether the service synchronized the target since its last write: create and update synchronize
        implicitly (SERVICE-FACTS), which READY with a `lastSynchronizedAt` at or after `updatedAt` shows."""
        status = super().status_of(raw)
        synced, written = raw.get("lastSynchronizedAt"), raw.get("updatedAt")
        status.synchronized = status.status == "READY" and synced is not None and written is not None and synced >= written
        return status


def without_service_headers(body: dict[str, Any]) -> dict[str, Any]:
    """The body less the service-managed policy-session header (compared case-insensitively)."""
    metadata = body.get(HEADER_PATH[0])
    if not isinstance(metadata, dict) or HEADER_PATH[1] not in metadata:
        return body
    headers = [h for h in metadata[HEADER_PATH[1]] if h.lower() != POLICY_SESSION_HEADER]
    rest = {k: v for k, v in metadata.items() if k != HEADER_PATH[1]}
    trimmed = {**rest, HEADER_PATH[1]: headers} if headers else rest
    return {**body, HEADER_PATH[0]: trimmed} if trimmed else {k: v for k, v in body.items() if k != HEADER_PATH[0]}
