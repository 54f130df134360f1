"""One MCP conversation over streamable HTTP with the official SDK: handshake, all tools, a tool call.

Failures become one `McpFailure` with a class a person can act on:
unreachable, tls, timeout, auth, not-mcp, protocol. The handshake offers the
gateway's own protocol versions, newest first, as the gateway would.
"""

from __future__ import annotations

import logging
import ssl
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx2
import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION

from reconciler.errors import ReconcilerError

# The SDK logs parse failures with tracebacks; a user sees our one-line failure instead.
logging.getLogger("mcp").addHandler(logging.NullHandler())
logging.getLogger("mcp").propagate = False

CLIENT_INFO = types.Implementation(name="agentcore-reconciler", version="1")
MAX_PAGES = 100  # tools/list pages followed before giving up on a server that never stops paginating
MCP_CONTENT_TYPES = ("application/json", "text/event-stream")
UNREACHABLE, TLS, TIMEOUT, AUTH, NOT_MCP, PROTOCOL = "unreachable", "tls", "timeout", "auth", "not-mcp", "protocol"


class McpFailure(ReconcilerError):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Listing:
    protocol_version: str
    server: str
    tools: list[dict[str, Any]] = field(default_factory=list)  # as on the wire: name, description, inputSchema...


@dataclass
class Connection:
    """Where and how to connect: the URL as dialed, extra headers, an optional httpx2 auth."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    auth: httpx2.Auth | None = None
    timeout: float = 15.0


def supported_versions(protocol_configuration: dict[str, Any] | None) -> list[str]:
    """A gateway's `protocolConfiguration.mcp.supportedVersions` (empty when it declares none)."""
    return list(((protocol_configuration or {}).get("mcp") or {}).get("supportedVersions") or [])


def failure_line(error: ReconcilerError) -> str:
    """`CLASS: message` for a failed MCP conversation; `config: message` when it could not start."""
    return f"{error.kind}: {error}" if isinstance(error, McpFailure) else f"config: {error}"


def offered_versions(supported: list[str] | None) -> list[str]:
    """Versions to offer, newest first: the gateway's that the SDK can speak, else the SDK's newest."""
    known = [v for v in HANDSHAKE_PROTOCOL_VERSIONS if v in (supported or [])]
    return list(reversed(known)) or [LATEST_HANDSHAKE_VERSION]


class _Statuses:
    """Remembers the last HTTP status, so a 401 reads as an auth failure, not a protocol error."""

    def __init__(self) -> None:
        self.last: int | None = None
        self.content_type = ""

    async def __call__(self, response: httpx2.Response) -> None:
        self.last = response.status_code
        self.content_type = response.headers.get("content-type", "")

    def answered_in_mcp(self) -> bool:
        return self.last is not None and self.last < 400 and self.content_type.startswith(MCP_CONTENT_TYPES)


@asynccontextmanager
async def _session(connection: Connection, statuses: _Statuses) -> AsyncIterator[ClientSession]:
    async with httpx2.AsyncClient(
        headers=connection.headers,
        auth=connection.auth,
        timeout=httpx2.Timeout(connection.timeout),
        event_hooks={"response": [statuses]},
    ) as http:
        async with streamable_http_client(connection.url, http_client=http) as (read, write):
            async with ClientSession(dispatcher=JSONRPCDispatcher(read, write), read_timeout_seconds=connection.timeout) as session:
                yield session


async def _handshake(session: ClientSession, versions: list[str], statuses: _Statuses, url: str) -> types.InitializeResult:
    """Initialize with the first version the server accepts; raise PROTOCOL when it accepts none."""
    refusals = []
    for version in versions:
        params = types.InitializeRequestParams(protocol_version=version, capabilities=types.ClientCapabilities(), client_info=CLIENT_INFO)
        try:
            result = await session.send_request(types.InitializeRequest(params=params), types.InitializeResult)
        except MCPError as error:
            if not statuses.answered_in_mcp():
                raise classify(error, url, statuses) from None  # an HTTP-level failure, not a refusal of this version
            refusals.append(f"{version}: {error.error.message}")
            continue
        if result.protocol_version not in HANDSHAKE_PROTOCOL_VERSIONS:
            raise McpFailure(PROTOCOL, f"the server answered with protocol version {result.protocol_version}, which no gateway client speaks")
        session.adopt(result)
        await session.send_notification(types.InitializedNotification())
        return result
    raise McpFailure(PROTOCOL, f"the server refused every protocol version offered ({'; '.join(refusals)})")


