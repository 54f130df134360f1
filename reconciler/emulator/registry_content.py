"""What AWS Agent Registry checks in a request before it keeps anything: the model's constraints, PATCH
wrappers, a record's descriptors (server.json and tools/list documents) and its custom metadata.

Shapes, limits and patterns come from botocore's agent-registry models at run time; the two JSON
Schemas below are the members of the MCP registry's server.json and of the MCP tools/list result
that the service checks (SERVICE-FACTS: "MCP record in GA").
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any

import botocore.session
import jsonschema
from botocore.model import ServiceModel, Shape
from moto.core.exceptions import ServiceException

from reconciler.emulator.constraints import validation_message, violations

CONTROL = "agent-registry-control"
DATA = "agent-registry"
REQUEST_ONLY = frozenset({"clientToken", "tags"})  # request members that are never a resource's own attribute
# The official server.json schema versions of the MCP registry; each wants the members below (2025-07-09 onwards).
SERVER_SCHEMA_VERSIONS = ("2025-07-09", "2025-09-16", "2025-09-29", "2025-10-17", "2025-12-11")
SERVER_JSON = {
    "type": "object",
    "required": ["name", "description", "version"],
    "properties": {
        "name": {"type": "string", "minLength": 3, "maxLength": 200, "pattern": "^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$"},
        "description": {"type": "string", "minLength": 1, "maxLength": 100},
        "version": {"type": "string", "minLength": 1, "maxLength": 255},
        "remotes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "url"],
                "properties": {"type": {"enum": ["streamable-http", "sse"]}, "url": {"type": "string", "minLength": 1}},
            },
        },
    },
}
# The MCP tools/list result: every Tool has a name and an object inputSchema.
MCP_TOOLS = {
    "type": "object",
    "required": ["tools"],
    "properties": {
        "tools": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "inputSchema"],
                "properties": {"name": {"type": "string", "minLength": 1}, "description": {"type": "string"},
                               "inputSchema": {"type": "object"}},
            },
        },
    },
}
# The descriptor each record type carries (the model's documentation of `Descriptors`; GATEWAY records are MCP servers).
DESCRIPTORS = {
    "MCP": ("mcpServer",), "GATEWAY": ("mcpServer",), "AGENT": ("a2aAgentCard", "http", "agui"),
    "SKILL": ("agentSkillsDefinition",), "CUSTOM": ("custom",), "WEB_BOT": ("signatureAgentCard",),
}
METADATA_TEXT_LIMIT = 128  # a custom metadata value is a string of at most 128 characters, or a boolean


class RegistryError(ServiceException):
    """An error AWS Agent Registry answers with (the code picks its HTTP status from the model)."""


class ValidationException(RegistryError):
    code = "ValidationException"

    def __init__(self, message: str, reason: str = "FieldValidationFailed"):
        super().__init__(message)
        self.reason = reason


class ConflictException(RegistryError):
    code = "ConflictException"


class ResourceNotFoundException(RegistryError):
    code = "ResourceNotFoundException"


class UnauthorizedException(RegistryError):
    code = "UnauthorizedException"


@lru_cache(maxsize=None)
def model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def input_of(service: str, operation: str) -> Shape:
    return model(service).operation_model(operation).input_shape


def output_members(operation: str) -> tuple[str, ...]:
    """The members a control-plane operation answers with."""
    return tuple(model(CONTROL).operation_model(operation).output_shape.members)


def checked(service: str, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """The request, if it keeps the model's constraints (lengths, enums, patterns, maximums)."""
    problems = violations(input_of(service, operation), request)
    if problems:
        raise ValidationException(validation_message(problems))
    return request


