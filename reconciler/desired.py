"""The desired state: a validated document turned into resources with addresses and request bodies.

`build()` walks the document as the kinds declare it (sections, variants,
children, singletons), applies the reconciler's own rules (references
resolve, each kind's own checks, the ownership marker) on top of the schema
check and returns a `DesiredState`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Iterator

from reconciler.aws_model import structures
from reconciler.config.loader import Document, KeyPath, SourceMap
from reconciler.config.validate import ProblemCollector, schema_problems, shown
from reconciler.errors import ConfigError, Location, ReconcilerError
from reconciler.kinds import GATEWAY, KINDS, TARGET, children_of, references, roots
from reconciler.kinds.base import Derived, Kind
from reconciler.kinds.target import mcp_server
from reconciler.quotas import READS_PER_SECOND, TOOLS_PER_TARGET, WRITES_PER_SECOND

@dataclass(frozen=True)
class ArnRef:
    """Another declared resource's ARN, known only once that resource exists."""

    kind: str
    name: str

    @property
    def address(self) -> str:
        return KINDS[self.kind].address(self.name)


NO_SECRETS: frozenset[KeyPath] = frozenset()


@dataclass(slots=True)  # one per declared resource: no per-instance __dict__
class Desired:
    kind: str
    name: str
    body: dict[str, Any]
    address: str
    path: KeyPath = ()  # where the declaration is in the merged document
    location: Location | None = None
    parent_address: str | None = None
    secret_paths: frozenset[KeyPath] = NO_SECRETS  # body paths whose values came from ${env:}
    lifecycle: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)  # the kind's reconciler-only members, read by its accessors
    depends_on: tuple[str, ...] = ()  # a derived resource: the addresses it is made from (see kinds.base.Derived)

    @property
    def parent(self) -> str | None:
        """The parent's name (parents are top-level kinds: `kind/NAME`)."""
        return self.parent_address.split("/", 1)[1] if self.parent_address else None

    def references(self) -> list[ArnRef]:
        return list(_find_refs(self.body))


@dataclass
class DesiredState:
    name: str
    region: str | None
    tags: dict[str, str]
    resources: dict[str, Desired]
    files: list[str]
    tools_per_target: int = TOOLS_PER_TARGET
    reads_per_second: float = READS_PER_SECOND
    writes_per_second: float = WRITES_PER_SECOND
    safety: dict[str, Any] = field(default_factory=dict)  # registry-wide `safety:` (see safety.py)
    lock: dict[str, Any] = field(default_factory=dict)
    shown_name: str = ""  # the name as messages show it (masked when it came from `${env:}`)
    whole: dict[str, Desired] | None = None  # under a scope (--target...): every declared resource, for parents' tags

    def of_kind(self, kind: str) -> list[Desired]:
        return self._by_kind.get(kind, [])

    def children(self, parent_address: str) -> list[Desired]:
        """Every declared child, also those a scope left out: a parent's tags remember them all."""
        return self._by_parent.get(parent_address, [])

    @cached_property
    def _by_kind(self) -> dict[str, list[Desired]]:
        return _index(self.resources.values(), lambda d: d.kind)

    @cached_property
    def _by_parent(self) -> dict[str | None, list[Desired]]:
        return _index((self.whole or self.resources).values(), lambda d: d.parent_address)

    def mcp_server_targets(self, gateways: tuple[str, ...] = (), names: tuple[str, ...] = ()) -> list[Desired]:
        """MCP-server targets, all or those of `gateways` plus those named `GATEWAY/TARGET`; unknown names are an error."""
        targets = [t for t in self.of_kind(TARGET) if mcp_server(t.body.get("targetConfiguration"))]
        if not gateways and not names:
            return targets
        by_name = {f"{t.parent}/{t.name}": t for t in targets}
        unknown = [n for n in names if n not in by_name] + [g for g in gateways if KINDS[GATEWAY].address(g) not in self.resources]
        if unknown:
            raise ReconcilerError(f"not in the registry as MCP-server targets or gateways: {', '.join(unknown)} (targets are GATEWAY/TARGET)")
        return [t for t in targets if t.parent in gateways or f"{t.parent}/{t.name}" in names]


def build(document: Document) -> DesiredState:
    problems = schema_problems(document)
    if problems:
        raise ConfigError(problems)
    builder = _DesiredStateBuilder(document)
    registry = builder.build()
    if builder.problems:
        raise ConfigError(builder.problems)
    return registry


@dataclass
class Declaration:
    """One resource as written: its kind, name, raw spec and place."""

    kind: Kind
    name: str
    spec: Any
    path: KeyPath
    lifecycle: dict[str, Any]
    parent_address: str | None = None

    @property
    def address(self) -> str:
        return self.kind.address(self.name, self.parent_address)

    def own(self) -> Any:
        """The declaration less its children's sections, with its lifecycle: what a change to this resource is."""
        sections = child_sections(self.kind)
        spec = {k: v for k, v in self.spec.items() if k not in sections} if isinstance(self.spec, dict) else self.spec
        return [spec, self.lifecycle]


def declarations(data: dict[str, Any]) -> Iterator[Declaration]:
    """Every declared resource of a (raw or validated) document, parents before their children."""
    for kind in roots():
        for parent in _declared(kind, data, (), None):
            yield parent
            if not isinstance(parent.spec, dict):
                continue
            for child in children_of(kind.key, declared_only=True):
                yield from _declared(child, parent.spec, parent.path, parent.address)


