"""Validate a loaded document: the generated JSON Schema first, then the reconciler's own rules.

Every problem is collected and reported at once as `FILE:LINE: path: message`.
Messages never repeat a value that came from the environment.
"""

from __future__ import annotations

from typing import Any

import jsonschema

from reconciler.config.loader import Document, Path_, Problem
from reconciler.config.schema import registry_schema

DEFAULT_TARGETS_PER_GATEWAY = 100
DEFAULT_TOOLS_PER_TARGET = 1000


def dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def schema_problems(document: Document) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(registry_schema())
    problems: list[Problem] = []
    for error in validator.iter_errors(document.data):
        path, message = _describe(error, document)
        where = document.source.locate(path)
        problems.append((where, f"{dotted(path)}: {message}" if path else message))
    return problems


def _shown(value: Any, path: Path_, document: Document) -> str:
    return "(sensitive value)" if path in document.source.from_env else repr(value)


def _describe(error: jsonschema.ValidationError, document: Document) -> tuple[Path_, str]:
    """A path (pointing at the offending key where there is one) and a plain message."""
    path: Path_ = tuple(error.absolute_path)
    keyword = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    shown = _shown(instance, path, document)
    if "propertyNames" in error.schema_path:
        return path + (instance,), f"name '{instance}' is not valid here: {_rule(keyword, error.validator_value)}"
    if keyword == "required":
        missing = [m for m in error.validator_value if isinstance(instance, dict) and m not in instance]
        return path, f"missing required member '{missing[0] if missing else error.validator_value}'"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = schema.get("properties", {})
        unknown = sorted(k for k in instance if k not in allowed)
        key = unknown[0] if unknown else ""
        hint = f" (allowed: {', '.join(sorted(allowed))})" if allowed else ""
        return path + (key,), f"unknown member '{key}'{hint}"
    if keyword == "enum":
        return path, f"{shown} is not one of: {', '.join(map(str, error.validator_value))}"
    if keyword == "pattern":
        return path, f"{shown} does not match the pattern {error.validator_value}"
    if keyword in ("minLength", "maxLength"):
        bound = "at least" if keyword == "minLength" else "at most"
        return path, f"{shown} has {len(instance)} characters; it must have {bound} {error.validator_value}"
    if keyword in ("minItems", "maxItems"):
        bound = "at least" if keyword == "minItems" else "at most"
        return path, f"has {len(instance)} items; it must have {bound} {error.validator_value}"
    if keyword in ("minProperties", "maxProperties"):
        if schema.get("minProperties") == 1 and schema.get("maxProperties") == 1:
            return path, f"set exactly one of: {', '.join(schema.get('properties', {}))}"
        bound = "at least" if keyword == "minProperties" else "at most"
        return path, f"has {len(instance)} entries; it must have {bound} {error.validator_value}"
    if keyword in ("minimum", "maximum"):
        bound = "at least" if keyword == "minimum" else "at most"
        return path, f"{shown} must be {bound} {error.validator_value}"
    if keyword == "type":
        return path, f"must be of type {error.validator_value}, not {type(instance).__name__} ({shown})"
    if keyword == "oneOf":
        options = [r for branch in error.validator_value for r in branch.get("required", [])]
        return path, f"needs exactly one of: {', '.join(options)}"
    return path, error.message


def _rule(keyword: str, value: Any) -> str:
    return {"pattern": f"it must match {value}", "minLength": f"at least {value} characters", "maxLength": f"at most {value} characters"}.get(keyword, f"{keyword} {value}")
