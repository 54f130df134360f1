"""Guards between a plan and apply: preventDestroy, always-confirm rules and blast-radius thresholds.

- `lifecycle: {preventDestroy: true}` is remembered on the live resource (a tag;
  for a child such as a target, a tag on its parent), so removing the resource from the files
  does not remove its protection. A plan that would delete or replace it is an
  error, even with --force: set preventDestroy to false and apply first.
- Deleting or replacing a kind with a `destroy_setting` (gateways) needs --force
  unless that `safety:` setting (`allowGatewayDestroy`) is true.
- octoDNS-style thresholds: updating (or replacing) or deleting more than
  `updatePercent`/`deletePercent` of the existing managed resources of a kind
  needs --force, once at least `minExisting` of them exist. Children (targets,
  rules...) are counted per parent, with the parent's own `safety:` when it has one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Iterable

from reconciler.aws_model import service_model
from reconciler.desired import Desired, DesiredState
from reconciler.kinds import KINDS
from reconciler.kinds.base import Live
from reconciler.plan import DELETE, REPLACE, UPDATE, Change

PROTECT_TAG = "agentcore-reconciler:prevent-destroy"
DEFAULTS = {"updatePercent": 30.0, "deletePercent": 30.0, "minExisting": 10}


def child_tag(kind: str, name: str) -> str:
    """The tag on a parent that remembers its child's preventDestroy (children carry no tags)."""
    return f"{PROTECT_TAG}:{kind}/{name}"


def protection_tags(registry: DesiredState, desired: Desired) -> dict[str, str]:
    """Tags that remember preventDestroy on the live resource (parents also carry their children's)."""
    tags = {PROTECT_TAG: "true"} if desired.lifecycle.get("preventDestroy") else {}
    for child in registry.children(desired.address):
        if child.lifecycle.get("preventDestroy"):
            tags[child_tag(child.kind, child.name)] = "true"
    return tags


def unprotectable(registry: DesiredState) -> list[str]:
    """Children whose name is too long for the parent tag that remembers their preventDestroy."""
    limit = int(service_model().shape_for("TagKey").metadata["max"])
    return [
        f"{d.location}: {d.address}: lifecycle.preventDestroy needs a {KINDS[d.kind].noun} name of at most "
        f"{limit - len(child_tag(d.kind, ''))} characters"
        for d in registry.resources.values()
        if d.parent_address and d.lifecycle.get("preventDestroy") and len(child_tag(d.kind, d.name)) > limit
    ]


def protected(change: Change, live: dict[str, Live]) -> bool:
    if change.desired is not None and change.desired.lifecycle.get("preventDestroy"):
        return True
    if change.live is None:
        return False
    parent = change.live.ref.parent
    if parent is not None:
        holder = live.get(parent.address)
        return holder is not None and holder.tags.get(child_tag(change.kind, change.live.ref.name)) == "true"
    return change.live.tags.get(PROTECT_TAG) == "true"


def prevent_destroy_errors(changes: Iterable[Change], live: dict[str, Live]) -> list[str]:
    """Deletes and replaces of protected resources: refused outright, --force or not."""
    errors = []
    for change in changes:
        if change.action in (DELETE, REPLACE) and protected(change, live):
            where = f"{change.desired.location}: " if change.desired and change.desired.location else ""
            why = f" ({'; '.join(change.reasons)})" if change.reasons else ""
            errors.append(
                f"{where}{change.address}: lifecycle.preventDestroy forbids {'replacing' if change.action == REPLACE else 'deleting'} "
                f"it{why}; set preventDestroy: false and apply that first if this is intended"
            )
    return errors


def refusals(changes: list[Change], managed: dict[str, Live], registry: DesiredState) -> list[str]:
    """Why apply stops unless --force, one message each."""
    found = []
    for change in changes:
        setting = KINDS[change.kind].destroy_setting
        if setting and change.action in (DELETE, REPLACE) and not registry.safety.get(setting):
            found.append(f"{change.address}: {change.action} of a {KINDS[change.kind].noun} needs --force (or safety.{setting}: true)")
    by_group: dict[tuple[str, str | None], list[Change]] = defaultdict(list)
    for change in changes:
        by_group[(change.kind, change.parent_address)].append(change)
    for group, existing in _groups(managed).items():
        kind, parent = group
        own = registry.resources[parent].extras.get("safety", {}) if parent in registry.resources else {}
        found += _threshold(group, existing, by_group[group], {**DEFAULTS, **registry.safety, **own})
    return found


def _threshold(group: tuple[str, str | None], existing: int, changes: list[Change], settings: dict[str, Any]) -> list[str]:
    if existing < settings["minExisting"]:
        return []
    counts = Counter(UPDATE if c.action == REPLACE else c.action for c in changes)
    label = f"{group[0]}s of {group[1]}" if group[1] else f"{group[0]}s"
    found = []
    for action, key in ((UPDATE, "updatePercent"), (DELETE, "deletePercent")):
        share = 100.0 * counts[action] / existing
        if share > settings[key]:
            verb = "update or replace" if action == UPDATE else "delete"
            found.append(
                f"the plan would {verb} {counts[action]} of {existing} existing {label} ({share:.0f}%, "
                f"above the {key} threshold of {settings[key]:g}%); pass --force if this is intended"
            )
    return found


def _groups(managed: dict[str, Live]) -> Counter[tuple[str, str | None]]:
    return Counter((live.ref.kind, live.ref.parent.address if live.ref.parent else None) for live in managed.values())
