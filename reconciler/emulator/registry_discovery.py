"""AWS Agent Registry's discovery in the emulator: search types by region, metadata filters, ranking, and pages.

Search ranks lexically (BM25, reconciler.emulator.ranking) over a record's name, display name,
description, custom metadata text and its descriptors' text (server description and title, tool
names and descriptions). The service's SEMANTIC and HYBRID searches rank by meaning; the emulator
approximates both lexically, and a SEMANTIC search also returns the records that match no word of
the query after those that do (the service "returns results even without a close match").
Semantic search exists only in some Regions: RECONCILER_EMULATOR_SEMANTIC_REGIONS lists them
(default us-east-1,us-west-2); elsewhere the default is KEYWORD and HYBRID/SEMANTIC are refused
with ValidationException reason UnsupportedInRegion.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any, Callable, Iterator, Sequence, TypeVar

from reconciler.emulator.ranking import bm25
from reconciler.emulator.registry_content import ValidationException

SEMANTIC_REGIONS_VARIABLE = "RECONCILER_EMULATOR_SEMANTIC_REGIONS"
DEFAULT_SEMANTIC_REGIONS = "us-east-1,us-west-2"
PAGE_SIZE = 10  # the model's documented default; also small on purpose, so clients follow nextToken
# At most this many results in all, and per page, by search type (the model's documentation).
RESULT_LIMIT = {"KEYWORD": 1000, "SEMANTIC": 20, "HYBRID": 20}
PAGE_LIMIT = {"KEYWORD": 50, "SEMANTIC": 20, "HYBRID": 20}
FILTER_FIELDS = ("name", "recordType", "recordVersion")
METADATA_PREFIX = "customMetadata."
TEXT_KEYS = frozenset({"name", "title", "description"})  # what search reads in a descriptor document
SCHEMA_KEYS = frozenset({"inputSchema", "outputSchema"})  # parameter texts are not what a tool is about
Item = TypeVar("Item")
Revision = dict[str, Any]


def semantic_regions() -> frozenset[str]:
    return frozenset(filter(None, (r.strip() for r in os.environ.get(SEMANTIC_REGIONS_VARIABLE, DEFAULT_SEMANTIC_REGIONS).split(","))))


def search_type(asked: str | None, region: str) -> str:
    """The search type used: the one asked for, or HYBRID where semantic search exists and KEYWORD elsewhere."""
    semantic = region in semantic_regions()
    if asked is None:
        return "HYBRID" if semantic else "KEYWORD"
    if asked != "KEYWORD" and not semantic:
        raise ValidationException(f"searchType {asked} is not supported in {region}: use KEYWORD", reason="UnsupportedInRegion")
    return asked


def page_size(kind: str, asked: int | None) -> int:
    if asked is not None and asked > PAGE_LIMIT[kind]:
        raise ValidationException(f"maxResults must be at most {PAGE_LIMIT[kind]} when searchType is {kind}")
    return asked or PAGE_SIZE


# --- filters -----------------------------------------------------------------------------------------
def predicate(expression: Any) -> Callable[[Revision], bool]:
    """A metadata filter ($eq, $ne, $in on name, recordType, recordVersion, customMetadata.KEY; $and, $or) as a test."""
    if expression is None:
        return lambda revision: True
    if not isinstance(expression, dict) or not expression:
        raise ValidationException("filters must be a non-empty JSON object")
    tests = [_clause(key, operand) for key, operand in expression.items()]
    return lambda revision: all(test(revision) for test in tests)


def _clause(key: str, operand: Any) -> Callable[[Revision], bool]:
    if key in ("$and", "$or"):
        if not isinstance(operand, list) or not operand:
            raise ValidationException(f"filters: {key} takes a non-empty list of expressions")
        parts = [predicate(item) for item in operand]
        combine = all if key == "$and" else any
        return lambda revision: combine(part(revision) for part in parts)
    if key not in FILTER_FIELDS and not key.startswith(METADATA_PREFIX):
        raise ValidationException(f"filters: {key} is not a filterable field ({', '.join(FILTER_FIELDS)}, {METADATA_PREFIX}KEY)")
    if not isinstance(operand, dict) or len(operand) != 1:
        raise ValidationException(f"filters: {key} takes one operator ($eq, $ne or $in)")
    (operator, value), = operand.items()
    read = _reader(key)
    if operator == "$eq":
        return lambda revision: read(revision) == value
    if operator == "$ne":
        return lambda revision: read(revision) != value
    if operator == "$in" and isinstance(value, list):
        return lambda revision: read(revision) in value
    raise ValidationException(f"filters: {operator} on {key} is not supported ($eq, $ne, $in with a list)")


def _reader(key: str) -> Callable[[Revision], Any]:
    if key.startswith(METADATA_PREFIX):
        name = key[len(METADATA_PREFIX):]
        return lambda revision: (revision.get("customMetadata") or {}).get(name)
    return lambda revision: revision.get(key)


# --- ranking -----------------------------------------------------------------------------------------
def ranked(query: str, kind: str, revisions: list[Revision]) -> list[Revision]:
    """The revisions a search returns, best first; an empty query returns them all, most recently updated first."""
    newest = sorted(revisions, key=lambda revision: revision["updatedAt"], reverse=True)
    if not query.strip():
        return newest
    scores = bm25(query, ["\n".join(texts(revision)) for revision in newest])
    matching = [revision for score, revision in sorted(zip(scores, newest), key=lambda pair: -pair[0]) if score > 0]
    if kind == "SEMANTIC":
        return matching + [revision for revision in newest if revision not in matching]
    return matching


def texts(node: Any) -> Iterator[str]:
    """Names, titles and descriptions anywhere in a revision, its descriptors' JSON documents and custom metadata included."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data" and isinstance(value, str):
                yield from _document_texts(value)
            elif key == "customMetadata" and isinstance(value, dict):
                yield from (text for text in value.values() if isinstance(text, str))
            elif key in TEXT_KEYS | {"displayName"} and isinstance(value, str):
                yield value
            elif key not in SCHEMA_KEYS:
                yield from texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from texts(item)


def _document_texts(text: str) -> Iterator[str]:
    """A JSON document's texts; a document of another kind (a SKILL.md) is text as a whole."""
    try:
        yield from texts(json.loads(text))
    except json.JSONDecodeError:
        yield text


# --- pages -------------------------------------------------------------------------------------------
def page(items: Sequence[Item], size: int | None, token: str | None, request: dict[str, Any]) -> tuple[list[Item], str | None]:
    """One page of `items` and the token of the next; a token only continues the request it came from."""
    fingerprint = _fingerprint(request)
    start = _offset(token, fingerprint) if token else 0
    end = start + (size or PAGE_SIZE)
    following = _token(end, fingerprint) if end < len(items) else None
    return list(items[start:end]), following


def _fingerprint(request: dict[str, Any]) -> str:
    kept = {k: v for k, v in request.items() if k not in ("nextToken", "maxResults")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset, "request": fingerprint}).encode()).decode()


def _offset(token: str, fingerprint: str) -> int:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset, origin = int(decoded["offset"]), decoded["request"]
    except (ValueError, KeyError, TypeError):
        raise ValidationException("nextToken is not a token this operation returned", reason="CannotParse") from None
    if origin != fingerprint:
        raise ValidationException("nextToken belongs to another request: send the same parameters as for the first page")
    return offset
