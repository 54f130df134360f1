"""Deployments: one registry in many accounts and regions (`deployments:`), rolled out in waves (`rollout:`).

A registry without `deployments:` is one implicit, unnamed deployment whose
addresses stay plain, so every command takes the same path either way. With
`deployments:`, each deployment gets its own view of the files: the
top-level resources whose `deployTo` names it (children follow their
parent), every `${deployment.name|account|region|vars.KEY}` replaced by its
values, its region and quotas. Each view is validated and built like a
registry of its own; a problem found in several views is reported once.

`publish: {registry: NAME, deployment: OTHER}` publishes a target into
OTHER's agent registry (a central catalog): the record, named
`DEPLOYMENT.GATEWAY.TARGET`, belongs to OTHER's view, and its content comes
from the publishing deployment's gateway.
"""

from __future__ import annotations

import dataclasses
import gc
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from reconciler.config.loader import Document, KeyPath, Problem, load
from reconciler.config.validate import ProblemCollector, located
from reconciler.desired import DesiredState, build, declarations, from_derived
from reconciler.errors import ConfigError, UserAbort
from reconciler.kinds import GATEWAY, KINDS, RECORD, TARGET, roots
from reconciler.kinds.publish import PUBLISH, REGISTRIES
from reconciler.kinds.record import record_of

DEPLOYMENTS, ROLLOUT, DEPLOY_TO = "deployments", "rollout", "deployTo"
QUALIFIER = ":"  # DEPLOYMENT:gateway/NAME
REFERENCE = re.compile(r"\$\{deployment\.([^}]*)\}")
ROLE_ACCOUNT = re.compile(r"^arn:[^:]+:iam::(\d{12}):role/")


@dataclass(frozen=True)
class Deployment:
    """One place the registry's resources live. The implicit one (no `deployments:`) has no name."""

    name: str
    account: str | None = None
    region: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    quotas: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    vars: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def qualify(self, address: str) -> str:
        return f"{self.name}{QUALIFIER}{address}" if self.name else address

    @property
    def label(self) -> str:
        return f"{self.name} ({self.account}, {self.region})"

    def value(self, key: str) -> str | None:
        """What `${deployment.KEY}` stands for here; None when KEY names nothing (always, without deployments)."""
        if not self.name:
            return None
        if key.startswith("vars."):
            return self.vars.get(key[len("vars."):])
        return {"name": self.name, "account": self.account, "region": self.region}.get(key)


IMPLICIT = Deployment("")


@dataclass
class Fleet:
    """The registry's deployments, their views (DesiredState per deployment), waves and central catalogs."""

    name: str
    deployments: list[Deployment]
    views: dict[str, DesiredState]
    waves: list[list[str]]
    sources: dict[str, set[str]]  # a deployment -> the deployments publishing records into its agent registries
    files: list[str]
    home_region: str | None = None  # the top-level `region:` (the lock bucket's), if any
    selected: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.selected = self.selected or [d.name for d in self.deployments]

    @property
    def named(self) -> bool:
        return bool(self.deployments[0].name)

    def deployment(self, name: str) -> Deployment:
        return next(d for d in self.deployments if d.name == name)

    def select(self, names: tuple[str, ...] | list[str]) -> Fleet:
        """Only these deployments (`--deployment NAME`, repeatable); all when none is named."""
        if not names:
            return self
        known = [d.name for d in self.deployments]
        if not self.named:
            raise UserAbort("--deployment: the registry declares no `deployments:`")
        unknown = [n for n in names if n not in known]
        if unknown:
            raise UserAbort(f"unknown deployment {', '.join(unknown)} (known: {', '.join(known)})")
        return dataclasses.replace(self, selected=[n for n in known if n in names])

    def chosen(self) -> list[Deployment]:
        return [d for d in self.deployments if d.name in self.selected]

    def single(self) -> DesiredState:
        """The one view, for commands that work on one account and region."""
        if len(self.selected) != 1:
            raise UserAbort(f"the registry spans deployments {', '.join(self.selected)}: this command works on one "
                            "(--deployment NAME, where the command offers it)")
        return self.views[self.selected[0]]

    def waves_selected(self) -> list[list[Deployment]]:
        return [[self.deployment(n) for n in wave if n in self.selected] for wave in self.waves
                if any(n in self.selected for n in wave)]


