"""`reconcile emulator`: moto's HTTP server with the emulator backend, on loopback."""

from __future__ import annotations

import os
import threading

from reconciler.emulator import all_backends, install
from reconciler.emulator.dataplane import DataPlane
from reconciler.emulator.models import DELAY_VARIABLE
from reconciler.mcp.endpoints import LOOPBACK_HTTP_SETTING

DEFAULT_PORT = 4566


def serve(host: str = "127.0.0.1", port: int = DEFAULT_PORT, delay: float | None = None) -> None:
    """Run until interrupted; any AWS client pointed at http://HOST:PORT reaches the emulator."""
    if delay is not None:
        os.environ[DELAY_VARIABLE] = str(delay)
    # The emulator only ever dials loopback MCP servers, which run without TLS on a developer's machine.
    os.environ.setdefault(LOOPBACK_HTTP_SETTING, "1")
    install()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    print(f"AgentCore emulator listening on http://{host}:{port}", flush=True)
    print(f"  gateway MCP endpoints: https://127.0.0.1:{DataPlane.shared(all_backends).port}/gateways/GATEWAY_ID/mcp "
          f"(dial them over http with {LOOPBACK_HTTP_SETTING}=1)", flush=True)
    print(f"  export AWS_ENDPOINT_URL=http://{host}:{port} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