async def _list_tools(connection: Connection, versions: list[str]) -> Listing:
    statuses = _Statuses()
    try:
        with anyio.fail_after(connection.timeout * 4):
            async with _session(connection, statuses) as session:
                result = await _handshake(session, versions, statuses, connection.url)
                tools: list[dict[str, Any]] = []
                cursor = None
                for _ in range(MAX_PAGES):
                    page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
                    tools += [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in page.tools]
                    cursor = page.next_cursor
                    if not cursor:
                        break
                return Listing(result.protocol_version, result.server_info.name, tools)
    except BaseException as error:  # anyio task groups wrap the cause (even our own McpFailure) in groups
        raise classify(error, connection.url, statuses) from None


async def _call_tool(connection: Connection, versions: list[str], name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    statuses = _Statuses()
    try:
        with anyio.fail_after(connection.timeout * 4):
            async with _session(connection, statuses) as session:
                await _handshake(session, versions, statuses, connection.url)
                result = await session.call_tool(name, arguments)
                return result.model_dump(by_alias=True, exclude_none=True, mode="json")
    except BaseException as error:  # anyio task groups wrap the cause (even our own McpFailure) in groups
        raise classify(error, connection.url, statuses) from None


def list_tools(connection: Connection, versions: list[str]) -> Listing:
    """Handshake and every tool, following pagination; blocking (runs its own event loop)."""
    return anyio.run(_list_tools, connection, versions)


def call_tool(connection: Connection, versions: list[str], name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return anyio.run(_call_tool, connection, versions, name, arguments)


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def shown(url: str) -> str:
    """A URL as messages show it: without its query, which may carry an API key."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="(hidden)" if parts.query else ""))


def classify(error: BaseException, url: str, statuses: _Statuses) -> McpFailure:
    """The one failure class and line that explains `error`."""
    if isinstance(error, (KeyboardInterrupt, SystemExit)):
        raise error
    url = shown(url)
    causes = _leaves(error)
    ours = [c for c in causes if isinstance(c, McpFailure)]
    if ours:
        return ours[0]
    if statuses.last in (401, 403):
        return McpFailure(AUTH, f"HTTP {statuses.last} from {url}: the server refused the credentials")
    for cause in causes:
        text = str(cause)
        # The session's own wait for an answer (MCP's REQUEST_TIMEOUT) ends at the same time as httpx's: either is a timeout.
        if isinstance(cause, (TimeoutError, httpx2.TimeoutException)) or (
                isinstance(cause, MCPError) and cause.error.code == types.REQUEST_TIMEOUT):
            return McpFailure(TIMEOUT, f"no answer from {url} in time")
        if isinstance(cause, ssl.SSLError) or "SSL" in text or "CERTIFICATE" in text.upper():
            return McpFailure(TLS, f"TLS handshake with {url} failed: {text}")
        if isinstance(cause, (httpx2.ConnectError, OSError)):
            return McpFailure(UNREACHABLE, f"cannot connect to {url}: {text or type(cause).__name__}")
    if statuses.last is not None and statuses.last >= 400:
        return McpFailure(NOT_MCP, f"HTTP {statuses.last} from {url}: not an MCP endpoint")
    if statuses.content_type and not statuses.content_type.startswith(MCP_CONTENT_TYPES):
        return McpFailure(NOT_MCP, f"{url} answered {statuses.content_type.split(';')[0]}, not MCP")
    first = causes[0]
    message = first.error.message if isinstance(first, MCPError) else (str(first) or type(first).__name__)
    return McpFailure(NOT_MCP, f"{url} did not answer as an MCP server: {message}")
