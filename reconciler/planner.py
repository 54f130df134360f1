"""Desired state + live state -> Plan. Read-only: nothing here calls a write API.

Ownership rules (README, "GitOps safety" and "Guarantees"): only resources tagged with this registry are
updated or deleted; a declared name that exists without the tag is an error.
"""

from __future__ import annotations

from typing import Any

from reconciler.desired import ArnRef, Desired, DesiredState
from reconciler.diff import ABSENT, FieldChange, diff_fields, leaves, mark_sensitive
from reconciler.errors import PlanError
from reconciler.kinds import KINDS, ordered
from reconciler.kinds.base import FINGERPRINT_TAG, MANAGES_TAG, OWNER_TAG, Live
from reconciler.live import LiveState
from reconciler.plan import ADOPT, CREATE, DELETE, REPLACE, TAKEOVER, UPDATE, Change, Plan
from reconciler.safety import prevent_destroy_errors, protection_tags, refusals, unprotectable
from reconciler.unread import compare_unread, is_secret, wanted_fingerprint


def wanted_tags(registry: DesiredState, desired: Desired, body: dict[str, Any], live: Live | None) -> dict[str, str]:
    """The tags a declared resource carries; the fingerprint tag as the last read suggests (apply corrects it)."""
    if not KINDS[desired.kind].taggable:
        return {}
    tags = {**registry.tags, OWNER_TAG: registry.name, **protection_tags(registry, desired), **managed_children_tag(registry, desired)}
    fingerprint = wanted_fingerprint(desired, body, live.body if live else None, registry.name)
    return {**tags, FINGERPRINT_TAG: fingerprint} if fingerprint else tags


def managed_children_tag(registry: DesiredState, desired: Desired) -> dict[str, str]:
    """The opt-in child kinds declared under this parent: the next plans list (and delete) only those."""
    kinds = sorted({c.kind for c in registry.children(desired.address) if KINDS[c.kind].opt_in})
    return {MANAGES_TAG: " ".join(kinds)} if kinds else {}


def resolve_refs(value: Any, arns: dict[str, str]) -> Any:
    """Replace each ArnRef whose resource's ARN is known; others stay unknown."""
    if isinstance(value, ArnRef):
        return arns.get(value.address, value)
    if isinstance(value, dict):
        return {k: resolve_refs(v, arns) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_refs(v, arns) for v in value]
    return value


