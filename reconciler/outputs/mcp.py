"""Probe, verify and sync results as text and JSON; `PROBE_RENDERERS` / `VERIFY_RENDERERS` map --format names."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Callable

from reconciler.sync import SyncResult

if TYPE_CHECKING:  # the reports' modules load the MCP SDK, which commands that never talk MCP should not pay for
    from reconciler.mcp.probe import ProbeReport
    from reconciler.mcp.verify import VerifyReport


def render_probe_text(report: ProbeReport) -> str:
    lines = []
    for probe in report.probes:
        if probe.failure:
            lines.append(f"✗ {probe.address}: {probe.failure}")
        else:
            mark = "✓" if probe.ok else "✗"
            lines.append(f"{mark} {probe.address}: {len(probe.tools)} tools, protocol {probe.protocol_version} "
                         f"({probe.seconds:.1f}s) {probe.url}")
        lines += [f"    error: {e}" for e in probe.errors]
        lines += [f"    warning: {w}" for w in probe.warnings]
    failed = sum(not p.ok for p in report.probes)
    lines.append(f"Probe: {len(report.probes) - failed} passed, {failed} failed.")
    return "\n".join(lines) + "\n"


def probe_data(report: ProbeReport) -> dict[str, Any]:
    return {"format_version": 1, "ok": report.ok, "probes": [asdict(p) | {"ok": p.ok} for p in report.probes]}


def render_probe_json(report: ProbeReport) -> str:
    return json.dumps(probe_data(report), indent=2) + "\n"


def render_verify_text(report: VerifyReport) -> str:
    lines = []
    for gateway in report.gateways:
        if gateway.failure:
            lines.append(f"✗ {gateway.address}: {gateway.failure}")
            continue
        lines.append(f"{'✓' if gateway.ok else '✗'} {gateway.address}: {sum(len(t.present) for t in gateway.targets)} tools ({gateway.url})")
        for target in gateway.targets:
            lines.append(f"    {target.name}: {', '.join(target.present) or 'no tools'}")
            if target.missing:
                lines.append(f"      missing (expectTools): {', '.join(target.missing)}")
            if target.unexpected:
                lines.append(f"      not in expectTools: {', '.join(target.unexpected)}")
        if gateway.undeclared:
            lines.append(f"    tools of targets the files do not declare: {', '.join(gateway.undeclared)}")
        if gateway.search:
            lines.append(f"    search hits: {', '.join(gateway.search)}")
    failed = sum(not g.ok for g in report.gateways)
    lines.append(f"Verify: {len(report.gateways) - failed} passed, {failed} failed.")
    return "\n".join(lines) + "\n"


def render_verify_json(report: VerifyReport) -> str:
    data = {"format_version": 1, "ok": report.ok, "gateways": [asdict(g) | {"ok": g.ok} for g in report.gateways]}
    return json.dumps(data, indent=2) + "\n"


def render_sync_text(result: SyncResult) -> str:
    lines = [f"  skipped: {addr}: {why}" for addr, why in result.skipped]
    lines += [f"  pending authorization: {addr} is {status}" for addr, status in result.pending]
    lines += [f"  failed: {addr}: {why}" for addr, why in result.failed]
    lines += [f"  interrupted: {addr}: {why}" for addr, why in result.interrupted]
    lines += [f"  in flight when interrupted (outcome unknown): {addr}" for addr in result.in_flight]
    lines += [f"  not attempted: {addr}" for addr in result.not_attempted]
    stopped = len(result.interrupted) + len(result.in_flight)
    outcome = "interrupted" if stopped or result.not_attempted else "complete" if result.ok else "failed"
    head = (f"Sync {outcome}: {len(result.synchronized)} synchronized, {len(result.failed)} failed, "
            f"{len(result.pending)} pending authorization, {len(result.skipped)} skipped"
            + (f", {stopped} interrupted, {len(result.not_attempted)} not attempted." if outcome == "interrupted" else "."))
    return "\n".join([head, *lines]) + "\n"


PROBE_RENDERERS: dict[str, Callable[[ProbeReport], str]] = {"text": render_probe_text, "json": render_probe_json}
VERIFY_RENDERERS: dict[str, Callable[[VerifyReport], str]] = {"text": render_verify_text, "json": render_verify_json}
