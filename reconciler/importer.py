"""`reconcile import`: registry YAML for resources that exist already (made by hand, or by another tool).

The live configuration is projected onto the request shapes (output-only
members gone), service-filled defaults are left out, provider ARNs become
`provider:` references where the provider is imported too, and members the
service never returns (secrets; an unechoed required member such as an OAuth2
clientId) become `${env:VAR}` placeholders to fill in before applying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from botocore.model import Shape

from reconciler.aws import Api
from reconciler.config.schema import IDENTITY_MEMBERS
from reconciler.desired import GATEWAY, PROVIDER_KINDS, REFERENCE_MEMBERS, TARGET
from reconciler.errors import ReconcilerError
from reconciler.kinds import KINDS
from reconciler.kinds.base import Live, Ref

PROVIDER_KEYS = {kind: key for key, kind in PROVIDER_KINDS.items()}


@dataclass
class Imported:
    document: dict[str, Any]
    placeholders: list[str] = field(default_factory=list)  # environment variables the YAML now needs

    def yaml(self) -> str:
        header = "# Written by `reconcile import`. Set these environment variables before applying: "
        header += ", ".join(self.placeholders) if self.placeholders else "(none)"
        header += "\n# Then `reconcile apply --adopt` tags the resources for this registry.\n"
        return header + yaml.safe_dump(self.document, sort_keys=False, default_flow_style=False)


class Importer:
    def __init__(self, api: Api, registry: str):
        self.api = api
        self.registry = registry
        self.placeholders: list[str] = []

    def run(self, gateways: list[str], providers: list[str]) -> Imported:
        listed = {ref.address: ref for kind in KINDS.values() if kind.key != TARGET for ref in kind.list(self.api)}
        chosen = self._choose(listed, gateways, providers)
        lives = {ref.address: KINDS[ref.kind].read(self.api, ref) for ref in chosen}
        if not gateways and not providers:
            lives = {a: live for a, live in lives.items() if live.owner is None}
        arns = {live.ref.arn: live.ref for live in lives.values() if live.ref.kind != GATEWAY and live.ref.arn}
        document: dict[str, Any] = {"registry": self.registry, "region": self.api.region}
        provider_docs = {live.ref.name: {PROVIDER_KEYS[live.ref.kind]: self._body(live)} for live in lives.values() if live.ref.kind != GATEWAY}
        if provider_docs:
            document["credentialProviders"] = provider_docs
        gateway_docs = {live.ref.name: self._gateway(live, arns) for live in lives.values() if live.ref.kind == GATEWAY}
        if gateway_docs:
            document["gateways"] = gateway_docs
        return Imported(document, sorted(set(self.placeholders)))

    def _choose(self, listed: dict[str, Ref], gateways: list[str], providers: list[str]) -> list[Ref]:
        """The named resources; with no names, all of them (`run` then keeps those no registry owns)."""
        if not gateways and not providers:
            return list(listed.values())
        chosen, missing = [], []
        for name in gateways:
            ref = listed.get(f"{GATEWAY}/{name}")
            if ref:
                chosen.append(ref)
            else:
                missing.append(f"gateway '{name}'")
        for name in providers:
            refs = [r for kind in PROVIDER_KEYS if (r := listed.get(f"{kind}/{name}"))]
            if refs:
                chosen.extend(refs)
            else:
                missing.append(f"credential provider '{name}'")
        if missing:
            raise ReconcilerError(f"not found in {self.api.region}: {', '.join(missing)}")
        return chosen

    def _gateway(self, live: Live, arns: dict[str, Ref]) -> dict[str, Any]:
        body = self._body(live)
        targets = {}
        for ref in KINDS[TARGET].list(self.api, live.ref):
            target = self._body(KINDS[TARGET].read(self.api, ref))
            for config in target.get("credentialProviderConfigurations", []):
                for member in REFERENCE_MEMBERS:
                    block = config.get("credentialProvider", {}).get(member)
                    if block and block.get("providerArn") in arns:
                        block["provider"] = arns[block.pop("providerArn")].name
            targets[ref.name] = target
        if targets:
            body["targets"] = targets
        return body

    def _body(self, live: Live) -> dict[str, Any]:
        kind = KINDS[live.ref.kind]
        body = {k: v for k, v in live.body.items() if kind.defaults.get(k) != v}
        self._placeholders(body, kind.request_shape, live.ref.name, kind.secret_members, ())
        return body

    def _placeholders(self, body: dict[str, Any], shape: Shape, name: str, secrets: set[tuple[str, ...]], path: tuple[str, ...]) -> None:
        """Fill secrets and unreturned required members, in every structure present in `body`."""
        wanted = [m for m in shape.required_members if m not in body and (path or m not in IDENTITY_MEMBERS)]
        wanted += [p[-1] for p in secrets if p[:-1] == path and p[-1] not in body]
        for member in wanted:
            if shape.members[member].type_name == "string":
                variable = env_name(name, member)
                body[member] = f"${{env:{variable}}}"
                self.placeholders.append(variable)
        for member, value in body.items():
            if isinstance(value, dict) and shape.members[member].type_name == "structure":
                self._placeholders(value, shape.members[member], name, secrets, path + (member,))


def env_name(resource: str, member: str) -> str:
    """e.g. ('orders-m2m', 'clientSecret') -> ORDERS_M2M_CLIENT_SECRET."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", member)
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{resource}_{words}").upper().strip("_")


def import_registry(api: Api, registry: str, gateways: list[str], providers: list[str]) -> Imported:
    return Importer(api, registry).run(gateways, providers)

