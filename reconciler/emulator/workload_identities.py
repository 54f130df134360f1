"""Workload identities (AgentCore Identity): Create/Get/Update/Delete/ListWorkloadIdentities, as the service behaves.

- One directory per account and region: ARNs `...:workload-identity-directory/default/workload-identity/<name>`
  (developer guide, "Understanding the agent identity directory"); names unique in it (API reference: "must be
  unique within your account"), a second create of a name is a ConflictException (the error type is inferred).
- Tags at create (CreateWorkloadIdentity takes `tags`); TagResource and ListTagsForResource work on the ARN
  (developer guide, "Tagging AgentCore Identity resources").
- The service makes identities itself: one for each gateway and each agent runtime, named after its id
  (the `workloadIdentityDetails.workloadIdentityArn` GetGateway and GetAgentRuntime answer). The directory
  lists them beside the ones made by hand ("Cross-service visibility"); they carry no tags, and they go with
  their gateway or runtime (inferred).
- Create and Get answer the identity; List items carry only its name and ARN. UpdateWorkloadIdentity is a
  POST with the identity's whole configuration: return URLs it is not given are cleared (inferred: no
  member says "keep").
- Deletion is immediate (DeleteWorkloadIdentity answers 204); a deleted name may be used again.
"""

from __future__ import annotations

from typing import Any

from moto.bedrockagentcorecontrol.exceptions import ConflictException
from moto.core.common_models import BaseModel
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.utilities.paginator import paginate
from moto.utilities.utils import get_partition

from reconciler.emulator.base import existing, pagination, present
from reconciler.emulator.validation import ValidatedRequest

PAGINATION_MODEL = pagination(list_workload_identities="name")


class WorkloadIdentity(BaseModel):
    def __init__(self, backend: Any, name: str, return_urls: list[str] | None, made_for: str | None = None):
        self.name = name
        self.arn = (f"arn:{get_partition(backend.region_name)}:bedrock-agentcore:{backend.region_name}:{backend.account_id}:"
                    f"workload-identity-directory/default/workload-identity/{name}")
        self.return_urls = list(return_urls or [])
        self.made_for = made_for  # the ARN of the gateway or agent runtime the service made it for
        self.created_time = self.last_updated_time = utcnow()

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "workloadIdentityArn": self.arn}

    def written(self) -> dict[str, Any]:
        """What Create and Update answer."""
        return {**self.summary(), "allowedResourceOauth2ReturnUrls": self.return_urls or None}

    def describe(self) -> dict[str, Any]:
        return present({**self.written(), "createdTime": self.created_time, "lastUpdatedTime": self.last_updated_time})


class WorkloadIdentityBackend:
    """Backend mixin: the account's identity directory, with the identities the service makes for its gateways and
    agent runtimes."""

    region_name: str
    account_id: str
    gateways: dict[str, Any]
    agent_runtimes: dict[str, Any]
    tagger: Any

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)  # type: ignore[call-arg]
        self.workload_identities: dict[str, WorkloadIdentity] = {}

    def directory(self) -> dict[str, WorkloadIdentity]:
        """Every identity: those made by hand, and one per existing gateway and agent runtime (made on first sight,
        forgotten with their owner)."""
        made = {_name(g.workload_identity_details): g.gateway_arn for g in self.gateways.values()}
        made |= {_name(r.workload_identity_details): r.agent_runtime_arn for r in self.agent_runtimes.values()}
        for name in [n for n, i in self.workload_identities.items() if i.made_for and n not in made]:
            del self.workload_identities[name]
        for name, owner in made.items():
            self.workload_identities.setdefault(name, WorkloadIdentity(self, name, None, made_for=owner))
        return self.workload_identities

    def get_workload_identity(self, name: str) -> WorkloadIdentity:
        return existing(self.directory(), name, f"Workload identity {name} not found")

    def create_workload_identity(self, name: str, return_urls: list[str] | None, tags: dict[str, str] | None) -> WorkloadIdentity:
        if name in self.directory():
            raise ConflictException(f"A workload identity named {name} already exists")
        identity = self.workload_identities[name] = WorkloadIdentity(self, name, return_urls)
        if tags:
            self.tag_resource(identity.arn, tags)  # type: ignore[attr-defined]
        return identity

    def update_workload_identity(self, name: str, return_urls: list[str] | None) -> WorkloadIdentity:
        identity = self.get_workload_identity(name)
        identity.return_urls = list(return_urls or [])
        identity.last_updated_time = utcnow()
        return identity

    def delete_workload_identity(self, name: str) -> None:
        identity = self.get_workload_identity(name)
        self.tagger.delete_all_tags_for_resource(identity.arn)
        del self.workload_identities[name]

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_workload_identities(self) -> list[WorkloadIdentity]:
        return sorted(self.directory().values(), key=lambda i: i.name)


def _name(details: dict[str, str]) -> str:
    """The identity's name: the last part of the `workloadIdentityArn` its gateway or runtime answers."""
    return details["workloadIdentityArn"].rsplit("/", 1)[-1]


class WorkloadIdentityResponse(ValidatedRequest):
    """Response mixin: the HTTP handlers of the workload-identity operations."""

    backend: Any

    def create_workload_identity(self) -> ActionResult:
        params = self._request()
        identity = self.backend.create_workload_identity(params["name"], params.get("allowedResourceOauth2ReturnUrls"),
                                                         params.get("tags"))
        return ActionResult(present(identity.written()))

    def get_workload_identity(self) -> ActionResult:
        return self._described(self.backend.get_workload_identity, "name")

    def update_workload_identity(self) -> ActionResult:
        params = self._request()
        identity = self.backend.update_workload_identity(params["name"], params.get("allowedResourceOauth2ReturnUrls"))
        return ActionResult(identity.describe())

    def delete_workload_identity(self) -> ActionResult:
        self.backend.delete_workload_identity(self._request()["name"])
        return EmptyResult()

    def list_workload_identities(self) -> ActionResult:
        params = self._request()
        items, token = self.backend.list_workload_identities(max_results=params.get("maxResults"), next_token=params.get("nextToken"))
        return ActionResult({"workloadIdentities": [i.summary() for i in items], "nextToken": token})
