"""AWS Agent Registry in the emulator: registries, records, their approval workflow, and search.

Control plane (bedrock-agentcore-control): the mixins `AgentRegistryBackend` and
`AgentRegistryResponse`, inherited by EmulatorBackend and EmulatorResponse (whose
IdempotentResponse replays a repeated clientToken).
Data plane (bedrock-agentcore): `install_search()` adds SearchRegistryRecords to
moto's bedrock-agentcore backend, for `moto.mock_aws` and for `reconcile emulator`.

Shapes, enums, patterns and limits come from botocore's models at run time
(request checks in `constraints`); the behaviour follows the AgentCore developer
guide ("Record lifecycle") and the API reference:

- Registries are asynchronous: CREATING, UPDATING (PATCH), DELETING, then READY
  or gone. Names are unique in an account; a registry with records cannot be
  deleted. `approvalConfiguration.autoApproval` defaults to false.
- CreateRegistryRecord answers 202 with CREATING, then DRAFT. An MCP record's
  server definition must follow the MCP registry's server.json, its tools the
  MCP tools/list result; both are JSON, each within the model's length limit.
- SubmitRegistryRecordForApproval moves DRAFT to PENDING_APPROVAL, or straight
  to APPROVED when the registry auto-approves. UpdateRegistryRecordStatus
  approves (a PENDING_APPROVAL or REJECTED record), rejects (also an APPROVED
  one, which hides it) or deprecates (terminal, from any settled status).
- UpdateRegistryRecord (PATCH) makes a new DRAFT revision (UPDATING meanwhile);
  an APPROVED revision stays searchable until another one is approved.
- Search sees approved revisions only, never a draft (not even its owner's). A
  CUSTOM_JWT registry is searched with a bearer token, so a SigV4-signed search
  is refused (UnauthorizedException); the emulator does not verify tokens.
- Record names are unique in their registry: undocumented, the emulator's
  choice (as for target names in a gateway).

Not modelled: URL synchronization (refused), hence CREATE_FAILED and
UPDATE_FAILED, which only a failed synchronization produces; a deleted record
is gone at once (the model's record statuses have no DELETING).
"""

from __future__ import annotations

import copy
import json
import re
import string
import sys
from functools import lru_cache
from typing import Any, Callable, Iterator

import botocore.session
import jsonschema
import moto.bedrockagentcore as moto_data
import moto.bedrockagentcore.models as moto_data_models
import moto.bedrockagentcore.responses as moto_data_responses
import moto.bedrockagentcore.urls as moto_data_urls
import moto.bedrockagentcorecontrol.models as moto_control_models
from botocore.model import ServiceModel, Shape
from moto.bedrockagentcore.exceptions import BedrockAgentCoreClientError
from moto.bedrockagentcore.models import BedrockAgentCoreBackend
from moto.bedrockagentcore.responses import BedrockAgentCoreResponse
from moto.bedrockagentcorecontrol.exceptions import ConflictException, ResourceNotFoundException
from moto.core.base_backend import BackendDict
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.utilities.paginator import paginate
from moto.utilities.tagging_service import TaggingService
from moto.utilities.utils import get_partition

from reconciler.emulator.base import (
    GONE, Timed, ValidationException, begin_deletion, pagination, present, purge_gone, random_id, refuse_while_busy,
)
from reconciler.emulator.constraints import validation_message, violations
from reconciler.emulator.ranking import bm25
from reconciler.emulator.validation import ValidatedRequest

CONTROL = "bedrock-agentcore-control"
DATA = "bedrock-agentcore"
DATA_BACKENDS = "bedrockagentcore_backends"
ALPHANUMERIC = string.ascii_letters + string.digits
PAGINATION_MODEL = pagination(list_registries="registry_id", list_registry_records="record_id")
# UpdateRegistryRecordStatus: the statuses a curator sets, and the statuses each may follow.
CURATION = {
    "APPROVED": frozenset({"PENDING_APPROVAL", "REJECTED"}),
    "REJECTED": frozenset({"PENDING_APPROVAL", "APPROVED"}),
    "DEPRECATED": frozenset({"DRAFT", "PENDING_APPROVAL", "APPROVED", "REJECTED"}),
}
SEARCH_DEFAULT_RESULTS = 10  # the default the model documents for SearchRegistryRecords' maxResults
FILTER_FIELDS = frozenset({"name", "descriptorType", "version"})  # the filterable fields the model documents
TEXT_KEYS = frozenset({"name", "title", "description"})  # what search reads in a descriptor document
SCHEMA_KEYS = frozenset({"inputSchema", "outputSchema"})  # parameter texts are not what a tool is about

