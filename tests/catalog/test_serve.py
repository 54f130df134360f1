"""catalog serve: the MCP server's find_tools, called with the MCP SDK client over loopback, searching the emulator."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

import boto3
import pytest

from reconciler.aws_model import REGISTRY_SERVICE
from reconciler.catalog.serve import endpoint, http_server, listening
from reconciler.errors import ReconcilerError
from reconciler.mcp.client import Connection, call_tool, list_tools, offered_versions
from tests.catalog.support import ORDERS, searched, WEATHER, gateway_url, new_registry, record
from tests.conftest import REGION

START_TIMEOUT = 10.0


@contextmanager
def catalog(registry_ids: list[str]) -> Iterator[str]:
    """The catalog server on a free loopback port in a thread; its MCP endpoint."""
    sock = listening("127.0.0.1", 0)
    server = http_server(searched(registry_ids))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the catalog server did not start"
    try:
        yield endpoint(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT)
        sock.close()


def find_tools(url: str, **arguments: Any) -> dict[str, Any]:
    return call_tool(Connection(url), offered_versions(None), "find_tools", arguments)


def test_find_tools_answers_which_gateway_serves_a_tool(registries: Any) -> None:
    registry = new_registry(registries, "catalog")
    record(registries, registry, "orders-gw", "orders", ORDERS)
    record(registries, registry, "weather-gw", "forecast", WEATHER)
    with catalog([registry]) as url:
        assert [tool["name"] for tool in list_tools(Connection(url), offered_versions(None)).tools] == ["find_tools"]
        answer = find_tools(url, query="cancel an order")
        radar = find_tools(url, query="radar", limit=1)
    assert not answer.get("isError")
    hits = answer["structuredContent"]["hits"]
    assert [(hit["record"], hit["gateway_url"], hit["status"]) for hit in hits] == [("orders-gw.orders", gateway_url("orders-gw"), "APPROVED")]
    assert [tool["name"] for tool in hits[0]["tools"]] == ["orders___get_order", "orders___cancel_order"]
    assert [(hit["gateway_url"], [t["name"] for t in hit["tools"]]) for hit in radar["structuredContent"]["hits"]] == [
        (gateway_url("weather-gw"), ["forecast___getRadarImage"])]


def test_find_tools_reports_a_failed_search_as_a_tool_error(registries: Any) -> None:
    with catalog(["AAAAAAAAAAAA"]) as url:
        missing = find_tools(url, query="orders")
        too_many = find_tools(url, query="orders", limit=51)
    assert missing["isError"] is True
    assert "SearchDiscoverableRegistryRecords: ResourceNotFoundException: " in missing["content"][0]["text"]
    assert "limit 51: a search returns 1 to 50 records" in too_many["content"][0]["text"]


def test_a_taken_port_is_one_clear_error() -> None:
    taken = listening("127.0.0.1", 0)
    try:
        with pytest.raises(ReconcilerError, match=rf"^cannot listen on 127.0.0.1:{taken.getsockname()[1]}: "):
            listening("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()


def test_serve_runs_until_ctrl_c_against_the_emulator_server(emulator_url: str) -> None:
    """serve() as a process: it announces its endpoint, answers find_tools, and a SIGINT ends it cleanly."""
    control = boto3.client(REGISTRY_SERVICE, region_name=REGION, endpoint_url=emulator_url)
    registry = new_registry(control, f"serve-{uuid.uuid4().hex[:8]}")
    record(control, registry, "orders-gw", "orders", ORDERS)
    program = ("from reconciler.aws import Api; from reconciler.catalog.search import Searched; "
               f"from reconciler.catalog.serve import serve; serve([Searched(Api(service='agent-registry'), {registry!r})], port=0)")
    process = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "AWS_ENDPOINT_URL": emulator_url})
    try:
        assert process.stdout is not None
        announced = process.stdout.readline()  # printed once the socket listens (or empty if the process died)
        assert announced.startswith("Catalog MCP server on http://127.0.0.1:"), announced + process.stderr.read()
        url = announced.split()[4]
        hits = find_tools(url, query="cancel")["structuredContent"]["hits"]
        assert [(hit["record"], hit["gateway_url"]) for hit in hits] == [("orders-gw.orders", gateway_url("orders-gw"))]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=START_TIMEOUT) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=START_TIMEOUT)
