"""`reconcile catalog search` results as text and JSON; `SEARCH_RENDERERS` maps --format names."""

from __future__ import annotations

import json
from typing import Callable

from reconciler.catalog.search import Hit, SearchReport, search_data


def render_search_json(report: SearchReport) -> str:
    return json.dumps(search_data(report), indent=2, ensure_ascii=False) + "\n"


def render_search_text(report: SearchReport) -> str:
    notes = "".join(f"Note: {note}.\n" for note in report.notes)
    if not report.hits:
        return f"{notes}No records match {json.dumps(report.query)} ({_registries(report)} searched).\n"
    lines: list[str] = [f"Note: {note}." for note in report.notes]
    for hit in report.hits:
        lines += [*_hit_block(hit), ""]
    count = len(report.hits)
    lines.append(f"{count} record{' matches' if count == 1 else 's match'} {json.dumps(report.query)} ({_registries(report)} searched).")
    return "\n".join(lines) + "\n"


def _hit_block(hit: Hit) -> list[str]:
    where = f" of deployment {hit.deployment}" if hit.deployment else ""
    lines = [f"{hit.record} [{hit.status}] version {hit.version or '-'} in registry {hit.registry}{where}",
             f"    gateway: {hit.gateway_url or '(the record names no remote)'}"]
    if hit.tools:
        lines += [f"    tool {tool.name}" + (f": {tool.description}" if tool.description else "") for tool in hit.tools]
    else:
        lines.append("    no tool has a word of the query in its name or description: the record matched as a whole")
    return lines


def _registries(report: SearchReport) -> str:
    count = len(report.registries)
    return f"{count} registr{'y' if count == 1 else 'ies'}"


SEARCH_RENDERERS: dict[str, Callable[[SearchReport], str]] = {"text": render_search_text, "json": render_search_json}