# The members of the MCP registry's server.json (schema 2025-09-29, ServerDetail) a record is checked against.
SERVER_JSON = {
    "type": "object",
    "required": ["name", "description", "version"],
    "properties": {
        "name": {"type": "string", "minLength": 3, "maxLength": 200, "pattern": "^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$"},
        "description": {"type": "string", "minLength": 1, "maxLength": 100},
        "version": {"type": "string", "maxLength": 255},
        "remotes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "url"],
                "properties": {"type": {"enum": ["streamable-http", "sse"]}, "url": {"type": "string", "minLength": 1}},
            },
        },
    },
}
# The MCP tools/list result: every Tool has a name and an object inputSchema.
MCP_TOOLS = {
    "type": "object",
    "required": ["tools"],
    "properties": {
        "tools": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "inputSchema"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "description": {"type": "string"},
                    "inputSchema": {"type": "object"},
                },
            },
        },
    },
}


class UnauthorizedException(BedrockAgentCoreClientError):
    code = "UnauthorizedException"


# --- the service models -------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def _input(service: str, operation: str) -> Shape:
    return _model(service).operation_model(operation).input_shape


def _new_id(shape_name: str) -> str:
    """A random id as long as the model's id shape says (RegistryId 12-16, RegistryRecordId 12)."""
    return random_id(ALPHANUMERIC, _model(CONTROL).shape_for(shape_name).metadata["min"])


def _last_segment(identifier: str) -> str:
    """An id from an id or an ARN (identifiers accept both)."""
    return identifier.rsplit("/", 1)[-1]


# --- request members and PATCH -----------------------------------------------------------------------

def _is_identity(member: Shape) -> bool:
    return member.serialization.get("location") == "uri" or bool(member.metadata.get("idempotencyToken"))


def _content(request: dict[str, Any], operation: str) -> dict[str, Any]:
    """What a Create request sets on the resource: its members less the path ids and the client token."""
    members = _input(CONTROL, operation).members
    return {name: value for name, value in request.items() if name in members and not _is_identity(members[name])}


def _is_wrapper(shape: Shape) -> bool:
    return shape.type_name == "structure" and list(shape.members) == ["optionalValue"]


def next_version(version: str | None) -> str:
    """The version after an update: its trailing number plus one (`1` for none, `v2.0` -> `v2.1`, `abc` -> `abc.1`).

    The model says only that the service increments it; how a free-text version is incremented is inferred.
    """
    match = re.fullmatch(r"(.*?)(\d+)", version or "")
    if match is None:
        return f"{version}.1" if version else "1"
    return f"{match.group(1)}{int(match.group(2)) + 1}"


def _patched(current: dict[str, Any], request: dict[str, Any], operation: str, create: str) -> dict[str, Any]:
    """An Update* PATCH applied to a resource's Create members.

    A member wrapped in `{optionalValue: ...}` replaces the current one, or clears it
    when the wrapper is empty; one left out stays; wrappers inside wrappers patch deeper.
    """
    shape = _input(CONTROL, operation)
    settable = _content(request, create)
    return _patch(current, {name: value for name, value in request.items() if name in settable}, shape)


def _patch(current: dict[str, Any], update: dict[str, Any], shape: Shape) -> dict[str, Any]:
    result = copy.deepcopy(current)
    for name, value in update.items():
        member = shape.members[name]
        if not _is_wrapper(member):
            result[name] = value
        elif "optionalValue" not in value:
            result.pop(name, None)
        else:
            inner = member.members["optionalValue"]
            nested = inner.type_name == "structure" and any(_is_wrapper(m) for m in inner.members.values())
            result[name] = _patch(result.get(name) or {}, value["optionalValue"], inner) if nested else value["optionalValue"]
    return result


# --- descriptor checks --------------------------------------------------------------------------------

def _descriptor_member(descriptor_type: str) -> str:
    """The `descriptors` member of a descriptor type (MCP -> mcp, AGENT_SKILLS -> agentSkills)."""
    return re.sub(r"_(\w)", lambda match: match.group(1).upper(), descriptor_type.lower())


