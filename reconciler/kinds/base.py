"""The interface every resource kind implements, and what kinds share.

A kind declares what the rest of the code derives its behaviour from: its
address segment and parent kind, where it is declared in the registry files,
how it is identified, whether it carries tags or belongs to its parent, which
members a write cannot change (replacement), which are write-only or secret,
what it waits for, and which API operations read and write it. Most of that
comes from botocore's model (request shapes of its Create*/Update* operations,
the read response, path parameters); the kind names the operations and the
few facts the model does not carry. Adding a kind means one new module in
this folder and one line in `kinds/__init__.py`.
"""

from __future__ import annotations

import builtins
import copy
import re
import sys
from abc import ABC
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from botocore import xform_name
from botocore.model import Shape

from reconciler.aws import Api
from reconciler.aws_model import (
    SERVICE, arn_service, documented_defaults, http_method, input_shape, member_paths, output_shape, project_members,
    sensitive_paths, with_defaults, write_only_paths,
)
from reconciler.errors import AwsError
from reconciler.kinds.tokens import client_token
from reconciler.vocabulary import KeyPath

if TYPE_CHECKING:
    from reconciler.desired import Desired

OWNER_TAG = "agentcore-reconciler:registry"
MANAGES_TAG = "agentcore-reconciler:manages"  # on a parent: the opt-in child kinds the registry manages under it
FINGERPRINT_TAG = "agentcore-reconciler:secret-fingerprint"
NOT_FOUND = "ResourceNotFoundException"
SUPPLIED = frozenset({"name", "tags", "clientToken"})
GATEWAY_CONFIGURATION = "gateway-configuration"  # the write group of a gateway's rules and rate limits
# Lists the service returns in another order than sent (SERVICE-FACTS), or whose items are matched by content
# (a Lambda target's tools): compared as sets. Every other list keeps its order and is compared in order.
UNORDERED_LISTS = frozenset({"AllowedAudienceList", "AllowedClientsList", "AllowedScopesType", "GatewayInterceptionPoints",
                             "ToolDefinitions"})


class _Unknown:
    """A value known only after apply has written what it depends on."""

    def __repr__(self) -> str:
        return "(known after apply)"


UNKNOWN: Any = _Unknown()


class Context(Protocol):
    """What a kind's own checks may ask of the files."""

    def show(self, value: Any, path: KeyPath) -> str:
        """The value at `path` (below the declaration) for a message: masked when it came from `${env:}`."""

    def secrets_under(self, document_path: KeyPath) -> set[KeyPath]:
        """Paths, relative to a place in the document, of the values there that came from `${env:}`."""  # request members the reconciler fills in itself


@dataclass(frozen=True)
class Reference:
    """How a declaration names a resource of this registry instead of giving its ARN (`provider: NAME`).

    `shape` is the API structure that carries the ARN in `arn_member`; the registry writes `key: NAME` there.
    """

    shape: str
    key: str
    arn_member: str


