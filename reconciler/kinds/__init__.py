"""Resource kinds, in dependency order. Register a new kind here."""

from __future__ import annotations

from reconciler.kinds.api_key_provider import ApiKeyProviderKind
from reconciler.kinds.base import Kind
from reconciler.kinds.gateway import GatewayKind
from reconciler.kinds.oauth2_provider import Oauth2ProviderKind
from reconciler.kinds.target import TargetKind

KINDS: dict[str, Kind] = {
    kind.key: kind for kind in (Oauth2ProviderKind(), ApiKeyProviderKind(), GatewayKind(), TargetKind())
}


def kind_of(key: str) -> Kind:
    return KINDS[key]