def _declared(kind: Kind, container: dict[str, Any], path: KeyPath, parent_address: str | None) -> Iterator[Declaration]:
    entries = container.get(kind.section)
    if kind.singleton:
        if entries is not None:
            yield Declaration(kind, kind.key, entries, path + (kind.section,), {}, parent_address)
        return
    for name, entry in (entries or {}).items() if isinstance(entries, dict) else ():
        if kind.variant is None:
            lifecycle = entry.get("lifecycle", {}) if isinstance(entry, dict) else {}
            yield Declaration(kind, str(name), entry, path + (kind.section, name), lifecycle, parent_address)
        elif isinstance(entry, dict) and kind.variant in entry:
            # The variant's lifecycle sits beside it: credentialProviders.NAME.lifecycle.
            yield Declaration(kind, str(name), entry[kind.variant], path + (kind.section, name, kind.variant),
                              entry.get("lifecycle", {}), parent_address)


def child_sections(kind: Kind) -> frozenset[str]:
    return frozenset(c.section for c in children_of(kind.key, declared_only=True))


@dataclass
class _Context:
    """A declaration's view of the files for its kind's checks (see kinds.base.Context)."""

    source: SourceMap
    base: KeyPath

    def show(self, value: Any, path: KeyPath) -> str:
        return shown(value, self.base + path, self.source)

    def secrets_under(self, document_path: KeyPath) -> set[KeyPath]:
        return self.source.secrets_under(document_path)


class _DesiredStateBuilder(ProblemCollector):

    def build(self) -> DesiredState:
        name = self.data.get("registry")
        if not name:
            self.problems.append((None, f"{', '.join(self.document.files)}: no file sets `registry:` (the ownership marker)"))
        resources: dict[str, Desired] = {}
        for declaration in declarations(self.data):
            desired = self._desired(declaration)
            context = _Context(self.document.source, declaration.path)
            for path, message in declaration.kind.resolve_and_check(desired, declaration.spec, self.data, context):
                self.problem(declaration.path + path, message)
            resources[desired.address] = desired
        for desired in resources.values():
            self._resolve_references(desired, resources)
        for kind in KINDS.values():
            if kind.derived:
                resources.update((d.address, d) for d in map(self._from_derived(kind), kind.derive(resources, self.data)))
        quotas = self.data.get("quotas", {})
        return DesiredState(
            name=name or "",
            shown_name=shown(name, ("registry",), self.document.source),
            region=self.data.get("region"),
            tags=dict(self.data.get("tags", {})),
            resources=resources,
            files=self.document.files,
            tools_per_target=int(quotas.get("toolsPerTarget", TOOLS_PER_TARGET)),
            reads_per_second=float(quotas.get("readsPerSecond", READS_PER_SECOND)),
            writes_per_second=float(quotas.get("writesPerSecond", WRITES_PER_SECOND)),
            safety=dict(self.data.get("safety", {})),
            lock=dict(self.data.get("lock", {})),
        )

    def _desired(self, declaration: Declaration) -> Desired:
        kind, path, spec = declaration.kind, declaration.path, declaration.spec
        name_problem = kind.name_problem(declaration.name)
        if name_problem:
            self.problem(path, name_problem)
        prefix = kind.body_prefix
        secret = frozenset(prefix + p for p in self.document.source.secrets_under(path)) or NO_SECRETS  # shared when empty
        extras = {k: spec[k] for k in kind.reconciler_only if isinstance(spec, dict) and k in spec}
        return Desired(
            kind=kind.key,
            name=declaration.name,
            body=kind.body_from(spec, child_sections(kind)),
            address=declaration.address,
            path=path,
            location=self.document.source.locate(path),
            parent_address=declaration.parent_address,
            secret_paths=secret,
            lifecycle=dict(declaration.lifecycle),
            extras=extras,
        )

    def _from_derived(self, kind: Kind) -> Callable[[Derived], Desired]:
        return lambda derived: from_derived(kind, derived)

    def _resolve_references(self, desired: Desired, resources: dict[str, Desired]) -> None:
        """Replace every `provider: NAME` (and the like) with an ArnRef, or report it."""
        by_shape = references()
        for shape, block, path in structures(desired.body, KINDS[desired.kind].declared_members, desired.path):
            referenced = by_shape.get(shape.name)
            if referenced is not None:
                self._resolve(block, referenced, path, resources)

    def _resolve(self, block: dict[str, Any], kind: Kind, path: KeyPath, resources: dict[str, Desired]) -> None:
        reference = kind.reference
        assert reference is not None
        has_name, has_arn = reference.key in block, reference.arn_member in block
        if has_name == has_arn:
            self.problem(path, f"give exactly one of `{reference.key}:` (a {kind.noun} of this registry) or {reference.arn_member}")
            return
        if has_arn:
            return
        name = block.pop(reference.key)
        if kind.address(name) not in resources:
            other = [k for k in KINDS.values() if k is not kind and k.reference and k.reference.key == reference.key
                     and k.address(name) in resources]
            wrong = f" (it is declared as `{other[0].variant}`)" if other else ""
            self.problem(path + (reference.key,), f"unknown {kind.noun} {shown(name, path + (reference.key,), self.document.source)}{wrong}")
            return
        block[reference.arn_member] = ArnRef(kind.key, name)


def from_derived(kind: Kind, derived: Derived) -> Desired:
    """The resource a kind derives from declared ones (a record from a published target), placed where its source is."""
    source = derived.source
    return Desired(kind.key, derived.name, derived.body, kind.address(derived.name, derived.parent_address),
                   source.path, source.location, derived.parent_address, extras=derived.extras, depends_on=derived.depends_on)


def _index(resources: Iterable[Desired], key: Callable[[Desired], Any]) -> dict[Any, list[Desired]]:
    found: dict[Any, list[Desired]] = {}
    for desired in resources:
        found.setdefault(key(desired), []).append(desired)
    return found


def _find_refs(value: Any) -> list[ArnRef]:
    if isinstance(value, ArnRef):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _find_refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _find_refs(v)]
    return []
