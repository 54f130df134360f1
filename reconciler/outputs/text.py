"""Terraform-style plan text: `+ ~ -/+ -` symbols, field-level before/after, a summary line."""

from __future__ import annotations

from reconciler.outputs.common import change_block, force_lines, headline, no_changes_line, status_lines, summary_line
from reconciler.plan import Plan


def render_text(plan: Plan) -> str:
    if plan.empty:
        return "\n".join([no_changes_line(plan), *status_lines(plan)]) + "\n"
    lines = [f"Registry '{plan.registry}' ({plan.region}) will perform the following actions:", ""]
    for change in plan.changes:
        lines.append(f"  # {change.address} {headline(change)}")
        lines += change_block(change, "      ")
        lines.append("")
    lines.append(summary_line(plan))
    lines += force_lines(plan)
    lines += status_lines(plan)
    return "\n".join(lines) + "\n"
