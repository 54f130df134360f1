"""Resource kinds, in dependency order. Register a new kind here (one line).

May import: the AWS connection and model reader, the vocabulary and errors; the desired model for type checking
only. Nothing of the files' loading, the live read, the plan or apply (they are built on the kinds)."""

from __future__ import annotations

from functools import lru_cache

from reconciler.kinds.agent_registry import AgentRegistryKind
from reconciler.kinds.agent_runtime import AgentRuntimeKind
from reconciler.kinds.agent_runtime_endpoint import AgentRuntimeEndpointKind
from reconciler.kinds.api_key_provider import ApiKeyProviderKind
from reconciler.kinds.base import Kind
from reconciler.kinds.gateway import GatewayKind
from reconciler.kinds.oauth2_provider import Oauth2ProviderKind
from reconciler.kinds.policy import PolicyKind
from reconciler.kinds.policy_engine import PolicyEngineKind
from reconciler.kinds.rate_limit import RateLimitKind
from reconciler.kinds.record import RecordKind
from reconciler.kinds.resource_policy import ResourcePolicyKind
from reconciler.kinds.rule import RuleKind
from reconciler.kinds.target import TargetKind
from reconciler.kinds.workload_identity import WorkloadIdentityKind

KINDS: dict[str, Kind] = {}
_ORDERED: list[Kind] = []  # KINDS in creation order, kept by register/unregister: every declaration of a large registry asks

GATEWAY, TARGET = GatewayKind.key, TargetKind.key
OAUTH2, API_KEY = Oauth2ProviderKind.key, ApiKeyProviderKind.key
POLICY_ENGINE = PolicyEngineKind.key
AGENT_REGISTRY, RECORD = AgentRegistryKind.key, RecordKind.key


def register(kind: Kind) -> Kind:
    """Add a kind; its key must be new and its parent a registered top-level kind. Returns it (tests register toy kinds).

    What the model can tell about a kind is checked by tests/kinds/test_contract.py over every registered kind."""
    if kind.key in KINDS:
        raise ValueError(f"{kind.key}: a kind with this key is registered already ({type(KINDS[kind.key]).__name__})")
    parent = KINDS.get(kind.parent) if kind.parent else None
    if kind.parent is not None and (parent is None or parent.parent is not None or parent.order >= kind.order):
        raise ValueError(f"{kind.key}: parent {kind.parent!r} must be a registered top-level kind created before it")
    KINDS[kind.key] = kind
    _ORDERED[:] = sorted(KINDS.values(), key=lambda k: (k.order, k.key))
    return kind


def unregister(key: str) -> None:
    KINDS.pop(key, None)
    _ORDERED[:] = [k for k in _ORDERED if k.key != key]


def ordered() -> list[Kind]:
    """Every kind in creation order."""
    return list(_ORDERED)


def roots() -> list[Kind]:
    return [k for k in ordered() if k.parent is None]


def references() -> dict[str, Kind]:
    """API shape name -> the kind a declaration may name there instead of an ARN."""
    return _references(tuple(KINDS))


@lru_cache(maxsize=4)
def _references(kinds: tuple[str, ...]) -> dict[str, Kind]:
    """Cached per set of kinds: every declaration of a large registry asks."""
    return {KINDS[k].reference.shape: KINDS[k] for k in kinds if KINDS[k].reference}  # type: ignore[union-attr]


def children_of(key: str, declared_only: bool = False) -> list[Kind]:
    """The kinds whose parent is `key`; `declared_only` leaves out derived kinds (never in the files)."""
    return [k for k in ordered() if k.parent == key and not (declared_only and k.derived)]


for _kind in (Oauth2ProviderKind(), ApiKeyProviderKind(), PolicyEngineKind(), GatewayKind(), TargetKind(),
              PolicyKind(), RateLimitKind(), RuleKind(), ResourcePolicyKind(), AgentRegistryKind(), RecordKind(),
              WorkloadIdentityKind(), AgentRuntimeKind(), AgentRuntimeEndpointKind()):
    register(_kind)
