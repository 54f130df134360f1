"""JSON Schema of a registry file, generated from the installed botocore service model.

The resource bodies are the Create* request shapes of bedrock-agentcore-control,
so types, required members, enums, patterns and lengths follow boto3 as it is
upgraded. The reconciler's own keys (see CONTRACT.md) are added here, in one
place. The same schema drives `reconcile validate` and editors.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from botocore.model import Shape

from reconciler.aws_model import service_model

SCHEMA_ID = "https://agentcore-reconciler.dev/schemas/gateways.schema.json"

# Members that the reconciler supplies itself (identity, ownership, idempotency).
IDENTITY_MEMBERS = frozenset({"name", "tags", "clientToken", "gatewayIdentifier"})

LIFECYCLE = {
    "type": "object",
    "description": "Reconciler-only: protections for this resource (never sent to the API).",
    "properties": {"preventDestroy": {"type": "boolean"}},
    "additionalProperties": False,
}

THRESHOLDS = {
    "updatePercent": {"type": "number", "minimum": 0, "maximum": 100},
    "deletePercent": {"type": "number", "minimum": 0, "maximum": 100},
    "minExisting": {"type": "integer", "minimum": 0},
}
GATEWAY_SAFETY = {
    "type": "object",
    "description": "Reconciler-only: blast-radius thresholds for this gateway's targets.",
    "properties": THRESHOLDS,
    "additionalProperties": False,
}
REGISTRY_SAFETY = {
    "type": "object",
    "description": "Reconciler-only: blast-radius thresholds and always-confirm rules (apply refuses without --force).",
    "properties": {**THRESHOLDS, "allowGatewayDestroy": {"type": "boolean"}},
    "additionalProperties": False,
}
LOCK = {
    "type": "object",
    "description": "Reconciler-only: where apply holds its lock (an S3 object written with a conditional put).",
    "properties": {
        "s3": {
            "type": "object",
            "properties": {"bucket": {"type": "string", "minLength": 3}, "key": {"type": "string", "minLength": 1}},
            "required": ["bucket"],
            "additionalProperties": False,
        },
    },
    "required": ["s3"],
    "additionalProperties": False,
}

VERIFY = {
    "type": "object",
    "description": "Reconciler-only: how `reconcile verify` authenticates to this gateway (CUSTOM_JWT client credentials).",
    "properties": {
        "clientId": {"type": "string", "minLength": 1},
        "clientSecret": {"type": "string", "minLength": 1},
        "scopes": {"type": "array", "items": {"type": "string"}},
        "tokenUrl": {"type": "string", "pattern": "^https?://"},
        "searchQuery": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
}

# Credential references may name a provider of this registry instead of an ARN.
PROVIDER_REFERENCE_SHAPES = {
    "OAuthCredentialProvider": "credentialProviders key of an `oauth2` provider",
    "ApiKeyCredentialProvider": "credentialProviders key of an `apiKey` provider",
}


def anchored(pattern: str) -> str | None:
    """AWS patterns must match the whole value; None when Python's `re` cannot compile it."""
    full = f"^(?:{pattern})$"
    try:
        re.compile(full)
    except re.error:
        return None
    return full


class _SchemaBuilder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def ref(self, shape: Shape) -> dict[str, Any]:
        if shape.type_name != "structure":
            return self.inline(shape)
        if shape.name not in self.defs:
            self.defs[shape.name] = {}  # placeholder first: shapes may be recursive
            self.defs[shape.name] = self.structure(shape, exclude=frozenset())
        return {"$ref": f"#/$defs/{shape.name}"}

    def structure(self, shape: Shape, exclude: frozenset[str]) -> dict[str, Any]:
        members = {k: v for k, v in shape.members.items() if k not in exclude}
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {name: self.ref(member) for name, member in members.items()},
            "additionalProperties": False,
        }
        required = [m for m in shape.required_members if m in members]
        if required:
            schema["required"] = required
        if shape.metadata.get("union"):
            schema["minProperties"] = 1
            schema["maxProperties"] = 1
        if shape.documentation:
            schema["description"] = _first_sentence(shape.documentation)
        return schema

    def inline(self, shape: Shape) -> dict[str, Any]:
        meta = shape.metadata
        kind = shape.type_name
        if kind == "string":
            schema: dict[str, Any] = {"type": "string"}
            if getattr(shape, "enum", None):
                schema["enum"] = list(shape.enum)
            if "pattern" in meta and (pattern := anchored(meta["pattern"])):
                schema["pattern"] = pattern
            _bounds(schema, meta, "minLength", "maxLength")
            return schema
        if kind in ("integer", "long"):
            schema = {"type": "integer"}
            _bounds(schema, meta, "minimum", "maximum")
            return schema
        if kind in ("float", "double"):
            schema = {"type": "number"}
            _bounds(schema, meta, "minimum", "maximum")
            return schema
        if kind == "boolean":
            return {"type": "boolean"}
        if kind in ("timestamp", "blob"):
            return {"type": "string"}
        if kind == "list":
            schema = {"type": "array", "items": self.ref(shape.member)}
            _bounds(schema, meta, "minItems", "maxItems")
            return schema
        if kind == "map":
            schema = {"type": "object", "additionalProperties": self.ref(shape.value)}
            key = self.inline(shape.key)
            if len(key) > 1:
                schema["propertyNames"] = key
            _bounds(schema, meta, "minProperties", "maxProperties")
            return schema
        if kind == "structure" and meta.get("document"):
            return {}
        return self.ref(shape)


