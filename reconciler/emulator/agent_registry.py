"""AWS Agent Registry (GA) in the emulator: registries, records, their approval lifecycle, and discovery.

One backend serves both clients of the service, which share the SigV4 signing name `agent-registry`:
the control plane (`agent-registry-control`: registries, records, approval, tags) and the data plane
(`agent-registry`: SearchDiscoverableRegistryRecords, ListDiscoverableRegistryRecords,
BatchGetDiscoverableRegistryRecord). Its HTTP side and its registration with moto are registry_api.py's.
Shapes, enums, patterns and limits come from botocore's models at run time (registry_content.py); the
behaviour follows SERVICE-FACTS.md "AWS Agent Registry (GA ...)":

- Registries are asynchronous (202): CREATING -> READY, UPDATING -> READY, DELETING -> gone, and a
  deletion takes the registry's records with it. UpdateRegistry is a PATCH (Updated* wrappers: left out
  keeps, `{}` unsets, a value sets). Tags are accepted at create. `autoApprovalRules: [APPROVE_ALL]`
  approves a record when it is submitted; a change applies to later submissions.
- Records: CreateRegistryRecord answers 202 CREATING, then DRAFT. A record carries exactly the
  descriptor of its recordType; an MCP (or GATEWAY) record's `mcpServer.data` is a server.json valid
  for its dataSchemaVersion and `additionalData.tools.data` a tools/list result; invalid content is a
  ValidationException with reason FieldValidationFailed. UpdateRegistryRecord is a PATCH at every
  level, UPDATING then DRAFT: a DRAFT is edited in place, a PENDING_APPROVAL or REJECTED record becomes
  a new DRAFT, an APPROVED record gets a new DRAFT revision while the approved one stays discoverable;
  a DEPRECATED record cannot be edited. Submission makes a DRAFT PENDING_APPROVAL (APPROVED at once
  with APPROVE_ALL); a curator approves (PENDING_APPROVAL or REJECTED), rejects (PENDING_APPROVAL, or
  APPROVED, which hides it) or deprecates (from any settled status: terminal, never discoverable
  again, still in Get/List). DeleteRegistryRecord is immediate and frees the record's name.
- Discovery sees approved, non-deprecated revisions only: the approved revision, never a newer draft.
  A CUSTOM_JWT registry is searched with a bearer token, so a SigV4-signed discovery call is refused
  (UnauthorizedException); the emulator does not verify tokens. Search: registry_discovery.py.
- Auto-detection needs AWS Organizations, which the emulator does not model: a registry's
  autoDetection stays INACTIVE, and `detect_gateway()` adds the record detection would add (a GATEWAY
  record with createdByAutoDetection and provenance) for tests.
- Registry names are unique per account and Region, record names in their registry (deprecated
  records keep theirs): undocumented, the emulator's choice.

Not modelled: URL synchronization and skill artifacts (refused), hence CREATE_FAILED, UPDATE_FAILED and
the *_PENDING_AUTH statuses; publishers; the rule that a metadata schema may only grow.
"""

from __future__ import annotations

import copy
import string
from typing import Any, Iterator

from moto.core.base_backend import BaseBackend
from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource
from moto.core.utils import utcnow
from moto.utilities.utils import get_partition

from reconciler.emulator.base import GONE, Timed, begin_deletion, present, random_id
from reconciler.emulator.idempotency import IdempotentBackend
from reconciler.emulator.registry_content import (
    CONTROL, DATA, ConflictException, ResourceNotFoundException, UnauthorizedException, ValidationException,
    check_record, check_registry, compliance, content, input_of, model, output_members, patched,
)
from reconciler.emulator.registry_discovery import predicate

ARN_SERVICE = "agent-registry"
ALPHANUMERIC = string.ascii_letters + string.digits
DEFAULT_RECORD_VERSION = "1"  # recordVersion is optional; the service's default is undocumented (inferred)
DEFAULT_DISCOVERY = {"authorizerType": "AWS_IAM"}  # inferred: a registry without discoveryConfiguration is IAM-authorized
AUTO_DETECTION_INACTIVE = "AWS Organizations trusted access for AWS Agent Registry is not enabled"
# UpdateRegistryRecordStatus: the statuses a curator sets, and the statuses each may follow.
CURATION = {
    "APPROVED": frozenset({"PENDING_APPROVAL", "REJECTED"}),
    "REJECTED": frozenset({"PENDING_APPROVAL", "APPROVED"}),
    "DEPRECATED": frozenset({"DRAFT", "PENDING_APPROVAL", "APPROVED", "REJECTED"}),
}
Revision = dict[str, Any]


