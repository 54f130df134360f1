"""Validate a loaded document: the generated JSON Schema first, then the reconciler's own rules.

Every problem is collected and reported at once as `FILE:LINE: path: message`.
A message never shows a value that came from the environment, nor one that
holds such a value at any depth (`shown`), and cuts long values (`clip`).

The schema is compiled once into predicates (checker.py) that pass a valid
document in one walk; jsonschema, imported only when something is invalid,
writes the messages for the smallest parts found invalid (a resource, a
member), so its results, and the messages, are those of a whole-document run.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterator

from reconciler.config.checker import RETIRED, CompiledSchema
from reconciler.config.loader import Document, KeyPath, Problem, SourceMap, brief, clip
from reconciler.config.schema import registry_schema, schema_key

if TYPE_CHECKING:
    import jsonschema

SENSITIVE = "(sensitive value)"


def dotted(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{clip(part)}" if text else clip(part))
    return text


def shown(value: Any, path: KeyPath, source: SourceMap) -> str:
    """The value at `path` as a message shows it: never what came from `${env:}`, at any depth; long ones cut."""
    return SENSITIVE if source.has_secret(path) else brief(value)


def located(source: SourceMap, path: KeyPath, message: str) -> Problem:
    """A problem at `path`: where it is in the files, and the message prefixed by the dotted path (when there is one)."""
    return source.locate(path), f"{dotted(path)}: {message}" if path else message


class ProblemCollector:
    """A pass over the files that reports every problem it finds, not just the first (the schema's, the deployments'
    checks, the desired state's build): each problem located in the files and prefixed by its path."""

    def __init__(self, document: Document):
        self.document = document
        self.data = document.data
        self.problems: list[Problem] = []

    def problem(self, path: KeyPath, message: str) -> None:
        self.problems.append(located(self.document.source, path, message))


def schema_problems(document: Document) -> list[Problem]:
    compiled = _compiled()
    problems: list[Problem] = []
    try:
        for schema, instance, base in _invalid_parts(compiled, compiled.root, document.data, ()):
            for error in _validator().evolve(schema=schema).iter_errors(instance):
                path, message = _describe(error, base + tuple(error.absolute_path), document.source)
                problems.append(located(document.source, path, message))
    except RecursionError:  # the loader's depth limit keeps documents far from this
        problems.append((None, "the registry is nested too deeply to validate"))
    return problems


def _compiled() -> CompiledSchema:
    return _compiled_for(schema_key())


def _validator() -> jsonschema.Draft202012Validator:
    return _validator_for(schema_key())


@lru_cache(maxsize=4)
def _compiled_for(key: tuple[str, ...]) -> CompiledSchema:
    return CompiledSchema(registry_schema())


@lru_cache(maxsize=4)
def _validator_for(key: tuple[str, ...]) -> jsonschema.Draft202012Validator:
    import jsonschema  # only a document with a problem needs it (and its import time)

    return jsonschema.Draft202012Validator(registry_schema())


def _invalid_parts(compiled: CompiledSchema, schema: Any, instance: Any, path: KeyPath) -> Iterator[tuple[Any, Any, KeyPath]]:
    """The smallest (sub-schema, value, path) parts that fail: an object whose own checks pass is searched member by member."""
    schema = compiled.resolve(schema)
    if compiled.check(schema)(instance):
        return
    if type(instance) is not dict or not isinstance(schema, dict) or not compiled.shallow(schema)(instance):
        yield schema, instance, path
        return
    members = schema.get("properties", {})
    others = schema.get("additionalProperties")
    for key, value in instance.items():
        member = members.get(key, others if isinstance(others, dict) else None)
        if member is not None:
            yield from _invalid_parts(compiled, member, value, path + (key,))


def _describe(error: jsonschema.ValidationError, path: KeyPath, source: SourceMap) -> tuple[KeyPath, str]:
    """A path (pointing at the offending key where there is one) and a plain message."""
    # jsonschema types these as possibly Unset; an error its validation raised has them all.
    keyword: Any = error.validator
    rule: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance: Any = error.instance
    value = shown(instance, path, source)
    if "propertyNames" in error.schema_path:
        return path + (instance,), f"name '{clip(instance)}' is not valid here: {_rule(keyword, rule)}"
    if keyword == "required":
        missing = [m for m in rule if isinstance(instance, dict) and m not in instance]
        return path, f"missing required member '{missing[0] if missing else rule}'"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = schema.get("properties", {})
        unknown = sorted(k for k in instance if k not in allowed)
        key = unknown[0] if unknown else ""
        retired = schema.get(RETIRED, {})
        if key in retired:
            return path + (key,), f"'{clip(key)}' belongs to an API version AWS has switched off: {retired[key]}"
        hint = f" (allowed: {', '.join(sorted(allowed))})" if allowed else ""
        return path + (key,), f"unknown member '{clip(key)}'{hint}"
    if keyword == "enum":
        return path, f"{value} is not one of: {', '.join(map(str, rule))}"
    if keyword == "pattern":
        return path, f"{value} does not match the pattern {rule}"
    if keyword in ("minLength", "maxLength"):
        bound = "at least" if keyword == "minLength" else "at most"
        return path, f"{value} has {len(instance)} characters; it must have {bound} {rule}"
    if keyword in ("minItems", "maxItems"):
        bound = "at least" if keyword == "minItems" else "at most"
        return path, f"has {len(instance)} items; it must have {bound} {rule}"
    if keyword in ("minProperties", "maxProperties"):
        if schema.get("minProperties") == 1 and schema.get("maxProperties") == 1:
            return path, f"set exactly one of: {', '.join(schema.get('properties', {}))}"
        bound = "at least" if keyword == "minProperties" else "at most"
        return path, f"has {len(instance)} entries; it must have {bound} {rule}"
    if keyword in ("minimum", "maximum"):
        bound = "at least" if keyword == "minimum" else "at most"
        return path, f"{value} must be {bound} {rule}"
    if keyword == "type":
        shown_value = value if value == SENSITIVE else f"({value})"  # the marker has its own brackets
        return path, f"must be of type {rule}, not {type(instance).__name__} {shown_value}"
    if keyword == "oneOf":
        options = [r for branch in rule for r in branch.get("required", [])]
        return path, f"needs exactly one of: {', '.join(options)}"
    if source.has_secret(path):  # jsonschema's own message repeats the value
        return path, f"{value} breaks the schema's `{keyword}` rule"
    return path, clip(error.message, 200)


def _rule(keyword: str, value: Any) -> str:
    return {"pattern": f"it must match {value}", "minLength": f"at least {value} characters", "maxLength": f"at most {value} characters"}.get(keyword, f"{keyword} {value}")
