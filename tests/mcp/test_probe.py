"""`reconcile probe`: real MCP servers on loopback, one clear line per failure class, the others still finish."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.deployments import load_desired_state
from reconciler.desired import DesiredState
from reconciler.mcp.probe import probe
from tests.conftest import refusing_port, silent_port
from tests.helpers import mcp_registry
from tests.mcp_servers import (
    OLD_VERSION, RequireApiKey, RequireBearer, duplicate_tools, healthy, mcp_app, not_mcp, oauth_server, old_protocol, serving,
)

def registry(tmp_path: Path, targets: dict[str, str], extra: str = "", env: dict[str, str] | None = None,
             credentials: dict[str, str] | None = None) -> DesiredState:
    (tmp_path / "gateways.yaml").write_text(mcp_registry(targets, extra, credentials))
    return load_desired_state([str(tmp_path)], environ=env or {})


def by_target(report) -> dict:  # type: ignore[no-untyped-def]
    return {p.address.rsplit("/", 1)[1]: p for p in report.probes}


def test_a_healthy_server_passes_with_its_tools_and_version(tmp_path: Path) -> None:
    with serving(mcp_app(healthy())) as server:
        report = probe(registry(tmp_path, {"orders": server.https()}))
    result = by_target(report)["orders"]
    assert report.ok, result
    assert result.tools == ["get_order", "list_orders"]
    assert result.protocol_version == "2025-06-18"  # the newest of the gateway's versions
    assert result.warnings == []


def test_each_failure_class_is_one_line_and_the_others_finish(tmp_path: Path) -> None:
    with serving(mcp_app(healthy())) as good, serving(not_mcp()) as html, serving(mcp_app(old_protocol())) as old, \
            refusing_port() as dead:  # nothing listens there
        targets = {"good": good.https(), "html": html.https(), "old": old.https(), "dead": f"https://127.0.0.1:{dead}/mcp"}
        report = probe(registry(tmp_path, targets))
    results = by_target(report)
    assert results["good"].ok
    assert results["html"].failure.startswith("not-mcp: ")
    assert results["old"].failure.startswith("protocol: the server refused every protocol version offered")
    assert OLD_VERSION in results["old"].failure
    assert results["dead"].failure.startswith("unreachable: cannot connect to")
    assert not report.ok


def test_a_tls_failure_is_its_own_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECONCILER_LOOPBACK_HTTP")  # dial https for real: the server speaks plain http
    with serving(mcp_app(healthy())) as plain:
        report = probe(registry(tmp_path, {"orders": plain.https()}))
    assert by_target(report)["orders"].failure.startswith("tls: TLS handshake with https://127.0.0.1")


def test_a_timeout_is_its_own_class(tmp_path: Path) -> None:
    with silent_port() as slow:  # the connection is made, no answer ever comes
        report = probe(registry(tmp_path, {"slow": f"https://127.0.0.1:{slow}/mcp"}), timeout=0.3)
    assert by_target(report)["slow"].failure.startswith("timeout: "), by_target(report)["slow"].failure


def test_oauth_client_credentials_come_from_the_targets_provider(tmp_path: Path) -> None:
    with oauth_server({"probe-client": "probe-secret"}) as authority:
        with serving(RequireBearer(mcp_app(healthy()), authority)) as server:
            provider = (
                "credentialProviders:\n  idp:\n    oauth2:\n      credentialProviderVendor: CustomOauth2\n"
                "      oauth2ProviderConfigInput:\n        customOauth2ProviderConfig:\n"
                f"          oauthDiscovery: {{discoveryUrl: \"{authority.discovery_url}\"}}\n"
                "          clientId: probe-client\n          clientSecret: ${env:IDP_SECRET}\n"
            )
            oauth = {"orders": "{credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: {provider: idp, scopes: [orders/read]}}}"}
            good = probe(registry(tmp_path, {"orders": server.https()}, provider, {"IDP_SECRET": "probe-secret"}, oauth))
            wrong = probe(registry(tmp_path, {"orders": server.https()}, provider, {"IDP_SECRET": "wrong-secret"}, oauth))
            anonymous = probe(registry(tmp_path, {"orders": server.https()}, provider, {"IDP_SECRET": "x"}))
    assert good.ok, good.probes
    assert authority.issued == 1
    refused = by_target(wrong)["orders"].failure
    assert refused.startswith("auth: the token endpoint") and "invalid_client" in refused and "wrong-secret" not in refused
    assert by_target(anonymous)["orders"].failure.startswith("auth: HTTP 401")


def test_api_keys_go_where_the_target_says(tmp_path: Path) -> None:
    with serving(RequireApiKey(mcp_app(healthy()), "x-api-key", "Key k-123")) as server:
        provider = "credentialProviders:\n  vendor:\n    apiKey: {apiKey: \"${env:VENDOR_KEY}\"}\n"
        key = {"orders": "{credentialProviderType: API_KEY, credentialProvider: {apiKeyCredentialProvider: "
                         "{provider: vendor, credentialParameterName: x-api-key, credentialPrefix: Key, credentialLocation: HEADER}}}"}
        report = probe(registry(tmp_path, {"orders": server.https()}, provider, {"VENDOR_KEY": "k-123"}, key))
    assert report.ok, report.probes


def test_duplicate_tool_names_collide(tmp_path: Path) -> None:
    with serving(mcp_app(duplicate_tools())) as server:
        report = probe(registry(tmp_path, {"search": server.https()}))
    assert by_target(report)["search"].errors == ["tool names collide in gateway/tools: search___search"]


def test_endpoint_override_probes_a_local_server_over_http(tmp_path: Path) -> None:
    with serving(mcp_app(healthy())) as local:
        reg = registry(tmp_path, {"orders": "https://orders.example.com/mcp"})
        report = probe(reg, endpoints={"tools/orders": local.url})
    assert report.ok and by_target(report)["orders"].url == local.url


def test_plain_http_to_a_real_host_is_refused(tmp_path: Path) -> None:
    reg = registry(tmp_path, {"orders": "https://orders.example.com/mcp"})
    report = probe(reg, endpoints={"tools/orders": "http://orders.example.com/mcp"})
    assert by_target(report)["orders"].failure == "config: http://orders.example.com/mcp: plain http is accepted for loopback addresses only; use https"


def test_unknown_targets_are_one_error(tmp_path: Path) -> None:
    reg = registry(tmp_path, {"orders": "https://orders.example.com/mcp"})
    with pytest.raises(Exception, match="not in the registry as MCP-server targets or gateways: tools/nope"):
        probe(reg, selected=("tools/nope",))


def test_an_api_key_in_the_query_never_shows_in_a_failure(tmp_path: Path) -> None:
    with serving(not_mcp()) as stopped:
        dead = stopped.https()
    provider = "credentialProviders:\n  vendor:\n    apiKey: {apiKey: \"${env:VENDOR_KEY}\"}\n"
    key = {"orders": "{credentialProviderType: API_KEY, credentialProvider: {apiKeyCredentialProvider: "
                     "{provider: vendor, credentialParameterName: api_key, credentialLocation: QUERY_PARAMETER}}}"}
    report = probe(registry(tmp_path, {"orders": dead}, provider, {"VENDOR_KEY": "query-key-999"}, key))
    failure = by_target(report)["orders"].failure
    assert failure.startswith("unreachable:") and "?(hidden)" in failure and "query-key-999" not in str(report)
