"""OAuth2 credential providers (AgentCore Identity): the gateway's outbound OAuth identity."""

from __future__ import annotations

from typing import Any

from reconciler.desired import OAUTH2
from reconciler.kinds.providers import CredentialProviderKind

CONFIG = "oauth2ProviderConfigInput"


class Oauth2ProviderKind(CredentialProviderKind):
    key = OAUTH2
    create_operation = "CreateOauth2CredentialProvider"
    read_operation = "GetOauth2CredentialProvider"
    operation_suffix = "oauth2_credential_provider"
    output_renames = {CONFIG: "oauth2ProviderConfigOutput"}
    failed_statuses = frozenset({"CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"})

    def adjust_live(self, live: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
        """The service may or may not echo clientId: compare it only when it is returned."""
        wanted, seen = desired.get(CONFIG, {}), live.get(CONFIG, {})
        if len(wanted) != 1 or wanted.keys() != seen.keys():
            return live
        vendor = next(iter(wanted))
        if "clientId" in wanted[vendor] and "clientId" not in seen[vendor]:
            return {**live, CONFIG: {vendor: {**seen[vendor], "clientId": wanted[vendor]["clientId"]}}}
        return live
