"""`reconcile emulator`: moto's HTTP server with the emulator backend, fault injection and quotas, on loopback.

Besides the AWS API, the server answers two emulator-only paths, in JSON:

    GET /_emulator/stats     the call counters of `reconciler.emulator.quotas.stats()`, and `preview-calls`: the
                             preview AWS Agent Registry calls received since the server started, by operation
                             (`reconciler.emulator.preview.preview_calls()`; never zeroed)
    DELETE /_emulator/stats  zeroes the call counters and returns the last counts
    GET /_emulator/quotas    the quotas in force ({"reads": R, "writes": W, "latency": S, "target-writes": N})
    PUT /_emulator/quotas    replaces them with the body's (same keys; left out or null: no quota) and returns
                             them; a change starts from full buckets and zeroed counters
    GET /_emulator/holds     the holds in place (reconciler.emulator.holds): {"holds": [{"id": N, "kind": K, ...,
                             "kept": [names held], "calls": N made to wait, "waiting": N now}]}
    POST /_emulator/holds    places the body's hold, a JSON object {"kind": K, KEY: VALUE...} (as --hold RULE), and
                             returns it with its id
    DELETE /_emulator/holds  releases the hold {"id": N} of the body, or every hold with no body; returns those released

Another method is 405; a body that is not valid quotas, or not a valid hold, is 400 with one line saying why.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import Any, Callable, Iterable, Sequence

from reconciler.emulator import all_backends
from reconciler.emulator.dataplane import DataPlane
from reconciler.emulator import holds as holding
from reconciler.emulator.faults import FAULTS_VARIABLE, fault_spec, injector, install_faults
from reconciler.emulator.gateway_client import LOOPBACK_HTTP_SETTING
from reconciler.emulator.models import DELAY_VARIABLE
from reconciler.emulator.preview import preview_calls
from reconciler.emulator.quotas import QUOTAS_VARIABLE, Quotas, quotas_from_json, reset_stats, stats
from reconciler.errors import ConfigError

DEFAULT_PORT = 4566
STATS_PATH = "/_emulator/stats"
QUOTAS_PATH = "/_emulator/quotas"
HOLDS_PATH = "/_emulator/holds"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Handler = Callable[[bytes], Any]  # the request body -> what to answer, as JSON


def active_quotas(_: bytes = b"") -> dict[str, Any]:
    return injector().quotas.as_json()


def replace_quotas(body: bytes) -> dict[str, Any]:
    """The body's quotas in force from now on (the setting every call reads, as the command's flags set it)."""
    try:
        document = json.loads(body or b"null")
    except ValueError as error:
        raise ConfigError([(None, f"quotas: the body is not JSON ({error})")]) from None
    os.environ[QUOTAS_VARIABLE] = quotas_from_json(document).spec()
    return active_quotas()  # takes effect now, not at the next call: counters read after this answer are the new ones'


def with_preview_calls(counters: dict[str, Any]) -> dict[str, Any]:
    return {**counters, "preview-calls": preview_calls()}


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError as error:
        raise ConfigError([(None, f"{what}: the body is not JSON ({error})")]) from None
    if not isinstance(document, dict):
        raise ConfigError([(None, f"{what}: the body must be a JSON object")])
    return document


def holds_in_place(_: bytes = b"") -> dict[str, Any]:
    return {"holds": [hold.as_json() for hold in holding.placed()]}


def place_hold(body: bytes) -> dict[str, Any]:
    return holding.place(_json_object(body, "hold")).as_json()


def release_holds(body: bytes) -> dict[str, Any]:
    """Release the body's {"id": N}, or every hold with no body."""
    hold_id = _json_object(body, "release").get("id") if body else None
    if hold_id is not None and not isinstance(hold_id, int):
        raise ConfigError([(None, "release: id must be an integer")])
    return {"released": [hold.as_json() for hold in holding.release(hold_id)]}


ENDPOINTS: dict[str, dict[str, Handler]] = {
    STATS_PATH: {"GET": lambda _: with_preview_calls(stats()), "DELETE": lambda _: with_preview_calls(reset_stats())},
    QUOTAS_PATH: {"GET": active_quotas, "PUT": replace_quotas},
    HOLDS_PATH: {"GET": holds_in_place, "POST": place_hold, "DELETE": release_holds},
}


def with_emulator_endpoints(app: WsgiApp) -> WsgiApp:
    """The emulator-only paths (counters, quotas, holds) in front of the AWS API."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        handlers = ENDPOINTS.get(environ.get("PATH_INFO", ""))
        if handlers is None:
            return app(environ, start_response)
        handler = handlers.get(environ.get("REQUEST_METHOD", ""))
        if handler is None:
            start_response("405 Method Not Allowed", [("Allow", ", ".join(handlers)), ("Content-Length", "0")])
            return [b""]
        try:
            answer = json.dumps(handler(_body(environ))).encode()
        except ConfigError as error:
            return _respond(start_response, "400 Bad Request", "text/plain; charset=utf-8", f"{error}\n".encode())
        return _respond(start_response, "200 OK", "application/json", answer)

    return application


def _body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _respond(start_response: Callable[..., Any], status: str, content_type: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    delay: float | None = None,
    faults: Sequence[str] = (),
    fault_seed: int | None = None,
    quotas: Quotas | None = None,
    holds: Sequence[str] = (),
) -> None:
    """Run until interrupted; any AWS client pointed at http://HOST:PORT reaches the emulator.

    Faults and quotas given here replace RECONCILER_EMULATOR_FAULTS / RECONCILER_EMULATOR_QUOTAS; the holds are
    placed before the first call. A mistake in any is a ConfigError before the server starts.
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
    for rule in holds:
        holding.place(rule)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    # Errors only: a line per request fills the pipe of a harness that reads the first line and stops reading.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = with_emulator_endpoints(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port  # the one bound: --port 0 takes a free one, which this line reports
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"AgentCore emulator listening on http://{host}:{port}", flush=True)
    print(f"  gateway MCP endpoints: https://127.0.0.1:{DataPlane.shared(all_backends).port}/gateways/GATEWAY_ID/mcp "
          f"(dial them over http with {LOOPBACK_HTTP_SETTING}=1)", flush=True)
    print("  AWS Agent Registry: the agent-registry-control and agent-registry clients, both at this address "
          "(routed by their SigV4 signing name, agent-registry)", flush=True)
    for variable in (FAULTS_VARIABLE, QUOTAS_VARIABLE):
        if os.environ.get(variable):
            print(f"  {variable}={os.environ[variable]}", flush=True)
    print(f"  call counters: http://{host}:{port}{STATS_PATH}, quotas (GET, PUT): http://{host}:{port}{QUOTAS_PATH}, "
          f"holds (GET, POST, DELETE): http://{host}:{port}{HOLDS_PATH}", flush=True)
    print(f"  export AWS_ENDPOINT_URL=http://{host}:{port} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