def content(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """What a Create request sets on the resource: its body members less the client token and tags."""
    members = input_of(CONTROL, operation).members
    return {
        name: copy.deepcopy(value) for name, value in request.items()
        if name in members and name not in REQUEST_ONLY and members[name].serialization.get("location") != "uri"
    }


def is_wrapper(shape: Shape) -> bool:
    """An Updated* wrapper: a structure whose only member is optionalValue."""
    return shape.type_name == "structure" and list(shape.members) == ["optionalValue"]


def _holds_wrappers(shape: Shape) -> bool:
    return shape.type_name == "structure" and any(is_wrapper(member) for member in shape.members.values())


def patched(current: dict[str, Any], update: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """An Update* PATCH applied to `current`: a wrapper left out keeps the member, an empty one (or a null
    optionalValue) unsets it, one with a value sets it; wrappers inside wrappers patch deeper; a plain member
    given replaces the current one."""
    result = copy.deepcopy(current)
    for name, value in update.items():
        member = shape.members[name]
        if is_wrapper(member):
            inner = member.members["optionalValue"]
            given = (value or {}).get("optionalValue")
            if given is None:
                result.pop(name, None)
            else:
                result[name] = patched(result.get(name) or {}, given, inner) if _holds_wrappers(inner) else copy.deepcopy(given)
        elif _holds_wrappers(member):
            result[name] = patched(result.get(name) or {}, value, member)
        else:
            result[name] = copy.deepcopy(value)
    return result


def check_registry(configuration: dict[str, Any]) -> None:
    discovery = configuration.get("discoveryConfiguration") or {}
    custom_jwt = discovery.get("authorizerType") == "CUSTOM_JWT"
    configured = bool(discovery.get("authorizerConfiguration"))
    if custom_jwt and not configured:
        raise ValidationException("discoveryConfiguration.authorizerConfiguration is required when authorizerType is CUSTOM_JWT")
    if configured and not custom_jwt:
        raise ValidationException("discoveryConfiguration.authorizerConfiguration is only valid with authorizerType CUSTOM_JWT")


def check_record(record: dict[str, Any]) -> None:
    """A record's descriptors (exactly one, the one of its type, MCP documents valid) and custom metadata."""
    if record.get("artifact"):
        raise ValidationException("The emulator does not model skill artifacts: give the descriptors' data inline")
    descriptors = {name: value for name, value in (record.get("descriptors") or {}).items() if value is not None}
    expected = DESCRIPTORS[record["recordType"]]
    if len(descriptors) != 1 or next(iter(descriptors)) not in expected:
        raise ValidationException(
            f"descriptors must hold exactly one descriptor for recordType {record['recordType']}: {' or '.join(expected)} "
            f"(got {', '.join(sorted(descriptors)) or 'none'})")
    if _has_source(descriptors):
        raise ValidationException("The emulator does not model URL synchronization (descriptors' source): give the data inline")
    server = descriptors.get("mcpServer")
    if server is not None:
        _check_mcp_server(server)
    _check_metadata(record.get("customMetadata"))


def _has_source(node: Any) -> bool:
    if isinstance(node, dict):
        return any(key == "source" and value is not None or _has_source(value) for key, value in node.items())
    return False


def _check_mcp_server(server: dict[str, Any]) -> None:
    version = server.get("dataSchemaVersion") or SERVER_SCHEMA_VERSIONS[-1]
    if version not in SERVER_SCHEMA_VERSIONS:
        raise ValidationException(f"descriptors.mcpServer.dataSchemaVersion {version} is not a server.json schema version "
                                  f"({', '.join(SERVER_SCHEMA_VERSIONS)})")
    if server.get("data") is None:
        raise ValidationException("descriptors.mcpServer.data is required: the server.json of the MCP server")
    check_json(server["data"], SERVER_JSON, "descriptors.mcpServer.data")
    tools = ((server.get("additionalData") or {}).get("tools") or {}).get("data")
    if tools is not None:
        check_json(tools, MCP_TOOLS, "descriptors.mcpServer.additionalData.tools.data")


def check_json(text: str, schema: dict[str, Any], path: str) -> None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as problem:
        raise ValidationException(f"{path} is not valid JSON: {problem}") from None
    error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(document))
    if error is not None:
        where = "".join(f".{step}" for step in error.absolute_path)
        raise ValidationException(f"Schema validation failed: {path}{where}: {error.message}")


def _check_metadata(metadata: Any) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise ValidationException("customMetadata must be a JSON object")
    for key, value in metadata.items():
        if not (isinstance(value, bool) or isinstance(value, str) and len(value) <= METADATA_TEXT_LIMIT):
            raise ValidationException(f"customMetadata.{key}: a value is a string of at most {METADATA_TEXT_LIMIT} characters or a boolean")


def compliance(metadata: dict[str, Any] | None, schema: str | None) -> str | None:
    """COMPLIANT or NON_COMPLIANT against the registry's custom metadata schema; None without a schema."""
    if schema is None:
        return None
    try:
        valid = jsonschema.Draft7Validator(json.loads(schema)).is_valid(metadata or {})
    except (json.JSONDecodeError, jsonschema.exceptions.SchemaError):
        valid = False
    return "COMPLIANT" if valid else "NON_COMPLIANT"
