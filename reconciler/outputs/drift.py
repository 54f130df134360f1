"""Drift reports as text, JSON and markdown; `DRIFT_RENDERERS` maps a --format name to its function."""

from __future__ import annotations

import json
from typing import Any, Callable

from reconciler.drift import MEANINGS, DriftReport, Drifted
from reconciler.outputs.common import value
from reconciler.plan import display


def _field_lines(item: Drifted, indent: str) -> list[str]:
    return [
        f"{indent}{f.dotted}: declared {value(f.after, f.sensitive)}, live {value(f.before, f.sensitive)}"
        for f in item.fields
    ]


def _body(report: DriftReport, indent: str) -> list[str]:
    lines = []
    for item in report.drifted:
        lines.append(f"{item.address}: {item.status}: {MEANINGS[item.status]}")
        lines += _field_lines(item, indent)
    return lines


def _headline(report: DriftReport) -> str:
    if not report.has_drift:
        return f"No drift: live state matches the registry '{report.registry}' ({report.region})."
    return f"Drift in registry '{report.registry}' ({report.region}): {len(report.drifted)} resource(s)."


def _unmanaged_lines(report: DriftReport) -> list[str]:
    if not report.unmanaged:
        return []
    return [f"Not owned by any registry ({len(report.unmanaged)}):", *(f"  {a}" for a in report.unmanaged)]


def _status_lines(report: DriftReport) -> list[str]:
    return ["Status:", *(f"  {a}: {status}" for a, status in report.statuses.items())] if report.statuses else []


def render_drift_text(report: DriftReport) -> str:
    lines = [_headline(report), *("  " + line for line in _body(report, "    ")), *_unmanaged_lines(report), *_status_lines(report)]
    return "\n".join(lines) + "\n"


def render_drift_markdown(report: DriftReport) -> str:
    lines = [f"### agentcore-reconciler drift: `{report.registry}` ({report.region})", "", _headline(report), ""]
    if report.has_drift:
        lines += ["```", *_body(report, "  "), "```", ""]
    if report.unmanaged:
        lines += [f"**Not owned by any registry ({len(report.unmanaged)}):** " + ", ".join(f"`{a}`" for a in report.unmanaged), ""]
    if report.statuses:
        lines += ["```", *_status_lines(report), "```", ""]
    return "\n".join(lines)


def render_drift_json(report: DriftReport) -> str:
    data: dict[str, Any] = {
        "format_version": 1,
        "registry": report.registry,
        "region": report.region,
        "drift": [
            {
                "address": item.address,
                "status": item.status,
                "fields": [
                    {"path": f.dotted, "declared": display(f.after, f.sensitive), "live": display(f.before, f.sensitive)}
                    for f in item.fields
                ],
            }
            for item in report.drifted
        ],
        "unmanaged": report.unmanaged,
        "statuses": report.statuses,
    }
    return json.dumps(data, indent=2) + "\n"


DRIFT_RENDERERS: dict[str, Callable[[DriftReport], str]] = {
    "text": render_drift_text,
    "json": render_drift_json,
    "markdown": render_drift_markdown,
}
