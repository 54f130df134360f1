"""Guards between a plan and apply: preventDestroy, always-confirm rules and blast-radius thresholds.

- `lifecycle: {preventDestroy: true}` is remembered on the live resource (a tag;
  for a target, a tag on its gateway), so removing the resource from the files
  does not remove its protection. A plan that would delete or replace it is an
  error, even with --force: set preventDestroy to false and apply first.
- Deleting or replacing a gateway needs --force unless `safety.allowGatewayDestroy`.
- octoDNS-style thresholds: updating (or replacing) or deleting more than
  `updatePercent`/`deletePercent` of the existing managed resources of a kind
  needs --force, once at least `minExisting` of them exist. Targets are counted
  per gateway, with the gateway's own `safety:` when it has one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Iterable

from reconciler.aws_model import service_model
from reconciler.desired import GATEWAY, TARGET, Desired, Registry
from reconciler.kinds.base import Live
from reconciler.plan import DELETE, REPLACE, UPDATE, Change

PROTECT_TAG = "agentcore-reconciler:prevent-destroy"
PROTECT_TARGET_PREFIX = f"{PROTECT_TAG}:target/"
DEFAULTS = {"updatePercent": 30.0, "deletePercent": 30.0, "minExisting": 10}


def longest_protectable_target_name() -> int:
    """Target protection lives in a tag key on the gateway; the key's length limit comes from the API model."""
    return int(service_model().shape_for("TagKey").metadata["max"]) - len(PROTECT_TARGET_PREFIX)


def protection_tags(registry: Registry, desired: Desired) -> dict[str, str]:
    """Tags that remember preventDestroy on the live resource (gateways also carry their targets')."""
    tags = {PROTECT_TAG: "true"} if desired.lifecycle.get("preventDestroy") else {}
    if desired.kind == GATEWAY:
        for target in registry.of_kind(TARGET):
            if target.parent == desired.name and target.lifecycle.get("preventDestroy"):
                tags[PROTECT_TARGET_PREFIX + target.name] = "true"
    return tags


def unprotectable(registry: Registry) -> list[str]:
    """Targets whose name is too long for the gateway tag that remembers their preventDestroy."""
    limit = longest_protectable_target_name()
    return [
        f"{t.location}: {t.address}: lifecycle.preventDestroy needs a target name of at most {limit} characters"
        for t in registry.of_kind(TARGET)
        if t.lifecycle.get("preventDestroy") and len(t.name) > limit
    ]


def protected(change: Change, live: dict[str, Live]) -> bool:
    if change.desired is not None and change.desired.lifecycle.get("preventDestroy"):
        return True
    if change.live is None:
        return False
    if change.kind == TARGET:
        gateway = live.get(f"{GATEWAY}/{change.live.ref.parent}")
        return gateway is not None and gateway.tags.get(PROTECT_TARGET_PREFIX + change.live.ref.name) == "true"
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


def refusals(changes: list[Change], managed: dict[str, Live], registry: Registry) -> list[str]:
    """Why apply stops unless --force, one message each."""
    found = [f"{c.address}: {c.action} of a gateway needs --force (or safety.allowGatewayDestroy: true)"
             for c in changes
             if c.kind == GATEWAY and c.action in (DELETE, REPLACE) and not registry.safety.get("allowGatewayDestroy")]
    by_group: dict[tuple[str, str | None], list[Change]] = defaultdict(list)
    for change in changes:
        by_group[(change.kind, change.gateway)].append(change)
    for group, existing in _groups(managed).items():
        kind, gateway = group
        settings = {**DEFAULTS, **registry.safety, **(registry.gateway_safety.get(gateway or "", {}) if kind == TARGET else {})}
        found += _threshold(group, existing, by_group[group], settings)
    return found


def _threshold(group: tuple[str, str | None], existing: int, changes: list[Change], settings: dict[str, Any]) -> list[str]:
    if existing < settings["minExisting"]:
        return []
    counts = Counter(UPDATE if c.action == REPLACE else c.action for c in changes)
    label = f"{group[0]}s of gateway/{group[1]}" if group[0] == TARGET else f"{group[0]}s"
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
    return Counter((live.ref.kind, live.ref.parent if live.ref.kind == TARGET else None) for live in managed.values())