def _new_id(shape_name: str) -> str:
    """A random id as long as the model's id shape says (RegistryId 12-16, RegistryRecordId 12)."""
    return random_id(ALPHANUMERIC, model(CONTROL).shape_for(shape_name).metadata["min"])


def _last_segment(identifier: str) -> str:
    """An id from an id or an ARN (every identifier parameter takes both)."""
    return identifier.rsplit("/", 1)[-1]


def _only(values: dict[str, Any], shape_name: str, service: str = CONTROL) -> dict[str, Any]:
    members = model(service).shape_for(shape_name).members
    return {key: value for key, value in values.items() if key in members and value is not None}


def _matches(filters: list[dict[str, Any]] | None, read: dict[str, Any]) -> bool:
    """Typed List filters ({name, values: [one value]}), all of which must hold."""
    return all(read.get(f["name"]) in f["values"] for f in filters or [])


def _refuse_while_busy(resource: Timed, what: str) -> None:
    if resource.busy:
        raise ConflictException(f"{what} is {resource.status}; wait until the change completes")


class Record(Timed):
    """One record: its latest revision (Get, List) and its approved one (discovery)."""

    status_reason: str | None

    def __init__(self, registry: Registry, fields: dict[str, Any], tags: dict[str, str] | None, detected: bool = False):
        self.registry = registry
        self.record_id = _new_id("RegistryRecordId")
        self.arn = f"{registry.arn}/record/{self.record_id}"
        self.tags = dict(tags or {})
        self.created_by_auto_detection = detected
        self.created_at = utcnow()
        self.approved: Revision | None = None
        self._set({"recordVersion": DEFAULT_RECORD_VERSION, **fields})
        self.begin("CREATING", final="DRAFT")

    @property
    def name(self) -> str:
        return str(self.fields["name"])

    def _set(self, fields: dict[str, Any]) -> None:
        check_record(fields)
        self.fields, self.updated_at, self.status_reason = fields, utcnow(), None
        self.compliance = compliance(fields.get("customMetadata"), self.registry.metadata_schema(fields["recordType"]))

    def revision(self) -> Revision:
        """The latest revision, as GetRegistryRecord shows it."""
        return present({
            "registryArn": self.registry.arn, "recordArn": self.arn, "recordId": self.record_id, **copy.deepcopy(self.fields),
            "status": self.status, "statusReason": self.status_reason, "createdAt": self.created_at, "updatedAt": self.updated_at,
            "createdByAutoDetection": self.created_by_auto_detection, "createdBy": self.registry.account_id,
            "customMetadataSchemaComplianceStatus": self.compliance,
        })

    def describe(self, operation: str = "GetRegistryRecord") -> dict[str, Any]:
        """The latest revision as `operation` answers it (Get, Update, Submit, UpdateStatus)."""
        return {k: v for k, v in self.revision().items() if k in output_members(operation)}

    def summary(self) -> dict[str, Any]:
        revision = self.revision()
        provenance = [_only(p, "ProvenanceSummary") for p in revision.get("provenance") or []]
        return _only({**revision, "provenanceSummaryList": provenance or None}, "RegistryRecordSummary")

    def edit(self, fields: dict[str, Any]) -> None:
        """A new DRAFT revision (edited in place when it is one); the approved revision stays discoverable."""
        _refuse_while_busy(self, f"Record {self.record_id}")
        if self.status == "DEPRECATED":
            raise ConflictException(f"Record {self.record_id} is DEPRECATED: a deprecated record cannot be edited")
        self._set(fields)
        self.begin("UPDATING", final="DRAFT")

    def submit(self) -> None:
        _refuse_while_busy(self, f"Record {self.record_id}")
        if self.status != "DRAFT":
            raise ConflictException(f"Record {self.record_id} is {self.status}: only a DRAFT record can be submitted for approval")
        self.updated_at, self.status_reason = utcnow(), None
        if self.registry.auto_approves:  # read now: a change of the rules applies to later submissions
            self._approve()
        else:
            self.status = "PENDING_APPROVAL"

    def curate(self, status: str, reason: str) -> None:
        if status not in CURATION:
            raise ValidationException(f"status {status} cannot be set: a curator sets {', '.join(CURATION)}")
        _refuse_while_busy(self, f"Record {self.record_id}")
        if self.status not in CURATION[status]:
            raise ConflictException(f"Record {self.record_id} is {self.status} and cannot become {status}")
        self.status_reason, self.updated_at = reason, utcnow()
        if status == "APPROVED":
            self._approve()
            return
        if status == "DEPRECATED" or self.status == "APPROVED":
            self.approved = None  # deprecated, or the approved revision itself rejected: out of discovery
        self.status = status  # a rejected newer revision leaves the approved one discoverable

    def _approve(self) -> None:
        self.status = "APPROVED"
        self.approved = self.revision()