class Planner:
    """`adopt` plans to tag declared resources that exist unmanaged; with `force` also another registry's."""

    def __init__(self, registry: DesiredState, live: LiveState, adopt: bool = False, force: bool = False):
        self.registry = registry
        self.live = live
        self.adopt = adopt
        self.force = force
        self.adopted = self._adoptions()
        self.managed = live.managed_by(registry.name, adopted=set(self.adopted))
        self.errors: list[str] = []

    def _adoptions(self) -> dict[str, str]:
        """Declared addresses that exist without this registry's tag and may be adopted: address -> ADOPT|TAKEOVER."""
        if not self.adopt:
            return {}
        found = {}
        for addr, desired in self.registry.resources.items():
            live = self.live.resources.get(addr)
            kind = KINDS[desired.kind]
            # Children belong to their parent, except those that carry tags (records in a shared agent registry).
            if (kind.parent is not None and not kind.taggable) or live is None or live.owner == self.registry.name or live.off_limits_reason:
                continue
            if live.owner is None:
                found[addr] = ADOPT
            elif self.force:
                found[addr] = TAKEOVER
        return found

    def plan(self) -> Plan:
        changes: dict[str, Change] = {}
        unchanged = 0
        for kind in ordered():
            arns = self._known_arns(changes)
            for desired in self.registry.of_kind(kind.key):
                change = self._change_for(desired, arns, changes)
                if change:
                    changes[change.address] = change
                elif desired.address in self.managed:
                    unchanged += 1
        for addr, live in self.managed.items():
            if addr not in self.registry.resources:
                changes[addr] = self._deletion(live)
        self.errors += prevent_destroy_errors(changes.values(), self.live.resources) + unprotectable(self.registry)
        self.errors += [_awaiting_consent(c) for c in changes.values() if c.live and c.live.status in KINDS[c.kind].pending_statuses]
        if self.errors:
            raise PlanError("\n".join(sorted(self.errors)))
        known = {addr: live.ref for addr, live in self.managed.items()}
        plan = Plan(self.registry.name, self.registry.region or "", list(changes.values()), unchanged, known)
        plan.statuses = {a: _status_line(live) for a, live in sorted(self.managed.items()) if KINDS[live.ref.kind].show_status}
        plan.refusals = refusals(plan.changes, self.managed, self.registry)
        return plan

    def _known_arns(self, changes: dict[str, Change]) -> dict[str, str]:
        """ARNs of resources that exist now and are not about to be replaced."""
        return {
            addr: live.ref.arn
            for addr, live in self.managed.items()
            if live.ref.arn and (addr not in changes or changes[addr].action != REPLACE)
        }

    def _change_for(self, desired: Desired, arns: dict[str, str], changes: dict[str, Change]) -> Change | None:
        change = self._change_of(desired, arns, changes)
        if change is not None and change.action != DELETE:
            existing = None if change.action in (CREATE, REPLACE) else change.live
            where = f"{desired.location}: " if desired.location else ""
            self.errors += [f"{where}{desired.address}: {problem}" for problem in KINDS[desired.kind].plan_problems(desired.body, existing)]
        return change

    def _change_of(self, desired: Desired, arns: dict[str, str], changes: dict[str, Change]) -> Change | None:
        live = self.live.resources.get(desired.address)
        if live is not None and desired.address not in self.managed:
            self._not_ours(desired, live)
            return None
        body = resolve_refs(self._derived_body(desired, changes), arns)
        tags = wanted_tags(self.registry, desired, body, live)
        parent = changes.get(desired.parent_address) if desired.parent_address else None
        if live is None or (parent is not None and parent.action == REPLACE):
            action = CREATE if live is None else REPLACE
            reasons = [f"its {parent.kind} {parent.address} is replaced"] if live is not None and parent else []
            return Change(desired.address, desired.kind, action, self._creation_fields(desired, body), desired, live, tags, True, reasons)
        return self._compare(desired, live, body, tags)

    def _derived_body(self, desired: Desired, changes: dict[str, Change]) -> dict[str, Any]:
        """A derived resource whose sources change in this run is known only after apply wrote them."""
        kind = KINDS[desired.kind]
        sources = desired.depends_on
        if kind.derived and any(a in changes and changes[a].action != DELETE for a in sources):
            return kind.unknown_until_applied(desired.body)
        return desired.body

    def _compare(self, desired: Desired, live: Live, body: dict[str, Any], tags: dict[str, str]) -> Change | None:
        kind = KINDS[desired.kind]
        wanted = kind.comparable(body)
        current, fields = compare_unread(desired, body, live, self.registry.name)
        current = kind.unasked(current, wanted)
        fields = diff_fields(current, wanted, unordered=kind.unordered_lists) + fields
        body_changed = bool(fields)
        fields += [FieldChange(("tags", k), live.tags.get(k, ABSENT), v) for k, v in sorted(tags.items()) if live.tags.get(k) != v and k != FINGERPRINT_TAG]
        fields += [FieldChange(("tags", k), v, ABSENT) for k, v in sorted(live.tags.items()) if k not in tags and k != FINGERPRINT_TAG]
        if not fields:
            return None
        mark_sensitive(fields, lambda p: is_secret(desired, p))
        reasons = kind.replacement_reasons(wanted, current)
        for change in fields:
            change.forces_replacement = any(change.dotted.startswith(path) for path, _ in reasons)
        action = REPLACE if reasons else UPDATE
        texts = [f"{path}: {why}" for path, why in reasons]
        return Change(desired.address, desired.kind, action, fields, desired, live, tags, body_changed, texts,
                      self.adopted.get(desired.address))

    def _creation_fields(self, desired: Desired, body: dict[str, Any]) -> list[FieldChange]:
        fields = [FieldChange(path, ABSENT, value) for path, value in leaves(body)]
        return mark_sensitive(fields, lambda p: is_secret(desired, p))

    def _deletion(self, live: Live) -> Change:
        return Change(live.address, live.ref.kind, DELETE, [], None, live)

    def _not_ours(self, desired: Desired, live: Live) -> None:
        where = f"{desired.location}: " if desired.location else ""
        kind = KINDS[desired.kind]
        if live.off_limits_reason is not None:
            self.errors.append(f"{where}{desired.address}: the {kind.noun} at this {kind.name_member} {live.off_limits_reason} and is never "
                               f"changed by a registry; declare yours under another {kind.name_member}")
            return
        owner = live.owner
        if kind.parent is not None and kind.taggable:  # a record in a shared agent registry, written by someone else
            whose = f"registry '{owner}'" if owner else "no registry (it has no ownership tag: written by hand or before GA)"
            remedy = "apply --adopt --force takes it over" if owner else "apply --adopt takes it over if it is yours"
            self.errors.append(f"{where}{desired.address}: a {kind.noun} named '{desired.name}' already exists there and belongs "
                               f"to {whose}; stop publishing what would take its name, remove it, or {remedy}")
            return
        if kind.parent is not None:
            return  # reported once, on its parent
        whose = f"belongs to registry '{owner}'" if owner else "is not managed by any registry (no ownership tag)"
        remedy = "apply --adopt --force takes it over" if owner else "apply --adopt brings it under this registry"
        self.errors.append(
            f"{where}{desired.address}: a {kind.noun} named '{desired.name}' already exists in the account and "
            f"{whose}; rename yours, remove it from the files, or, if it is the same resource, {remedy}"
        )


def _awaiting_consent(change: Change) -> str:
    """A resource waiting for a user's OAuth consent cannot be updated or deleted (UpdateGatewayTarget's docs)."""
    assert change.live is not None
    where = f"{change.desired.location}: " if change.desired and change.desired.location else ""
    verb = {DELETE: "deleted", REPLACE: "replaced"}.get(change.action, "updated")
    return (f"{where}{change.address}: is {change.live.status}, waiting for a user's OAuth consent, and cannot be {verb} until "
            "the authorization completes or fails; have the user grant (or deny) it, then plan again")


def _status_line(live: Live) -> str:
    reasons = f": {'; '.join(live.status_reasons)}" if live.status_reasons else ""
    return f"{live.status or 'unknown'}{reasons}"


def make_plan(registry: DesiredState, live: LiveState, adopt: bool = False, force: bool = False) -> Plan:
    return Planner(registry, live, adopt, force).plan()

