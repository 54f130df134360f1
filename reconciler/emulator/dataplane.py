"""The emulator's data plane: tool discovery for targets, and each gateway's MCP endpoint, on loopback.

- Discovery: creating, updating or synchronizing an MCP-server target lists
  its server's tools for real, with the emulator's own client on the official
  SDK (gateway_client.py, never the product's) and the target's outbound
  credentials (an OAuth2 client-credentials token from the stored
  provider, or its API key), so a server that is down, slow, refuses the
  credentials or answers with bad tools makes the target FAILED or
  SYNCHRONIZE_UNSUCCESSFUL with reasons. Whether the gateway accepts the
  tools is decided by the emulator's own rules (reconciler.emulator.tools),
  never by the product's probe checks. The emulator is offline: endpoints
  that are not loopback are not contacted (their catalogue stays empty).
- Gateways: `https://127.0.0.1:PORT/gateways/{id}/mcp` is an MCP server (the
  SDK's low-level Server) that checks the gateway's inbound authorizer
  (CUSTOM_JWT tokens are verified against the discovery URL's JWKS with
  PyJWT; AWS_IAM needs a SigV4 Authorization header), lists the cached tools
  as `TARGET___TOOL` without calling the servers, forwards tools/call to the
  target's server, and serves the semantic search tool when searchType is
  SEMANTIC.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterator

import anyio.to_thread
import jwt
import mcp_types as types
import uvicorn
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.emulator.gateway_client import Endpoint, Refusal, call_tool, dialable, endpoint_for, is_loopback, list_tools, offered
from reconciler.emulator.tools import SEARCH_TOOL, SEPARATOR, gateway_name, listing_reasons, mcp_server_of

PORT_VARIABLE = "RECONCILER_EMULATOR_MCP_PORT"
SEARCH_HITS = 5
DISCOVERY_TIMEOUT = 10.0
GATEWAY_PATH = re.compile(r"^/gateways/(?P<gateway_id>[^/]+)/mcp$")
START_TIMEOUT = 10.0


@dataclass
class Outcome:
    """What a discovery found: the tools, or why the target cannot be synchronized."""

    tools: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


def provider_lookup(backend: Any) -> Callable[[Any], dict[str, Any] | None]:
    """Stored providers by ARN, shaped as their create requests, with the secrets the API never returns
    (kept by the provider, or read from the customer's Secrets Manager secret when its source is EXTERNAL)."""

    def lookup(arn: Any) -> dict[str, Any] | None:
        for provider in backend.oauth2_providers.values():
            if provider.arn == arn:
                vendor, block = next(iter(provider.config.items()))
                secret = provider.secret.value(block.get("clientSecret"), backend)
                return {"oauth2ProviderConfigInput": {vendor: {**block, "clientSecret": secret}}}
        for provider in backend.api_key_providers.values():
            if provider.arn == arn:
                return {"apiKey": provider.secret.value(provider.api_key, backend)}
        return None

    return lookup


def static_tools(target: Any) -> list[dict[str, Any]] | None:
    """Tools a target declares inline (Lambda, static MCP schema); None when they come from its server."""
    mcp = (target.target_configuration or {}).get("mcp", {})
    for kind, holder in (("lambda", "toolSchema"), ("mcpServer", "mcpToolSchema")):
        inline = (mcp.get(kind) or {}).get(holder, {}).get("inlinePayload")
        if inline is not None:  # a list of tool definitions, or (static MCP schemas) that list as a JSON string
            return list(json.loads(inline) if isinstance(inline, str) else inline)
    return None if mcp_server_of(target.target_configuration) else []


def discover(target: Any, gateway: Any, backend: Any) -> Outcome:
    server = mcp_server_of(target.target_configuration)
    assert server is not None, "only MCP-server targets are discovered"
    endpoint = server["endpoint"]
    if not is_loopback(endpoint):
        return Outcome()  # the emulator is offline: nothing but loopback is contacted
    supported = supported_versions(gateway)
    try:
        version, tools = list_tools(target_endpoint(target, backend), offered(supported), DISCOVERY_TIMEOUT)
    except Refusal as refusal:
        return Outcome(reasons=[f"Failed to list tools from the MCP server at {endpoint}: {refusal}"])
    except Exception as error:  # noqa: BLE001 - any failure is a reason on the target, as the service reports it
        return Outcome(reasons=[f"Failed to list tools from {endpoint}: {error}"])
    return Outcome(tools, listing_reasons(target.name, tools, version, supported))


def supported_versions(gateway: Any) -> list[str]:
    return list(((gateway.protocol_configuration or {}).get("mcp") or {}).get("supportedVersions") or [])


def target_endpoint(target: Any, backend: Any) -> Endpoint:
    """The target's server as the gateway dials it, with the credentials of its stored provider."""
    endpoint = (mcp_server_of(target.target_configuration) or {})["endpoint"]
    return endpoint_for(endpoint, target.credential_provider_configurations or [], provider_lookup(backend), DISCOVERY_TIMEOUT)


class DataPlane:
    """One loopback HTTP server for every gateway of the process, and a pool for discoveries."""

    _shared: DataPlane | None = None
    _lock = threading.Lock()

    def __init__(self, backends: Callable[[], Iterator[Any]], port: int = 0):
        self.backends = backends
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="emulator-discovery")
        self.server = uvicorn.Server(uvicorn.Config(self._app(), host="127.0.0.1", port=port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="emulator-dataplane")
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1] if self.server.started else port

    @classmethod
    def shared(cls, backends: Callable[[], Iterator[Any]]) -> DataPlane:
        with cls._lock:
            if cls._shared is None:
                cls._shared = DataPlane(backends, int(os.environ.get(PORT_VARIABLE, "0")))
            return cls._shared

    def gateway_url(self, gateway_id: str) -> str:
        # https, as the API reports gateway URLs; RECONCILER_LOOPBACK_HTTP lets clients dial it over http.
        return f"https://127.0.0.1:{self.port}/gateways/{gateway_id}/mcp"

    def discover(self, target: Any, gateway: Any, backend: Any) -> Future[Outcome]:
        return self.pool.submit(discover, target, gateway, backend)

    # --- the gateways' MCP endpoint ---------------------------------------------------------
    def _find(self, gateway_id: str) -> tuple[Any, Any] | None:
        for backend in self.backends():
            gateway = backend.gateways.get(gateway_id)
            if gateway is not None:
                return backend, gateway
        return None

    def _app(self) -> ASGIApp:
        server: Server[Any] = Server("agentcore-gateway-emulator", on_list_tools=self._list_tools, on_call_tool=self._call_tool)
        app = server.streamable_http_app(streamable_http_path="/gateways/{gateway_id}/mcp", stateless_http=True, json_response=True)
        return InboundAuth(app, self._find)

    def _context(self, ctx: Any) -> tuple[Any, Any]:
        match = GATEWAY_PATH.match(ctx.request.url.path)
        found = self._find(match.group("gateway_id")) if match else None
        if found is None:
            raise MCPError(-32602, "Gateway not found")
        return found

    async def _list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        backend, gateway = self._context(ctx)
        tools = [
            types.Tool(name=gateway_name(target.name, tool["name"]), description=tool.get("description"),
                       input_schema=tool.get("inputSchema") or {"type": "object"})
            for target in backend.list_gateway_targets_all(gateway.gateway_id)
            for tool in target.catalogue()
        ]
        if _searchable(gateway):
            tools.append(types.Tool(name=SEARCH_TOOL, description="Search this gateway's tools by meaning.",
                                    input_schema={"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}))
        return types.ListToolsResult(tools=tools)

    async def _call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        backend, gateway = self._context(ctx)
        arguments = dict(params.arguments or {})
        if params.name == SEARCH_TOOL and _searchable(gateway):
            return _search(backend, gateway, str(arguments.get("query", "")))
        target_name, _, tool = params.name.partition(SEPARATOR)
        target = next((t for t in backend.list_gateway_targets_all(gateway.gateway_id) if t.name == target_name), None)
        if target is None or not tool or tool not in {t["name"] for t in target.catalogue()}:
            raise MCPError(-32602, f"Unknown tool: {params.name}")
        server = mcp_server_of(target.target_configuration)
        if not server:
            return _text(f"The emulator does not invoke {target.name}'s Lambda or API; {tool} was not run.", error=True)
        try:
            result = await _in_thread(lambda: call_tool(target_endpoint(target, backend), offered(supported_versions(gateway)),
                                                        DISCOVERY_TIMEOUT, tool, arguments))
        except Refusal as refusal:
            return _text(f"{target.name} could not be called: {refusal}", error=True)
        return types.CallToolResult.model_validate(result)


async def _in_thread(function: Callable[[], Any]) -> Any:
    """Run a blocking MCP client call (it has its own event loop) off the server's loop."""
    return await anyio.to_thread.run_sync(function)


def _searchable(gateway: Any) -> bool:
    return ((gateway.protocol_configuration or {}).get("mcp") or {}).get("searchType") == "SEMANTIC"


def _search(backend: Any, gateway: Any, query: str) -> types.CallToolResult:
    """Tools ranked by shared words with the query: a stand-in for the service's embedding search."""
    words = set(re.findall(r"[a-z0-9]+", query.lower()))
    scored = []
    for target in backend.list_gateway_targets_all(gateway.gateway_id):
        for tool in target.catalogue():
            text = f"{tool['name']} {tool.get('description', '')}".lower().replace("_", " ")
            score = len(words & set(re.findall(r"[a-z0-9]+", text)))
            if score:
                scored.append((-score, gateway_name(target.name, tool["name"]), tool.get("description", "")))
    hits = [{"name": name, "description": description} for _, name, description in sorted(scored)[:SEARCH_HITS]]
    return types.CallToolResult(content=[types.TextContent(type="text", text=json.dumps(hits))], structured_content={"tools": hits})


def _text(message: str, error: bool = False) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=error)


class InboundAuth:
    """ASGI middleware: the gateway's inbound authorizer, checked before any MCP message is read."""

    def __init__(self, app: ASGIApp, find: Callable[[str], tuple[Any, Any] | None]):
        self.app = app
        self.find = find

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            match = GATEWAY_PATH.match(scope["path"])
            found = self.find(match.group("gateway_id")) if match else None
            if found is None:
                await JSONResponse({"message": "Gateway not found"}, status_code=404)(scope, receive, send)
                return
            header = dict(scope["headers"]).get(b"authorization", b"").decode()
            refusal = authorization_problem(found[1], header)
            if refusal:
                await JSONResponse({"message": refusal}, status_code=401)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def authorization_problem(gateway: Any, header: str) -> str | None:
    kind = gateway.authorizer_type
    if kind == "AWS_IAM":
        return None if header.startswith("AWS4-HMAC-SHA256 ") else "Missing SigV4 authentication"
    if kind != "CUSTOM_JWT":
        return None
    if not header.startswith("Bearer "):
        return "Missing bearer token"
    settings = (gateway.authorizer_configuration or {}).get("customJWTAuthorizer", {})
    try:
        claims = _verify_jwt(header[7:], settings["discoveryUrl"], tuple(settings.get("allowedAudience") or ()))
    except (jwt.PyJWTError, OSError, ValueError, KeyError) as error:
        return f"Invalid bearer token: {error}"
    clients = settings.get("allowedClients")
    if clients and claims.get("client_id") not in clients:
        return "Token client is not allowed"
    return None


def _verify_jwt(token: str, discovery_url: str, audience: tuple[str, ...]) -> dict[str, Any]:
    if not is_loopback(discovery_url):
        raise ValueError(f"the emulator cannot reach {discovery_url} to verify tokens (offline)")
    issuer, jwks = _discovery(dialable(discovery_url))
    key = _jwks_client(dialable(jwks)).get_signing_key_from_jwt(token).key
    return dict(jwt.decode(token, key, algorithms=["RS256"], issuer=issuer, audience=list(audience) or None,
                           options={"verify_aud": bool(audience)}))


@lru_cache(maxsize=64)
def _discovery(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=DISCOVERY_TIMEOUT) as response:  # noqa: S310 - loopback only, checked above
        document = json.load(response)
    return document["issuer"], document["jwks_uri"]


@lru_cache(maxsize=64)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url)
