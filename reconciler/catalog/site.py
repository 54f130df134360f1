"""`reconcile catalog site`: a static web catalog of the registry's gateways, targets and tools.

What it shows comes from AWS as it is now: each declared gateway's URL and
authorizer (GetGateway), each target's status and last synchronization
(GetGatewayTarget), and the tools as the gateway lists them to an agent (the
listing `verify` reads), so no agent registry is needed. Descriptions, the
owning file and rate limits come from the registry files. With `deployments:`
every selected deployment is read through its own connection, and a gateway
shows the deployments that serve it (each one's URL and status); a tool only
some of them list says which.

The page is rendered here, in Python, as plain HTML (readable without
JavaScript, by screen readers and by search engines); a small plain script
filters the tools as one types. Everything sits in DIR with no CDN, so it
opens from the files and publishes as is to GitHub Pages, S3 or an intranet.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from reconciler.aws import Api
from reconciler.desired import Desired, DesiredState
from reconciler.errors import ReconcilerError
from reconciler.kinds import GATEWAY, KINDS, POLICY_ENGINE, TARGET
from reconciler.kinds.rate_limit import RateLimitKind
from reconciler.kinds.target import mcp_server

if TYPE_CHECKING:
    from reconciler.deployments import Deployment, Fleet

STATIC = ("site.css", "site.js")
WORKERS = 4


@dataclass
class Tool:
    name: str  # as the gateway lists it: TARGET___TOOL
    short: str  # the server's own name
    description: str
    schema: dict[str, Any]
    anchor: str
    only_in: list[str] = field(default_factory=list)  # the deployments listing it, when not every one serving it does


@dataclass
class TargetEntry:
    name: str
    description: str
    file: str
    kind: str
    status: str = "not in AWS"
    synchronized: str = ""
    anchor: str = ""
    tools: list[Tool] = field(default_factory=list)


@dataclass(frozen=True)
class Serving:
    """Where a gateway is served: one deployment's URL and status (deployment "" without `deployments:`)."""

    deployment: str
    url: str
    status: str


@dataclass
class GatewayEntry:
    name: str
    description: str
    url: str = ""
    status: str = "not in AWS"
    authorizer: list[tuple[str, str]] = field(default_factory=list)  # (term, what a caller needs)
    policy_engine: str = ""
    rate_limits: list[str] = field(default_factory=list)
    listing_failure: str = ""
    targets: list[TargetEntry] = field(default_factory=list)
    served: list[Serving] = field(default_factory=list)

    @property
    def tool_count(self) -> int:
        return sum(len(t.tools) for t in self.targets)


def build_site(apis: dict[str, Api], fleet: Fleet, out: str, timeout: float = 15.0) -> list[GatewayEntry]:
    """Read the catalog of every selected deployment from AWS and write the site into `out`; the gateways it shows."""
    read = [(d, collect(apis[d.name], fleet.views[d.name], timeout)) for d in fleet.chosen()]
    gateways = served_by(read)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    first = fleet.views[fleet.selected[0]]
    (folder / "index.html").write_text(render((first.shown_name or first.name).strip("'"), gateways, stamp), encoding="utf-8")
    for name in STATIC:
        with resources.as_file(resources.files(__package__) / "site" / name) as source:
            shutil.copyfile(source, folder / name)
    return gateways


# --- reading ---------------------------------------------------------------------------------


def collect(api: Api, registry: DesiredState, timeout: float) -> list[GatewayEntry]:
    live = {ref.name: ref for ref in KINDS[GATEWAY].list(api)}
    declared = registry.of_kind(GATEWAY)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(lambda g: _gateway(api, registry, g, live.get(g.name), timeout), declared))


def _gateway(api: Api, registry: DesiredState, gateway: Desired, ref: Any, timeout: float) -> GatewayEntry:
    entry = GatewayEntry(gateway.name, str(gateway.body.get("description", "")))
    targets = [t for t in registry.of_kind(TARGET) if t.parent == gateway.name]
    entry.targets = [_target_entry(gateway.name, t) for t in targets]
    entry.rate_limits = [_rate_limit(d) for d in registry.children(gateway.address) if isinstance(KINDS[d.kind], RateLimitKind)]
    described = KINDS[GATEWAY].describe(api, ref) if ref is not None else {}
    entry.url, entry.status = str(described.get("gatewayUrl", "")), str(described.get("status", entry.status))
    entry.authorizer = _authorizer(described or gateway.body, str(described.get("gatewayArn", "")))
    entry.policy_engine = _policy_engine(described.get("policyEngineConfiguration") or {}, gateway)
    if ref is None:
        return entry
    _read_targets(api, ref, entry)
    _list_tools(api, gateway, entry, timeout)
    return entry


def _target_entry(gateway: str, target: Desired) -> TargetEntry:
    configuration = (target.body.get("targetConfiguration") or {}).get("mcp") or {}
    kind = "MCP server" if mcp_server(target.body.get("targetConfiguration")) else ", ".join(sorted(configuration)) or "unknown"
    file = _shown_file(target.location.file) if target.location else ""
    return TargetEntry(target.name, str(target.body.get("description", "")), file, kind, anchor=anchor("target", gateway, target.name))


