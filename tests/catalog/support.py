"""Agent registries and records as the publishing side writes them, created through boto3 on the emulator."""

from __future__ import annotations

import json
from typing import Any

from tests.emulator.support import until

JWT = {"customJWTAuthorizer": {"discoveryUrl": "https://idp.example/.well-known/openid-configuration", "allowedClients": ["c"]}}


def gateway_url(gateway: str) -> str:
    return f"https://{gateway}.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"


def new_registry(client: Any, name: str, auto_approval: bool = True, **members: Any) -> str:
    """A READY registry; auto-approving unless told otherwise."""
    members = {"authorizerType": "AWS_IAM", **members}
    arn = client.create_registry(name=name, approvalConfiguration={"autoApproval": auto_approval}, **members)["registryArn"]
    registry_id = arn.rsplit("/", 1)[-1]
    until(lambda: client.get_registry(registryId=registry_id)["status"], lambda status: status == "READY")
    return str(registry_id)


def descriptors(gateway: str, target: str, tools: dict[str, str], remotes: bool = True) -> dict[str, Any]:
    """The MCP record of a published target: server.json with the gateway's URL, and the tools as the gateway lists them."""
    server: dict[str, Any] = {"name": f"agentcore.{gateway}/{target}", "description": f"Tools of {target} through {gateway}",
                              "version": "v1"}
    if remotes:
        server["remotes"] = [{"type": "streamable-http", "url": gateway_url(gateway)}]
    listed = [{"name": f"{target}___{name}", "description": text, "inputSchema": {"type": "object"}} for name, text in tools.items()]
    return {"mcp": {"server": {"inlineContent": json.dumps(server)}, "tools": {"inlineContent": json.dumps({"tools": listed})}}}


def record(client: Any, registry_id: str, gateway: str, target: str, tools: dict[str, str], submit: bool = True,
           remotes: bool = True) -> str:
    """Record GATEWAY.TARGET, a DRAFT once created; submitted for approval unless told otherwise."""
    created = client.create_registry_record(registryId=registry_id, name=f"{gateway}.{target}", descriptorType="MCP",
                                            description=f"{target} on gateway {gateway}", recordVersion="3f9a1c",
                                            descriptors=descriptors(gateway, target, tools, remotes))
    record_id = created["recordArn"].rsplit("/", 1)[-1]
    until(lambda: status(client, registry_id, record_id), lambda now: now == "DRAFT")
    if submit:
        client.submit_registry_record_for_approval(registryId=registry_id, recordId=record_id)
    return str(record_id)


def status(client: Any, registry_id: str, record_id: str) -> str:
    return str(client.get_registry_record(registryId=registry_id, recordId=record_id)["status"])


ORDERS = {"get_order": "Look up an order by id.", "cancel_order": "Cancel an order that has not shipped."}
WEATHER = {"get_forecast": "Hourly rain and wind forecast for a city.", "getRadarImage": "Rain radar images."}