def _check_record(content: dict[str, Any]) -> None:
    if content.get("synchronizationType") or content.get("synchronizationConfiguration"):
        raise ValidationException("The emulator does not model URL synchronization: give the descriptors inline")
    member = _descriptor_member(content["descriptorType"])
    descriptors = content.get("descriptors") or {}
    others = sorted(set(descriptors) - {member})
    if others:
        raise ValidationException(f"descriptors.{others[0]} does not match descriptorType {content['descriptorType']}: give descriptors.{member}")
    mcp = descriptors.get("mcp") or {}
    for part, schema in (("server", SERVER_JSON), ("tools", MCP_TOOLS)):
        inline = (mcp.get(part) or {}).get("inlineContent")
        if inline is not None:
            _check_json(inline, schema, f"descriptors.mcp.{part}.inlineContent")


def _check_json(text: str, schema: dict[str, Any], path: str) -> None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationException(f"{path} is not valid JSON: {error}") from None
    error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(document))
    if error is not None:
        where = "".join(f".{step}" for step in error.absolute_path)
        raise ValidationException(f"Schema validation failed: {path}{where}: {error.message}")


def _check_authorizer(content: dict[str, Any]) -> None:
    custom_jwt = content.get("authorizerType") == "CUSTOM_JWT"
    configured = bool(content.get("authorizerConfiguration"))
    if custom_jwt and not configured:
        raise ValidationException("authorizerConfiguration is required when authorizerType is CUSTOM_JWT")
    if configured and not custom_jwt:
        raise ValidationException("authorizerConfiguration is only valid with authorizerType CUSTOM_JWT")


# --- search helpers -----------------------------------------------------------------------------------

def _texts(node: Any) -> Iterator[str]:
    """Names, titles and descriptions anywhere in a revision, inline JSON documents included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "inlineContent" and isinstance(value, str):
                yield from _inline_texts(value)
            elif key in TEXT_KEYS and isinstance(value, str):
                yield value
            elif key not in SCHEMA_KEYS:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def _inline_texts(text: str) -> Iterator[str]:
    """A JSON document's texts; a document of another kind (a SKILL.md) is text as a whole."""
    try:
        yield from _texts(json.loads(text))
    except json.JSONDecodeError:
        yield text


def _predicate(expression: Any) -> Callable[[dict[str, Any]], bool]:
    """A metadata filter ($eq, $ne, $in on name, descriptorType, version; $and, $or) as a test of a revision."""
    if not isinstance(expression, dict):
        raise ValidationException("filters must be an object")
    tests = [_clause(key, operand) for key, operand in expression.items()]
    return lambda revision: all(test(revision) for test in tests)


def _clause(key: str, operand: Any) -> Callable[[dict[str, Any]], bool]:
    if key in ("$and", "$or"):
        if not isinstance(operand, list) or not operand:
            raise ValidationException(f"filters: {key} takes a non-empty list of expressions")
        parts = [_predicate(item) for item in operand]
        combine = all if key == "$and" else any
        return lambda revision: combine(part(revision) for part in parts)
    if key not in FILTER_FIELDS:
        raise ValidationException(f"filters: {key} is not a filterable field ({', '.join(sorted(FILTER_FIELDS))})")
    if not isinstance(operand, dict) or len(operand) != 1:
        raise ValidationException(f"filters: {key} takes one operator ($eq, $ne or $in)")
    (operator, value), = operand.items()
    if operator == "$eq":
        return lambda revision: revision.get(key) == value
    if operator == "$ne":
        return lambda revision: revision.get(key) != value
    if operator == "$in" and isinstance(value, list):
        return lambda revision: revision.get(key) in value
    raise ValidationException(f"filters: {operator} on {key} is not supported ($eq, $ne, $in with a list)")


# --- the resources ------------------------------------------------------------------------------------

class _Resource(Timed):
    """What registries and records share: their Create members, and a status that moves on by itself."""

    content: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.content["name"])


