"""Real MCP servers (the SDK's MCPServer and low-level Server) and a small OAuth2 server, on 127.0.0.1.

Each runs under uvicorn in a daemon thread, started and stopped by the test
that needs it, with bounded waits. Nothing here imitates the protocol: the
servers are the SDK's own; only their behaviour differs (slow start, bearer
token, duplicate tools, an old protocol version, not MCP at all).
"""

from __future__ import annotations

import base64
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs

import jwt
import mcp_types as types
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from mcp.server.lowlevel import Server
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.conftest import hang_bound

START_TIMEOUT = 10.0
OLD_VERSION = "2024-11-05"


@dataclass
class Running:
    url: str  # the MCP endpoint (or the base URL for non-MCP apps)
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def https(self) -> str:
        """The endpoint as registered (the API takes https only; RECONCILER_LOOPBACK_HTTP dials it over http)."""
        return self.url.replace("http://", "https://", 1)


@contextmanager
def serving(app: ASGIApp, path: str = "/mcp", start_after: float = 0.0, port: int | None = None,
            start_when: Callable[[], bool] | None = None) -> Iterator[Running]:
    """Serve `app` on loopback (a free port unless given); with `start_after`, the port opens that many seconds later;
    with `start_when`, once that condition holds (checked every 50 ms, within a hang bound).

    The port is bound here and kept (it listens once the server starts; until then a connection is refused): no other
    xdist worker can take it in between, as it could a port found free and closed again."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart on the port of a server just stopped
    sock.bind(("127.0.0.1", port or 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on"))
    waits = start_after + (hang_bound(START_TIMEOUT) if start_when else 0.0)

    def run() -> None:
        time.sleep(start_after)
        deadline = time.monotonic() + waits
        while start_when is not None and not start_when() and not server.should_exit and time.monotonic() < deadline:
            time.sleep(0.05)
        if not server.should_exit:
            server.run(sockets=[sock])

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not waits and not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}{path}", port, server, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT + waits)
        sock.close()


def mcp_app(server: MCPServer | Server[Any]) -> Starlette:
    return server.streamable_http_app(stateless_http=True, json_response=True)


def healthy(name: str = "orders", version: int = 1) -> MCPServer:
    """An orders server; version 2 adds a `cancel_order` tool (a team deploying a new release)."""
    server = MCPServer(name, log_level="WARNING")

    @server.tool()
    def get_order(order_id: str) -> str:
        """Look up an order by id."""
        return f"order {order_id}: shipped"

    @server.tool()
    def list_orders(customer: str, limit: int = 10) -> list[str]:
        """List a customer's recent orders."""
        return [f"{customer}-{i}" for i in range(limit)]

    if version >= 2:

        @server.tool()
        def cancel_order(order_id: str) -> str:
            """Cancel an order that has not shipped."""
            return f"order {order_id}: cancelled"

    return server


def duplicate_tools() -> Server[Any]:
    """A server whose listing names one tool twice (two mounted sub-servers exporting the same name)."""
    tool = types.Tool(name="search", description="Search", input_schema={"type": "object", "properties": {}})

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[tool, tool.model_copy(update={"description": "Search again"})])

    return Server("duplicates", on_list_tools=list_tools)


class OnlyOldProtocol:
    """Middleware: the server speaks only 2024-11-05 and refuses any other offered version."""

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        if ctx.method == "initialize" and (ctx.params or {}).get("protocolVersion") != OLD_VERSION:
            raise MCPError(-32602, f"Unsupported protocol version; this server speaks {OLD_VERSION} only")
        return await call_next(ctx)


def old_protocol() -> MCPServer:
    server = healthy("legacy")
    server._lowlevel_server.middleware.append(OnlyOldProtocol())
    return server


def not_mcp() -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse("<html><body>Welcome to the orders portal</body></html>")

    return Starlette(routes=[Route("/mcp", page, methods=["GET", "POST", "DELETE"])])


# --- OAuth2 (client credentials) ---------------------------------------------------------


@dataclass
class OAuthServer:
    """An authorization server: discovery, JWKS and a client-credentials token endpoint issuing RS256 JWTs."""

    clients: dict[str, str]
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    base: str = ""
    issued: int = 0

    @property
    def discovery_url(self) -> str:
        return f"{self.base}/.well-known/openid-configuration"

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self._discovery),
            Route("/jwks", self._jwks),
            Route("/token", self._token, methods=["POST"]),
        ])

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse({"issuer": self.base, "token_endpoint": f"{self.base}/token", "jwks_uri": f"{self.base}/jwks"})

    async def _jwks(self, request: Request) -> Response:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]})

    async def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        client_id, secret = _basic(request.headers.get("authorization", "")) or (form.get("client_id"), form.get("client_secret"))
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if client_id not in self.clients or self.clients[client_id] != secret:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        self.issued += 1
        now = int(time.time())
        claims = {"iss": self.base, "sub": client_id, "client_id": client_id, "scope": form.get("scope", ""),
                  "iat": now, "exp": now + 300, "token_use": "access"}
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": 300})

    def valid(self, token: str) -> bool:
        try:
            jwt.decode(token, self.key.public_key(), algorithms=["RS256"], issuer=self.base)
        except jwt.PyJWTError:
            return False
        return True


def _basic(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


@contextmanager
def oauth_server(clients: dict[str, str]) -> Iterator[OAuthServer]:
    authority = OAuthServer(clients)
    with serving(authority.app(), path="") as running:
        authority.base = running.url
        yield authority


class RequireBearer:
    """ASGI middleware: 401 unless the request carries a token the authorization server issued."""

    def __init__(self, app: ASGIApp, authority: OAuthServer):
        self.app = app
        self.authority = authority

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = dict(scope["headers"]).get(b"authorization", b"").decode()
            if not header.startswith("Bearer ") or not self.authority.valid(header[7:]):
                await JSONResponse({"error": "invalid_token"}, status_code=401)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RequireApiKey:
    """ASGI middleware: 401 unless header `name` carries `value`."""

    def __init__(self, app: ASGIApp, name: str, value: str):
        self.app, self.name, self.value = app, name.lower().encode(), value.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(self.name) != self.value:
            await JSONResponse({"error": "invalid api key"}, status_code=401)(scope, receive, send)
            return
        await self.app(scope, receive, send)
