"""What the reconciler knows about the AWS APIs it calls, read from botocore's models.

Nothing here copies shapes or enums into code: request shapes, output-only
members and write-only (never returned) members are all derived at run time.
Most kinds live in the AgentCore control plane (`SERVICE`); AWS Agent Registry
has its own (`REGISTRY_SERVICE` for registries and records, `DISCOVERY_SERVICE`
for search), so every lookup takes the service it concerns.
The defaults the service documents ("Defaults to 1000 when not set") are derived too.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any, Iterator

import botocore.session
from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader, instance_cache
from botocore.model import ServiceModel, Shape

SERVICE = "bedrock-agentcore-control"
REGISTRY_SERVICE = "agent-registry-control"  # AWS Agent Registry (GA): registries and records
DISCOVERY_SERVICE = "agent-registry"  # its data plane: SearchDiscoverableRegistryRecords
ITEM = "[]"  # in a member path: every item of a list
# How the model's docs state a member's default: "Defaults to 1000", "The default value is 3600 seconds",
# "<code>false</code> (the default)", "FAIL_ON_ANY_FINDINGS (default)", or an enum value's own item saying
# "This is the default".
_STATED = re.compile(r"(?:[Dd]efaults? to|[Tt]he default(?: value)? is)\s+(?:<code>\s*(?P<code>[^<]+?)\s*</code>|(?P<word>[\w.-]+))")
_MARKED = re.compile(r"(?:<code>\s*(?P<code>[^<]+?)\s*</code>|(?P<word>\w+))\s*\((?:the )?default\)")
_ITEM = re.compile(r"<li>\s*(?:<p>)?\s*<code>\s*(?P<code>[^<]+?)\s*</code>(?:(?!</li>).)*?This is the default", re.S)


class _Loader(Loader):
    """botocore's Loader, but whether a service has a model is asked of that service's folder, not found by listing
    every service's folders (Loader.list_available_services: several hundred folders per model type, about a
    tenth of a second of start-up for the types a client reads)."""

    @instance_cache
    def load_service_model(self, service_name: str, type_name: str, api_version: str | None = None) -> Any:
        try:
            api_version = api_version or self.determine_latest_version(service_name, type_name)
        except DataNotFoundError:  # no such service: botocore's own error, which names the known ones
            return super().load_service_model(service_name, type_name, api_version)
        model = self.load_data(os.path.join(service_name, api_version, type_name))
        self._extras_processor.process(model, self._find_extras(service_name, type_name, api_version))
        return model


@lru_cache(maxsize=None)
def _session() -> botocore.session.Session:
    session = botocore.session.get_session()
    data_path = session.get_config_variable("data_path")  # AWS_DATA_PATH, as botocore.loaders.create_loader reads it
    extra = [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)] if data_path else []
    session.register_component("data_loader", _Loader(extra_search_paths=extra))
    return session


@lru_cache(maxsize=None)
def service_model(service: str = SERVICE) -> ServiceModel:
    return _session().get_service_model(service)


def model_loader() -> Any:
    """botocore's loader of the models `service_model` reads: a client made with it parses no model again."""
    return _session().get_component("data_loader")


def shape(name: str, service: str = SERVICE) -> Shape:
    return service_model(service).shape_for(name)


def input_shape(operation: str, service: str = SERVICE) -> Shape:
    return service_model(service).operation_model(operation).input_shape


def output_shape(operation: str, service: str = SERVICE) -> Shape:
    return service_model(service).operation_model(operation).output_shape


def arn_service(service: str) -> str:
    """The service part of the ARNs of `service`'s resources: its SigV4 signing name (bedrock-agentcore, agent-registry)."""
    return str(service_model(service).signing_name)


def http_method(operation: str, service: str = SERVICE) -> str:
    """PUT replaces what it is given; PATCH keeps what it is not given."""
    return str(service_model(service).operation_model(operation).http.get("method", "POST"))


def documented_default(member: Shape) -> Any:
    """The default a scalar member's documentation states, typed by its shape; None when it states none.

    A value is taken only where the shape vouches for it: one of the enum's values, a number for an
    integer, true/false for a boolean, a `<code>` value for a free string ("defaults to the gateway's
    Region" is prose, not a value)."""
    if member.type_name not in ("string", "integer", "long", "boolean") or not member.documentation:
        return None
    for pattern in (_STATED, _MARKED, _ITEM):
        for found in pattern.finditer(member.documentation):
            value = _typed(found.group("code") or found.group("word").rstrip("."), member, found.group("code") is not None)
            if value is not None:
                return value
    return None


def _typed(text: str, member: Shape, coded: bool) -> Any:
    enum = getattr(member, "enum", None)
    if enum:
        return text if text in enum else None
    if member.type_name in ("integer", "long"):
        return int(text) if text.isdigit() else None
    if member.type_name == "boolean":
        return {"true": True, "false": False}.get(text)
    return text if coded else None


def member_paths(members: dict[str, Shape]) -> Iterator[tuple[tuple[str, ...], Shape]]:
    """Every member below `members` with its path, through structures and list items (ITEM); each shape once per branch."""

    def walk(request: dict[str, Shape], path: tuple[str, ...], seen: frozenset[str]) -> Iterator[tuple[tuple[str, ...], Shape]]:
        for name, member in request.items():
            here = path + (name,)
            yield here, member
            inner, step = (member.member, (ITEM,)) if member.type_name == "list" else (member, ())
            if inner.type_name == "structure" and inner.name not in seen and not inner.metadata.get("document"):
                yield from walk(dict(inner.members), here + step, seen | {inner.name})

    return walk(members, (), frozenset())


def documented_defaults(members: dict[str, Shape]) -> dict[tuple[str, ...], Any]:
    """Member path -> the default its documentation states."""
    return {path: value for path, member in member_paths(members) if (value := documented_default(member)) is not None}


def with_defaults(value: Any, defaults: dict[tuple[str, ...], Any]) -> Any:
    """`value` with each default filled in where its path's parent exists and the member is absent.

    Copies only what it changes: the caller's value (a loaded declaration) is never written into."""
    for path, default in defaults.items():
        value = _filled(value, path, default)
    return value


def _filled(node: Any, path: tuple[str, ...], default: Any) -> Any:
    head, rest = path[0], path[1:]
    if head == ITEM:
        if not isinstance(node, list):
            return node
        items = [_filled(item, rest, default) for item in node]
        return items if any(new is not old for new, old in zip(items, node)) else node
    if not isinstance(node, dict) or (not rest and head in node) or (rest and head not in node):
        return node
    child = default if not rest else _filled(node[head], rest, default)
    return node if child is node.get(head) else {**node, head: child}


def without_defaults(value: Any, defaults: dict[tuple[str, ...], Any]) -> Any:
    """`value` less each member that holds its default (what an imported declaration need not say)."""
    if not defaults:
        return value
    if isinstance(value, dict):
        own = {p[0]: v for p, v in defaults.items() if len(p) == 1}
        return {k: without_defaults(v, _below(defaults, k)) for k, v in value.items() if k not in own or own[k] != v}
    if isinstance(value, list):
        return [without_defaults(item, _below(defaults, ITEM)) for item in value]
    return value


def _below(defaults: dict[tuple[str, ...], Any], step: str) -> dict[tuple[str, ...], Any]:
    return {p[1:]: v for p, v in defaults.items() if len(p) > 1 and p[0] == step}


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
