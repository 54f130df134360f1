"""AgentCore Runtime: Create/Get/Update/Delete/ListAgentRuntimes and their endpoints, as the service behaves.

- Ids and ARNs as the model's patterns have them: the id is `NAME-` and ten alphanumerics, the ARN
  `...:runtime/ID`, an endpoint's `...:runtime/ID/runtime-endpoint/NAME`. Runtime names are unique in the
  account and region: a second create of one is a ConflictException (inferred).
- Versions (developer guide, "AgentCore Runtime versioning and endpoints"): a create makes version 1, every
  update a new version with a complete, self-contained configuration; versions never change. UpdateAgentRuntime
  is a PUT of the whole configuration: a member it is not given is not in the new version (inferred: the
  artifact and role are required in it, nothing says "keep"). GetAgentRuntime answers the latest version, or the
  one `agentRuntimeVersion` asks for; ListAgentRuntimeVersions lists them, newest first.
- Statuses: CREATING -> READY, UPDATING -> READY, DELETING -> gone; a write while one is in progress is a
  ConflictException (inferred).
- The DEFAULT endpoint: made by the service with every runtime and always pointing at its latest version (an
  update moves it); it goes with its runtime. It can be neither updated nor deleted (inferred: the service owns it).
- Other endpoints point at the version they were given (the latest at their creation when none was), until an
  update points them elsewhere; UpdateAgentRuntimeEndpoint keeps the version it is not given and clears the
  description it is not given (inferred: a PUT). A version the runtime does not have is a ValidationException.
- Tags at create (CreateAgentRuntime and CreateAgentRuntimeEndpoint take `tags`); TagResource works on the ARNs.
- In a `lifecycleConfiguration`, members left out read back as their documented defaults (900 s idle, 28800 s
  lifetime); whether a runtime created without one reads back with one is not documented: it reads back without.
"""

from __future__ import annotations

import string
from typing import Any

from moto.bedrockagentcorecontrol.exceptions import ConflictException
from moto.core.common_models import BaseModel
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.utilities.paginator import paginate
from moto.utilities.utils import get_partition

from reconciler.aws_model import input_shape, output_shape
from reconciler.emulator.base import (
    existing, REQUEST_ONLY, Timed, ValidationException, begin_deletion, pagination, present, purge_gone, random_id, refuse_while_busy,
    with_service_defaults,
)
from reconciler.emulator.validation import ValidatedRequest

DEFAULT_ENDPOINT = "DEFAULT"
ID_ALPHABET = string.ascii_letters + string.digits
LIFECYCLE_DEFAULTS: dict[str, Any] = {"lifecycleConfiguration.idleRuntimeSessionTimeout": 900, "lifecycleConfiguration.maxLifetime": 28800}
IDENTITY = ("agentRuntimeId", "agentRuntimeName")  # request members that name the runtime, not configure it
PAGINATION_MODEL = pagination(list_runtimes="agent_runtime_id", list_endpoints="name", list_versions="version")


