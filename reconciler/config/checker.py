"""A JSON Schema compiled once into Python predicates that say, fast, whether an instance is valid.

jsonschema interprets its schema at every node, `$ref` lookups included: for a
10,000-resource registry that was most of `reconcile validate`. These
predicates only answer valid or not, for the keywords they know; jsonschema
still writes every message, on the parts found invalid (see validate.py).

A predicate never says "valid" for an instance jsonschema rejects: a keyword
it does not know makes its sub-schema answer "not valid" (ask jsonschema),
and `oneOf` / `not` compile only over sub-schemas whose answers are exact.
"""

from __future__ import annotations

import operator
import re
from typing import Any, Callable

Check = Callable[[Any], bool]

RETIRED = "x-retired"  # the schema's own annotation: members of a switched-off API -> what to write instead
# Keywords that never change validity.
ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples",
                         "deprecated", "readOnly", "writeOnly", RETIRED})
# Keywords compiled here; a sub-schema with any other keyword is undecided.
KNOWN = ANNOTATIONS | {"type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
                       "exclusiveMaximum", "properties", "additionalProperties", "required", "propertyNames",
                       "minProperties", "maxProperties", "items", "minItems", "maxItems", "oneOf", "$ref"}
# The child schemas of an object schema: what `shallow` replaces with `True`.
CHILD_KEYWORDS = ("properties", "additionalProperties")
# Keywords on the size of a string, array or object: the type they apply to, and how len() compares to their value.
SIZES: dict[str, tuple[type, Callable[[Any, Any], bool]]] = {
    "minLength": (str, operator.ge), "maxLength": (str, operator.le), "minItems": (list, operator.ge),
    "maxItems": (list, operator.le), "minProperties": (dict, operator.ge), "maxProperties": (dict, operator.le),
}
NUMBER_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {
    "minimum": operator.ge, "maximum": operator.le, "exclusiveMinimum": operator.gt, "exclusiveMaximum": operator.lt,
}


def _is_number(value: Any) -> bool:
    return (type(value) is int or type(value) is float) and value is not True and value is not False


# jsonschema's Draft 2020-12 type checker, for plain data.
TYPES: dict[str, Check] = {
    "string": lambda v: type(v) is str,
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
}


def _never(value: Any) -> bool:
    return False


def _always(value: Any) -> bool:
    return True


class CompiledSchema:
    """Predicates for a root schema and any of its sub-schemas (compiled on first use, kept by identity)."""

    def __init__(self, root: dict[str, Any]):
        self.root = root
        self._checks: dict[int, Check] = {}
        self._shallow: dict[int, Check] = {}
        self._keep: list[Any] = []  # the schemas keyed by id() stay alive

    def check(self, schema: Any) -> Check:
        key = id(schema)
        found = self._checks.get(key)
        if found is None:
            self._checks[key] = lambda value: self._checks[key](value)  # a `$ref` cycle calls back here
            found = self._checks[key] = self._compile(schema)
            self._keep.append(schema)
        return found

    def resolve(self, schema: Any) -> Any:
        """A schema that is only a local `$ref`, followed; anything else as it is."""
        while isinstance(schema, dict) and set(schema) == {"$ref"} and self._local(schema["$ref"]) is not None:
            schema = self._local(schema["$ref"])
        return schema

    def shallow(self, schema: dict[str, Any]) -> Check:
        """The checks of an object schema on the object itself, its members' schemas left out."""
        found = self._shallow.get(id(schema))
        if found is None:
            local = {k: v for k, v in schema.items() if k not in CHILD_KEYWORDS}
            local["properties"] = {name: True for name in schema.get("properties", {})}
            if schema.get("additionalProperties") is False:
                local["additionalProperties"] = False
            found = self._shallow[id(schema)] = self._compile(local)
            self._keep.append((schema, local))
        return found

    def _local(self, reference: str) -> Any:
        if not reference.startswith("#/"):
            return None
        node: Any = self.root
        for part in reference[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def _compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return _always
        if schema is False or not isinstance(schema, dict) or not set(schema) <= KNOWN:
            return _never
        checks = [check for keyword, value in schema.items() if (check := self._keyword(keyword, value, schema)) is not None]
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    def _keyword(self, keyword: str, value: Any, schema: dict[str, Any]) -> Check | None:
        if keyword in ANNOTATIONS:
            return None
        if keyword == "$ref":
            target = self._local(value)
            return _never if target is None else self.check(target)
        if keyword == "type":
            return _type(value)
        if keyword == "oneOf":
            return self._one_of(value)
        if keyword in SIZES:
            kind, compare = SIZES[keyword]
            return _only(kind, lambda instance: compare(len(instance), value))
        if keyword in NUMBER_BOUNDS:
            compare = NUMBER_BOUNDS[keyword]
            return lambda instance: not _is_number(instance) or compare(instance, value)
        if keyword in ("properties", "additionalProperties", "required", "propertyNames"):
            return self._object(keyword, value, schema)
        if keyword == "items":
            item = self.check(value)
            return _only(list, lambda items: all(item(i) for i in items))
        return _string(keyword, value)

    def _object(self, keyword: str, value: Any, schema: dict[str, Any]) -> Check:
        if keyword == "properties":
            members = [(name, self.check(sub)) for name, sub in value.items() if sub is not True and sub != {}]
            return _only(dict, lambda obj: all(name not in obj or check(obj[name]) for name, check in members))
        if keyword == "additionalProperties":
            known = frozenset(schema.get("properties", {}))
            if value is False:
                return _only(dict, lambda obj: all(name in known for name in obj))
            extra = self.check(value)
            return _only(dict, lambda obj: all(extra(item) for name, item in obj.items() if name not in known))
        if keyword == "required":
            return _only(dict, lambda obj: all(name in obj for name in value))
        names = self.check(value)  # propertyNames
        return _only(dict, lambda obj: all(names(name) for name in obj))

    def _one_of(self, branches: list[Any]) -> Check:
        if not all(self._exact(branch, set()) for branch in branches):
            return _never
        checks = [self.check(branch) for branch in branches]
        return lambda value: sum(1 for check in checks if check(value)) == 1

    def _exact(self, schema: Any, seen: set[int]) -> bool:
        """Whether every answer of `schema`'s predicate is exact (no unknown keyword below it)."""
        if isinstance(schema, bool) or id(schema) in seen:
            return True
        if not isinstance(schema, dict) or not set(schema) <= KNOWN:
            return False
        seen.add(id(schema))
        children: list[Any] = list(schema.get("properties", {}).values()) + list(schema.get("oneOf", []))
        children += [schema[k] for k in ("additionalProperties", "items", "propertyNames") if k in schema]
        if "$ref" in schema:
            children.append(self._local(schema["$ref"]))
        return all(self._exact(child, seen) for child in children)


def _only(kind: type, check: Check) -> Check:
    """A keyword that applies to one JSON type: other instances pass it."""
    return lambda value: type(value) is not kind or check(value)


def _type(names: str | list[str]) -> Check:
    if isinstance(names, str):
        return TYPES.get(names, _never)
    checks = [TYPES.get(name, _never) for name in names]
    return lambda value: any(check(value) for check in checks)


def _string(keyword: str, value: Any) -> Check:
    if keyword == "enum":
        if not all(type(option) is str for option in value):
            return _never  # jsonschema's equality (1 != True, 1 == 1.0) is not worth restating
        options = frozenset(value)
        return lambda instance: type(instance) is str and instance in options
    search = re.compile(value).search  # pattern
    return _only(str, lambda text: search(text) is not None)
