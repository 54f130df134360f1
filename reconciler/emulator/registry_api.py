"""AWS Agent Registry's HTTP side in the emulator, and its registration with moto (agent_registry.py is the service).

moto 5.2.5 has no agent-registry service, so `install_agent_registry()` registers one: moto finds a
service's backend by importing `moto.<name>` and reading `<name>_backends`, and its URL patterns in
`moto.backend_index.backend_url_patterns`. This module is that service module (as `moto.agentregistry`)
and its URL patterns cover both clients' endpoints:

- in-process (`moto.mock_aws`): `https://agent-registry-control.{region}.api.aws` and
  `https://agent-registry.{region}.api.aws` (botocore's endpoint rules; the legacy
  `*.amazonaws.com` hosts too);
- `reconcile emulator` (AWS_ENDPOINT_URL=http://127.0.0.1:PORT): moto's server names the service after
  the SigV4 credential scope, `agent-registry` for both clients, and asks for the backend of
  `agent-registry.{region}.amazonaws.com`, which the same patterns match.

One response class serves both path sets (they do not overlap): each request is read with the model
of the client whose routes it matches.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import moto.backend_index as backend_index
import moto.bedrockagentcorecontrol.models as agentcore_models
from moto.core.base_backend import BackendDict
from moto.core.responses import ActionResult, BaseResponse, EmptyResult

from reconciler.emulator.agent_registry import AgentRegistryBackend, Record, Registry, discoverable_summary, discovery_summary
from reconciler.emulator.idempotency import IdempotentResponse
from reconciler.emulator.registry_content import CONTROL, DATA, ValidationException, checked
from reconciler.emulator.registry_discovery import RESULT_LIMIT, page, page_size, ranked, search_type

SERVICE = "agentregistry"  # moto's name for it: `moto.agentregistry`, `agentregistry_backends`
url_bases = [r"https?://agent-registry(-control)?\.(.+)\.(api\.aws|amazonaws\.com(\.cn)?)"]

agentregistry_backends = BackendDict(
    AgentRegistryBackend, CONTROL, use_boto3_regions=False,
    additional_regions=agentcore_models.bedrockagentcorecontrol_backends._additional_regions,  # the emulator's Regions
)


# The mixin types service_name as the str it always is here; moto declares it Optional.
class AgentRegistryResponse(IdempotentResponse, BaseResponse):  # type: ignore[misc]
    """The handlers of both clients' operations, named after them."""

    def __init__(self, service_name: str = CONTROL):
        super().__init__(service_name=service_name)
        self.automated_parameter_parsing = True

    @classmethod
    def dispatch(cls, request: Any, full_url: str | None = None, headers: Any = None) -> Any:
        served = next((s for s in (CONTROL, DATA) if cls(s)._get_action_from_method_and_request_uri(request)), CONTROL)
        return cls(served)._dispatch(request, full_url, headers)

    @property
    def backend(self) -> AgentRegistryBackend:
        return agentregistry_backends[self.current_account][self.region]

    def token_reused(self, token: str, operation: str) -> Exception:
        return ValidationException(f"The client token {token} was already used for a request with other parameters ({operation})",
                                   reason="IdempotentParameterMismatchException")

    def _request(self) -> dict[str, Any]:
        return checked(self.service_name, self._get_action(), dict(self.params))

    def _described(self, resource: Registry | Record) -> ActionResult:
        """The resource as the operation's output shape has it."""
        return ActionResult(resource.describe(self._get_action()))

    def _page(self, key: str, items: list[Any], request: dict[str, Any]) -> ActionResult:
        shown, token = page(items, request.get("maxResults"), request.get("nextToken"), request)
        return ActionResult({key: [item.summary() for item in shown], "nextToken": token})

    @property
    def _signed(self) -> bool:
        return str(self.headers.get("Authorization", "")).startswith("AWS4-HMAC-SHA256")

    # --- registries ---------------------------------------------------------------------------------
    def create_registry(self) -> ActionResult:
        return ActionResult({"registryArn": self.backend.create_registry(self._request()).arn})

    def get_registry(self) -> ActionResult:
        return self._described(self.backend.get_registry(self._request()["registryId"]))

    def update_registry(self) -> ActionResult:
        return self._described(self.backend.update_registry(self._request()))

    def delete_registry(self) -> ActionResult:
        return ActionResult({"status": self.backend.delete_registry(self._request()["registryId"]).status})

    def list_registries(self) -> ActionResult:
        request = self._request()
        return self._page("registries", self.backend.list_registries(request.get("filters")), request)

    # --- records ------------------------------------------------------------------------------------
    def create_registry_record(self) -> ActionResult:
        record = self.backend.create_registry_record(self._request())
        return ActionResult({"recordArn": record.arn, "status": record.status})

    def get_registry_record(self) -> ActionResult:
        request = self._request()
        return self._described(self.backend.get_registry_record(request["registryId"], request["recordId"]))

    def update_registry_record(self) -> ActionResult:
        return self._described(self.backend.update_registry_record(self._request()))

    def delete_registry_record(self) -> ActionResult:
        request = self._request()
        self.backend.delete_registry_record(request["registryId"], request["recordId"])
        return ActionResult({})

    def list_registry_records(self) -> ActionResult:
        request = self._request()
        return self._page("registryRecords", self.backend.list_registry_records(request["registryId"], request.get("filters")), request)

    def submit_registry_record_for_approval(self) -> ActionResult:
        request = self._request()
        return self._described(self.backend.submit_registry_record_for_approval(request["registryId"], request["recordId"]))

    def update_registry_record_status(self) -> ActionResult:
        request = self._request()
        record = self.backend.update_registry_record_status(request["registryId"], request["recordId"], request["status"],
                                                            request["statusReason"])
        return self._described(record)

    # --- tags ---------------------------------------------------------------------------------------
    def tag_resource(self) -> ActionResult:
        request = self._request()
        self.backend.tag_resource(request["resourceArn"], request["tags"])
        return EmptyResult()

    def untag_resource(self) -> ActionResult:
        request = self._request()
        self.backend.untag_resource(request["resourceArn"], request["tagKeys"])
        return EmptyResult()

    def list_tags_for_resource(self) -> ActionResult:
        return ActionResult({"tags": self.backend.list_tags_for_resource(self._request()["resourceArn"])})

    # --- discovery ----------------------------------------------------------------------------------
    def search_discoverable_registry_records(self) -> ActionResult:
        request = self._request()
        kind = search_type(request.get("searchType"), self.region)
        size = page_size(kind, request.get("maxResults"))
        found = ranked(request["searchQuery"], kind, self.backend.search(request, self._signed))[:RESULT_LIMIT[kind]]
        shown, token = page(found, size, request.get("nextToken"), {**request, "searchType": kind})
        return ActionResult({"registryRecords": [discovery_summary(r) for r in shown], "searchType": kind, "nextToken": token})

    def list_discoverable_registry_records(self) -> ActionResult:
        request = self._request()
        wanted = {f["name"]: f["values"] for f in request.get("filters") or []}
        records = [r for r in self.backend.discoverable(request["registryId"], self._signed)
                   if r["recordType"] in wanted.get("recordType", [r["recordType"]])
                   and set(r["descriptors"]) & set(wanted.get("descriptorType", list(r["descriptors"])))]
        shown, token = page(records, request.get("maxResults"), request.get("nextToken"), request)
        return ActionResult({"registryRecords": [discoverable_summary(r) for r in shown], "nextToken": token})

    def batch_get_discoverable_registry_record(self) -> ActionResult:
        entry = self._request()["entries"][0]
        found, errors = self.backend.batch_get(entry["registryId"], entry["recordIds"], self._signed)
        return ActionResult({"registryRecords": [discovery_summary(r) for r in found], "errors": errors})


url_paths = {"{0}/.*$": AgentRegistryResponse.dispatch}


def install_agent_registry() -> BackendDict:
    """Register the agent-registry service with moto, for `moto.mock_aws` and moto's server (idempotent)."""
    module = f"moto.{SERVICE}"
    if sys.modules.get(module) is not sys.modules[__name__]:
        sys.modules[module] = sys.modules[__name__]
        backend_index.backend_url_patterns.extend((SERVICE, re.compile(base)) for base in url_bases)
    return agentregistry_backends
