"""The interface every resource kind implements, and what kinds share.

A kind knows its address prefix, the request shape it is declared in, how to
list, read and normalize live instances, which members force a replacement,
and how to create, update, delete and observe one. Adding a kind (gateway
rules, rate limits...) means one new file in this folder and a line in
`kinds/__init__.py`.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from botocore.model import Shape

from reconciler.aws import Api
from reconciler.aws_model import input_shape, output_shape, project, sensitive_paths, write_only_paths
from reconciler.config.loader import Path_
from reconciler.config.schema import IDENTITY_MEMBERS
from reconciler.desired import Desired, address
from reconciler.errors import AwsError

OWNER_TAG = "agentcore-reconciler:registry"
FINGERPRINT_TAG = "agentcore-reconciler:secret-fingerprint"
NOT_FOUND = "ResourceNotFoundException"


@dataclass
class Ref:
    """Enough to address a live resource in API calls."""

    kind: str
    name: str
    ident: str
    arn: str | None = None
    parent: str | None = None  # gateway name, for targets
    parent_ident: str | None = None  # gateway id, for targets

    @property
    def address(self) -> str:
        return address(self.kind, self.name, self.parent)


@dataclass
class Live:
    ref: Ref
    body: dict[str, Any]  # projected onto the request shape, comparable with Desired.body
    tags: dict[str, str] = field(default_factory=dict)
    status: str | None = None
    status_reasons: list[str] = field(default_factory=list)

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


class Kind(ABC):
    key: ClassVar[str]
    phase: ClassVar[int]  # creation order: lower first; deletion runs in reverse
    create_operation: ClassVar[str]
    read_operation: ClassVar[str]
    taggable: ClassVar[bool] = True
    replace_members: ClassVar[tuple[Path_, ...]] = ()
    defaults: ClassVar[dict[str, Any]] = {}  # members the service fills in when omitted
    output_renames: ClassVar[dict[str, str]] = {}  # request member -> its name in the read response
    ready_statuses: ClassVar[frozenset[str]] = frozenset({"READY"})
    failed_statuses: ClassVar[frozenset[str]] = frozenset()
    pending_statuses: ClassVar[frozenset[str]] = frozenset()  # waiting for a person (e.g. OAuth consent)

    # --- what the API model says -------------------------------------------------
    @cached_property
    def request_shape(self) -> Shape:
        return input_shape(self.create_operation)

    @cached_property
    def write_only(self) -> set[Path_]:
        """Members the read response never returns: compared by fingerprint, not value."""
        renames = self.output_renames
        paths = write_only_paths(self.request_shape, output_shape(self.read_operation), renames)
        return {p for p in paths if p[0] not in IDENTITY_MEMBERS}

    @cached_property
    def secret_members(self) -> set[Path_]:
        """Write-only members botocore marks sensitive: never shown."""
        return self.write_only & sensitive_paths(self.request_shape)

    # --- normalization -------------------------------------------------------------
    def normalize(self, raw: dict[str, Any]) -> dict[str, Any]:
        """A read response projected onto the request shape, less identity members."""
        renamed = {self._request_name(k): v for k, v in raw.items()}
        body = project(renamed, self.request_shape)
        return self.comparable({k: v for k, v in body.items() if k not in IDENTITY_MEMBERS})

    def _request_name(self, response_member: str) -> str:
        for request, response in self.output_renames.items():
            if response == response_member:
                return request
        return response_member

    def comparable(self, body: dict[str, Any]) -> dict[str, Any]:
        """Both sides of a diff pass through here: defaults filled, write-only and empty members dropped."""
        filled = copy.deepcopy({**self.defaults, **body})
        for path in self.write_only:
            _drop(filled, path)
        return prune(filled)

    def adjust_live(self, live: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
        """Hook: reconcile members the service may omit or rewrite, given what is desired."""
        return live

    def replacement_reasons(self, desired: dict[str, Any], live: dict[str, Any]) -> list[tuple[str, str]]:
        """(dotted member path, why) for each change the API cannot make in place."""
        return [(".".join(p), "cannot be changed in place") for p in self.replace_members if _get(desired, p) != _get(live, p)]

    def write_only_values(self, body: dict[str, Any]) -> dict[str, Any]:
        return {".".join(p): v for p in sorted(self.write_only) if (v := _get(body, p)) is not None}

    # --- API --------------------------------------------------------------------
    @abstractmethod
    def list(self, api: Api, parent: Ref | None = None) -> list[Ref]: ...

    @abstractmethod
    def describe(self, api: Api, ref: Ref) -> dict[str, Any]:
        """The raw read response; raises AwsError(code=ResourceNotFoundException) when gone."""

    @abstractmethod
    def create(self, api: Api, desired: Desired, body: dict[str, Any], tags: dict[str, str], parent: Ref | None) -> Ref: ...

    @abstractmethod
    def update(self, api: Api, ref: Ref, body: dict[str, Any]) -> None: ...

    @abstractmethod
    def delete(self, api: Api, ref: Ref) -> None: ...

    def read(self, api: Api, ref: Ref) -> Live:
        raw = self.describe(api, ref)
        tags = self.read_tags(api, ref) if self.taggable and ref.arn else {}
        return Live(
            ref=ref,
            body=self.normalize(raw),
            tags=tags,
            status=raw.get("status"),
            status_reasons=list(raw.get("statusReasons") or []),
        )

    def read_ownership(self, api: Api, ref: Ref) -> Live:
        """Only the tags (who owns it): enough for a resource the registry does not declare."""
        return Live(ref=ref, body={}, tags=self.read_tags(api, ref) if self.taggable and ref.arn else {})

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
        return Status(raw.get("status"), list(raw.get("statusReasons") or []))

    def read_tags(self, api: Api, ref: Ref) -> dict[str, str]:
        return dict(api.call("list_tags_for_resource", resourceArn=ref.arn).get("tags", {}))

    def set_tags(self, api: Api, ref: Ref, current: dict[str, str], wanted: dict[str, str]) -> None:
        stale = sorted(k for k in current if k not in wanted)
        changed = {k: v for k, v in wanted.items() if current.get(k) != v}
        if stale:
            api.call("untag_resource", resourceArn=ref.arn, tagKeys=stale)
        if changed:
            api.call("tag_resource", resourceArn=ref.arn, tags=changed)


def prune(value: Any) -> Any:
    """Drop None and empty strings, lists and maps: the service treats them as absent."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def _get(body: dict[str, Any], path: Path_) -> Any:
    node: Any = body
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _drop(body: dict[str, Any], path: Path_) -> None:
    node: Any = body
    for part in path[:-1]:
        if not isinstance(node, dict) or part not in node:
            return
        node = node[part]
    if isinstance(node, dict):
        node.pop(path[-1], None)
