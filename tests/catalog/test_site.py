"""`reconcile catalog site`: the static catalog built from the emulator's gateways, then used in a real browser.

The browser test drives Debian's Chromium (/usr/bin/chromium) with Playwright for Python; where either is
missing it is skipped with one line (`.ci/run` installs both).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from reconciler.catalog.site import GatewayEntry, TargetEntry, Tool, anchor, render, served_by
from reconciler.deployments import Deployment
from tests.helpers import MCP_VERSIONS, ROLE, converge, reconcile, registry_from
from tests.mcp_servers import healthy, mcp_app, serving

CHROMIUM = os.environ.get("RECONCILER_CHROMIUM", "/usr/bin/chromium")
# As root in a sandbox with a closed network: no sandbox, no GPU, none of Chromium's own background connections.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
JWT_DISCOVERY = "https://idp.example.com/.well-known/openid-configuration"


def site_registry(orders: str, billing: str) -> str:
    """Gateway `tools` (AWS_IAM, two MCP-server targets, a rate limit) and gateway `partners` (CUSTOM_JWT, no target)."""
    return (
        "registry: site-test\nregion: us-east-1\ngateways:\n"
        f"  tools:\n    description: Shop tools\n    roleArn: {ROLE}\n    authorizerType: AWS_IAM\n"
        f"    protocolConfiguration: {{mcp: {{supportedVersions: {MCP_VERSIONS}, searchType: SEMANTIC}}}}\n"
        "    rateLimits:\n"
        "      per-tool: {dimensionKeys: [toolName], entries: [{dimensions: {toolName: '*'}, requests: [{rate: 10, period: second}]}]}\n"
        "    targets:\n"
        f"      orders:\n        description: Orders of the shop\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: '{orders}'}}}}}}\n"
        f"      billing:\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: '{billing}'}}}}}}\n"
        f"  partners:\n    roleArn: {ROLE}\n    authorizerType: CUSTOM_JWT\n"
        f"    authorizerConfiguration: {{customJWTAuthorizer: {{discoveryUrl: '{JWT_DISCOVERY}', allowedClients: [partner-app], "
        "allowedAudience: [partners-api]}}\n"
    )


@pytest.fixture
def site(api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Any]]:
    """The registry applied on the emulator (its servers gone again: the gateway lists its catalogue), then the site built."""
    with serving(mcp_app(healthy("orders", version=2))) as orders, serving(mcp_app(healthy("billing"))) as billing:
        converge(api, registry_from(tmp_path, site_registry(orders.https(), billing.https())))
    monkeypatch.chdir(tmp_path)
    built = reconcile("catalog", "site", "--out", "site")
    yield tmp_path / "site", built


def test_the_site_lists_every_gateway_target_and_tool_with_what_a_caller_needs(site: tuple[Path, Any]) -> None:
    folder, built = site
    assert built.exit_code == 0, built.output
    assert "Wrote site/index.html: 2 gateways, 2 targets, 5 tools." in built.stdout
    assert "Warning: gateway/partners: its tools could not be listed" in built.stderr  # CUSTOM_JWT without a `verify:` block
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "site.css", "site.js"]
    page = (folder / "index.html").read_text()
    assert 'id="tool--tools--orders___cancel_order"' in page and "Cancel an order that has not shipped." in page
    assert "Orders of the shop" in page and "<code>gateways.yaml</code>" in page  # description and owning file
    assert "bedrock-agentcore:InvokeGateway on arn:aws:bedrock-agentcore:us-east-1:" in page  # AWS_IAM: what callers need
    assert JWT_DISCOVERY in page and "partner-app" in page and "partners-api" in page  # CUSTOM_JWT: discovery, clients, audience
    assert "per-tool:" in page and "READY" in page
    assert re.search(r"<dt>Last synchronized</dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC</dd>", page)
    assert '&quot;order_id&quot;' in page and "<code>customer</code> string <strong>required</strong>" in page  # the input schema
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing loaded from elsewhere


def _browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api", reason="no Playwright for Python: pip install '.[test]'")
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    return sync_api


def test_the_site_works_in_a_real_browser(site: tuple[Path, Any], tmp_path: Path) -> None:
    sync_api = _browser()
    folder, _ = site
    index = (folder / "index.html").resolve().as_uri()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.goto(index)
            tools = page.locator("li.tool")
            assert tools.count() == 5 and page.locator("#count-tools").inner_text() == "5"
            assert page.locator("article.target").count() == 2 and page.locator("section.gateway").count() == 2
            assert page.get_by_label("Search tools by name or description").is_visible()
            page.screenshot(path=str(tmp_path / "catalog.png"), full_page=True)
            _save_for_readme(page)

            page.keyboard.press("/")  # the shortcut focuses the search box; typing filters as one goes
            page.keyboard.type("cancel ord")
            visible = page.locator("li.tool:visible")
            assert [visible.nth(i).get_attribute("id") for i in range(visible.count())] == ["tool--tools--orders___cancel_order"]
            assert page.locator("#search-status").inner_text() == "Showing 1 of 5 tools."
            assert not page.locator("#target--tools--billing").is_visible()  # a target without a match is hidden
            assert not page.locator("#gateway--partners").is_visible()
            page.keyboard.type("zzz")
            assert page.locator("li.tool:visible").count() == 0 and page.locator("#no-match").is_visible()
            page.keyboard.press("Escape")
            assert page.locator("li.tool:visible").count() == 5

            page.goto(index + "#tool--tools--billing___list_orders")  # a shared link to one tool
            assert page.evaluate("document.querySelector(':target').id") == "tool--tools--billing___list_orders"
            assert page.locator("#tool--tools--billing___list_orders").is_visible()
            assert page.evaluate("document.getElementById('tool--tools--billing___list_orders').getBoundingClientRect().top") < 844
            page.screenshot(path=str(tmp_path / "anchor.png"))
        finally:
            browser.close()
    assert (tmp_path / "catalog.png").stat().st_size > 0 and (tmp_path / "anchor.png").stat().st_size > 0


def _save_for_readme(page: Any) -> None:
    """RECONCILER_SITE_SCREENSHOT=docs/catalog-site.png refreshes the README's picture (desktop width)."""
    target = os.environ.get("RECONCILER_SITE_SCREENSHOT")
    if target:
        page.set_viewport_size({"width": 1100, "height": 900})
        page.screenshot(path=target)
        page.set_viewport_size({"width": 390, "height": 844})