class Registry(Timed):
    """A registry and its records."""

    def __init__(self, backend: AgentRegistryBackend, configuration: dict[str, Any], tags: dict[str, str] | None):
        self.account_id = backend.account_id
        self.registry_id = _new_id("RegistryId")
        self.arn = f"arn:{get_partition(backend.region_name)}:{ARN_SERVICE}:{backend.region_name}:{backend.account_id}:registry/{self.registry_id}"
        discovery = {**DEFAULT_DISCOVERY, **(configuration.get("discoveryConfiguration") or {})}
        self.configuration = {**configuration, "discoveryConfiguration": discovery}
        self.tags = dict(tags or {})
        self.records: dict[str, Record] = {}
        self.created_at = self.updated_at = utcnow()
        self.begin("CREATING")

    @property
    def name(self) -> str:
        return str(self.configuration["name"])

    @property
    def authorizer_type(self) -> str:
        return str(self.configuration["discoveryConfiguration"].get("authorizerType"))

    @property
    def auto_approves(self) -> bool:
        return "APPROVE_ALL" in (self.configuration.get("approvalConfiguration") or {}).get("autoApprovalRules", [])

    def metadata_schema(self, record_type: str) -> str | None:
        schemas = self.configuration.get("customMetadataSchemaConfiguration") or {}
        override = next((o["schema"] for o in schemas.get("recordTypeSchemaOverrides") or [] if o["recordType"] == record_type), None)
        return override or schemas.get("defaultSchema")

    def view(self) -> dict[str, Any]:
        detection = self.configuration.get("autoDetectionConfiguration")
        return present({
            **self.configuration, "registryId": self.registry_id, "registryArn": self.arn, "status": self.status,
            "createdAt": self.created_at, "updatedAt": self.updated_at,
            "autoDetection": {"configuration": detection, "status": "INACTIVE", "statusReason": AUTO_DETECTION_INACTIVE}
            if detection else None,
        })

    def describe(self, operation: str = "GetRegistry") -> dict[str, Any]:
        return {k: v for k, v in self.view().items() if k in output_members(operation)}

    def summary(self) -> dict[str, Any]:
        return _only(self.view(), "RegistrySummary")

    def record(self, identifier: str) -> Record:
        record = self.records.get(_last_segment(identifier))
        if record is None:
            raise ResourceNotFoundException(f"Registry record {identifier} not found in registry {self.registry_id}")
        return record

    def refuse_taken_name(self, name: str, record: Record | None = None) -> None:
        if any(other.name == name and other is not record for other in self.records.values()):
            raise ConflictException(f"A record named {name} already exists in registry {self.registry_id}")

    def add(self, fields: dict[str, Any], tags: dict[str, str] | None, detected: bool = False) -> Record:
        if self.status not in ("READY", "UPDATING"):
            raise ConflictException(f"Registry {self.registry_id} is {self.status}")
        self.refuse_taken_name(fields["name"])
        record = Record(self, fields, tags, detected)
        self.records[record.record_id] = record
        return record