def _read_targets(api: Api, gateway_ref: Any, entry: GatewayEntry) -> None:
    kind = KINDS[TARGET]
    live = {ref.name: ref for ref in kind.list(api, gateway_ref)}
    for target in entry.targets:
        if target.name in live:
            described = kind.describe(api, live[target.name])
            target.status = str(described.get("status", ""))
            target.synchronized = _when(described.get("lastSynchronizedAt"))
            target.description = target.description or str(described.get("description", ""))


def _list_tools(api: Api, gateway: Desired, entry: GatewayEntry, timeout: float) -> None:
    from reconciler.mcp.checks import SEPARATOR  # the MCP SDK: only when a site is built
    from reconciler.mcp.verify import gateway_tools

    try:
        listed = gateway_tools(api, gateway, entry.url, timeout)
    except ReconcilerError as error:
        entry.listing_failure = f"its tools could not be listed: {error}"
        return
    for target in entry.targets:
        prefix = f"{target.name}{SEPARATOR}"
        mine = sorted((t for t in listed if str(t.get("name", "")).startswith(prefix)), key=lambda t: str(t["name"]))
        target.tools = [Tool(str(t["name"]), str(t["name"])[len(prefix):], str(t.get("description") or ""),
                             dict(t.get("inputSchema") or {}), anchor("tool", gateway.name, str(t["name"]))) for t in mine]


def _authorizer(gateway: dict[str, Any], arn: str) -> list[tuple[str, str]]:
    """What a caller needs to connect, by the gateway's authorizer type."""
    kind = str(gateway.get("authorizerType", ""))
    if kind == "AWS_IAM":
        return [("Authorizer", "AWS_IAM"),
                ("Callers need", "requests signed with AWS SigV4 (service bedrock-agentcore) by a principal allowed "
                                 f"bedrock-agentcore:InvokeGateway{' on ' + arn if arn else ''}")]
    if kind != "CUSTOM_JWT":
        return [("Authorizer", kind or "unknown"), ("Callers need", "nothing: the gateway does not authenticate callers")]
    jwt = (gateway.get("authorizerConfiguration") or {}).get("customJWTAuthorizer") or {}
    shown = [("Authorizer", "CUSTOM_JWT"), ("Callers need", "a bearer token (JWT) from this identity provider"),
             ("Discovery URL", str(jwt.get("discoveryUrl", "")))]
    for member, label in (("allowedClients", "Allowed clients"), ("allowedAudience", "Allowed audiences"), ("allowedScopes", "Allowed scopes")):
        if jwt.get(member):
            shown.append((label, ", ".join(map(str, jwt[member]))))
    return shown


def _policy_engine(configuration: dict[str, Any], gateway: Desired) -> str:
    if not configuration:
        return ""
    arn = str(configuration.get("arn", ""))
    declared = [r.name for r in gateway.references() if r.kind == POLICY_ENGINE]
    name = declared[0] if declared else arn.rsplit("/", 1)[-1]
    return f"{name} (mode {configuration['mode']})" if configuration.get("mode") else name


def _rate_limit(limit: Desired) -> str:
    return f"{limit.name}: {json.dumps(limit.body, sort_keys=True, ensure_ascii=False)}"


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return str(value or "")


def _shown_file(path: str) -> str:
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return path if relative.startswith("..") else relative


def anchor(*parts: str) -> str:
    """A stable fragment id: the same names give the same URL in every build."""
    return "--".join(re.sub(r"[^A-Za-z0-9_.-]", "-", part) for part in parts)


# --- deployments: one entry per gateway, with the deployments serving it ------------------------


def served_by(read: list[tuple[Deployment, list[GatewayEntry]]]) -> list[GatewayEntry]:
    """Each gateway once, in declaration order, with the deployments that serve it."""
    by_name: dict[str, list[tuple[Deployment, GatewayEntry]]] = {}
    for deployment, entries in read:
        for entry in entries:
            by_name.setdefault(entry.name, []).append((deployment, entry))
    return [_merged(pairs) for pairs in by_name.values()]


def _merged(pairs: list[tuple[Deployment, GatewayEntry]]) -> GatewayEntry:
    first, named = pairs[0][1], bool(pairs[0][0].name)
    first.served = [Serving(d.label if named else "", e.url, e.status) for d, e in pairs]
    if not named:
        return first
    first.listing_failure = "; ".join(f"{d.name}: {e.listing_failure}" for d, e in pairs if e.listing_failure)
    for target in first.targets:  # every deployment of a gateway has its targets: children follow their parent
        per = [(d.name, t) for d, e in pairs for t in e.targets if t.name == target.name]
        target.status = "; ".join(f"{name}: {t.status}" for name, t in per)
        target.synchronized = "; ".join(f"{name}: {t.synchronized or 'never'}" for name, t in per)
        target.tools = _tools_of_all(per)
    return first


