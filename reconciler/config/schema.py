"""JSON Schema of a registry file, generated from the installed botocore service models.

The resource bodies are the Create* request shapes of each kind's service
(bedrock-agentcore-control; agent-registry-control for agent registries), so
types, required members, enums, patterns and lengths follow boto3 as it is
upgraded. The reconciler's own top-level keys (README, "Config reference") are
added here; each kind brings the schema of its own reconciler-only members
(`Kind.reconciler_only`) and its switched-off API versions' members, each with
what to write instead. The same schema drives `reconcile validate` and editors.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from botocore.model import Shape

from reconciler.aws_model import SERVICE, service_model
from reconciler.config.checker import RETIRED
from reconciler.kinds import GATEWAY, KINDS, children_of, roots
from reconciler.kinds.base import Kind
from reconciler.kinds.gateway import THRESHOLDS
from reconciler.vocabulary import DEPLOYMENT_NAME, KeyPath

SCHEMA_ID = "https://agentcore-reconciler.dev/schemas/gateways.schema.json"

LIFECYCLE = {
    "type": "object",
    "description": "Reconciler-only: protections for this resource (never sent to the API).",
    "properties": {"preventDestroy": {"type": "boolean"}},
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

QUOTAS = {
    "type": "object",
    "properties": {
        "targetsPerGateway": {"type": "integer", "minimum": 1},
        "toolsPerTarget": {"type": "integer", "minimum": 1},
        "readsPerSecond": {"type": "number", "exclusiveMinimum": 0},
        "writesPerSecond": {"type": "number", "exclusiveMinimum": 0},
    },
    "additionalProperties": False,
    "description": "Reconciler-only: service quotas of this account, when raised (Get/List and write calls per second).",
}

DEPLOYMENTS = {
    "type": "object",
    "description": "Reconciler-only: the accounts and regions the registry's resources live in (absent: the caller's account, `region:`).",
    "propertyNames": DEPLOYMENT_NAME,
    "additionalProperties": {
        "type": "object",
        "properties": {
            "account": {"type": "string", "pattern": "^[0-9]{12}$"},
            "region": {"type": "string", "pattern": r"^[a-z]{2}(-[a-z]+)+-\d$"},
            "roleArn": {"type": "string", "minLength": 20, "maxLength": 2048,
                        "description": "Assumed with STS AssumeRole for every call in this deployment (may use ${deployment.account})."},
            "externalId": {"type": "string", "minLength": 2, "maxLength": 1224},
            "quotas": QUOTAS,
            "vars": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["account", "region"],
        "additionalProperties": False,
    },
}
ROLLOUT = {
    "type": "array",
    "description": "Reconciler-only: apply waves, in order; a wave starts only when the previous one applied cleanly.",
    "items": {"type": "array", "items": DEPLOYMENT_NAME, "minItems": 1},
}
DEPLOY_TO = {
    "type": "array",
    "description": "Reconciler-only: the deployments that get this resource (absent: every deployment).",
    "items": DEPLOYMENT_NAME,
    "minItems": 1,
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
        self.prefix = ""  # shapes of another service than AgentCore's are named after it: their names may clash

    def ref(self, shape: Shape) -> dict[str, Any]:
        if shape.type_name != "structure":
            return self.inline(shape)
        name = self.prefix + shape.name
        if name not in self.defs:
            self.defs[name] = {}  # placeholder first: shapes may be recursive
            self.defs[name] = self.structure(shape)
        return {"$ref": f"#/$defs/{name}"}

    def structure(self, shape: Shape) -> dict[str, Any]:
        schema = self.members(dict(shape.members), list(shape.required_members))
        if shape.metadata.get("union"):
            schema["minProperties"] = 1
            schema["maxProperties"] = 1
        if shape.documentation:
            schema["description"] = _first_sentence(shape.documentation)
        return schema

    def members(self, members: dict[str, Shape], required: list[str]) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {name: self.ref(member) for name, member in members.items()},
            "additionalProperties": False,
        }
        if required:
            schema["required"] = required
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


def _def_name(text: str) -> str:
    """`policy-engine` -> RegistryPolicyEngine, `credentialProviders` -> RegistryCredentialProvider."""
    words = re.split(r"[-_]", text)
    return "Registry" + "".join(w[:1].upper() + w[1:] for w in words).removesuffix("s")


def _names(builder: _SchemaBuilder, kind: Kind) -> dict[str, Any]:
    """Map keys are names: the model's name shape (an integer name, a rule's priority, is written as a key)."""
    shape = kind.name_shape
    if shape.type_name in ("integer", "long"):
        return {"type": "string", "pattern": "^[0-9]+$"}
    return builder.inline(shape)


def _kind_schema(builder: _SchemaBuilder, kind: Kind) -> dict[str, Any]:
    """A declaration of `kind`: its declared members, its reconciler-only members and its children."""
    if kind.spec_schema is not None:
        return dict(kind.spec_schema)
    members = kind.declared_members
    builder.prefix = "" if kind.service == SERVICE else service_model(kind.service).service_id.replace(" ", "")
    schema = builder.members(members, [m for m in kind.create_shape.required_members if m in members and m not in kind.optional_members])
    for path, hint in kind.retired_members.items():
        _retire(builder, schema, path, hint)
    builder.prefix = ""
    schema["properties"]["lifecycle"] = LIFECYCLE
    for member in sorted(kind.reconciler_only):  # each kind's own keys, with the schema it gives them
        schema["properties"][member] = kind.reconciler_only[member]
    for child in children_of(kind.key, declared_only=True):
        builder.defs[_def_name(child.key)] = _kind_schema(builder, child)
        reference = {"$ref": f"#/$defs/{_def_name(child.key)}"}
        schema["properties"][child.section] = reference if child.singleton else {
            "type": "object", "propertyNames": _names(builder, child), "additionalProperties": reference,
        }
    return schema


def _retire(builder: _SchemaBuilder, schema: dict[str, Any], path: KeyPath, hint: str) -> None:
    """Mark a member of a switched-off API version, so that using it says what to write instead (validate.py)."""
    for member in path[:-1]:
        schema = schema["properties"][member]
        while "$ref" in schema:
            schema = builder.defs[schema["$ref"].rsplit("/", 1)[-1]]
    schema.setdefault(RETIRED, {})[path[-1]] = hint


def _section_schema(builder: _SchemaBuilder, section: str, kinds: list[Kind]) -> dict[str, Any]:
    """A top-level section: NAME -> declaration, or NAME -> {variant: declaration} when kinds share it."""
    if kinds[0].variant is None:
        builder.defs[_def_name(kinds[0].key)] = _kind_schema(builder, kinds[0])
        builder.defs[_def_name(kinds[0].key)]["properties"]["deployTo"] = DEPLOY_TO
        entry: dict[str, Any] = {"$ref": f"#/$defs/{_def_name(kinds[0].key)}"}
    else:
        variants = {k.variant: _kind_schema(builder, k) for k in kinds if k.variant}
        builder.defs[_def_name(section)] = {
            "type": "object",
            "properties": {**variants, "lifecycle": LIFECYCLE, "deployTo": DEPLOY_TO},
            "additionalProperties": False,
            "oneOf": [{"required": [v]} for v in variants],
        }
        entry = {"$ref": f"#/$defs/{_def_name(section)}"}
    return {"type": "object", "propertyNames": _names(builder, kinds[0]), "additionalProperties": entry}


def _reference_keys(builder: _SchemaBuilder) -> None:
    """Where the API wants another resource's ARN, a declaration may name it instead (`provider: NAME`)."""
    for kind in KINDS.values():
        if kind.reference is None:
            continue
        builder.ref(service_model().shape_for(kind.reference.shape))
        target = builder.defs[kind.reference.shape]
        target["properties"][kind.reference.key] = {"type": "string", "description": f"Reconciler-only: the name of a {kind.noun} of this registry."}
        target["required"] = [m for m in target.get("required", []) if m != kind.reference.arn_member]
        if not target["required"]:
            target.pop("required")