def load_fleet(paths: list[str], environ: dict[str, str] | None = None) -> Fleet:
    """Load, validate and build every deployment's view: the entry point of every command.

    The garbage collector waits meanwhile: loading makes hundreds of thousands of objects that form no cycle and
    outlive the load, and its collections would scan them over and over (a quarter of a 10,000-target load's time).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return fleet_of(load(paths, environ))
    finally:
        if collecting:
            gc.enable()


def load_desired_state(paths: list[str], environ: dict[str, str] | None = None) -> DesiredState:
    """Load, validate and build the registry of one account and region (one deployment's view)."""
    return load_fleet(paths, environ).single()


def fleet_of(document: Document) -> Fleet:
    checks = _Checks(document)
    deployments = checks.deployments()
    problems = checks.problems
    views: dict[str, DesiredState] = {}
    crossing: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
    for deployment in deployments or [IMPLICIT]:
        view, crossing[deployment.name] = _view(document, deployment, problems, bool(problems))
        try:
            views[deployment.name] = build(view)
        except ConfigError as error:
            problems += error.problems
    if problems:
        raise ConfigError(list(dict.fromkeys(problems)))  # once, though every view found it
    sources = _publish_across(views, crossing)
    data = document.data
    waves = [[str(n) for n in wave] for wave in data.get(ROLLOUT) or [[d.name for d in deployments or [IMPLICIT]]]]
    first = next(iter(views.values()))
    return Fleet(first.name, deployments or [IMPLICIT], views, waves, sources, document.files, data.get("region"))


# --- the views --------------------------------------------------------------------------------


def _root_sections() -> set[str]:
    return {kind.section for kind in roots()}


def _view(document: Document, deployment: Deployment, problems: list[Problem],
          misused: bool) -> tuple[Document, dict[tuple[str, str], tuple[str, str]]]:
    """The document as this deployment sees it, and its targets published into another deployment's registry
    ((gateway, target) -> (deployment, agent registry)). Without deployments, the document itself unless it
    uses their keys anyway (`misused`, or found here), so that each misuse is reported once."""
    data, source = document.data, document.source
    if not deployment.name and not misused and not _mentions_deployments(data):
        return document, {}
    sections = _root_sections()
    view: dict[str, Any] = {}
    for key, value in data.items():
        if key in (DEPLOYMENTS, ROLLOUT):
            view[key] = value
        elif key in sections and isinstance(value, dict):
            view[key] = {name: _substituted(_without(entry, DEPLOY_TO), (key, name), deployment, document, problems)
                         for name, entry in value.items() if _deployed_to(entry, deployment)}
        else:
            view[key] = _substituted(value, (key,), deployment, document, problems)
    if deployment.name:
        view["region"] = deployment.region
        if deployment.quotas:
            view["quotas"] = {**(data.get("quotas") or {}), **deployment.quotas}
    crossing = _publications(view, deployment)
    return Document(view, source, document.files), crossing


def _mentions_deployments(data: dict[str, Any]) -> bool:
    """Whether a registry without `deployments:` uses its keys anyway (to report it); cheap when it does not."""
    return any(DEPLOY_TO in entry for section in _root_sections() for entry in _entries(data.get(section))) or \
        any("${deployment." in text for text in _strings(data))


def _entries(section: Any) -> Iterator[dict[str, Any]]:
    return (e for e in section.values() if isinstance(e, dict)) if isinstance(section, dict) else iter(())


def _strings(value: Any) -> Iterator[str]:
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) is str:
            yield item
        elif type(item) is dict:
            pending.extend(item.values())
        elif type(item) is list:
            pending.extend(item)


def _deployed_to(entry: Any, deployment: Deployment) -> bool:
    wanted = entry.get(DEPLOY_TO) if isinstance(entry, dict) else None
    return not deployment.name or not isinstance(wanted, list) or deployment.name in wanted


def _without(entry: Any, key: str) -> Any:
    return {k: v for k, v in entry.items() if k != key} if isinstance(entry, dict) else entry


def _substituted(value: Any, path: KeyPath, deployment: Deployment, document: Document, problems: list[Problem]) -> Any:
    """A copy of `value` with `${deployment.*}` replaced (children's `deployTo` left out: reported once elsewhere)."""
    if type(value) is dict:
        return {k: _substituted(v, path + (k,), deployment, document, problems) for k, v in value.items() if k != DEPLOY_TO}
    if type(value) is list:
        return [_substituted(v, path + (i,), deployment, document, problems) for i, v in enumerate(value)]
    if type(value) is not str or "${deployment." not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        found = deployment.value(key)
        if found is None:
            if not deployment.name:
                message = f"${{deployment.{key}}} needs top-level `deployments:`"
            elif key.startswith("vars."):
                message = f"deployment {deployment.name} has no vars.{key[5:]}"
            else:
                message = f"unknown ${{deployment.{key}}} (name, account, region or vars.KEY)"
            problems.append(located(document.source, path, message))
            return match.group(0)
        if key.startswith("vars.") and document.source.has_secret((DEPLOYMENTS, deployment.name, "vars", key[5:])):
            document.source.mark_from_env(path)  # a secret var keeps what it is substituted into secret
        return found

    return REFERENCE.sub(replace, value)