def _bounds(schema: dict[str, Any], meta: dict[str, Any], low: str, high: str) -> None:
    if "min" in meta:
        schema[low] = meta["min"]
    if "max" in meta:
        schema[high] = meta["max"]


def _first_sentence(html: str) -> str:
    text = re.sub(r"<[^>]+>", "", html).strip()
    return text.split(". ")[0].rstrip(".") + "." if text else ""


def _names_of(builder: _SchemaBuilder, shape_name: str) -> dict[str, Any]:
    return builder.inline(service_model().shape_for(shape_name))


@lru_cache(maxsize=1)
def registry_schema() -> dict[str, Any]:
    """The whole registry file's schema (cached: the model does not change in a process)."""
    model = service_model()
    builder = _SchemaBuilder()

    gateway_shape = model.shape_for("CreateGatewayRequest")
    target_shape = model.shape_for("CreateGatewayTargetRequest")

    target = builder.structure(target_shape, IDENTITY_MEMBERS)
    target["properties"]["expectTools"] = {
        "type": "array",
        "items": {"type": "string"},
        "description": "Reconciler-only: tools this target promises (never sent to the API).",
    }
    target["properties"]["lifecycle"] = LIFECYCLE

    gateway = builder.structure(gateway_shape, IDENTITY_MEMBERS)
    gateway["required"] = [m for m in gateway.get("required", []) if m != "authorizerType"]
    gateway["properties"]["authorizer"] = {
        "type": "string",
        "description": "Reconciler-only: name of an entry under top-level `authorizers`.",
    }
    gateway["properties"]["lifecycle"] = LIFECYCLE
    gateway["properties"]["safety"] = GATEWAY_SAFETY
    gateway["properties"]["verify"] = VERIFY
    gateway["properties"]["targets"] = {
        "type": "object",
        "propertyNames": _names_of(builder, "TargetName"),
        "additionalProperties": {"$ref": "#/$defs/RegistryTarget"},
    }
    builder.defs["RegistryTarget"] = target
    builder.defs["RegistryGateway"] = gateway

    for shape_name, hint in PROVIDER_REFERENCE_SHAPES.items():
        builder.ref(model.shape_for(shape_name))
        reference = builder.defs[shape_name]
        reference["properties"]["provider"] = {"type": "string", "description": f"Reconciler-only: {hint}."}
        reference["required"] = [m for m in reference.get("required", []) if m != "providerArn"]

    oauth2 = builder.structure(model.shape_for("CreateOauth2CredentialProviderRequest"), IDENTITY_MEMBERS)
    api_key = builder.structure(model.shape_for("CreateApiKeyCredentialProviderRequest"), IDENTITY_MEMBERS)
    builder.defs["RegistryCredentialProvider"] = {
        "type": "object",
        "properties": {"oauth2": oauth2, "apiKey": api_key, "lifecycle": LIFECYCLE},
        "additionalProperties": False,
        "oneOf": [{"required": ["oauth2"]}, {"required": ["apiKey"]}],
    }
    builder.defs["RegistryAuthorizer"] = {
        "type": "object",
        "properties": {
            "authorizerType": gateway["properties"]["authorizerType"],
            "authorizerConfiguration": gateway["properties"]["authorizerConfiguration"],
        },
        "required": ["authorizerType"],
        "additionalProperties": False,
    }
    tags = builder.inline(model.shape_for("TagsMap"))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "agentcore-reconciler registry",
        "type": "object",
        "properties": {
            "registry": {
                "type": "string",
                "minLength": 1,
                "maxLength": 256,
                "description": "Ownership marker: resources tagged with it are managed by this registry.",
            },
            "region": {"type": "string", "pattern": r"^[a-z]{2}(-[a-z]+)+-\d$"},
            "tags": tags,
            "quotas": {
                "type": "object",
                "properties": {
                    "targetsPerGateway": {"type": "integer", "minimum": 1},
                    "toolsPerTarget": {"type": "integer", "minimum": 1},
                },
                "additionalProperties": False,
                "description": "Reconciler-only: service quotas of this account, when raised.",
            },
            "safety": REGISTRY_SAFETY,
            "lock": LOCK,
            "authorizers": {
                "type": "object",
                "additionalProperties": {"$ref": "#/$defs/RegistryAuthorizer"},
            },
            "credentialProviders": {
                "type": "object",
                "propertyNames": _names_of(builder, "CredentialProviderName"),
                "additionalProperties": {"$ref": "#/$defs/RegistryCredentialProvider"},
            },
            "gateways": {
                "type": "object",
                "propertyNames": _names_of(builder, "GatewayName"),
                "additionalProperties": {"$ref": "#/$defs/RegistryGateway"},
            },
        },
        "additionalProperties": False,
        "$defs": dict(sorted(builder.defs.items())),
    }
