"""`reconcile catalog search`: find a tool in AWS Agent Registries, whichever gateway serves it.

A hit is a record the publishing side wrote (reconciler.catalog.publish): an MCP
server definition (the MCP registry's server.json) whose remote is the gateway's
URL, and the tools the gateway lists for the target. The search is the GA data
plane's SearchDiscoverableRegistryRecords (`agent-registry`), which serves only
approved, non-deprecated revisions. Ranking is the service's: HYBRID (semantic
and keyword) where the region has semantic search, else KEYWORD; a region that
answers UnsupportedInRegion to a semantic search is searched again by keyword,
and the report says so. Added here, per hit: which of its tools have a word of
the query in their name or description, and where to connect.

The API searches one registry per call (`registryIds` holds exactly one) and
orders records by relevance without a score, so several registries are
searched one after the other (each followed through `nextToken` until the
limit) and merged by rank: every registry's first hit, then every second
one, and so on. With `deployments:` the registries of every deployment are
searched, each through its deployment's connection (account, region, role),
and each hit names the deployment its registry lives in.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import chain, zip_longest
from typing import Any, Sequence

from reconciler.aws import Api
from reconciler.aws_model import DISCOVERY_SERVICE, REGISTRY_SERVICE, input_shape
from reconciler.errors import AwsError, ReconcilerError
from reconciler.kinds.record import json_document, record_tools

SEARCH_OPERATION = "SearchDiscoverableRegistryRecords"
KEYWORD = "KEYWORD"
UNSUPPORTED_IN_REGION = "UnsupportedInRegion"
SEMANTIC_PAGE = 20  # the largest page of a HYBRID or SEMANTIC search (the model's maxResults doc; KEYWORD: its max)
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")  # snake_case and camelCase identifiers split into words
# Words every description has: left in, "a tool for refunds" would mark every tool with an "a" or a "for".
FUNCTION_WORDS = frozenset("a an and are as at be by for from how i in is it of on or the to with".split())


@dataclass(frozen=True)
class MatchedTool:
    name: str  # as the gateway shows it: TARGET___TOOL
    description: str


@dataclass(frozen=True)
class Searched:
    """One agent registry to search, through the connection of the account and region it lives in."""

    api: Api
    registry_id: str
    deployment: str = ""  # its deployment's name ("" without `deployments:`)


@dataclass
class Hit:
    record: str  # GATEWAY.TARGET (DEPLOYMENT.GATEWAY.TARGET in a central catalog)
    registry: str  # the registry's id
    status: str
    version: str
    description: str
    gateway_url: str | None  # the server definition's first remote: where an agent connects
    tools: list[MatchedTool] = field(default_factory=list)  # those with a word of the query
    deployment: str = ""  # the deployment whose registry holds the record ("" without `deployments:`)


@dataclass
class SearchReport:
    query: str
    registries: list[str]
    hits: list[Hit]
    search_type: str = ""  # how the service ranked (the last answer's searchType)
    notes: list[str] = field(default_factory=list)  # e.g. a fallback to keyword search


@lru_cache(maxsize=1)
def limit_range() -> tuple[int, int]:
    """The results one search may return, from the model (SearchDiscoverableRegistryRecords' maxResults)."""
    bounds = input_shape(SEARCH_OPERATION, DISCOVERY_SERVICE).members["maxResults"].metadata
    return int(bounds["min"]), int(bounds["max"])


def search_types() -> list[str]:
    return list(input_shape(SEARCH_OPERATION, DISCOVERY_SERVICE).members["searchType"].enum)


def registries_named(names: Sequence[str], api: Api, deployment: str = "") -> list[Searched]:
    """The agent registries with these names (ListRegistries) where `api` connects, in the same order."""
    listed = api.on(REGISTRY_SERVICE).list_all("list_registries", "registries")
    by_name = {r["name"]: r["registryId"] for r in listed}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        where = f" in deployment {deployment}" if deployment else ""
        raise ReconcilerError(f"no agent registry named {', '.join(unknown)}{where}")
    return [Searched(api, by_name[name], deployment) for name in names]


def registry_ids(names: Sequence[str], region: str | None = None) -> list[Searched]:
    """The agent registries with these names, through the standard AWS configuration (no registry files)."""
    return registries_named(names, Api(region=region, service=DISCOVERY_SERVICE))


def search(registries: Sequence[Searched], query: str, limit: int = 10, search_type: str | None = None) -> SearchReport:
    """Search each registry (SigV4, through its connection) and merge the hits by rank, at most `limit`.

    `search_type` None lets the service choose (HYBRID where it has semantic search, else KEYWORD)."""
    low, high = limit_range()
    if not low <= limit <= high:
        raise ReconcilerError(f"limit {limit}: a search returns {low} to {high} records")
    if search_type is not None and search_type not in search_types():
        raise ReconcilerError(f"search type {search_type}: one of {', '.join(search_types())}")
    report = SearchReport(query, [r.registry_id for r in registries], [])
    ranked = [[(r, record) for record in _search_one(r.api.on(DISCOVERY_SERVICE), r.registry_id, query, limit, search_type, report)]
              for r in registries]
    merged = [found for found in chain.from_iterable(zip_longest(*ranked)) if found is not None][:limit]
    words = query_words(query)
    report.hits = [_hit(record, words, searched.deployment) for searched, record in merged]
    return report


def _search_one(api: Api, registry: str, query: str, limit: int, search_type: str | None, report: SearchReport) -> list[dict[str, Any]]:
    """Up to `limit` records of one registry, page after page; by keyword where semantic search is not offered."""
    try:
        return _pages(api, registry, query, limit, search_type, report)
    except AwsError as error:
        if error.reason != UNSUPPORTED_IN_REGION or search_type == KEYWORD:
            raise
        note = f"{search_type or 'the default search'} is not offered in {api.region}: searched by keyword"
        if note not in report.notes:  # once, though several registries of the region were searched
            report.notes.append(note)
        return _pages(api, registry, query, limit, KEYWORD, report)


def _pages(api: Api, registry: str, query: str, limit: int, search_type: str | None, report: SearchReport) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    token = None
    while len(found) < limit:
        page_limit = limit - len(found) if search_type == KEYWORD else min(limit - len(found), SEMANTIC_PAGE)
        request: dict[str, Any] = {"registryIds": [registry], "searchQuery": query, "maxResults": page_limit}
        if search_type:
            request["searchType"] = search_type
        if token:
            request["nextToken"] = token
        page = api.call("search_discoverable_registry_records", **request)
        found += page.get("registryRecords", [])
        report.search_type = page.get("searchType", report.search_type)
        token = page.get("nextToken")
        if not token:
            break
    return found[:limit]


def search_data(report: SearchReport) -> dict[str, Any]:
    """The JSON document (also what `catalog serve`'s find_tools answers)."""
    return {"format_version": 1, "query": report.query, "registries": report.registries, "search_type": report.search_type,
            "notes": report.notes, "hits": [asdict(hit) for hit in report.hits]}


def query_words(query: str) -> set[str]:
    return {word for word in _words(query) if word not in FUNCTION_WORDS}


def matches(tool: dict[str, Any], words: set[str]) -> bool:
    """A word of the query begins a word of the tool's name or description ("order" matches get_orders)."""
    own = _words(f"{tool.get('name', '')} {tool.get('description', '')}")
    return any(mine.startswith(word) for word in words for mine in own)


def _words(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(text)]


def _hit(record: dict[str, Any], words: set[str], deployment: str) -> Hit:
    server = (record.get("descriptors") or {}).get("mcpServer") or {}
    remotes = json_document(server.get("data")).get("remotes")
    url = remotes[0].get("url") if isinstance(remotes, list) and remotes and isinstance(remotes[0], dict) else None
    matched = [
        MatchedTool(str(tool["name"]), str(tool.get("description") or ""))
        for tool in record_tools(server)
        if isinstance(tool, dict) and "name" in tool and matches(tool, words)
    ]
    return Hit(record["name"], record["registryArn"].rsplit("/", 1)[-1], record.get("status", ""),
               record.get("recordVersion", ""), record.get("description", ""), url, matched, deployment)
