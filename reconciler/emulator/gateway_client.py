"""The gateway's side of MCP as the emulator plays it: its own client on the official SDK, its own token handling.

Never the product's MCP client or credentials (reconciler.mcp): an emulator that reused them would pass the
product's mistakes (a wrong header, a wrong version negotiation) as the service's own behaviour.

- Outbound credentials, as the gateway uses a target's credential provider: an OAuth2 client-credentials
  token (client_secret_basic; the token endpoint from the provider's authorization server metadata or its
  discovery document), or an API key in the header or query parameter the target names.
- A conversation: initialize offering the gateway's supportedVersions newest first (those the SDK speaks,
  else the SDK's newest), one at a time until the server accepts one; then tools/list following cursors,
  or tools/call.
- Only loopback endpoints are dialed; a registered `https://` loopback endpoint over http when
  RECONCILER_LOOPBACK_HTTP=1 (the API takes only https endpoints; test servers run without TLS).
"""

from __future__ import annotations

import ipaddress
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

import anyio
import httpx2
import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION

LOOPBACK_HTTP_SETTING = "RECONCILER_LOOPBACK_HTTP"
AUTH, PROTOCOL, TIMEOUT, UNREACHABLE, NOT_MCP = "auth", "protocol", "timeout", "unreachable", "not-mcp"
CLIENT = types.Implementation(name="agentcore-gateway-emulator", version="1")
MAX_PAGES = 100
T = TypeVar("T")
ProviderLookup = Callable[[Any], "dict[str, Any] | None"]  # a providerArn -> the provider's create body with its secret


class Refusal(Exception):
    """Why the gateway could not talk to a target's server, as `kind: message` (what statusReasons show)."""

    def __init__(self, kind: str, message: str):
        super().__init__(f"{kind}: {message}")


@dataclass
class Endpoint:
    url: str  # as dialed
    headers: dict[str, str] = field(default_factory=dict)


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def dialable(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" and is_loopback(url) and os.environ.get(LOOPBACK_HTTP_SETTING) == "1":
        return urlunsplit(parts._replace(scheme="http"))
    return url


def shown(url: str) -> str:
    """A URL for a reason: without its query, which may carry an API key."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="(hidden)" if parts.query else ""))


def offered(supported: list[str]) -> list[str]:
    """The versions the gateway offers, newest first: its supportedVersions the SDK speaks, else the SDK's newest."""
    return [v for v in reversed(HANDSHAKE_PROTOCOL_VERSIONS) if v in supported] or [LATEST_HANDSHAKE_VERSION]


# --- outbound credentials -----------------------------------------------------------------------------------
def endpoint_for(url: str, configurations: list[dict[str, Any]], lookup: ProviderLookup, timeout: float) -> Endpoint:
    """How the gateway reaches a target's server with its credentialProviderConfigurations (the first one)."""
    config = configurations[0] if configurations else {}
    provider = config.get("credentialProvider") or {}
    if config.get("credentialProviderType") == "OAUTH":
        block = provider.get("oauthCredentialProvider") or {}
        stored = lookup(block.get("providerArn"))
        if stored is not None:
            return Endpoint(dialable(url), {"Authorization": f"Bearer {_token(stored, block, timeout)}"})
    if config.get("credentialProviderType") == "API_KEY":
        block = provider.get("apiKeyCredentialProvider") or {}
        stored = lookup(block.get("providerArn"))
        if stored is not None:
            key = str(stored.get("apiKey", ""))
            value = f"{block['credentialPrefix']} {key}" if block.get("credentialPrefix") else key
            name = block.get("credentialParameterName") or "Authorization"
            if block.get("credentialLocation") == "QUERY_PARAMETER":
                parts = urlsplit(dialable(url))
                return Endpoint(urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, urlencode({name: value})])))))
            return Endpoint(dialable(url), {name: value})
    return Endpoint(dialable(url))


def _token(provider: dict[str, Any], block: dict[str, Any], timeout: float) -> str:
    """A client-credentials access token from the provider's authorization server."""
    vendor: dict[str, Any] = next(iter((provider.get("oauth2ProviderConfigInput") or {}).values()), {})
    discovery = vendor.get("oauthDiscovery") or {}
    form = {"grant_type": "client_credentials", **({"scope": " ".join(block["scopes"])} if block.get("scopes") else {}),
            **(block.get("customParameters") or {})}
    token_url = (discovery.get("authorizationServerMetadata") or {}).get("tokenEndpoint")
    with httpx2.Client(timeout=timeout) as http:
        try:
            token_url = token_url or http.get(dialable(discovery["discoveryUrl"])).raise_for_status().json()["token_endpoint"]
            answer = http.post(dialable(token_url), data=form, auth=(vendor.get("clientId", ""), vendor.get("clientSecret", "")))
            body = answer.json()
        except (httpx2.HTTPError, KeyError, ValueError) as error:
            raise Refusal(AUTH, f"cannot get an OAuth2 token: {type(error).__name__}: {error}") from None
    if answer.status_code != 200 or not body.get("access_token"):  # RFC 6749 5.2: the refusal's `error` names why
        raise Refusal(AUTH, f"the token endpoint {token_url} refused the client credentials: HTTP {answer.status_code} "
                            f"{body.get('error', '')}".rstrip())
    return str(body["access_token"])