class RegistryRecord(_Resource):
    """One record; `published` is its approved revision, the only one search returns."""

    def __init__(self, registry: Registry, content: dict[str, Any]):
        self.registry = registry
        self.record_id = _new_id("RegistryRecordId")
        self.arn = f"{registry.arn}/record/{self.record_id}"
        self.content = content
        self.status_reason: str | None = None
        self.created_at = self.updated_at = utcnow()
        self.published: dict[str, Any] | None = None
        self.begin("CREATING", final="DRAFT")

    def describe(self) -> dict[str, Any]:
        return present({
            "registryArn": self.registry.arn, "recordArn": self.arn, "recordId": self.record_id, **self.content,
            "status": self.status, "statusReason": self.status_reason,
            "createdAt": self.created_at, "updatedAt": self.updated_at,
        })

    def edit(self, content: dict[str, Any]) -> None:
        """A new DRAFT revision; the approved one, if any, stays published meanwhile."""
        refuse_while_busy(self, f"Record {self.record_id}")
        if self.status == "DEPRECATED":
            raise ConflictException(f"Record {self.record_id} is DEPRECATED: a deprecated record cannot be edited")
        self.content, self.status_reason, self.updated_at = content, None, utcnow()
        self.begin("UPDATING", final="DRAFT")

    def submit(self, auto_approval: bool) -> None:
        refuse_while_busy(self, f"Record {self.record_id}")
        if self.status != "DRAFT":
            raise ConflictException(f"Record {self.record_id} is {self.status}: only a DRAFT record can be submitted for approval")
        self.status_reason, self.updated_at = None, utcnow()
        if auto_approval:
            self._publish()
        self.status = "APPROVED" if auto_approval else "PENDING_APPROVAL"

    def curate(self, status: str, reason: str) -> None:
        if status not in CURATION:
            raise ValidationException(f"status {status} cannot be set: a curator sets {', '.join(CURATION)}")
        refuse_while_busy(self, f"Record {self.record_id}")
        if self.status not in CURATION[status]:
            raise ConflictException(f"Record {self.record_id} is {self.status} and cannot become {status}")
        self.status_reason, self.updated_at = reason, utcnow()
        if status == "APPROVED":
            self._publish()
        else:
            self.published = None  # rejected and deprecated records leave search
        self.status = status

    def _publish(self) -> None:
        content = self.content
        self.published = present({
            "registryArn": self.registry.arn, "recordArn": self.arn, "recordId": self.record_id,
            "name": content["name"], "description": content.get("description"),
            "descriptorType": content["descriptorType"], "descriptors": copy.deepcopy(content.get("descriptors") or {}),
            "version": content.get("recordVersion"), "status": "APPROVED",
            "createdAt": self.created_at, "updatedAt": utcnow(),
        })


