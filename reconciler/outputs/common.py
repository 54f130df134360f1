"""What every human-readable rendering shares: symbols, headlines, value and line formatting."""

from __future__ import annotations

import json
from typing import Any

from reconciler.diff import FieldChange
from reconciler.plan import ADOPT, CREATE, DELETE, REPLACE, UPDATE, Change, Plan, display

SYMBOLS = {CREATE: "+", UPDATE: "~", REPLACE: "-/+", DELETE: "-"}
HEADLINES = {
    CREATE: "will be created",
    UPDATE: "will be updated in-place",
    REPLACE: "must be replaced",
    DELETE: "will be destroyed",
}


def headline(change: Change) -> str:
    if change.adopt == ADOPT:
        return "will be adopted: not managed by any registry, it gets this registry's tag"
    if change.adopt:
        owner = change.live.owner if change.live else None
        return f"will be TAKEN OVER from registry '{owner}' (--force) and tagged for this one"
    return HEADLINES[change.action]


def force_lines(plan: Plan) -> list[str]:
    """What makes apply refuse without --force (shown in every plan so reviewers see it)."""
    if not plan.refusals:
        return []
    return ["", "Apply will refuse this plan without --force:", *(f"  - {message}" for message in plan.refusals)]


def status_lines(plan: Plan) -> list[str]:
    """Live statuses reviewers watch, e.g. whether each catalog record is approved."""
    if not plan.statuses:
        return []
    return ["", "Status:", *(f"  {address}: {status}" for address, status in plan.statuses.items())]


def value(raw: Any, sensitive: bool) -> str:
    shown = display(raw, sensitive)
    if shown is None:
        return "null"
    if isinstance(shown, str) and shown.startswith("(") and shown.endswith(")"):
        return shown  # (sensitive), (known after apply), (unreadable)
    return json.dumps(shown, sort_keys=True, ensure_ascii=False)


def field_line(change: Change, field: FieldChange) -> str:
    after, before = value(field.after, field.sensitive), value(field.before, field.sensitive)
    suffix = "  # forces replacement" if field.forces_replacement else ""
    if change.action == CREATE or before == "null":
        return f"+ {field.dotted} = {after}{suffix}"
    if after == "null":
        return f"- {field.dotted} = {before}{suffix}"
    return f"~ {field.dotted} = {before} -> {after}{suffix}"


def summary_line(plan: Plan) -> str:
    s = plan.summary()
    return (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['replace']} to replace, "
        f"{s['delete']} to delete, {s['unchanged']} unchanged."
    )


def no_changes_line(plan: Plan) -> str:
    return f"No changes. Live state matches the registry '{plan.registry}' ({plan.unchanged} resources unchanged)."


def change_block(change: Change, indent: str) -> list[str]:
    """A change's symbol line, its reasons and its field lines."""
    lines = [f"{SYMBOLS[change.action]:>3} {change.address}"]
    lines += [f"{indent}(replace: {reason})" for reason in change.reasons]
    lines += [indent + field_line(change, f) for f in change.fields]
    return lines