# --- conversations -------------------------------------------------------------------------------------------
def list_tools(endpoint: Endpoint, versions: list[str], timeout: float) -> tuple[str, list[dict[str, Any]]]:
    """The negotiated protocol version and every tool the server lists; blocking (its own event loop)."""

    async def tools(session: ClientSession) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = None
        for _ in range(MAX_PAGES):
            page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
            found += [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in page.tools]
            cursor = page.next_cursor
            if not cursor:
                break
        return found

    return anyio.run(_converse, endpoint, versions, timeout, tools)


def call_tool(endpoint: Endpoint, versions: list[str], timeout: float, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    async def call(session: ClientSession) -> dict[str, Any]:
        return (await session.call_tool(name, arguments)).model_dump(by_alias=True, exclude_none=True, mode="json")

    return anyio.run(_converse, endpoint, versions, timeout, call)[1]


async def _converse(endpoint: Endpoint, versions: list[str], timeout: float,
                    work: Callable[[ClientSession], Awaitable[T]]) -> tuple[str, T]:
    statuses: list[int] = []
    try:
        with anyio.fail_after(timeout * 4):
            async with _session(endpoint, timeout, statuses) as session:
                version = await _initialize(session, versions, statuses)
                return version, await work(session)
    except BaseException as error:  # anyio task groups wrap the cause (our Refusal too) in groups
        raise _refusal(error, statuses, endpoint.url) from None


@asynccontextmanager
async def _session(endpoint: Endpoint, timeout: float, statuses: list[int]) -> AsyncIterator[ClientSession]:
    async def seen(response: httpx2.Response) -> None:
        statuses.append(response.status_code)

    async with httpx2.AsyncClient(headers=endpoint.headers, timeout=httpx2.Timeout(timeout), event_hooks={"response": [seen]}) as http:
        async with streamable_http_client(endpoint.url, http_client=http) as (read, write):
            async with ClientSession(dispatcher=JSONRPCDispatcher(read, write), read_timeout_seconds=timeout, client_info=CLIENT) as session:
                yield session


async def _initialize(session: ClientSession, versions: list[str], statuses: list[int]) -> str:
    refusals = []
    for version in versions:
        params = types.InitializeRequestParams(protocol_version=version, capabilities=types.ClientCapabilities(), client_info=CLIENT)
        try:
            result = await session.send_request(types.InitializeRequest(params=params), types.InitializeResult)
        except MCPError as error:
            if statuses and statuses[-1] >= 400:
                raise  # refused over HTTP (credentials, not MCP), not this version
            refusals.append(f"{version}: {error.error.message}")
            continue
        session.adopt(result)
        await session.send_notification(types.InitializedNotification())
        return result.protocol_version
    raise Refusal(PROTOCOL, f"the server refused every protocol version offered ({'; '.join(refusals)})")


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _refusal(error: BaseException, statuses: list[int], url: str) -> Refusal:
    if isinstance(error, (KeyboardInterrupt, SystemExit)):
        raise error
    causes, url, last = _leaves(error), shown(url), statuses[-1] if statuses else None
    ours = [cause for cause in causes if isinstance(cause, Refusal)]
    if ours:
        return ours[0]
    if last in (401, 403):
        return Refusal(AUTH, f"HTTP {last} from {url}: the server refused the credentials")
    for cause in causes:
        if isinstance(cause, (TimeoutError, httpx2.TimeoutException)):
            return Refusal(TIMEOUT, f"no answer from {url} in time")
        if isinstance(cause, (httpx2.ConnectError, OSError)):
            return Refusal(UNREACHABLE, f"cannot connect to {url}: {cause or type(cause).__name__}")
    if last is not None and last >= 400:
        return Refusal(NOT_MCP, f"HTTP {last} from {url}: not an MCP endpoint")
    first = causes[0]
    return Refusal(NOT_MCP, f"{url} did not answer as an MCP server: {first.error.message if isinstance(first, MCPError) else first}")
