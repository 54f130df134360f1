"""What the reconciler knows about the AgentCore control-plane API, read from botocore's model.

Nothing here copies shapes or enums into code: request shapes, output-only
members and write-only (never returned) members are all derived at run time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import ServiceModel, Shape

SERVICE = "bedrock-agentcore-control"


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE)


def shape(name: str) -> Shape:
    return service_model().shape_for(name)


def input_shape(operation: str) -> Shape:
    return service_model().operation_model(operation).input_shape


def output_shape(operation: str) -> Shape:
    return service_model().operation_model(operation).output_shape


def project(value: Any, onto: Shape) -> Any:
    """Keep only what `onto` (a request shape) can carry: drops output-only members, recursively."""
    if onto.type_name == "structure" and not onto.metadata.get("document"):
        if not isinstance(value, dict):
            return value
        return {k: project(v, onto.members[k]) for k, v in value.items() if k in onto.members}
    if onto.type_name == "list" and isinstance(value, list):
        return [project(item, onto.member) for item in value]
    if onto.type_name == "map" and isinstance(value, dict):
        return {k: project(v, onto.value) for k, v in value.items()}
    return value


def write_only_paths(request: Shape, response: Shape, renames: dict[str, str] | None = None) -> set[tuple[str, ...]]:
    """Request member paths that the read response never returns (secrets and the like).

    Walks both shapes in parallel by member name; `renames` maps a request member
    to its response twin (e.g. oauth2ProviderConfigInput -> oauth2ProviderConfigOutput).
    """
    renames = renames or {}
    found: set[tuple[str, ...]] = set()

    def walk(req: Shape, resp: Shape | None, path: tuple[str, ...], seen: frozenset[str]) -> None:
        if req.type_name != "structure" or req.name in seen:
            return
        for name, member in req.members.items():
            twin_name = renames.get(name, name)
            twin = resp.members.get(twin_name) if resp is not None and resp.type_name == "structure" else None
            if twin is None:
                found.add(path + (name,))
            else:
                walk(member, twin, path + (name,), seen | {req.name})

    walk(request, response, (), frozenset())
    return found


def sensitive_paths(request: Shape) -> set[tuple[str, ...]]:
    """Request member paths whose shape botocore marks sensitive."""
    found: set[tuple[str, ...]] = set()

    def walk(node: Shape, path: tuple[str, ...], seen: frozenset[str]) -> None:
        if node.type_name != "structure" or node.name in seen:
            return
        for name, member in node.members.items():
            if member.metadata.get("sensitive"):
                found.add(path + (name,))
            walk(member, path + (name,), seen | {node.name})

    walk(request, (), frozenset())
    return found