def _tools_of_all(per: list[tuple[str, TargetEntry]]) -> list[Tool]:
    """The tools any deployment lists for a target; one only some list names them."""
    listing: dict[str, tuple[Tool, list[str]]] = {}
    for name, target in per:
        for tool in target.tools:
            listing.setdefault(tool.name, (tool, []))[1].append(name)
    everywhere = len(per)
    return [dataclasses.replace(tool, only_in=[] if len(names) == everywhere else names)
            for tool, names in sorted(listing.values(), key=lambda pair: pair[0].name)]


# --- rendering -------------------------------------------------------------------------------

e = html.escape


def render(registry: str, gateways: list[GatewayEntry], stamp: str) -> str:
    page = Template((resources.files(__package__) / "site" / "index.html").read_text(encoding="utf-8"))
    tools = sum(g.tool_count for g in gateways)
    targets = sum(len(g.targets) for g in gateways)
    return page.substitute(
        registry=e(registry), stamp=e(stamp), tools=tools, targets=targets, gateways=len(gateways),
        nav="\n".join(f'<li><a href="#{anchor("gateway", g.name)}">{e(g.name)}</a> ({g.tool_count} tools)</li>' for g in gateways),
        body="\n".join(_gateway_html(g) for g in gateways),
    )


def _gateway_html(gateway: GatewayEntry) -> str:
    facts = _where(gateway)
    facts += [(term, e(text)) for term, text in gateway.authorizer]
    facts += [("Policy engine", e(gateway.policy_engine))] if gateway.policy_engine else []
    facts += [("Rate limits", "<br>".join(e(r) for r in gateway.rate_limits))] if gateway.rate_limits else []
    failure = f'<p class="failure" role="note">{e(gateway.listing_failure)}</p>' if gateway.listing_failure else ""
    return (f'<section class="gateway" id="{anchor("gateway", gateway.name)}" aria-labelledby="{anchor("gateway", gateway.name)}-h">'
            f'<h2 id="{anchor("gateway", gateway.name)}-h">Gateway {e(gateway.name)}</h2>'
            + (f"<p>{e(gateway.description)}</p>" if gateway.description else "")
            + _facts(facts) + failure + "".join(_target_html(t) for t in gateway.targets) + "</section>")


def _where(gateway: GatewayEntry) -> list[tuple[str, str]]:
    """The URL and status; with deployments, each serving deployment's."""
    if not any(s.deployment for s in gateway.served):
        return [("URL", _url(gateway.url)), ("Status", e(gateway.status))]
    items = "".join(f"<li><strong>{e(s.deployment)}</strong>: {_url(s.url)} ({e(s.status)})</li>" for s in gateway.served)
    return [("Served by", f'<ul class="served" aria-label="Deployments serving it">{items}</ul>')]


def _url(url: str) -> str:
    return f"<code>{e(url)}</code>" if url else "not in AWS: apply first"


def _target_html(target: TargetEntry) -> str:
    facts = [("Kind", e(target.kind)), ("Status", e(target.status)),
             ("Last synchronized", e(target.synchronized or "never")), ("Declared in", f"<code>{e(target.file)}</code>")]
    tools = "".join(_tool_html(t) for t in target.tools) or '<li class="empty">No tools listed.</li>'
    return (f'<article class="target" id="{target.anchor}" aria-labelledby="{target.anchor}-h">'
            f'<h3 id="{target.anchor}-h">{e(target.name)}</h3>'
            f'<p>{e(target.description) or "<em>No description.</em>"}</p>' + _facts(facts)
            + f'<ul class="tools" aria-label="Tools of {e(target.name)}">{tools}</ul></article>')


def _tool_html(tool: Tool) -> str:
    search = e(f"{tool.name} {tool.description}".lower())
    schema = e(json.dumps(tool.schema, indent=2, sort_keys=True, ensure_ascii=False))
    return (f'<li class="tool" id="{tool.anchor}" data-search="{search}">'
            f'<h4><a class="permalink" href="#{tool.anchor}" aria-label="Link to {e(tool.name)}">#</a> <code>{e(tool.name)}</code></h4>'
            f"<p>{e(tool.description) or '<em>No description.</em>'}</p>"
            + (f'<p class="only-in">Only in {e(", ".join(tool.only_in))}</p>' if tool.only_in else "")
            + f"{_parameters(tool.schema)}"
            f"<details><summary>Input schema</summary><pre><code>{schema}</code></pre></details></li>")


def _parameters(schema: dict[str, Any]) -> str:
    properties = schema.get("properties") or {}
    if not isinstance(properties, dict) or not properties:
        return '<p class="params">No parameters.</p>'
    required = set(schema.get("required") or [])
    items = "".join(
        f"<li><code>{e(name)}</code> {e(str(spec.get('type', 'any')) if isinstance(spec, dict) else 'any')}"
        f"{' <strong>required</strong>' if name in required else ''}"
        f"{' — ' + e(str(spec['description'])) if isinstance(spec, dict) and spec.get('description') else ''}</li>"
        for name, spec in properties.items())
    return f'<ul class="params" aria-label="Parameters">{items}</ul>'


def _facts(facts: list[tuple[str, str]]) -> str:
    return '<dl class="facts">' + "".join(f"<dt>{term}</dt><dd>{value}</dd>" for term, value in facts) + "</dl>"
