"""What the gateway accepts from a tool list, and which URLs may be dialed."""

from __future__ import annotations

import pytest

from reconciler.errors import ReconcilerError
from reconciler.mcp.checks import check_listing, collisions, schema_problems, unusual_types
from reconciler.mcp.client import Listing, offered_versions
from reconciler.mcp.endpoints import dialable, is_loopback

OBJECT = {"type": "object", "properties": {"id": {"type": "string"}}}


def listing(*names: str, version: str = "2025-06-18", schema: dict | None = None) -> Listing:
    return Listing(version, "server", [{"name": n, "inputSchema": schema or OBJECT} for n in names])


def test_a_version_outside_the_gateways_list_is_an_error() -> None:
    found = check_listing("orders", listing("get", version="2025-11-25"), ["2025-03-26", "2025-06-18"], 1000)
    assert found.errors == ["protocol version 2025-11-25 is not among the gateway's supportedVersions (2025-03-26, 2025-06-18)"]


def test_names_are_checked_as_the_gateway_shows_them() -> None:
    found = check_listing("orders", listing("get order", "x" * 120), None, 1000)
    assert any("tool 'get order': invalid as orders___get order" in e for e in found.errors)
    assert any("exceeds maximum length of 128" in e for e in found.errors)  # 120 + len("orders___") > 128


def test_the_tool_quota_per_target() -> None:
    assert check_listing("t", listing("a", "b", "c"), None, 2).errors == ["3 tools exceed the quota of 2 per target"]


@pytest.mark.parametrize(
    "schema, problem",
    [
        ([], "inputSchema is not a JSON object"),
        ({"type": "array", "items": {"type": "string"}}, "inputSchema must have type object, not 'array'"),
        ({"type": "object", "properties": {"id": {"type": "strung"}}}, "inputSchema is not a valid JSON Schema"),
    ],
)
def test_input_schemas_must_be_json_schema_objects(schema: object, problem: str) -> None:
    assert schema_problems(schema)[0].startswith(problem)


def test_types_the_gateway_schemas_lack_are_warnings() -> None:
    optional = {"type": "object", "properties": {"note": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}
    assert unusual_types(optional) == ["inputSchema uses type 'null', which gateway tool schemas do not define"]
    assert unusual_types(OBJECT) == []


def test_collisions_within_one_gateway() -> None:
    assert collisions({"a": listing("x", "x"), "b": listing("x")}) == {"a": ["a___x"]}


def test_offered_versions_are_the_gateways_newest_first() -> None:
    assert offered_versions(["2025-03-26", "2025-06-18"]) == ["2025-06-18", "2025-03-26"]
    assert offered_versions(None) == ["2025-11-25"]


def test_plain_http_only_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECONCILER_LOOPBACK_HTTP", raising=False)
    assert is_loopback("http://127.0.0.2:9/x") and is_loopback("http://[::1]:9/") and is_loopback("http://localhost/")
    assert not is_loopback("http://10.0.0.1/")
    assert dialable("http://127.0.0.1:8000/mcp", explicit=True) == "http://127.0.0.1:8000/mcp"
    assert dialable("https://127.0.0.1:8000/mcp") == "https://127.0.0.1:8000/mcp"  # no setting: TLS as written
    with pytest.raises(ReconcilerError, match="loopback addresses only"):
        dialable("http://127.0.0.1:8000/mcp")  # a registered endpoint needs the explicit setting
    with pytest.raises(ReconcilerError, match="loopback addresses only"):
        dialable("http://orders.internal/mcp", explicit=True)
    monkeypatch.setenv("RECONCILER_LOOPBACK_HTTP", "1")
    assert dialable("https://127.0.0.1:8000/mcp") == "http://127.0.0.1:8000/mcp"
    assert dialable("https://orders.example.com/mcp") == "https://orders.example.com/mcp"  # never for real hosts