def configuration(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The runtime configuration members `operation` was given (botocore's model), without its name and ids."""
    skipped = REQUEST_ONLY | set(IDENTITY)
    return {m: params[m] for m in input_shape(operation).members if m not in skipped and params.get(m) is not None}


def answer(operation: str, described: dict[str, Any]) -> dict[str, Any]:
    """What `operation` answers: the members of its output shape that the description has."""
    return {k: v for k, v in described.items() if k in output_shape(operation).members}


class Version(BaseModel):
    def __init__(self, runtime: AgentRuntime, number: str, config: dict[str, Any]):
        self.runtime, self.version, self.config = runtime, number, config
        self.last_updated_at = utcnow()

    def summary(self) -> dict[str, Any]:
        """AgentRuntime, as ListAgentRuntimes and ListAgentRuntimeVersions list it."""
        runtime = self.runtime
        return {"agentRuntimeArn": runtime.agent_runtime_arn, "agentRuntimeId": runtime.agent_runtime_id,
                "agentRuntimeVersion": self.version, "agentRuntimeName": runtime.name,
                "description": self.config.get("description", ""), "lastUpdatedAt": self.last_updated_at, "status": runtime.status}


class Endpoint(Timed, BaseModel):
    def __init__(self, runtime: AgentRuntime, name: str, version: str | None, description: str | None):
        self.runtime, self.name, self.description = runtime, name, description
        self.endpoint_id = f"{name}-{random_id(ID_ALPHABET)}"
        self.arn = f"{runtime.agent_runtime_arn}/runtime-endpoint/{name}"
        self.pinned = version  # None: the DEFAULT endpoint, which follows the latest version
        self.created_at = self.last_updated_at = utcnow()
        self.begin("CREATING")

    @property
    def target_version(self) -> str:
        return self.pinned or self.runtime.latest

    def describe(self) -> dict[str, Any]:
        return present({
            "name": self.name, "endpointName": self.name, "id": self.endpoint_id, "agentRuntimeEndpointArn": self.arn,
            "agentRuntimeArn": self.runtime.agent_runtime_arn, "agentRuntimeId": self.runtime.agent_runtime_id,
            "liveVersion": self.target_version if not self.busy else None, "targetVersion": self.target_version,
            "description": self.description, "status": self.status, "createdAt": self.created_at,
            "lastUpdatedAt": self.last_updated_at,
        })


class AgentRuntime(Timed, BaseModel):
    def __init__(self, backend: Any, name: str, config: dict[str, Any]):
        partition, region, account = get_partition(backend.region_name), backend.region_name, backend.account_id
        self.name = name
        self.agent_runtime_id = f"{name}-{random_id(ID_ALPHABET)}"
        self.agent_runtime_arn = f"arn:{partition}:bedrock-agentcore:{region}:{account}:runtime/{self.agent_runtime_id}"
        self.workload_identity_details = {"workloadIdentityArn": f"arn:{partition}:bedrock-agentcore:{region}:{account}:"
                                                                 f"workload-identity-directory/default/workload-identity/{self.agent_runtime_id}"}
        self.created_at = utcnow()
        self.versions = {"1": Version(self, "1", config)}
        self.endpoints: dict[str, Endpoint] = {DEFAULT_ENDPOINT: Endpoint(self, DEFAULT_ENDPOINT, None, None)}
        self.begin("CREATING")

    @property
    def latest(self) -> str:
        return str(len(self.versions))

    def live_endpoints(self) -> dict[str, Endpoint]:
        purge_gone(self.endpoints)  # type: ignore[arg-type]
        return self.endpoints

    def new_version(self, config: dict[str, Any]) -> None:
        number = str(len(self.versions) + 1)
        self.versions[number] = Version(self, number, config)
        self.begin("UPDATING")
        self.endpoints[DEFAULT_ENDPOINT].begin("UPDATING")  # the DEFAULT endpoint moves to it

    def version(self, number: str | None) -> Version:
        found = self.versions.get(number or self.latest)
        if found is None:
            raise ValidationException(f"Agent runtime {self.agent_runtime_id} has no version {number}")
        return found

    def describe(self, number: str | None = None) -> dict[str, Any]:
        version = self.version(number)
        described = present({
            **version.config, "agentRuntimeArn": self.agent_runtime_arn, "agentRuntimeName": self.name,
            "agentRuntimeId": self.agent_runtime_id, "agentRuntimeVersion": version.version, "createdAt": self.created_at,
            "lastUpdatedAt": version.last_updated_at, "status": self.status,
            "workloadIdentityDetails": self.workload_identity_details,
        })
        return with_service_defaults(described, "CreateAgentRuntime", **LIFECYCLE_DEFAULTS)


class AgentRuntimeBackend:
    """Backend mixin: agent runtimes, their versions and endpoints (in place of moto's, which version ARNs and make
    no DEFAULT endpoint)."""

    region_name: str
    account_id: str
    tagger: Any

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)  # type: ignore[call-arg]
        self.agent_runtimes: dict[str, AgentRuntime] = {}

    def live_runtimes(self) -> dict[str, AgentRuntime]:
        purge_gone(self.agent_runtimes)  # type: ignore[arg-type]
        return self.agent_runtimes

    def runtime(self, runtime_id: str) -> AgentRuntime:
        return existing(self.live_runtimes(), runtime_id, f"Could not find Agent Runtime with ID {runtime_id}")

    def create_runtime(self, name: str, config: dict[str, Any], tags: dict[str, str] | None) -> AgentRuntime:
        if any(r.name == name for r in self.live_runtimes().values()):
            raise ConflictException(f"An agent runtime named {name} already exists")
        runtime = AgentRuntime(self, name, config)
        self.agent_runtimes[runtime.agent_runtime_id] = runtime
        if tags:
            self.tag_resource(runtime.agent_runtime_arn, tags)  # type: ignore[attr-defined]
        return runtime

    def update_runtime(self, runtime_id: str, config: dict[str, Any]) -> AgentRuntime:
        runtime = self.runtime(runtime_id)
        refuse_while_busy(runtime, f"Agent runtime {runtime_id}")
        runtime.new_version(config)
        return runtime

    def delete_runtime(self, runtime_id: str) -> AgentRuntime:
        runtime = self.runtime(runtime_id)
        begin_deletion(runtime, f"Agent runtime {runtime_id}")
        for endpoint in runtime.endpoints.values():
            self.tagger.delete_all_tags_for_resource(endpoint.arn)
        self.tagger.delete_all_tags_for_resource(runtime.agent_runtime_arn)
        return runtime

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_runtimes(self) -> list[AgentRuntime]:
        return list(self.live_runtimes().values())

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_versions(self, runtime_id: str) -> list[Version]:
        return sorted(self.runtime(runtime_id).versions.values(), key=lambda v: -int(v.version))

    # --- endpoints --------------------------------------------------------------------------------
    def endpoint(self, runtime_id: str, name: str) -> Endpoint:
        return existing(self.runtime(runtime_id).live_endpoints(), name, f"Could not find endpoint {name} for Agent Runtime {runtime_id}")

    def create_endpoint(self, runtime_id: str, name: str, version: str | None, description: str | None,
                        tags: dict[str, str] | None) -> Endpoint:
        runtime = self.runtime(runtime_id)
        if name in runtime.live_endpoints():
            raise ConflictException(f"Endpoint {name} already exists for Agent Runtime {runtime_id}")
        endpoint = runtime.endpoints[name] = Endpoint(runtime, name, runtime.version(version).version, description)
        if tags:
            self.tag_resource(endpoint.arn, tags)  # type: ignore[attr-defined]
        return endpoint

    def update_endpoint(self, runtime_id: str, name: str, version: str | None, description: str | None) -> Endpoint:
        endpoint = self._own_endpoint(runtime_id, name, "updated")
        refuse_while_busy(endpoint, f"Endpoint {name}")
        endpoint.pinned = endpoint.runtime.version(version or endpoint.pinned).version
        endpoint.description = description
        endpoint.last_updated_at = utcnow()
        endpoint.begin("UPDATING")
        return endpoint

    def delete_endpoint(self, runtime_id: str, name: str) -> Endpoint:
        endpoint = self._own_endpoint(runtime_id, name, "deleted")
        begin_deletion(endpoint, f"Endpoint {name}")
        self.tagger.delete_all_tags_for_resource(endpoint.arn)
        return endpoint

    def _own_endpoint(self, runtime_id: str, name: str, verb: str) -> Endpoint:
        endpoint = self.endpoint(runtime_id, name)
        if name == DEFAULT_ENDPOINT:
            raise ValidationException(f"The {DEFAULT_ENDPOINT} endpoint is managed by the service and cannot be {verb}")
        return endpoint

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_endpoints(self, runtime_id: str) -> list[Endpoint]:
        return list(self.runtime(runtime_id).live_endpoints().values())


class AgentRuntimeResponse(ValidatedRequest):
    """Response mixin: the HTTP handlers of the agent runtime and endpoint operations."""

    backend: Any

    def create_agent_runtime(self) -> ActionResult:
        params = self._request()
        runtime = self.backend.create_runtime(params["agentRuntimeName"], configuration("CreateAgentRuntime", params), params.get("tags"))
        return ActionResult(answer("CreateAgentRuntime", runtime.describe()))

    def get_agent_runtime(self) -> ActionResult:
        params = self._request()
        return ActionResult(self.backend.runtime(params["agentRuntimeId"]).describe(params.get("agentRuntimeVersion")))

    def update_agent_runtime(self) -> ActionResult:
        params = self._request()
        runtime = self.backend.update_runtime(params["agentRuntimeId"], configuration("UpdateAgentRuntime", params))
        return ActionResult(answer("UpdateAgentRuntime", runtime.describe()))

    def delete_agent_runtime(self) -> ActionResult:
        return ActionResult(answer("DeleteAgentRuntime", self.backend.delete_runtime(self._request()["agentRuntimeId"]).describe()))

    def list_agent_runtimes(self) -> ActionResult:
        params = self._request()
        items, token = self.backend.list_runtimes(max_results=params.get("maxResults"), next_token=params.get("nextToken"))
        return ActionResult({"agentRuntimes": [r.version(None).summary() for r in items], "nextToken": token})

    def list_agent_runtime_versions(self) -> ActionResult:
        params = self._request()
        items, token = self.backend.list_versions(params["agentRuntimeId"], max_results=params.get("maxResults"),
                                                  next_token=params.get("nextToken"))
        return ActionResult({"agentRuntimes": [v.summary() for v in items], "nextToken": token})

    def create_agent_runtime_endpoint(self) -> ActionResult:
        params = self._request()
        endpoint = self.backend.create_endpoint(params["agentRuntimeId"], params["name"], params.get("agentRuntimeVersion"),
                                                params.get("description"), params.get("tags"))
        return ActionResult(answer("CreateAgentRuntimeEndpoint", endpoint.describe()))

    def get_agent_runtime_endpoint(self) -> ActionResult:
        return self._described(self.backend.endpoint, "agentRuntimeId", "endpointName")

    def update_agent_runtime_endpoint(self) -> ActionResult:
        params = self._request()
        endpoint = self.backend.update_endpoint(params["agentRuntimeId"], params["endpointName"], params.get("agentRuntimeVersion"),
                                                params.get("description"))
        return ActionResult(answer("UpdateAgentRuntimeEndpoint", endpoint.describe()))

    def delete_agent_runtime_endpoint(self) -> ActionResult:
        params = self._request()
        return ActionResult(answer("DeleteAgentRuntimeEndpoint", self.backend.delete_endpoint(params["agentRuntimeId"], params["endpointName"]).describe()))

    def list_agent_runtime_endpoints(self) -> ActionResult:
        return self._listed(self.backend.list_endpoints, "runtimeEndpoints", "agentRuntimeId")
