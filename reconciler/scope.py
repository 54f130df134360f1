"""Partial plans: `--target ADDRESS` (emergencies) and `--changed-only REF` (pull requests).

A Scope is a set of address patterns (fnmatch globs allowed). It is widened
with what the selected resources depend on (a target's gateway, the credential
providers it references), then restricts both the desired registry and the
live read, so out-of-scope resources are neither read, planned nor deleted.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.config.history import changes_since
from reconciler.config.loader import expand_paths, load_texts
from reconciler.desired import DesiredState, declarations
from reconciler.errors import ConfigError, ReconcilerError


@dataclass(frozen=True)
class Scope:
    patterns: tuple[str, ...]

    def includes(self, addr: str) -> bool:
        return any(fnmatch.fnmatchcase(addr, p) for p in self.patterns)

    def with_dependencies(self, registry: DesiredState) -> Scope:
        """The patterns plus everything a selected resource needs, transitively: its parent, what it references
        (a target's providers; a gateway's policy engine, also when the gateway is only a rule's parent)."""
        needed = set(self.patterns)
        needed.update("/".join(p.split("/")[:2]) for p in self.patterns if p.count("/") > 1)  # also undeclared children
        selected = [d for d in registry.resources.values() if self.includes(d.address)]
        seen = {d.address for d in selected}
        while selected:
            found = {d.parent_address for d in selected if d.parent_address} | {r.address for d in selected for r in d.references()}
            needed |= found
            selected = [registry.resources[a] for a in found - seen if a in registry.resources]
            seen |= found
        return Scope(tuple(sorted(needed)))

    def restrict(self, registry: DesiredState) -> DesiredState:
        kept = {a: d for a, d in registry.resources.items() if self.includes(a)}
        return dataclasses.replace(registry, resources=kept, whole=registry.whole or registry.resources)


def targeted(patterns: tuple[str, ...], registry: DesiredState) -> Scope | None:
    return Scope(patterns).with_dependencies(registry) if patterns else None


# --- changed since a git ref ---------------------------------------------------------


def changed_since(ref: str, paths: list[str], registry: DesiredState) -> Scope:
    """Addresses whose declaration differs between `ref` and the working tree (added, changed or removed).

    Only the files whose content differs are parsed, on both sides: mappings merge key by key across files
    (a key set twice is an error), so a declaration differs exactly where a changed file's part of it does.
    """
    folders = [Path(raw) for raw in paths if Path(raw).is_dir()]
    changes = changes_since(ref, expand_paths(paths), folders)
    before = _declarations(_load(list(changes.before.items()), f"the registry files at {ref} do not load, cannot compare against them"))
    after = _declarations(_load([(file, file.read_text(encoding="utf-8")) for file in changes.after], "the registry files do not load"))
    if before.get("") != after.get(""):
        return Scope(("*",))  # registry-wide settings changed (tags, authorizers...): everything may change
    changed = tuple(sorted(a for a in before.keys() | after.keys() if a and before.get(a) != after.get(a)))
    return Scope(changed).with_dependencies(registry)


def _declarations(data: dict[str, Any]) -> dict[str, Any]:
    """Each resource's raw declaration by address; "" holds the registry-wide settings every resource inherits."""
    found: dict[str, Any] = {"": {k: data[k] for k in ("registry", "region", "tags", "authorizers", "deployments", "rollout") if k in data}}
    for declaration in declarations(data):
        found[declaration.address] = declaration.own()
    return found


def _load(texts: list[tuple[Path, str]], failure: str) -> dict[str, Any]:
    """The changed files' declarations merged, as written (no ${env:} read)."""
    if not texts:
        return {}
    try:
        return load_texts([(str(file), text) for file, text in texts], interpolate=False).data
    except ConfigError as error:
        raise ReconcilerError(f"{failure}:\n{error}") from None
