"""Agent registries and records as the publishing side writes them, created through boto3 on the emulator (GA API)."""

from __future__ import annotations

import json
from typing import Any, Sequence

from reconciler.aws import Api
from reconciler.aws_model import DISCOVERY_SERVICE
from reconciler.catalog.search import Searched
from tests.emulator.support import until

JWT = {"customJWTAuthorizer": {"discoveryUrl": "https://idp.example/.well-known/openid-configuration", "allowedClients": ["c"]}}
APPROVE_ALL = {"autoApprovalRules": ["APPROVE_ALL"]}


def gateway_url(gateway: str) -> str:
    return f"https://{gateway}.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"


def searched(registry_ids: Sequence[str], region: str | None = None) -> list[Searched]:
    """These registries, searched through the caller's own connection (no registry files)."""
    api = Api(region=region, service=DISCOVERY_SERVICE)
    return [Searched(api, registry_id) for registry_id in registry_ids]


def new_registry(registries: Any, name: str, auto_approval: bool = True, authorizer: str = "AWS_IAM", **members: Any) -> str:
    """A READY registry; auto-approving unless told otherwise."""
    discovery: dict[str, Any] = {"authorizerType": authorizer, **({"authorizerConfiguration": JWT} if authorizer == "CUSTOM_JWT" else {})}
    approval = {"approvalConfiguration": APPROVE_ALL} if auto_approval else {}
    arn = registries.create_registry(name=name, discoveryConfiguration=discovery, **approval, **members)["registryArn"]
    registry_id = arn.rsplit("/", 1)[-1]
    until(lambda: registries.get_registry(registryId=registry_id)["status"], lambda status: status == "READY")
    return str(registry_id)


def descriptors(gateway: str, target: str, tools: dict[str, str], remotes: bool = True) -> dict[str, Any]:
    """The MCP record of a published target: server.json with the gateway's URL, and the tools as the gateway lists them."""
    server: dict[str, Any] = {"name": f"agentcore.{gateway}/{target}", "description": f"Tools of {target} through {gateway}",
                              "version": "v1"}
    if remotes:
        server["remotes"] = [{"type": "streamable-http", "url": gateway_url(gateway)}]
    listed = [{"name": f"{target}___{name}", "description": text, "inputSchema": {"type": "object"}} for name, text in tools.items()]
    return {"mcpServer": {"data": json.dumps(server), "dataSchemaVersion": "2025-12-11",
                          "additionalData": {"tools": {"data": json.dumps({"tools": listed}), "dataSchemaVersion": "2025-06-18"}}}}


def record(registries: Any, registry_id: str, gateway: str, target: str, tools: dict[str, str], submit: bool = True,
           remotes: bool = True, **members: Any) -> str:
    """Record GATEWAY.TARGET, a DRAFT once created; submitted for approval unless told otherwise."""
    created = registries.create_registry_record(registryId=registry_id, name=f"{gateway}.{target}", recordType="MCP",
                                                description=f"{target} on gateway {gateway}", recordVersion="3f9a1c",
                                                descriptors=descriptors(gateway, target, tools, remotes), **members)
    record_id = created["recordArn"].rsplit("/", 1)[-1]
    until(lambda: status(registries, registry_id, record_id), lambda now: now == "DRAFT")
    if submit:
        registries.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
        until(lambda: status(registries, registry_id, record_id), lambda now: now in ("APPROVED", "PENDING_APPROVAL"))
    return str(record_id)


def status(registries: Any, registry_id: str, record_id: str) -> str:
    return str(registries.get_registry_record(registryId=registry_id, recordId=record_id)["status"])


ORDERS = {"get_order": "Look up an order by id.", "cancel_order": "Cancel an order that has not shipped."}
WEATHER = {"get_forecast": "Hourly rain and wind forecast for a city.", "getRadarImage": "Rain radar images."}
