"""The desired state: a validated document turned into resources with addresses and request bodies.

`build()` applies the reconciler's own rules (references resolve, authorizers,
quotas, ownership marker) on top of the schema check and returns a `Registry`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from reconciler.config.loader import Document, Path_, Problem, load
from reconciler.config.validate import DEFAULT_TARGETS_PER_GATEWAY, DEFAULT_TOOLS_PER_TARGET, dotted, schema_problems
from reconciler.errors import ConfigError, Location, ReconcilerError

GATEWAY = "gateway"
TARGET = "target"
OAUTH2 = "oauth2-credential-provider"
API_KEY = "api-key-credential-provider"

PROVIDER_KINDS = {"oauth2": OAUTH2, "apiKey": API_KEY}
REFERENCE_MEMBERS = {"oauthCredentialProvider": OAUTH2, "apiKeyCredentialProvider": API_KEY}
RECONCILER_ONLY = ("lifecycle", "expectTools", "targets", "authorizer", "safety", "verify")


def mcp_server(target_configuration: dict[str, Any] | None) -> dict[str, Any] | None:
    """A target's `mcp.mcpServer` block (endpoint, optional static schema), or None for other target types."""
    server = ((target_configuration or {}).get("mcp") or {}).get("mcpServer")
    return server if isinstance(server, dict) else None


def address(kind: str, name: str, parent: str | None = None) -> str:
    if kind == TARGET:
        return f"{GATEWAY}/{parent}/{TARGET}/{name}"
    return f"{kind}/{name}"


@dataclass(frozen=True)
class ProviderRef:
    """A credential provider's ARN that is known only once the provider exists."""

    kind: str
    name: str

    @property
    def address(self) -> str:
        return address(self.kind, self.name)


@dataclass
class Desired:
    kind: str
    name: str
    body: dict[str, Any]
    location: Location | None = None
    parent: str | None = None
    secret_paths: set[Path_] = field(default_factory=set)  # body paths whose values came from ${env:}
    lifecycle: dict[str, Any] = field(default_factory=dict)
    expect_tools: list[str] = field(default_factory=list)
    verify: dict[str, Any] = field(default_factory=dict)  # a gateway's `verify:` block (credentials for `reconcile verify`)

    @property
    def address(self) -> str:
        return address(self.kind, self.name, self.parent)

    def references(self) -> list[ProviderRef]:
        return list(_find_refs(self.body))


@dataclass
class Registry:
    name: str
    region: str | None
    tags: dict[str, str]
    resources: dict[str, Desired]
    files: list[str]
    targets_per_gateway: int = DEFAULT_TARGETS_PER_GATEWAY
    tools_per_target: int = DEFAULT_TOOLS_PER_TARGET
    safety: dict[str, Any] = field(default_factory=dict)  # registry-wide `safety:` (see safety.py)
    gateway_safety: dict[str, dict[str, Any]] = field(default_factory=dict)  # per gateway `safety:`
    lock: dict[str, Any] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Desired]:
        return [r for r in self.resources.values() if r.kind == kind]

    def mcp_server_targets(self, gateways: tuple[str, ...] = (), names: tuple[str, ...] = ()) -> list[Desired]:
        """MCP-server targets, all or those of `gateways` plus those named `GATEWAY/TARGET`; unknown names are an error."""
        targets = [t for t in self.of_kind(TARGET) if mcp_server(t.body.get("targetConfiguration"))]
        if not gateways and not names:
            return targets
        by_name = {f"{t.parent}/{t.name}": t for t in targets}
        unknown = [n for n in names if n not in by_name] + [g for g in gateways if address(GATEWAY, g) not in self.resources]
        if unknown:
            raise ReconcilerError(f"not in the registry as MCP-server targets or gateways: {', '.join(unknown)} (targets are GATEWAY/TARGET)")
        return [t for t in targets if t.parent in gateways or f"{t.parent}/{t.name}" in names]


def load_registry(paths: list[str], environ: dict[str, str] | None = None) -> Registry:
    """Load, validate and build: the one entry point for every command."""
    return build(load(paths, environ))


def build(document: Document) -> Registry:
    problems = schema_problems(document)
    if problems:
        raise ConfigError(problems)
    builder = _RegistryBuilder(document)
    registry = builder.build()
    if builder.problems:
        raise ConfigError(builder.problems)
    return registry


