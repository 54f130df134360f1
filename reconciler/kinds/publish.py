"""`publish: {registry: NAME}` on a target or a gateway: which AWS Agent Registry keeps a record of the target."""

from __future__ import annotations

from typing import Any

from reconciler.vocabulary import DEPLOYMENT_NAME, KeyPath

PUBLISH = "publish"
REGISTRIES = "agentRegistries"
PUBLISH_SCHEMA: dict[str, Any] = {
    "description": "Reconciler-only: keep a record of this MCP target (or of each of this gateway's) in that agent registry; false opts a target out.",
    "oneOf": [
        {"type": "object", "properties": {"registry": {"type": "string", "minLength": 1}, "deployment": DEPLOYMENT_NAME},
         "required": ["registry"], "additionalProperties": False},
        {"const": False},
    ],
}


def published_in(own: Any, gateway: Any) -> str | None:
    """The agent registry a target is published in: its own `publish:`, else its gateway's; `false` opts out."""
    chosen = own if own is not None else gateway
    return chosen.get("registry") if isinstance(chosen, dict) else None


def publish_problems(spec: Any, document: dict[str, Any], context: Any) -> list[tuple[KeyPath, str]]:
    """A `publish:` must name an agent registry of this registry's files."""
    publish = spec.get(PUBLISH) if isinstance(spec, dict) else None
    if not isinstance(publish, dict) or publish.get("registry") in (document.get(REGISTRIES) or {}):
        return []
    known = ", ".join(document.get(REGISTRIES) or {}) or "none declared under agentRegistries"
    return [((PUBLISH, "registry"), f"unknown agent registry {context.show(publish.get('registry'), (PUBLISH, 'registry'))} (known: {known})")]