def schema_key() -> tuple[str, ...]:
    """What the schema depends on besides the (fixed) model: the kinds registered now. Caches key on it."""
    return tuple(KINDS)


def registry_schema() -> dict[str, Any]:
    """The whole registry file's schema, for the kinds registered now."""
    return _schema(schema_key())


@lru_cache(maxsize=4)
def _schema(kinds: tuple[str, ...]) -> dict[str, Any]:
    """Cached per set of kinds: the model does not change in a process, the kinds only when a test adds one."""
    model = service_model()
    builder = _SchemaBuilder()
    _reference_keys(builder)
    sections: dict[str, list[Kind]] = {}
    for kind in roots():
        sections.setdefault(kind.section, []).append(kind)
    top = {section: _section_schema(builder, section, kinds) for section, kinds in sections.items()}
    gateway = builder.defs[_def_name(GATEWAY)]["properties"]
    builder.defs["RegistryAuthorizer"] = {
        "type": "object",
        "properties": {"authorizerType": gateway["authorizerType"], "authorizerConfiguration": gateway["authorizerConfiguration"]},
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
            "quotas": QUOTAS,
            "safety": REGISTRY_SAFETY,
            "lock": LOCK,
            "deployments": DEPLOYMENTS,
            "rollout": ROLLOUT,
            "authorizers": {
                "type": "object",
                "additionalProperties": {"$ref": "#/$defs/RegistryAuthorizer"},
            },
            **top,
        },
        "additionalProperties": False,
        "$defs": dict(sorted(builder.defs.items())),
    }
