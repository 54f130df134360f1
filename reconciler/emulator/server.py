"""`reconcile emulator`: moto's HTTP server with the emulator backend, fault injection and quotas, on loopback.

Besides the AWS API, the server answers GET /_emulator/stats with the call counters of
`reconciler.emulator.quotas.stats()` as JSON; DELETE /_emulator/stats zeroes them and returns the last counts.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any, Callable, Iterable, Sequence

from reconciler.emulator import all_backends
from reconciler.emulator.dataplane import DataPlane
from reconciler.emulator.faults import FAULTS_VARIABLE, fault_spec, injector, install_faults
from reconciler.emulator.models import DELAY_VARIABLE
from reconciler.emulator.quotas import QUOTAS_VARIABLE, Quotas, reset_stats, stats
from reconciler.mcp.endpoints import LOOPBACK_HTTP_SETTING

DEFAULT_PORT = 4566
STATS_PATH = "/_emulator/stats"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_stats(app: WsgiApp) -> WsgiApp:
    """The emulator-only counters endpoint in front of the AWS API."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != STATS_PATH:
            return app(environ, start_response)
        answers = {"GET": stats, "DELETE": reset_stats}
        method = environ.get("REQUEST_METHOD", "")
        if method not in answers:
            start_response("405 Method Not Allowed", [("Allow", ", ".join(answers)), ("Content-Length", "0")])
            return [b""]
        body = json.dumps(answers[method]()).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return application


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    delay: float | None = None,
    faults: Sequence[str] = (),
    fault_seed: int | None = None,
    quotas: Quotas | None = None,
) -> None:
    """Run until interrupted; any AWS client pointed at http://HOST:PORT reaches the emulator.

    Faults and quotas given here replace RECONCILER_EMULATOR_FAULTS / RECONCILER_EMULATOR_QUOTAS;
    a mistake in either is a ConfigError before the server starts.
    """
    if delay is not None:
        os.environ[DELAY_VARIABLE] = str(delay)
    if faults or fault_seed is not None:
        os.environ[FAULTS_VARIABLE] = fault_spec(faults, fault_seed)
    if quotas is not None and quotas.active:
        os.environ[QUOTAS_VARIABLE] = quotas.spec()
    # The emulator only ever dials loopback MCP servers, which run without TLS on a developer's machine.
    os.environ.setdefault(LOOPBACK_HTTP_SETTING, "1")
    install_faults()
    injector()  # checks both settings now rather than on the first call
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    # Errors only: a line per request fills the pipe of a harness that reads the first line and stops reading.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = with_stats(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"AgentCore emulator listening on http://{host}:{port}", flush=True)
    print(f"  gateway MCP endpoints: https://127.0.0.1:{DataPlane.shared(all_backends).port}/gateways/GATEWAY_ID/mcp "
          f"(dial them over http with {LOOPBACK_HTTP_SETTING}=1)", flush=True)
    for variable in (FAULTS_VARIABLE, QUOTAS_VARIABLE):
        if os.environ.get(variable):
            print(f"  {variable}={os.environ[variable]}", flush=True)
    print(f"  call counters: http://{host}:{port}{STATS_PATH}", flush=True)
    print(f"  export AWS_ENDPOINT_URL=http://{host}:{port} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
