"""`reconcile import`: registry YAML for resources that exist already (made by hand, or by another tool).

The live configuration is projected onto the request shapes (output-only
members gone), service-filled defaults are left out, provider ARNs become
`provider:` references where the provider is imported too, and members the
service never returns (secrets; an unechoed required member such as an OAuth2
clientId) become `${env:VAR}` placeholders to fill in before applying.
Children come along with their parent (a gateway's targets, rules, rate
limits and resource policy; a policy engine's policies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from botocore.model import Shape

from reconciler.aws import UNAVAILABLE, Api
from reconciler.aws_model import structures, without_defaults
from reconciler.errors import AwsError, ReconcilerError
from reconciler.kinds import KINDS, children_of, references, roots
from reconciler.kinds.base import Kind, Live, Ref


@dataclass
class Imported:
    document: dict[str, Any]
    placeholders: list[str] = field(default_factory=list)  # environment variables the YAML now needs
    warnings: list[str] = field(default_factory=list)  # kinds that could not be listed

    def yaml(self) -> str:
        header = "# Written by `reconcile import`. Set these environment variables before applying: "
        header += ", ".join(self.placeholders) if self.placeholders else "(none)"
        header += "\n# Then `reconcile apply --adopt` tags the resources for this registry.\n"
        return header + yaml.safe_dump(self.document, sort_keys=False, default_flow_style=False)


@dataclass(frozen=True)
class Wanted:
    """A name asked for on the command line and the kinds it may be (a credential provider: either vendor kind)."""

    kinds: tuple[str, ...]
    name: str
    noun: str


class Importer:
    def __init__(self, api: Api, registry: str, deploy_to: list[str] | None = None):
        self.api = api
        self.registry = registry
        self.deploy_to = deploy_to or []  # for a registry with deployments: the file joins it, its entries say where
        self.placeholders: list[str] = []
        self.warnings: list[str] = []

    def run(self, wanted: list[Wanted]) -> Imported:
        kinds = [k for k in roots() if k.key in {key for item in wanted for key in item.kinds}] if wanted else roots()
        listed = {ref.address: ref for kind in kinds for ref in self._listed(kind, asked=bool(wanted))}
        chosen = self._choose(listed, wanted)
        lives = self._importable([KINDS[ref.kind].read(self.api, ref) for ref in chosen], named=bool(wanted))
        arns = {live.ref.arn: live.ref for live in lives if live.ref.arn and KINDS[live.ref.kind].reference}
        document: dict[str, Any] = {} if self.deploy_to else {"registry": self.registry, "region": self.api.region}
        for live in lives:
            kind = KINDS[live.ref.kind]
            entry = self._declaration(live, arns)
            entry = {kind.variant: entry} if kind.variant else entry
            document.setdefault(kind.section, {})[live.ref.name] = {**entry, "deployTo": self.deploy_to} if self.deploy_to else entry
        return Imported(document, sorted(set(self.placeholders)), self.warnings)

    def _listed(self, kind: Kind, asked: bool) -> list[Ref]:
        """A kind nobody asked for may be unavailable to these credentials or in this region: skipped, with a warning."""
        try:
            return kind.list(self.api)
        except AwsError as error:
            if asked or error.code not in UNAVAILABLE:
                raise
            self.warnings.append(f"{kind.noun}s not listed ({error})")
            return []

    def _importable(self, lives: list[Live], named: bool) -> list[Live]:
        """What the service made itself (a gateway's workload identity) is never imported: refused when named, else
        left out with what no registry owns."""
        made = [live for live in lives if live.off_limits_reason is not None]
        if named and made:
            raise ReconcilerError("; ".join(f"{live.address} {live.off_limits_reason}: it is never a registry's to import" for live in made))
        return [live for live in lives if live.off_limits_reason is None and (named or live.owner is None)]

    def _choose(self, listed: dict[str, Ref], wanted: list[Wanted]) -> list[Ref]:
        """The named resources; with no names, all of them (`run` then keeps those no registry owns)."""
        if not wanted:
            return list(listed.values())
        chosen, missing = [], []
        for item in wanted:
            refs = [r for kind in item.kinds if (r := listed.get(KINDS[kind].address(item.name)))]
            chosen.extend(refs)
            if not refs:
                missing.append(f"{item.noun} '{item.name}'")
        if missing:
            raise ReconcilerError(f"not found in {self.api.region}: {', '.join(missing)}")
        return chosen

    def _declaration(self, live: Live, arns: dict[str, Ref]) -> Any:
        """The live resource as registry YAML, with its children (those the service manages left out)."""
        kind = KINDS[live.ref.kind]
        body = self._body(live, arns)
        for child_kind in children_of(kind.key, declared_only=True):
            children = {ref.name: self._declaration(child, arns) for ref in child_kind.list(self.api, live.ref)
                        if (child := child_kind.read(self.api, ref)).off_limits_reason is None}
            if children:
                body[child_kind.section] = next(iter(children.values())) if child_kind.singleton else children
        return _get(body, kind.body_prefix)

    def _body(self, live: Live, arns: dict[str, Ref]) -> dict[str, Any]:
        kind = KINDS[live.ref.kind]
        body = without_defaults(live.body, kind.defaults)
        self._placeholders(body, kind, live.ref.name)
        by_shape = references()
        for shape, block, _ in structures(body, kind.declared_members):
            referenced = by_shape.get(shape.name)
            reference = referenced.reference if referenced else None
            if referenced and reference and (ref := arns.get(block.get(reference.arn_member, ""))) is not None and ref.kind == referenced.key:
                del block[reference.arn_member]
                block[reference.key] = ref.name
        return body

    def _placeholders(self, body: dict[str, Any], kind: Kind, name: str) -> None:
        """Fill secrets and unreturned required members, in every structure present in `body`."""
        required = [m for m in kind.create_shape.required_members if m in kind.declared_members]
        self._fill(body, required, kind.declared_members, kind.secret_members, name, ())
        for shape, block, path in structures(body, kind.declared_members):
            self._fill(block, list(shape.required_members), dict(shape.members), kind.secret_members, name, path)

    def _fill(self, block: dict[str, Any], required: list[str], members: dict[str, Shape], secrets: set[tuple[Any, ...]],
              name: str, path: tuple[Any, ...]) -> None:
        wanted = [m for m in required if m not in block] + [p[-1] for p in secrets if p[:-1] == path and p[-1] not in block]
        for member in wanted:
            if members[member].type_name == "string":
                variable = env_name(name, member)
                block[member] = f"${{env:{variable}}}"
                self.placeholders.append(variable)


def _get(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    for part in path:
        body = body[part]
    return body


def env_name(resource: str, member: str) -> str:
    """e.g. ('orders-m2m', 'clientSecret') -> ORDERS_M2M_CLIENT_SECRET."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", member)
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{resource}_{words}").upper().strip("_")


def wanted_resource(address: str) -> Wanted:
    """A top-level resource named as `KIND/NAME` (`import --resource workload-identity/agent-one`): any kind, as
    registered, without an option of its own."""
    key, _, name = address.partition("/")
    kind = KINDS.get(key)
    if kind is None or kind.parent is not None or not name:
        raise ReconcilerError(f"--resource {address}: give KIND/NAME, KIND one of {', '.join(k.key for k in roots())}")
    return Wanted((key,), name, kind.noun)


def import_registry(api: Api, registry: str, wanted: list[Wanted], deploy_to: list[str] | None = None) -> Imported:
    return Importer(api, registry, deploy_to).run(wanted)
