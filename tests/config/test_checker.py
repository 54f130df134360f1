"""The compiled schema agrees with jsonschema: never "valid" where jsonschema finds an error."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings

from reconciler.config.checker import CompiledSchema
from reconciler.config.schema import registry_schema
from tests.config.strategies import BOUNDED, edited_registries, tutorial

# (schema, whether the compiled checks know every keyword in it)
SMALL_SCHEMAS = [
    ({"type": "integer"}, True),
    ({"type": ["string", "null"]}, True),
    ({"type": "boolean"}, True),
    ({"type": "number", "minimum": 1, "maximum": 10}, True),
    ({"exclusiveMinimum": 1, "exclusiveMaximum": 10}, True),
    ({"enum": ["A", "B"]}, True),
    ({"enum": [1, True]}, False),  # not all strings: jsonschema's equality is not restated
    ({"type": "string", "pattern": "b+", "minLength": 2, "maxLength": 4}, True),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2}, True),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False}, True),
    ({"type": "object", "additionalProperties": {"type": "integer"}, "propertyNames": {"pattern": "^[0-9]+$"},
      "minProperties": 1, "maxProperties": 2}, True),
    ({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, True),
    ({"oneOf": [{"required": ["a"]}, {"not": {"required": ["b"]}}]}, False),
    ({"const": 1}, False),
    ({"$ref": "#/$defs/tree", "$defs": {"tree": {"type": "object", "additionalProperties": {"$ref": "#/$defs/tree"}}}}, True),
    (True, True),
    (False, True),
]
INSTANCES = [None, True, False, 0, 1, 1.0, 1.5, 10, 10.0, 11, float("inf"), "", "A", "a", "b", "bb", "bbbb", "bbbbb", "abba",
             "10", [], [1], [1, 2], [1, 2, 3], [True], ["1"], {}, {"a": "x"}, {"a": 1}, {"a": "x", "b": 1}, {"b": 1},
             {"1": 1}, {"1": 1, "22": 2}, {"1": 1, "22": 2, "3": 3}, {"x": 1}, {"1": True}, {"a": {"b": {}}}, {"a": {"b": 1}}]


@pytest.mark.parametrize("schema, known", SMALL_SCHEMAS, ids=lambda value: str(value)[:40])
def test_small_schemas_agree_with_jsonschema(schema: Any, known: bool) -> None:
    check = CompiledSchema(schema if isinstance(schema, dict) else {}).check(schema)
    exact = jsonschema.Draft202012Validator(schema)
    for instance in INSTANCES:
        expected = exact.is_valid(instance) if known else False  # an unknown keyword: always "ask jsonschema"
        assert check(instance) == expected, instance


@settings(BOUNDED, max_examples=100)
@given(document=edited_registries())
def test_the_registry_schema_agrees_with_jsonschema(document: dict[str, Any]) -> None:
    compiled = CompiledSchema(registry_schema())
    assert compiled.check(registry_schema())(document) == jsonschema.Draft202012Validator(registry_schema()).is_valid(document)


def test_the_shipped_registry_is_valid_for_both() -> None:
    assert CompiledSchema(registry_schema()).check(registry_schema())(tutorial())


@pytest.mark.parametrize("keyword", ["not", "anyOf", "if", "patternProperties", "uniqueItems"])
def test_an_unknown_keyword_means_ask_jsonschema(keyword: str) -> None:
    schema = {"type": "object", keyword: {}}
    assert CompiledSchema(schema).check(schema)({}) is False
