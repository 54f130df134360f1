"""What the reconciler knows about the AWS APIs it calls, read from botocore's models.

Nothing here copies shapes or enums into code: request shapes, output-only
members and write-only (never returned) members are all derived at run time.
Most kinds live in the AgentCore control plane (`SERVICE`); AWS Agent Registry
has its own (`REGISTRY_SERVICE` for registries and records, `DISCOVERY_SERVICE`
for search), so every lookup takes the service it concerns.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterator

import botocore.session
from botocore.model import ServiceModel, Shape

SERVICE = "bedrock-agentcore-control"
REGISTRY_SERVICE = "agent-registry-control"  # AWS Agent Registry (GA): registries and records
DISCOVERY_SERVICE = "agent-registry"  # its data plane: SearchDiscoverableRegistryRecords


@lru_cache(maxsize=None)
def service_model(service: str = SERVICE) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def shape(name: str, service: str = SERVICE) -> Shape:
    return service_model(service).shape_for(name)


def input_shape(operation: str, service: str = SERVICE) -> Shape:
    return service_model(service).operation_model(operation).input_shape


def output_shape(operation: str, service: str = SERVICE) -> Shape:
    return service_model(service).operation_model(operation).output_shape


def arn_service(service: str) -> str:
    """The service part of the ARNs of `service`'s resources: its SigV4 signing name (bedrock-agentcore, agent-registry)."""
    return str(service_model(service).signing_name)


def project_members(value: dict[str, Any], members: dict[str, Shape]) -> dict[str, Any]:
    """Keep the members a declaration can carry, each projected onto its shape."""
    return {k: project(v, members[k]) for k, v in value.items() if k in members}


def project(value: Any, onto: Shape) -> Any:
    """Keep only what `onto` (a request shape) can carry: drops output-only members, recursively; numbers take the shape's type."""
    if onto.type_name == "structure" and not onto.metadata.get("document"):
        if not isinstance(value, dict):
            return value
        return {k: project(v, onto.members[k]) for k, v in value.items() if k in onto.members}
    if onto.type_name == "list" and isinstance(value, list):
        return [project(item, onto.member) for item in value]
    if onto.type_name == "map" and isinstance(value, dict):
        return {k: project(v, onto.value) for k, v in value.items()}
    if onto.type_name in ("double", "float") and isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # YAML's 100 is the API's 100.0
    return value


def write_only_paths(members: dict[str, Shape], response: Shape, renames: dict[str, str] | None = None) -> set[tuple[str, ...]]:
    """Request member paths that the read response never returns (secrets and the like).

    Walks the request members and the response shape in parallel by member name; `renames`
    maps a request member to its response twin (e.g. oauth2ProviderConfigInput -> oauth2ProviderConfigOutput).
    """
    renames = renames or {}
    found: set[tuple[str, ...]] = set()

    def walk(request: dict[str, Shape], resp: Shape | None, path: tuple[str, ...], seen: frozenset[str]) -> None:
        for name, member in request.items():
            twin_name = renames.get(name, name)
            twin = resp.members.get(twin_name) if resp is not None and resp.type_name == "structure" else None
            if twin is None:
                found.add(path + (name,))
            elif member.type_name == "structure" and member.name not in seen:
                walk(dict(member.members), twin, path + (name,), seen | {member.name})

    walk(members, response, (), frozenset())
    return found


def sensitive_paths(members: dict[str, Shape]) -> set[tuple[str, ...]]:
    """Request member paths whose shape botocore marks sensitive."""
    found: set[tuple[str, ...]] = set()

    def walk(request: dict[str, Shape], path: tuple[str, ...], seen: frozenset[str]) -> None:
        for name, member in request.items():
            if member.metadata.get("sensitive"):
                found.add(path + (name,))
            if member.type_name == "structure" and member.name not in seen:
                walk(dict(member.members), path + (name,), seen | {member.name})

    walk(members, (), frozenset())
    return found


def structures(value: dict[str, Any], members: dict[str, Shape], path: tuple[Any, ...] = ()) -> Iterator[tuple[Shape, dict[str, Any], tuple[Any, ...]]]:
    """Every structure inside a request-shaped value with its shape and path, outermost first.

    A consumer may change the structure it was given (its members are walked after it returns).
    """
    for member, item in list(value.items()):
        if member in members:
            yield from _structures(item, members[member], path + (member,))


def _structures(value: Any, shape: Shape, path: tuple[Any, ...]) -> Iterator[tuple[Shape, dict[str, Any], tuple[Any, ...]]]:
    if shape.type_name == "structure" and isinstance(value, dict):
        yield shape, value, path
        yield from structures(value, dict(shape.members), path)
    elif shape.type_name == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _structures(item, shape.member, path + (index,))