def _publications(view: dict[str, Any], deployment: Deployment) -> dict[tuple[str, str], tuple[str, str]]:
    """`publish:` naming a deployment becomes `false` in the view and a record DEPLOYMENT.GATEWAY.TARGET in that
    deployment's agent registry (this one's, or a central catalog elsewhere)."""
    crossing: dict[tuple[str, str], tuple[str, str]] = {}
    targets_section = KINDS[TARGET].section
    for gateway_name, gateway in (view.get(KINDS[GATEWAY].section) or {}).items():
        if not isinstance(gateway, dict):
            continue
        inherited = _local(gateway, deployment)
        for target_name, target in (gateway.get(targets_section) or {}).items() if isinstance(gateway.get(targets_section), dict) else ():
            own = _local(target, deployment) if isinstance(target, dict) else None
            chosen = own if own is not None else inherited
            if isinstance(chosen, tuple):
                crossing[(str(gateway_name), str(target_name))] = chosen
    return crossing


def _local(spec: dict[str, Any], deployment: Deployment) -> Any:
    """Rewrites `spec`'s `publish:` for this view; returns what it was: (deployment, registry) when elsewhere."""
    publish = spec.get(PUBLISH)
    if not isinstance(publish, dict) or "deployment" not in publish:
        return publish
    if not deployment.name:
        spec[PUBLISH] = _without(publish, "deployment")  # reported by the checks
        return spec[PUBLISH]
    spec[PUBLISH] = False  # its record is DEPLOYMENT.GATEWAY.TARGET, wherever the catalog is (this deployment too)
    return (str(publish["deployment"]), str(publish.get("registry")))


def _publish_across(views: dict[str, DesiredState], crossing: dict[str, dict[tuple[str, str], tuple[str, str]]]) -> dict[str, set[str]]:
    """Records of targets published into another deployment's agent registry, added to that deployment's view."""
    sources: dict[str, set[str]] = {}
    added: dict[str, dict[str, Any]] = {}
    for source, published in crossing.items():
        for (gateway, target_name), (other, registry) in published.items():
            target = views[source].resources[KINDS[TARGET].address(target_name, KINDS[GATEWAY].address(gateway))]
            derived = record_of(target, registry, f"{source}.{gateway}.{target_name}")
            if source != other:  # filled through the publishing deployment's connection
                derived.extras["deployment"] = source
                sources.setdefault(other, set()).add(source)
            record = from_derived(KINDS[RECORD], derived)
            added.setdefault(other, {})[record.address] = record
    for other, records in added.items():
        views[other] = dataclasses.replace(views[other], resources={**views[other].resources, **records})
    return sources


# --- checks on the whole document ---------------------------------------------------------------


