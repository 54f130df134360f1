"""`reconcile catalog serve`: the catalog as an MCP server, so an agent finds which gateway serves a tool.

One tool, `find_tools(query, limit)`, backed by reconciler.catalog.search: per
hit, the gateway URL to connect to and the tools that match. It is the MCP
SDK's MCPServer over streamable HTTP (stateless, JSON answers), run by uvicorn
on loopback unless told otherwise; on loopback the SDK also turns on its DNS
rebinding protection. It has no authentication of its own: it answers with what
its AWS credentials may search, to whoever reaches the port.
"""

from __future__ import annotations

import socket
from typing import Any, Sequence

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from reconciler.catalog.search import Searched, search, search_data
from reconciler.errors import ReconcilerError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8790
DEFAULT_HITS = 5
MCP_PATH = "/mcp"
INSTRUCTIONS = (
    "Finds tools published to the organisation's AWS Agent Registry, whichever AgentCore gateway serves them. "
    "Call find_tools with what you need done; connect to a hit's gateway_url (MCP, streamable HTTP) to use its tools."
)


def catalog_server(registries: Sequence[Searched]) -> MCPServer:
    """The MCP server with its `find_tools` tool searching these registries."""
    server = MCPServer("agentcore-catalog", instructions=INSTRUCTIONS, log_level="WARNING")
    searched = list(registries)

    @server.tool()
    def find_tools(query: str, limit: int = DEFAULT_HITS) -> dict[str, Any]:
        """Search the tool catalog by what you need done. Each hit is a gateway target: the gateway_url to connect
        to (MCP over streamable HTTP), the record's status and the tools whose name or description has a word of the
        query (names as the gateway lists them)."""
        try:
            return search_data(search(searched, query, limit))
        except ReconcilerError as error:
            raise ToolError(str(error)) from None  # the model reads the one-line reason; the server logs no traceback

    return server


def http_server(registries: Sequence[Searched], host: str = DEFAULT_HOST) -> uvicorn.Server:
    """The uvicorn server of the catalog's MCP endpoint (at MCP_PATH), to run on a socket from `listening`."""
    app = catalog_server(registries).streamable_http_app(
        streamable_http_path=MCP_PATH, stateless_http=True, json_response=True, host=host,
    )
    return uvicorn.Server(uvicorn.Config(app, host=host, log_level="warning", lifespan="on"))


def listening(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> socket.socket:
    """A socket bound to HOST:PORT (0: a free port), so a taken port is one clear error before anything starts."""
    try:
        return socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as error:
        raise ReconcilerError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def endpoint(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}{MCP_PATH}"


def serve(registries: Sequence[Searched], host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve until interrupted: Ctrl-C stops it gracefully (uvicorn finishes the requests in flight)."""
    sock = listening(host, port)
    server = http_server(registries, host)
    named = ", ".join(f"{r.deployment}:{r.registry_id}" if r.deployment else r.registry_id for r in registries)
    print(f"Catalog MCP server on {endpoint(sock)} (find_tools searches agent registries {named})", flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it shut down on
        pass
