"""A plan as a pull-request comment: summary table, then one collapsible diff per change."""

from __future__ import annotations

from reconciler.graph import picture, plan_graph
from reconciler.outputs.common import change_block, force_lines, headline, no_changes_line, status_lines, summary_line
from reconciler.plan import ACTIONS, Plan


def render_markdown(plan: Plan) -> str:
    title = f"### agentcore-reconciler plan: `{plan.registry}` ({plan.region})"
    if plan.empty:
        return "\n".join([title, "", no_changes_line(plan), *status_lines(plan)]) + "\n"
    summary = plan.summary()
    lines = [
        title,
        "",
        "| " + " | ".join(ACTIONS) + " | unchanged |",
        "|" + "---|" * (len(ACTIONS) + 1),
        "| " + " | ".join(str(summary[a]) for a in ACTIONS) + f" | {summary['unchanged']} |",
        "",
    ]
    for change in plan.changes:
        lines += [
            f"<details><summary><code>{change.address}</code> {headline(change)}</summary>",
            "",
            "```diff",
            *change_block(change, "    "),
            "```",
            "</details>",
            "",
        ]
    lines.append(f"**{summary_line(plan)}**")
    lines += force_lines(plan)
    lines += status_lines(plan)
    lines += ["", *picture(plan_graph(plan))]
    return "\n".join(lines) + "\n"
