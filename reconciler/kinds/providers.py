"""What the two AgentCore Identity credential provider kinds share: identified by name, tagged, secrets write-only."""

from __future__ import annotations

from typing import Any, ClassVar

from reconciler.aws import Api
from reconciler.desired import Desired
from reconciler.kinds.base import Kind, Ref


class CredentialProviderKind(Kind):
    phase = 0
    operation_suffix: ClassVar[str]  # e.g. "oauth2_credential_provider"
    replace_members = (("credentialProviderVendor",),)

    def list(self, api: Api, parent: Ref | None = None) -> list[Ref]:
        items = api.list_all(f"list_{self.operation_suffix}s", "credentialProviders")
        return [Ref(self.key, i["name"], i["name"], i.get("credentialProviderArn")) for i in items]

    def describe(self, api: Api, ref: Ref) -> dict[str, Any]:
        raw = api.call(f"get_{self.operation_suffix}", name=ref.ident)
        ref.arn = raw.get("credentialProviderArn", ref.arn)
        return raw

    def create(self, api: Api, desired: Desired, body: dict[str, Any], tags: dict[str, str], parent: Ref | None) -> Ref:
        answer = api.call(f"create_{self.operation_suffix}", name=desired.name, **body, tags=tags)
        return Ref(self.key, desired.name, desired.name, answer.get("credentialProviderArn"))

    def update(self, api: Api, ref: Ref, body: dict[str, Any]) -> None:
        api.call(f"update_{self.operation_suffix}", name=ref.ident, **body)

    def delete(self, api: Api, ref: Ref) -> None:
        api.call(f"delete_{self.operation_suffix}", name=ref.ident)