class _RegistryBuilder:
    def __init__(self, document: Document):
        self.doc = document
        self.data = document.data
        self.problems: list[Problem] = []

    def problem(self, path: Path_, message: str) -> None:
        self.problems.append((self.doc.source.locate(path), f"{dotted(path)}: {message}"))

    def build(self) -> Registry:
        name = self.data.get("registry")
        if not name:
            self.problems.append((None, f"{', '.join(self.doc.files)}: no file sets `registry:` (the ownership marker)"))
        resources: dict[str, Desired] = {}
        for provider in self._providers():
            resources[provider.address] = provider
        for gateway in self._gateways():
            resources[gateway.address] = gateway
            for target in self._targets(gateway.name):
                resources[target.address] = target
        self._check_references(resources)
        return Registry(
            name=name or "",
            region=self.data.get("region"),
            tags=dict(self.data.get("tags", {})),
            resources=resources,
            files=self.doc.files,
            targets_per_gateway=self._target_quota(),
            tools_per_target=int(self.data.get("quotas", {}).get("toolsPerTarget", DEFAULT_TOOLS_PER_TARGET)),
            safety=dict(self.data.get("safety", {})),
            gateway_safety={n: dict(g["safety"]) for n, g in self.data.get("gateways", {}).items() if "safety" in g},
            lock=dict(self.data.get("lock", {})),
        )

    def _target_quota(self) -> int:
        return int(self.data.get("quotas", {}).get("targetsPerGateway", DEFAULT_TARGETS_PER_GATEWAY))

    def _desired(self, kind: str, name: str, body: dict[str, Any], path: Path_, parent: str | None = None) -> Desired:
        plain = {k: copy.deepcopy(v) for k, v in body.items() if k not in RECONCILER_ONLY}
        secret = {p[len(path) :] for p in self.doc.source.from_env if p[: len(path)] == path}
        return Desired(
            kind=kind,
            name=name,
            body=plain,
            location=self.doc.source.locate(path),
            parent=parent,
            secret_paths=secret,
            lifecycle=dict(body.get("lifecycle", {})),
            expect_tools=list(body.get("expectTools", [])),
            verify=dict(body.get("verify", {})),
        )

    def _providers(self) -> list[Desired]:
        found = []
        for name, entry in self.data.get("credentialProviders", {}).items():
            for key, kind in PROVIDER_KINDS.items():
                if key in entry:
                    desired = self._desired(kind, name, entry[key], ("credentialProviders", name, key))
                    desired.lifecycle = dict(entry.get("lifecycle", {}))
                    found.append(desired)
        return found

    def _gateways(self) -> list[Desired]:
        found = []
        for name, spec in self.data.get("gateways", {}).items():
            path: Path_ = ("gateways", name)
            desired = self._desired(GATEWAY, name, spec, path)
            self._resolve_authorizer(desired, spec, path)
            found.append(desired)
            count, limit = len(spec.get("targets", {})), self._target_quota()
            if count > limit:
                self.problem(
                    path + ("targets",),
                    f"{count} targets exceed the quota of {limit} per gateway (raise quotas.targetsPerGateway "
                    "once AWS has raised it for the account)",
                )
        return found

    def _resolve_authorizer(self, desired: Desired, spec: dict[str, Any], path: Path_) -> None:
        reference = spec.get("authorizer")
        if reference is not None:
            if "authorizerType" in spec or "authorizerConfiguration" in spec:
                self.problem(path + ("authorizer",), "give either `authorizer:` or an inline authorizerType, not both")
                return
            authorizer = self.data.get("authorizers", {}).get(reference)
            if authorizer is None:
                known = ", ".join(self.data.get("authorizers", {})) or "none defined"
                self.problem(path + ("authorizer",), f"unknown authorizer '{reference}' (known: {known})")
                return
            desired.body.update(copy.deepcopy(authorizer))
        elif "authorizerType" not in spec:
            self.problem(path, "missing required member 'authorizerType' (or `authorizer:` naming one)")
            return
        if desired.body.get("authorizerType") == "CUSTOM_JWT" and "authorizerConfiguration" not in desired.body:
            self.problem(path, "authorizerType CUSTOM_JWT needs authorizerConfiguration.customJWTAuthorizer")

    def _targets(self, gateway: str) -> list[Desired]:
        targets = self.data["gateways"][gateway].get("targets", {})
        return [
            self._desired(TARGET, name, spec, ("gateways", gateway, "targets", name), parent=gateway)
            for name, spec in targets.items()
        ]

    def _check_references(self, resources: dict[str, Desired]) -> None:
        """Replace every `provider: NAME` with a ProviderRef, or report it."""
        for desired in resources.values():
            if desired.kind != TARGET:
                continue
            base: Path_ = ("gateways", desired.parent or "", "targets", desired.name)
            for index, config in enumerate(desired.body.get("credentialProviderConfigurations", [])):
                for member, kind in REFERENCE_MEMBERS.items():
                    reference = config.get("credentialProvider", {}).get(member)
                    if reference is None:
                        continue
                    path = base + ("credentialProviderConfigurations", index, "credentialProvider", member)
                    self._resolve_provider(reference, kind, path, resources)

    def _resolve_provider(self, block: dict[str, Any], kind: str, path: Path_, resources: dict[str, Desired]) -> None:
        has_name, has_arn = "provider" in block, "providerArn" in block
        if has_name == has_arn:
            self.problem(path, "give exactly one of `provider:` (a credentialProviders name) or providerArn")
            return
        if has_arn:
            return
        name = block.pop("provider")
        if address(kind, name) not in resources:
            other = [k for k, v in PROVIDER_KINDS.items() if v != kind and address(v, name) in resources]
            wrong = f" (it is an `{other[0]}` provider)" if other else ""
            self.problem(path + ("provider",), f"unknown credential provider '{name}'{wrong}")
            return
        block["providerArn"] = ProviderRef(kind, name)


def _find_refs(value: Any) -> list[ProviderRef]:
    if isinstance(value, ProviderRef):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _find_refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _find_refs(v)]
    return []
