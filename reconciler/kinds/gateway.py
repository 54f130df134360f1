"""AgentCore gateways: CreateGateway / GetGateway / UpdateGateway (a full replacement) / DeleteGateway."""

from __future__ import annotations

from typing import Any

from reconciler.aws import Api
from reconciler.desired import GATEWAY, Desired
from reconciler.kinds.base import Kind, Ref
from reconciler.kinds.tokens import client_token


class GatewayKind(Kind):
    key = GATEWAY
    phase = 1
    create_operation = "CreateGateway"
    read_operation = "GetGateway"
    # The service refuses these in UpdateGateway: "Authorizer type cannot be updated".
    replace_members = (("authorizerType",), ("protocolConfiguration", "mcp", "searchType"))
    defaults = {"protocolType": "MCP"}
    failed_statuses = frozenset({"FAILED", "UPDATE_UNSUCCESSFUL"})

    def list(self, api: Api, parent: Ref | None = None) -> list[Ref]:
        return [Ref(self.key, item["name"], item["gatewayId"]) for item in api.list_all("list_gateways", "items")]

    def sibling_arn(self, sibling: str, ref: Ref) -> str | None:
        """ListGateways returns no ARNs; they differ only in the trailing gateway id."""
        return f"{sibling.rsplit('/', 1)[0]}/{ref.ident}"

    def describe(self, api: Api, ref: Ref) -> dict[str, Any]:
        raw = api.call("get_gateway", gatewayIdentifier=ref.ident)
        ref.arn = raw.get("gatewayArn", ref.arn)
        return raw

    def create(self, api: Api, desired: Desired, body: dict[str, Any], tags: dict[str, str], parent: Ref | None) -> Ref:
        request = {"name": desired.name, **body, "tags": tags}
        answer = api.call("create_gateway", **request, clientToken=client_token(request, api.run_id))
        return Ref(self.key, desired.name, answer["gatewayId"], answer.get("gatewayArn"))

    def update(self, api: Api, ref: Ref, body: dict[str, Any]) -> None:
        api.call("update_gateway", gatewayIdentifier=ref.ident, name=ref.name, **body)

    def delete(self, api: Api, ref: Ref) -> None:
        api.call("delete_gateway", gatewayIdentifier=ref.ident)
