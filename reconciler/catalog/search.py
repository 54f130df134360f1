"""`reconcile catalog search`: find a tool in AWS Agent Registries, whichever gateway serves it.

A hit is a record the publishing side wrote (reconciler.catalog.publish): an MCP
server definition (the MCP registry's server.json) whose remote is the gateway's
URL, and the tools the gateway lists for the target. Ranking is the service's
(semantic or hybrid; lexical in the emulator). Added here, per hit: which of its
tools have a word of the query in their name or description, and where to connect.

SearchRegistryRecords searches one registry per call (the model's `registryIds`
holds at most one) and orders records by relevance without a score, so several
registries are searched one call each and merged by rank: every registry's
first hit, then every second one, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, zip_longest
from typing import Any, Sequence

import boto3
import botocore.exceptions
import botocore.session
from botocore.config import Config

from reconciler.aws import MAX_ATTEMPTS, Api, call_client, default_region
from reconciler.errors import AwsError, ReconcilerError
from reconciler.kinds.record import inline_document

SEARCH_SERVICE = "bedrock-agentcore"  # the data plane: SearchRegistryRecords
SEARCH_OPERATION = "SearchRegistryRecords"
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")  # snake_case and camelCase identifiers split into words
# Words every description has: left in, "a tool for refunds" would mark every tool with an "a" or a "for".
FUNCTION_WORDS = frozenset("a an and are as at be by for from how i in is it of on or the to with".split())


@dataclass(frozen=True)
class MatchedTool:
    name: str  # as the gateway shows it: TARGET___TOOL
    description: str


@dataclass
class Hit:
    record: str  # GATEWAY.TARGET
    registry: str  # the registry's id
    status: str
    version: str
    description: str
    gateway_url: str | None  # the server definition's first remote: where an agent connects
    tools: list[MatchedTool] = field(default_factory=list)  # those with a word of the query


@dataclass
class SearchReport:
    query: str
    registries: list[str]
    hits: list[Hit]


@lru_cache(maxsize=1)
def limit_range() -> tuple[int, int]:
    """The results one search may return, from the model (SearchRegistryRecords' maxResults)."""
    model = botocore.session.get_session().get_service_model(SEARCH_SERVICE)
    bounds = model.operation_model(SEARCH_OPERATION).input_shape.members["maxResults"].metadata
    return int(bounds["min"]), int(bounds["max"])


def registry_ids(names: Sequence[str], region: str | None = None) -> list[str]:
    """The ids of the agent registries with these names (ListRegistries), in the same order."""
    by_name = {r["name"]: r["registryId"] for r in Api(region=region).list_all("list_registries", "registries")}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ReconcilerError(f"no agent registry named {', '.join(unknown)}")
    return [by_name[name] for name in names]


def search(registry_ids: Sequence[str], query: str, limit: int = 10, region: str | None = None) -> SearchReport:
    """Search each registry (SigV4, standard AWS configuration) and merge the hits by rank, at most `limit`."""
    low, high = limit_range()
    if not low <= limit <= high:
        raise ReconcilerError(f"limit {limit}: a search returns {low} to {high} records")
    client = _search_client(region)
    ranked = [
        call_client(client, "search_registry_records", registryIds=[registry], searchQuery=query, maxResults=limit)["registryRecords"]
        for registry in registry_ids
    ]
    merged = [record for record in chain.from_iterable(zip_longest(*ranked)) if record is not None][:limit]
    words = query_words(query)
    return SearchReport(query, list(registry_ids), [_hit(record, words) for record in merged])


def query_words(query: str) -> set[str]:
    return {word for word in _words(query) if word not in FUNCTION_WORDS}


def matches(tool: dict[str, Any], words: set[str]) -> bool:
    """A word of the query begins a word of the tool's name or description ("order" matches get_orders)."""
    own = _words(f"{tool.get('name', '')} {tool.get('description', '')}")
    return any(mine.startswith(word) for word in words for mine in own)


def _words(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(text)]


def _hit(record: dict[str, Any], words: set[str]) -> Hit:
    mcp = (record.get("descriptors") or {}).get("mcp") or {}
    remotes = inline_document(mcp.get("server")).get("remotes")
    url = remotes[0].get("url") if isinstance(remotes, list) and remotes and isinstance(remotes[0], dict) else None
    tools = inline_document(mcp.get("tools")).get("tools")
    matched = [
        MatchedTool(str(tool["name"]), str(tool.get("description") or ""))
        for tool in (tools if isinstance(tools, list) else [])
        if isinstance(tool, dict) and "name" in tool and matches(tool, words)
    ]
    return Hit(record["name"], record["registryArn"].rsplit("/", 1)[-1], record.get("status", ""),
               record.get("version", ""), record.get("description", ""), url, matched)


def _search_client(region: str | None) -> Any:
    """The data plane's client: standard chain and AWS_ENDPOINT_URL(_BEDROCK_AGENTCORE), standard retries."""
    try:
        return boto3.client(SEARCH_SERVICE, region_name=default_region(region), config=Config(retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS}))
    except botocore.exceptions.NoRegionError:
        raise AwsError("no AWS region: pass --region or set AWS_REGION", code="NoRegion") from None
    except botocore.exceptions.BotoCoreError as error:
        raise AwsError(f"cannot create the AWS client: {error}", code=type(error).__name__) from None