class AgentRegistryBackend(IdempotentBackend, BaseBackend, TaggableResourcesMixin):
    """Registries and records of one account and Region, for both the control plane and discovery."""

    SERVICE_NAMESPACE = ARN_SERVICE

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self._registries: dict[str, Registry] = {}

    @property
    def _url_module(self) -> Any:
        from reconciler.emulator import registry_api

        return registry_api  # moto would look for a `urls` module beside this one

    # --- registries ---------------------------------------------------------------------------------
    @property
    def registries(self) -> dict[str, Registry]:
        """The registries, less those whose deletion has finished (their records and tags go with them)."""
        for registry_id in [i for i, r in self._registries.items() if r.status == GONE]:
            del self._registries[registry_id]
        return self._registries

    def create_registry(self, request: dict[str, Any]) -> Registry:
        configuration = content("CreateRegistry", request)
        self._check_registry(configuration)
        registry = Registry(self, configuration, request.get("tags"))
        self._registries[registry.registry_id] = registry
        return registry

    def get_registry(self, identifier: str) -> Registry:
        registry = self.registries.get(_last_segment(identifier))
        if registry is None:
            raise ResourceNotFoundException(f"Registry {identifier} not found")
        return registry

    def update_registry(self, request: dict[str, Any]) -> Registry:
        registry = self.get_registry(request["registryId"])
        _refuse_while_busy(registry, f"Registry {registry.registry_id}")
        update = {k: v for k, v in request.items() if k != "registryId"}
        configuration = patched(registry.configuration, update, input_of(CONTROL, "UpdateRegistry"))
        self._check_registry(configuration, registry)
        registry.configuration, registry.updated_at = configuration, utcnow()
        registry.begin("UPDATING")
        return registry

    def delete_registry(self, identifier: str) -> Registry:
        registry = self.get_registry(identifier)
        begin_deletion(registry, f"Registry {registry.registry_id}")
        return registry

    def list_registries(self, filters: list[dict[str, Any]] | None) -> list[Registry]:
        return [r for r in self.registries.values()
                if _matches(filters, {"status": r.status, "discoveryConfiguration.authorizerType": r.authorizer_type})]

    def _check_registry(self, configuration: dict[str, Any], registry: Registry | None = None) -> None:
        check_registry(configuration)
        if any(other.name == configuration["name"] and other is not registry for other in self.registries.values()):
            raise ConflictException(f"A registry named {configuration['name']} already exists")

    # --- records ------------------------------------------------------------------------------------
    def create_registry_record(self, request: dict[str, Any]) -> Record:
        fields = content("CreateRegistryRecord", request)
        if fields.get("provenance"):
            raise ValidationException("provenance can only be set by the registry's auto-detection")
        return self.get_registry(request["registryId"]).add(fields, request.get("tags"))

    def get_registry_record(self, registry_id: str, record_id: str) -> Record:
        return self.get_registry(registry_id).record(record_id)

    def update_registry_record(self, request: dict[str, Any]) -> Record:
        registry = self.get_registry(request["registryId"])
        record = registry.record(request["recordId"])
        if request.get("provenance"):
            raise ValidationException("provenance can only be set by the registry's auto-detection")
        if request.get("triggerSynchronization"):
            raise ValidationException("The emulator does not model URL synchronization: there is no source to synchronize")
        shape = input_of(CONTROL, "UpdateRegistryRecord")
        settable = content("CreateRegistryRecord", request)
        fields = patched(record.fields, {k: v for k, v in request.items() if k in settable and k in shape.members}, shape)
        registry.refuse_taken_name(fields["name"], record)
        record.edit(fields)
        return record

    def delete_registry_record(self, registry_id: str, record_id: str) -> None:
        registry = self.get_registry(registry_id)
        del registry.records[registry.record(record_id).record_id]

    def list_registry_records(self, registry_id: str, filters: list[dict[str, Any]] | None) -> list[Record]:
        return [r for r in self.get_registry(registry_id).records.values()
                if _matches(filters, {"name": r.name, "status": r.status, "recordType": r.fields["recordType"]})]

    def submit_registry_record_for_approval(self, registry_id: str, record_id: str) -> Record:
        record = self.get_registry_record(registry_id, record_id)
        record.submit()
        return record

    def update_registry_record_status(self, registry_id: str, record_id: str, status: str, reason: str) -> Record:
        record = self.get_registry_record(registry_id, record_id)
        record.curate(status, reason)
        return record

    def detect_gateway(self, registry_id: str, gateway_arn: str, name: str, server_json: str,
                       tools: str | None = None) -> Record:
        """What auto-detection adds for an AgentCore gateway (it needs AWS Organizations, which the emulator lacks):
        a GATEWAY record with createdByAutoDetection and provenance, submitted under the registry's approval rules."""
        registry = self.get_registry(registry_id)
        server: dict[str, Any] = {"data": server_json}
        if tools is not None:
            server["additionalData"] = {"tools": {"data": tools}}
        fields = {"name": name, "recordType": "GATEWAY", "descriptors": {"mcpServer": server}, "provenance": [
            {"relation": "DETECTED_FROM", "sourceId": gateway_arn, "sourceType": "AWS::BedrockAgentCore::Gateway"}]}
        record = registry.add(fields, tags=None, detected=True)
        record.status = "DRAFT"  # detection writes it settled
        record.submit()
        return record

    # --- tags ---------------------------------------------------------------------------------------
    def _tagged(self, arn: str) -> Registry | Record:
        registry_arn, _, record_id = arn.partition("/record/")
        try:
            registry = self.get_registry(registry_arn)
            return registry.record(record_id) if record_id else registry
        except ResourceNotFoundException:
            raise ResourceNotFoundException(f"Resource {arn} not found") from None

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        self._tagged(arn).tags.update(tags)

    def untag_resource(self, arn: str, tag_keys: list[str]) -> None:
        resource = self._tagged(arn)
        for key in tag_keys:
            resource.tags.pop(key, None)

    def list_tags_for_resource(self, arn: str) -> dict[str, str]:
        return dict(self._tagged(arn).tags)

    def iter_tagged_resources(self) -> Iterator[TaggedResource]:
        """Registries and records for the Resource Groups Tagging API (`agent-registry:registry`, `agent-registry:record`)."""
        for registry in list(self.registries.values()):
            yield TaggedResource(registry.arn, dict(registry.tags), f"{ARN_SERVICE}:registry")
            for record in list(registry.records.values()):
                yield TaggedResource(record.arn, dict(record.tags), f"{ARN_SERVICE}:record")

    # --- discovery ----------------------------------------------------------------------------------
    def discoverable(self, registry_id: str, signed: bool) -> list[Revision]:
        """The approved revisions of a registry's records, for a caller signed with SigV4 or holding a bearer token."""
        registry = self.get_registry(registry_id)
        if registry.authorizer_type == "CUSTOM_JWT" and signed:
            raise UnauthorizedException(f"Registry {registry.registry_id} authorizes discovery with a bearer token (CUSTOM_JWT), not SigV4")
        return [copy.deepcopy(r.approved) for r in registry.records.values() if r.approved is not None]

    def search(self, request: dict[str, Any], signed: bool) -> list[Revision]:
        keep = predicate(request.get("filters"))
        return [revision for revision in self.discoverable(request["registryIds"][0], signed) if keep(revision)]

    def batch_get(self, registry_id: str, record_ids: list[str], signed: bool) -> tuple[list[Revision], list[dict[str, Any]]]:
        approved = {revision["recordId"]: revision for revision in self.discoverable(registry_id, signed)}
        found = [approved[_last_segment(i)] for i in record_ids if _last_segment(i) in approved]
        errors = [{"registryId": registry_id, "recordId": i, "errorCode": "RESOURCE_NOT_FOUND",
                   "message": f"No discoverable record {i}"} for i in record_ids if _last_segment(i) not in approved]
        return found, errors


def discovery_summary(revision: Revision) -> dict[str, Any]:
    """An approved revision as SearchDiscoverableRegistryRecords and BatchGet return it."""
    return _only(revision, "RegistryRecordSummary", DATA)


def discoverable_summary(revision: Revision) -> dict[str, Any]:
    """An approved revision as ListDiscoverableRegistryRecords returns it: no descriptors, their types instead."""
    return _only({**revision, "descriptorTypes": sorted(revision.get("descriptors") or {})}, "DiscoverableRegistryRecordSummary", DATA)