def _read(url: str, tools: list[str], failure: str = "") -> GatewayEntry:
    """One deployment's reading of gateway `shop` with target `orders`."""
    listed = [Tool(f"orders___{t}", t, f"{t} it", {}, anchor("tool", "shop", f"orders___{t}")) for t in tools]
    target = TargetEntry("orders", "", "team.yaml", "MCP server", "READY", "", "target--shop--orders", listed)
    return GatewayEntry("shop", "", url, "READY", listing_failure=failure, targets=[target])


def test_a_gateway_of_several_deployments_is_shown_once_with_each_one_serving_it() -> None:
    dev, prod = Deployment("dev", "111111111111", "us-east-1"), Deployment("prod", "222222222222", "eu-west-1")
    read = [(dev, [_read("https://dev/mcp", ["get", "cancel"]), GatewayEntry("beta", "", "https://beta/mcp", "READY")]),
            (prod, [_read("https://prod/mcp", ["get"], failure="timed out")])]
    shop, beta = served_by(read)
    assert [(s.deployment, s.url) for s in shop.served] == [("dev (111111111111, us-east-1)", "https://dev/mcp"),
                                                             ("prod (222222222222, eu-west-1)", "https://prod/mcp")]
    assert [(t.short, t.only_in) for t in shop.targets[0].tools] == [("cancel", ["dev"]), ("get", [])]
    assert (shop.targets[0].status, shop.listing_failure) == ("dev: READY; prod: READY", "prod: timed out")
    assert [s.deployment for s in beta.served] == ["dev (111111111111, us-east-1)"]
    page = render("org", [shop, beta], "now")
    assert "<li><strong>prod (222222222222, eu-west-1)</strong>: <code>https://prod/mcp</code> (READY)</li>" in page
    assert '<p class="only-in">Only in dev</p>' in page and page.count("only-in") == 1


def test_without_deployments_a_gateway_shows_its_one_url() -> None:
    (shop,) = served_by([(Deployment(""), [_read("https://here/mcp", ["get"])])])
    assert [(s.deployment, s.url) for s in shop.served] == [("", "https://here/mcp")]
    page = render("org", [shop], "now")
    assert "<dt>URL</dt><dd><code>https://here/mcp</code></dd>" in page and "Served by" not in page