class _Checks(ProblemCollector):
    """What no single view can see: names across deployments, duplicates, `deployTo` on children, waves."""

    def deployments(self) -> list[Deployment]:
        declared = self.data.get(DEPLOYMENTS)
        found = [self._deployment(str(n), e) for n, e in declared.items()] if isinstance(declared, dict) else []
        names = [d.name for d in found]
        self._duplicates(found)
        self._deploy_to(names)
        self._rollout(names)
        self._publish(names)
        return found

    def _deployment(self, name: str, entry: Any) -> Deployment:
        entry = entry if isinstance(entry, dict) else {}
        bare = Deployment(name, _text(entry.get("account")), _text(entry.get("region")), vars=_vars(entry.get("vars")))
        own = {k: _own_values(entry.get(k), bare) for k in ("roleArn", "externalId")}  # `${deployment.account}` in its role
        deployment = dataclasses.replace(bare, role_arn=own["roleArn"], external_id=own["externalId"],
                                         quotas=dict(entry.get("quotas") or {}) if isinstance(entry.get("quotas"), dict) else {})
        role_account = ROLE_ACCOUNT.match(deployment.role_arn or "")
        if deployment.role_arn and not role_account:
            self.problem((DEPLOYMENTS, name, "roleArn"), f"{deployment.role_arn!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
        elif role_account and deployment.account and role_account.group(1) != deployment.account:
            self.problem((DEPLOYMENTS, name, "roleArn"), f"the role is in account {role_account.group(1)}, not the deployment's {deployment.account}")
        return deployment

    def _duplicates(self, found: list[Deployment]) -> None:
        seen: dict[tuple[str, str], str] = {}
        for deployment in found:
            if deployment.account is None or deployment.region is None:
                continue  # the schema says it is missing
            pair = (deployment.account, deployment.region)
            if pair in seen:
                first = self.document.source.locate((DEPLOYMENTS, seen[pair]))
                self.problem((DEPLOYMENTS, deployment.name), f"account {pair[0]} in {pair[1]} is deployment {seen[pair]}'s too "
                             f"(at {first}): one deployment per account and region")
            seen.setdefault(pair, deployment.name)

    def _deploy_to(self, names: list[str]) -> None:
        for declaration in declarations(self.data):
            spec = declaration.spec
            entry_path = declaration.path[:2] if declaration.parent_address is None else declaration.path
            entry = self.data.get(entry_path[0], {}).get(entry_path[1]) if declaration.parent_address is None else spec
            wanted = entry.get(DEPLOY_TO) if isinstance(entry, dict) else None
            if wanted is None:
                continue
            if declaration.parent_address is not None:
                self.problem(entry_path + (DEPLOY_TO,), "only top-level resources take deployTo: children follow their parent")
            elif not names:
                self.problem(entry_path + (DEPLOY_TO,), "deployTo needs top-level `deployments:`")
            elif isinstance(wanted, list):
                for index, name in enumerate(wanted):
                    if name not in names:
                        self.problem(entry_path + (DEPLOY_TO, index), f"unknown deployment {name!r} (known: {', '.join(names)})")

    def _rollout(self, names: list[str]) -> None:
        waves = self.data.get(ROLLOUT)
        if waves is None or not isinstance(waves, list):
            return
        if not names:
            self.problem((ROLLOUT,), "rollout needs top-level `deployments:`")
            return
        placed: set[str] = set()
        for index, wave in enumerate(waves):
            for position, name in enumerate(wave if isinstance(wave, list) else []):
                if name not in names:
                    self.problem((ROLLOUT, index, position), f"unknown deployment {name!r} (known: {', '.join(names)})")
                elif name in placed:
                    self.problem((ROLLOUT, index, position), f"deployment {name} is in an earlier wave already")
                placed.add(name)
        missing = [n for n in names if n not in placed]
        if missing:
            self.problem((ROLLOUT,), f"deployments in no wave (they would never be applied): {', '.join(missing)}")

    def _publish(self, names: list[str]) -> None:
        waves = {n: i for i, wave in enumerate(self.data.get(ROLLOUT) or []) if isinstance(wave, list) for n in wave}
        for declaration in declarations(self.data):
            publish = declaration.spec.get(PUBLISH) if isinstance(declaration.spec, dict) else None
            if not isinstance(publish, dict) or "deployment" not in publish:
                continue
            path, other = declaration.path + (PUBLISH, "deployment"), publish["deployment"]
            if not names:
                self.problem(path, "publish.deployment needs top-level `deployments:`")
            elif other not in names:
                self.problem(path, f"unknown deployment {other!r} (known: {', '.join(names)})")
            else:
                self._catalog(declaration.path, publish, other, names, waves)

    def _catalog(self, path: KeyPath, publish: dict[str, Any], other: str, names: list[str], waves: dict[str, int]) -> None:
        registry = (self.data.get(REGISTRIES) or {}).get(publish.get("registry"))
        gateway = self.data.get(path[0], {}).get(path[1]) if len(path) > 1 else None
        if registry is None or not _deployed_to(registry, Deployment(other)):
            self.problem(path + (PUBLISH, "registry"), f"deployment {other} has no agent registry {publish.get('registry')!r}")
        publishers = [n for n in names if _deployed_to(gateway, Deployment(n))]
        early = [n for n in publishers if waves.get(n, 0) > waves.get(other, 0)]
        if early:
            self.problem(path + (PUBLISH, "deployment"), f"deployment {other} rolls out before {', '.join(early)}, whose records "
                         "it holds: put it in the same wave or a later one")


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None


def _vars(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _own_values(value: Any, deployment: Deployment) -> str | None:
    if value is None:
        return None
    return REFERENCE.sub(lambda m: deployment.value(m.group(1)) or m.group(0), str(value))