class Registry(_Resource):
    """A registry and its records."""

    def __init__(self, backend: AgentRegistryBackend, content: dict[str, Any]):
        self.registry_id = _new_id("RegistryId")
        self.arn = (
            f"arn:{get_partition(backend.region_name)}:bedrock-agentcore:{backend.region_name}:"
            f"{backend.account_id}:registry/{self.registry_id}"
        )
        self.content = {"approvalConfiguration": {"autoApproval": False}, **content}
        self.created_at = self.updated_at = utcnow()
        self.records: dict[str, RegistryRecord] = {}
        self.begin("CREATING")

    @property
    def auto_approval(self) -> bool:
        return bool((self.content.get("approvalConfiguration") or {}).get("autoApproval"))

    def describe(self) -> dict[str, Any]:
        return present({
            **self.content, "registryId": self.registry_id, "registryArn": self.arn, "status": self.status,
            "createdAt": self.created_at, "updatedAt": self.updated_at,
        })

    def record(self, identifier: str) -> RegistryRecord:
        record = self.records.get(_last_segment(identifier))
        if record is None:
            raise ResourceNotFoundException(f"Registry record {identifier} not found in registry {self.registry_id}")
        return record

    def check_record(self, content: dict[str, Any], replacing: RegistryRecord | None = None) -> None:
        _check_record(content)
        if any(r.name == content["name"] and r is not replacing for r in self.records.values()):
            raise ConflictException(f"A record named {content['name']} already exists in registry {self.registry_id}")

    def add(self, content: dict[str, Any]) -> RegistryRecord:
        if self.status not in ("READY", "UPDATING"):
            raise ConflictException(f"Registry {self.registry_id} is {self.status}")
        self.check_record(content)
        record = RegistryRecord(self, content)
        self.records[record.record_id] = record
        return record

    def search(self, query: str, limit: int, keep: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Approved revisions ranked by BM25 over names, descriptions, tool names and tool descriptions.

        The service searches semantically (or hybrid); the emulator approximates it lexically.
        """
        revisions = [r.published for r in self.records.values() if r.published is not None and keep(r.published)]
        scores = bm25(query, ["\n".join(_texts(revision)) for revision in revisions])
        ranked = sorted(zip(scores, revisions), key=lambda pair: (-pair[0], pair[1]["name"]))
        return [revision for score, revision in ranked if score > 0][:limit]


# --- control plane ------------------------------------------------------------------------------------

class AgentRegistryBackend:
    """Backend mixin: registries and their records (clientToken replay is idempotency.py's)."""

    region_name: str
    account_id: str
    tagger: TaggingService

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)  # type: ignore[call-arg]
        self.registries: dict[str, Registry] = {}

    def create_registry(self, request: dict[str, Any]) -> Registry:
        content = _content(request, "CreateRegistry")
        self._check_registry(content)
        registry = Registry(self, content)
        self.registries[registry.registry_id] = registry
        return registry

    def get_registry(self, identifier: str) -> Registry:
        registry = self._registries().get(_last_segment(identifier))
        if registry is None:
            raise ResourceNotFoundException(f"Registry {identifier} not found")
        return registry

    def update_registry(self, request: dict[str, Any]) -> Registry:
        registry = self.get_registry(request["registryId"])
        refuse_while_busy(registry, f"Registry {registry.registry_id}")
        content = _patched(registry.content, request, "UpdateRegistry", "CreateRegistry")
        self._check_registry(content, replacing=registry)
        registry.content, registry.updated_at = content, utcnow()
        registry.begin("UPDATING")
        return registry

    def delete_registry(self, identifier: str) -> Registry:
        registry = self.get_registry(identifier)
        if registry.records:
            raise ConflictException(f"Registry {registry.registry_id} still has {len(registry.records)} records: delete them first")
        begin_deletion(registry, f"Registry {registry.registry_id}")
        return registry

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_registries(self, status: str | None, authorizer_type: str | None) -> list[Registry]:
        return [
            r for r in self._registries().values()
            if status in (None, r.status) and authorizer_type in (None, r.content.get("authorizerType"))
        ]

    def create_registry_record(self, request: dict[str, Any]) -> RegistryRecord:
        return self.get_registry(request["registryId"]).add(_content(request, "CreateRegistryRecord"))

    def get_registry_record(self, registry_id: str, record_id: str) -> RegistryRecord:
        return self.get_registry(registry_id).record(record_id)

    def update_registry_record(self, request: dict[str, Any]) -> RegistryRecord:
        registry = self.get_registry(request["registryId"])
        record = registry.record(request["recordId"])
        current = record.content.get("recordVersion")
        given = request.pop("recordVersion", None)
        if given is not None and given != current:
            # The model: "for optimistic locking. If provided, it must match the current version of the record."
            raise ConflictException(f"recordVersion {given} does not match the record's current version {current}")
        content = _patched(record.content, request, "UpdateRegistryRecord", "CreateRegistryRecord")
        content["recordVersion"] = next_version(current)  # "The service automatically increments the version"
        registry.check_record(content, replacing=record)
        record.edit(content)
        return record

    def delete_registry_record(self, registry_id: str, record_id: str) -> RegistryRecord:
        """Gone at once: the model's record statuses have no DELETING."""
        registry = self.get_registry(registry_id)
        return registry.records.pop(registry.record(record_id).record_id)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_registry_records(self, registry_id: str, name: str | None, status: str | None,
                              descriptor_type: str | None) -> list[RegistryRecord]:
        return [
            r for r in self.get_registry(registry_id).records.values()
            if name in (None, r.name) and status in (None, r.status) and descriptor_type in (None, r.content["descriptorType"])
        ]

    def submit_registry_record_for_approval(self, registry_id: str, record_id: str) -> RegistryRecord:
        registry = self.get_registry(registry_id)
        record = registry.record(record_id)
        record.submit(auto_approval=registry.auto_approval)  # read now: a change only affects later submissions
        return record

    def update_registry_record_status(self, registry_id: str, record_id: str, status: str, reason: str) -> RegistryRecord:
        record = self.get_registry_record(registry_id, record_id)
        record.curate(status, reason)
        return record

    def list_tags_for_resource(self, resource_arn: str) -> dict[str, str]:
        self._registries()  # a registry whose deletion finished takes its tags along
        return super().list_tags_for_resource(resource_arn)  # type: ignore[misc, no-any-return]

    def _check_registry(self, content: dict[str, Any], replacing: Registry | None = None) -> None:
        _check_authorizer(content)
        if any(r.name == content["name"] and r is not replacing for r in self._registries().values()):
            raise ConflictException(f"A registry named {content['name']} already exists")

    def _registries(self) -> dict[str, Registry]:
        """The registries, less those whose deletion has finished (their tags go with them)."""
        for registry in [r for r in self.registries.values() if r.status == GONE]:
            self.tagger.delete_all_tags_for_resource(registry.arn)
        purge_gone(self.registries)  # type: ignore[arg-type]
        return self.registries


class AgentRegistryResponse(ValidatedRequest):
    """Response mixin: the HTTP handlers of the registry and record operations."""

    backend: Any

    def create_registry(self) -> ActionResult:
        return ActionResult(self.backend.create_registry(self._request()).describe())

    def get_registry(self) -> ActionResult:
        return self._described(self.backend.get_registry, "registryId")

    def update_registry(self) -> ActionResult:
        return ActionResult(self.backend.update_registry(self._request()).describe())

    def delete_registry(self) -> ActionResult:
        return self._described(self.backend.delete_registry, "registryId")

    def list_registries(self) -> ActionResult:
        return self._listed(self.backend.list_registries, "registries", "status", "authorizerType")

    def create_registry_record(self) -> ActionResult:
        return ActionResult(self.backend.create_registry_record(self._request()).describe())

    def get_registry_record(self) -> ActionResult:
        return self._described(self.backend.get_registry_record, "registryId", "recordId")

    def update_registry_record(self) -> ActionResult:
        return ActionResult(self.backend.update_registry_record(self._request()).describe())

    def delete_registry_record(self) -> ActionResult:
        return self._described(self.backend.delete_registry_record, "registryId", "recordId")

    def list_registry_records(self) -> ActionResult:
        return self._listed(self.backend.list_registry_records, "registryRecords", "registryId", "name", "status", "descriptorType")

    def submit_registry_record_for_approval(self) -> ActionResult:
        return self._described(self.backend.submit_registry_record_for_approval, "registryId", "recordId")

    def update_registry_record_status(self) -> ActionResult:
        return self._described(self.backend.update_registry_record_status, "registryId", "recordId", "status", "statusReason")


# --- data plane ---------------------------------------------------------------------------------------

class RegistrySearchBackend(BedrockAgentCoreBackend):
    """moto's bedrock-agentcore backend (memory events) plus SearchRegistryRecords over the control plane's registries."""

    @property
    def _url_module(self) -> Any:
        return sys.modules[__name__]  # moto would look for a `urls` module beside the class's module

    def search_registry_records(self, request: dict[str, Any], signed: bool) -> list[dict[str, Any]]:
        control = moto_control_models.bedrockagentcorecontrol_backends[self.account_id][self.region_name]
        registry = control.get_registry(request["registryIds"][0])
        if registry.content.get("authorizerType") == "CUSTOM_JWT" and signed:
            raise UnauthorizedException(f"Registry {registry.registry_id} authorizes searches with a bearer token (CUSTOM_JWT), not SigV4")
        keep = _predicate(request["filters"]) if request.get("filters") is not None else (lambda revision: True)
        return registry.search(request["searchQuery"], request.get("maxResults") or SEARCH_DEFAULT_RESULTS, keep)  # type: ignore[no-any-return]


class RegistrySearchResponse(BedrockAgentCoreResponse):
    @property
    def backend(self) -> RegistrySearchBackend:  # type: ignore[override]
        return getattr(moto_data_models, DATA_BACKENDS)[self.current_account][self.region]  # type: ignore[no-any-return]

    def search_registry_records(self) -> ActionResult:
        request = self._get_params()
        problems = violations(_input(DATA, "SearchRegistryRecords"), request)
        if problems:
            raise ValidationException(validation_message(problems))
        signed = self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256")
        return ActionResult({"registryRecords": self.backend.search_registry_records(request, signed)})


url_bases = moto_data_urls.url_bases
url_paths = {"{0}/.*$": RegistrySearchResponse.dispatch}

_search_backends: BackendDict | None = None


def install_search() -> BackendDict:
    """Serve SearchRegistryRecords on moto's bedrock-agentcore data plane (idempotent); returns its BackendDict.

    Both moto's in-process mock and its server find a service's backend by module
    attribute; the server also tells the two AgentCore planes apart by asking
    `moto.bedrockagentcore.responses.BedrockAgentCoreResponse` which operation a request is.
    """
    global _search_backends
    if _search_backends is None:
        original = getattr(moto_data_models, DATA_BACKENDS)
        _search_backends = BackendDict(
            RegistrySearchBackend, DATA, use_boto3_regions=False, additional_regions=original._additional_regions
        )
        for module in (moto_data, moto_data_models, moto_data_responses):
            setattr(module, DATA_BACKENDS, _search_backends)
        moto_data_responses.BedrockAgentCoreResponse = RegistrySearchResponse  # type: ignore[misc]
    return _search_backends