@dataclass
class Derived:
    """A desired instance of a derived kind, made from `source` (a declared resource): where and what it is."""

    name: str
    parent_address: str
    body: dict[str, Any]
    source: Any  # the Desired it comes from (its place in the files is the derived one's)
    extras: dict[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()  # addresses it is made from: written first, and its body is known only after them


@dataclass(slots=True)  # one per live resource: no per-instance __dict__
class Ref:
    """Enough to address a live resource in API calls."""

    kind: str
    name: str
    ident: str
    address: str
    arn: str | None = None
    parent: Ref | None = None
    stamp: str | None = None  # the List summary's last-update time
    summary: dict[str, Any] | None = None  # the List item, when it carries the whole description

    @property
    def parent_ident(self) -> str | None:
        return self.parent.ident if self.parent else None


@dataclass(slots=True)
class Live:
    ref: Ref
    body: dict[str, Any]  # projected onto the declared shape, comparable with Desired.body
    tags: dict[str, str] = field(default_factory=dict)
    status: str | None = None
    status_reasons: list[str] = field(default_factory=list)
    off_limits_reason: str | None = None  # why this registry may never touch it, though its parent is managed
    outputs: dict[str, Any] = field(default_factory=dict)  # output-only members others need (a gateway's URL)

    @property
    def address(self) -> str:
        return self.ref.address

    @property
    def owner(self) -> str | None:
        return self.tags.get(OWNER_TAG)


@dataclass
class Status:
    status: str | None
    reasons: list[str] = field(default_factory=list)
    synchronized: bool = False  # an MCP-server target's tools were listed since its last write (lastSynchronizedAt)


class Kind(ABC):
    # --- identity and place in the registry --------------------------------------------
    key: ClassVar[str]  # address segment, e.g. "gateway"
    noun: ClassVar[str]  # for messages, e.g. "credential provider"
    order: ClassVar[int]  # creation order: lower first; deletions run in reverse
    parent: ClassVar[str | None] = None  # the kind this one belongs to (always a top-level kind)
    section: ClassVar[str]  # where it is declared: a top-level key, or a member of its parent's declaration
    variant: ClassVar[str | None] = None  # `section.NAME.<variant>` when several kinds share a section
    singleton: ClassVar[bool] = False  # one per parent, declared as the parent's member `section`
    derived: ClassVar[bool] = False  # never declared: `derive()` makes its instances from other declarations
    derived_from: ClassVar[str] = ""  # a derived kind: what in the files makes its instances (for the README)
    derived_name: ClassVar[str] = ""  # a derived kind: how its instances are named (for the README)
    # Managed under a parent only where the registry declares one (or did: the parent's MANAGES_TAG says so).
    # Elsewhere it is neither listed nor deleted: a rule the security team set by hand on a gateway whose files
    # declare no rules stays, and a plan spends no List call per gateway on a feature the registry does not use.
    opt_in: ClassVar[bool] = False
    # Declared members never sent (besides lifecycle), each with its JSON Schema: the registry files' schema takes
    # them from here, and the kind reads them back from `Desired.extras` (typed accessors beside the kind).
    reconciler_only: ClassVar[dict[str, dict[str, Any]]] = {}
    optional_members: ClassVar[frozenset[str]] = frozenset()  # required by the API, but the registry may supply them otherwise
    spec_schema: ClassVar[dict[str, Any] | None] = None  # a declaration that is not request-shaped (a policy document)
    body_prefix: ClassVar[KeyPath] = ()  # where the declaration sits in the request body (a resource policy's `policy`)
    retired_members: ClassVar[dict[KeyPath, str]] = {}  # members of a switched-off API version -> what to write instead

    # --- behaviour -----------------------------------------------------------------------
    tagged_child: ClassVar[bool] = False  # a child that carries the ownership tag itself: others write under its parent too
    after_sync: ClassVar[bool] = False  # written after the run's MCP targets were synchronized
    parent_write_limit: ClassVar[int | None] = None  # concurrent writes the service allows per parent
    write_group: ClassVar[str | None] = None  # kinds sharing that limit on one parent (one service-side lock)
    retry_conflicts: ClassVar[bool] = False  # any ConflictException on its writes is the lock: retried in the budget
    show_status: ClassVar[bool] = False  # its live status matters to reviewers: plans and drift list it
    destroy_setting: ClassVar[str | None] = None  # `safety:` key that lets apply delete/replace it without --force
    reference: ClassVar[Reference | None] = None
    replace_members: ClassVar[tuple[KeyPath, ...]] = ()  # beyond the derived ones: members the service refuses to change
    # The defaults the service fills in come from the model's docs (`defaults`); these amend them: a value where the
    # docs are silent, None where a documented default holds only in some configurations. Each says why.
    default_overrides: ClassVar[dict[KeyPath, Any]] = {}
    # Members the service fills in itself when a declaration leaves them out, with a value that is not fixed (an
    # endpoint's version: the runtime's latest at its creation): compared only where declared.
    computed: ClassVar[tuple[KeyPath, ...]] = ()
    output_renames: ClassVar[dict[str, str]] = {}  # request member -> its name in the read response
    kept_outputs: ClassVar[tuple[str, ...]] = ()  # output-only members kept on the live resource
    ready_statuses: ClassVar[frozenset[str]] = frozenset({"READY"})
    ready_reads: ClassVar[int] = 1  # ready reads in a row before a write counts as settled (2 where READY may flap)
    failed_statuses: ClassVar[frozenset[str]] = frozenset()
    pending_statuses: ClassVar[frozenset[str]] = frozenset()  # waiting for a person (e.g. OAuth consent)

    # --- API -----------------------------------------------------------------------------
    service: ClassVar[str] = SERVICE  # the botocore service whose operations these are
    create_operation: ClassVar[str]
    read_operation: ClassVar[str]
    update_operation: ClassVar[str]
    delete_operation: ClassVar[str]
    list_operation: ClassVar[str]
    response_key: ClassVar[str | None] = None  # the member wrapping the resource in Get/Create answers, if any
    list_is_full: ClassVar[bool] = False  # List items carry the whole description: no Get per item
    batch_operation: ClassVar[str | None] = None  # an upsert of several resources of one parent in one call
    after_write_operation: ClassVar[str | None] = None  # what `after_write` calls once a write settled
    name_member: ClassVar[str] = "name"
    id_member: ClassVar[str]  # the id in responses
    id_param: ClassVar[str]  # the id in Get/Update/Delete requests
    parent_param: ClassVar[str | None] = None  # the parent's id in requests
    arn_member: ClassVar[str | None] = None
    stamp_member: ClassVar[str | None] = "updatedAt"  # None: its List items carry no last-update time (no cache)

    @property
    def taggable(self) -> bool:
        """Carries the ownership tag: a top-level resource, or a child whose parent others share (a record)."""
        return self.parent is None or self.tagged_child

    @property
    def referenced(self) -> bool:
        """Others point at it by ARN (`provider: NAME`): it is removed only after they were updated."""
        return self.reference is not None

    def address(self, name: str, parent_address: str | None = None) -> str:
        own = self.key if self.singleton else f"{self.key}/{name}"
        return f"{parent_address}/{own}" if parent_address else own

    # --- what the API model says -----------------------------------------------------------
    @cached_property
    def create_shape(self) -> Shape:
        return input_shape(self.create_operation, self.service)

    @cached_property
    def update_shape(self) -> Shape:
        return input_shape(self.update_operation, self.service)

    @cached_property
    def list_key(self) -> str:
        """The List answer's member holding the items (the model's one list member)."""
        return next(n for n, s in output_shape(self.list_operation, self.service).members.items() if s.type_name == "list")

    @cached_property
    def read_shape(self) -> Shape:
        shape = output_shape(self.read_operation, self.service)
        return shape.members[self.response_key] if self.response_key else shape

    @cached_property
    def identity_members(self) -> frozenset[str]:
        """Members the reconciler supplies: name, tags, token and the ids in the request path."""
        path = {n for shape in (self.create_shape, self.update_shape) for n, m in shape.members.items()
                if m.serialization.get("location") == "uri"}
        return SUPPLIED | path | {self.name_member}

    @cached_property
    def declared_members(self) -> dict[str, Shape]:
        """What a declaration may hold: everything its writes can set (Create's shape wins where both have it)."""
        members = {**self.create_shape.members, **{n: s for n, s in self.update_shape.members.items() if n not in self.create_shape.members}}
        return {n: s for n, s in members.items() if n not in self.identity_members}

    @cached_property
    def update_only(self) -> frozenset[str]:
        """Members only an update can set (a create that needs them is followed by that update)."""
        return frozenset(n for n in self.update_shape.members if n not in self.create_shape.members) - self.identity_members

    @cached_property
    def create_only(self) -> frozenset[str]:
        """Members only a create can set: changing one needs a new resource."""
        return frozenset(n for n in self.create_shape.members if n not in self.update_shape.members) - self.identity_members

    @cached_property
    def write_only(self) -> set[KeyPath]:
        """Members the read response never returns: compared by fingerprint (secrets) or not at all."""
        return write_only_paths(self.declared_members, self.read_shape, self.output_renames)

    @cached_property
    def defaults(self) -> dict[KeyPath, Any]:
        """Member path -> what the service fills in when it is omitted (ITEM steps into every list item).

        Both sides of a diff get them, and creates and updates send them, so what is compared is what is written."""
        table = {**documented_defaults(self.declared_members), **self.default_overrides}
        return {path: value for path, value in table.items() if value is not None}

    @cached_property
    def update_is_patch(self) -> bool:
        """Whether the update keeps the members it is not given (HTTP PATCH) rather than resetting them."""
        return http_method(self.update_operation, self.service) == "PATCH"

    @cached_property
    def unordered_lists(self) -> frozenset[KeyPath]:
        """Paths (ITEM for list items) of the lists compared as sets (UNORDERED_LISTS)."""
        return frozenset(p for p, m in member_paths(self.declared_members) if m.type_name == "list" and m.name in UNORDERED_LISTS)

    @cached_property
    def secret_members(self) -> set[KeyPath]:
        """Write-only members botocore marks sensitive: never shown."""
        return self.write_only & sensitive_paths(self.declared_members)

    # --- normalization -------------------------------------------------------------------
    def normalize(self, raw: dict[str, Any]) -> dict[str, Any]:
        """A read response projected onto the declared shape: output-only and identity members drop out."""
        renamed = {self._request_name(k): v for k, v in raw.items()}
        return self.comparable(project_members(renamed, self.declared_members))

    def _request_name(self, response_member: str) -> str:
        for request, response in self.output_renames.items():
            if response == response_member:
                return request
        return response_member

    def comparable(self, body: dict[str, Any]) -> dict[str, Any]:
        """Both sides of a diff pass through here: defaults filled, write-only and empty members dropped."""
        filled = copy.deepcopy(with_defaults(project_members(body, self.declared_members), self.defaults))
        for path in self.write_only:
            _drop(filled, path)
        return prune(filled)

    def unasked(self, live: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
        """A comparable live body less the `computed` members the comparable declaration `wanted` leaves out."""
        dropped = [path for path in self.computed if _get(wanted, path) is None and _get(live, path) is not None]
        if not dropped:
            return live
        trimmed = copy.deepcopy(live)
        for path in dropped:
            _drop(trimmed, path)
        return prune(trimmed)

    def replacement_reasons(self, desired: dict[str, Any], live: dict[str, Any]) -> list[tuple[str, str]]:
        """(dotted member path, why) for each change the API cannot make in place."""
        paths = [(m,) for m in sorted(self.create_only)] + list(self.replace_members)
        reasons = [(".".join(map(str, p)), "cannot be changed in place") for p in paths if _get(desired, p) != _get(live, p)]
        return reasons + [(m, f"cannot be cleared in place ({self.update_operation} keeps a member it is not given "
                              "and refuses an empty one)") for m in sorted(self.unclearable) if m in live and m not in desired]

    @cached_property
    def clears(self) -> dict[str, Any]:
        """What a PATCH update sends for a declared member the declaration leaves out, so that it is cleared, not kept."""
        if not self.update_is_patch:
            return {}  # a PUT resets what it is not given
        return _clears(self.update_shape, self.declared_members)

    @cached_property
    def unclearable(self) -> frozenset[str]:
        """Members a PATCH update keeps when left out and cannot clear (no empty value allowed): a new resource clears them."""
        if not self.update_is_patch:
            return frozenset()
        defaulted = {p[0] for p in self.defaults if len(p) == 1}  # always sent
        return frozenset(m for m, shape in self.update_shape.members.items()
                         if m in self.declared_members and m not in self.update_shape.required_members
                         and m not in self.clears and m not in defaulted and not _optional_wrapper(shape))

    def body_from(self, spec: Any, children: frozenset[str]) -> dict[str, Any]:
        """The request-shaped body of a declaration: reconciler-only members and child sections left out.

        Its values are the loaded document's own (no copy: a registry of 10,000 targets would hold every
        declaration twice); nothing writes into a desired body's nested values."""
        skip = self.reconciler_only.keys() | children | {"lifecycle"}
        return {k: v for k, v in spec.items() if k not in skip}

    def resolve_and_check(self, desired: Desired, spec: Any, document: dict[str, Any], context: Context) -> list[tuple[KeyPath, str]]:
        """Hook: resolve what the declaration names elsewhere in the files into `desired` (a gateway's
        `authorizer: NAME`) and check the kind's own rules beyond the schema, as (path below the declaration, message).

        Messages show declared values only through `context.show`: it masks `${env:}` ones.
        """
        return []

    @cached_property
    def name_shape(self) -> Shape:
        return self.create_shape.members[self.name_member]

    def plan_problems(self, body: dict[str, Any], live: Live | None) -> list[str]:
        """Hook: why a planned write of `body` would fail against this live resource (None: it is created by the
        plan), when that can be known before apply; each says what to do."""
        return []

    def name_problem(self, name: str) -> str | None:
        """Names are map keys; an integer name (a rule's priority) must be within the model's range."""
        if self.singleton or self.name_shape.type_name not in ("integer", "long"):
            return None
        low, high = self.name_shape.metadata.get("min", 0), self.name_shape.metadata.get("max")
        if not name.isdigit() or int(name) < low or (high is not None and int(name) > high):
            return f"'{name}' is not a valid {self.name_member}: an integer from {low} to {high}"
        return None

    def derive(self, resources: dict[str, Desired], document: dict[str, Any]) -> list[Derived]:
        """Hook of a derived kind: its desired instances, made from the other declarations."""
        return []

    def unknown_until_applied(self, body: dict[str, Any]) -> dict[str, Any]:
        """Hook of a derived kind: its body when what it is derived from changes in the same run."""
        return body

    def name_value(self, name: str) -> Any:
        """The name as the API wants it (a rule's priority is an integer)."""
        return int(name) if self.name_shape.type_name in ("integer", "long") else name

    # --- reading ------------------------------------------------------------------------
    def list(self, api: Api, parent: Ref | None = None) -> list[Ref]:
        items = api.on(self.service).list_all(xform_name(self.list_operation), self.list_key, **self._parent_args(parent))
        return [self.ref_from(item, parent) for item in items]

    def ref_from(self, item: dict[str, Any], parent: Ref | None, name: str | None = None) -> Ref:
        name = name if name is not None else str(item[self.name_member])
        arn = item.get(self.arn_member) if self.arn_member else None
        ident = item.get(self.id_member) or (arn or "").rsplit("/", 1)[-1]  # some creates answer with the ARN only
        return Ref(self.key, name, ident, self.address(name, parent.address if parent else None), arn, parent,
                   _stamp(item.get(self.stamp_member) if self.stamp_member else None), item if self.list_is_full else None)

    def describe(self, api: Api, ref: Ref) -> dict[str, Any]:
        """The raw read response; raises AwsError(code=ResourceNotFoundException) when gone."""
        raw = self._unwrap(self.call(api, self.read_operation, **self._key(ref)))
        if self.arn_member:
            ref.arn = raw.get(self.arn_member, ref.arn)
        return raw

    def read(self, api: Api, ref: Ref, tags: dict[str, str] | None = None) -> Live:
        """The resource in full; `tags` when the caller knows them already (else they are read)."""
        raw = ref.summary if ref.summary is not None else self.describe(api, ref)
        if tags is None:
            tags = self.read_tags(api, ref) if self.taggable and ref.arn else {}
        outputs = {k: raw[k] for k in self.kept_outputs if k in raw}
        return Live(ref, self.normalize(raw), tags, raw.get("status"), _reasons(raw), self.off_limits_reason(raw), outputs)

    def off_limits_reason(self, raw: dict[str, Any]) -> str | None:
        """Hook: why a listed resource is not this registry's to touch even under a managed parent."""
        return None

    def read_ownership(self, api: Api, ref: Ref) -> Live:
        """Only the tags (who owns it): enough for a resource the registry does not declare."""
        return Live(ref=ref, body={}, tags=self.read_tags(api, ref) if self.taggable and ref.arn else {})

    @cached_property
    def has_status(self) -> bool:
        """Whether its reads show a status (a write then takes a while to settle)."""
        return "status" in self.read_shape.members

    @cached_property
    def arn_resource_pattern(self) -> re.Pattern[str] | None:
        """What the resource part of this kind's ARNs looks like (after `arn:partition:service:region:account:`),
        from the model's pattern for the ARN member; None where the model gives none."""
        member = self.read_shape.members.get(self.arn_member) if self.arn_member else None
        pattern = member.metadata.get("pattern") if member is not None else None
        parts = _arn_fields(pattern) if pattern else []
        return re.compile(parts[5]) if len(parts) == 6 else None

    @cached_property
    def arn_service(self) -> str:
        """The service part of this kind's ARNs (what the ownership index asks GetResources for)."""
        return arn_service(self.service)

    def owns_arn(self, arn: str) -> bool:
        """Whether `arn` names a resource of this kind."""
        parts = arn.split(":", 5)
        return self.arn_resource_pattern is not None and len(parts) == 6 and bool(self.arn_resource_pattern.fullmatch(parts[5]))

    def sibling_arn(self, sibling: str, ref: Ref) -> str | None:
        """Hook: `ref`'s ARN built from another resource's ARN of this kind, when listing does not return ARNs."""
        return None

    def status(self, api: Api, ref: Ref) -> Status | None:
        """The current status, or None once the resource is gone."""
        try:
            raw = self.describe(api, ref)
        except AwsError as error:
            if error.code == NOT_FOUND:
                return None
            raise
        return self.status_of(raw)

    def status_of(self, raw: dict[str, Any]) -> Status:
        """The status a read answer shows."""
        return Status(raw.get("status"), _reasons(raw))

    def read_tags(self, api: Api, ref: Ref) -> dict[str, str]:
        return dict(self.call(api, "ListTagsForResource", resourceArn=ref.arn).get("tags", {}))

    # --- writing ------------------------------------------------------------------------
    def create(self, api: Api, desired: Desired, body: dict[str, Any], tags: dict[str, str], parent: Ref | None) -> Ref:
        request = {**self._parent_args(parent), self.name_member: self.name_value(desired.name), **self.create_request(body)}
        if self.taggable and "tags" in self.create_shape.members:
            request["tags"] = tags
        if "clientToken" in self.create_shape.members:
            # The same token on every retry of this call: a create whose answer was lost is not made twice.
            request["clientToken"] = client_token(request, api.run_id)
        answer = self._unwrap(self.call(api, self.create_operation, **request))
        ref = self.ref_from(answer, parent, desired.name)
        if self.taggable and "tags" not in self.create_shape.members:
            self.set_tags(api, ref, {}, tags)  # a create without tags (CreateRegistry): tagged right after
        return ref

    def _unwrap(self, answer: dict[str, Any]) -> dict[str, Any]:
        return answer[self.response_key] if self.response_key else answer

    def put_batch(self, api: Api, parent: Ref | None, items: builtins.list[tuple[Desired, dict[str, Any]]]) -> builtins.list[Ref]:
        """Create or update several resources of one parent in one `batch_operation` call (items under `list_key`)."""
        assert self.batch_operation is not None
        item_shape = input_shape(self.batch_operation, self.service).members[self.list_key].member
        # An upsert keeps what an existing resource's item leaves out (as a PATCH would): clear it explicitly.
        clears = _clears(item_shape, self.declared_members)
        entries = [{self.name_member: self.name_value(d.name), **clears, **self.create_request(body)} for d, body in items]
        request: dict[str, Any] = {**self._parent_args(parent), self.list_key: entries}
        if "clientToken" in input_shape(self.batch_operation, self.service).members:
            request["clientToken"] = client_token(request, api.run_id)
        answer = self.call(api, self.batch_operation, **request)
        return [self.ref_from(item, parent) for item in answer.get(self.list_key, [])]

    def create_request(self, body: dict[str, Any]) -> dict[str, Any]:
        """The declared body with the defaults it is compared with sent explicitly."""
        return {k: v for k, v in with_defaults(body, self.defaults).items() if k not in self.update_only}

    def update(self, api: Api, ref: Ref, body: dict[str, Any]) -> None:
        self.call(api, self.update_operation, **{**self._key(ref), **self.update_request(ref, body)})

    def update_request(self, ref: Ref, body: dict[str, Any]) -> dict[str, Any]:
        """The whole declared body with its defaults, in the update's own member shapes; a PATCH also clears what
        the declaration leaves out."""
        body = with_defaults(body, self.defaults)
        request = {k: _as_update(v, self.update_shape.members[k]) for k, v in body.items() if k in self.update_shape.members}
        for member, shape in self.update_shape.members.items():
            if member not in body and member in self.declared_members and _optional_wrapper(shape):
                request[member] = {}  # an explicit "no value": left out, the member would be kept
        request.update({k: v for k, v in self.clears.items() if k not in request})
        if self.name_member in self.update_shape.members:
            request[self.name_member] = self.name_value(ref.name)
        return request

    def after_write(self, api: Api, ref: Ref) -> bool:
        """Hook: a step the service needs once a create or update settled (a record's submission for approval);
        True when the resource must be waited on again."""
        return False

    def delete(self, api: Api, ref: Ref) -> None:
        self.call(api, self.delete_operation, **self._key(ref))

    def set_tags(self, api: Api, ref: Ref, current: dict[str, str], wanted: dict[str, str]) -> None:
        stale = sorted(k for k in current if k not in wanted)
        changed = {k: v for k, v in wanted.items() if current.get(k) != v}
        if stale:
            self.call(api, "UntagResource", resourceArn=ref.arn, tagKeys=stale)
        if changed:
            self.call(api, "TagResource", resourceArn=ref.arn, tags=changed)

    def call(self, api: Api, operation: str, **params: Any) -> dict[str, Any]:
        """`operation` (the model's name) on this kind's service."""
        return api.on(self.service).call(xform_name(operation), **params)

    def _parent_args(self, parent: Ref | None) -> dict[str, str]:
        return {self.parent_param: parent.ident} if self.parent_param and parent else {}

    def _key(self, ref: Ref) -> dict[str, str]:
        return {**self._parent_args(ref.parent), self.id_param: ref.ident}


def _reasons(raw: dict[str, Any]) -> list[str]:
    """`statusReasons`, or the single `statusReason` or `failureReason` (OAuth2 providers) some kinds give."""
    single = raw.get("statusReason") or raw.get("failureReason")
    return list(raw.get("statusReasons") or ([single] if single else []))


def _clears(shape: Shape, declared: dict[str, Shape]) -> dict[str, Any]:
    """For each optional declared member of `shape` that takes an empty value (no minimum length): that value."""
    empty = {"string": "", "list": [], "map": {}}
    return {m: empty[s.type_name] for m, s in shape.members.items() if m in declared and m not in shape.required_members
            and s.type_name in empty and not s.metadata.get("min") and not getattr(s, "enum", None)}


def _optional_wrapper(shape: Shape) -> bool:
    """Update members such as `description: {optionalValue: ...}` that distinguish "clear" from "keep"."""
    return shape.type_name == "structure" and list(shape.members) == ["optionalValue"]


def _as_update(value: Any, shape: Shape) -> Any:
    """A declared value in the update's shape, which may wrap members at any depth in `{optionalValue: ...}`."""
    if _optional_wrapper(shape):
        return {"optionalValue": _as_update(value, shape.members["optionalValue"])}
    if shape.type_name == "structure" and isinstance(value, dict) and not shape.metadata.get("document"):
        # A member the update cannot take (an agent registry's authorizerType) is left out: a replacement changes it.
        return {k: _as_update(v, shape.members[k]) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_as_update(v, shape.member) for v in value]
    return value


def _stamp(value: Any) -> str | None:
    return None if value is None else str(value)


def prune(value: Any) -> Any:
    """Drop None and empty strings, lists and maps: the service treats them as absent."""
    if isinstance(value, dict):
        pruned = {sys.intern(k): prune(v) for k, v in value.items()}  # member names: one string for all resources
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def _get(body: dict[str, Any], path: KeyPath) -> Any:
    node: Any = body
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _drop(body: dict[str, Any], path: KeyPath) -> None:
    node: Any = body
    for part in path[:-1]:
        if not isinstance(node, dict) or part not in node:
            return
        node = node[part]
    if isinstance(node, dict):
        node.pop(path[-1], None)


def _arn_fields(pattern: str) -> list[str]:
    """An ARN pattern split at its field colons, not at those inside a class or a group (`aws(-[^:]+)?`)."""
    fields: list[str] = []
    depth, start, escaped = 0, 0, False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == ":" and depth == 0 and len(fields) < 5:
            fields.append(pattern[start:index])
            start = index + 1
    return [*fields, pattern[start:]]
