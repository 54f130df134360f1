"""OAuth2 credential providers (AgentCore Identity): the gateway's outbound OAuth identity."""

from __future__ import annotations

from typing import Any

from reconciler.kinds.base import Reference
from reconciler.kinds.providers import CredentialProviderKind

CONFIG = "oauth2ProviderConfigInput"


class Oauth2ProviderKind(CredentialProviderKind):
    key = "oauth2-credential-provider"
    variant = "oauth2"
    reference = Reference("OAuthCredentialProvider", "provider", "providerArn")
    create_operation, read_operation = "CreateOauth2CredentialProvider", "GetOauth2CredentialProvider"
    update_operation, delete_operation = "UpdateOauth2CredentialProvider", "DeleteOauth2CredentialProvider"
    list_operation = "ListOauth2CredentialProviders"
    replace_members = (("credentialProviderVendor",),)
    output_renames = {CONFIG: "oauth2ProviderConfigOutput"}
    failed_statuses = frozenset({"CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"})  # the reason is in `failureReason`
    ready_reads = 2  # as gateways: a provider reporting READY once may still be settling

    def adjust_live(self, live: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
        """The service may or may not echo clientId: compare it only when it is returned."""
        wanted, seen = desired.get(CONFIG, {}), live.get(CONFIG, {})
        if len(wanted) != 1 or wanted.keys() != seen.keys():
            return live
        vendor = next(iter(wanted))
        if "clientId" in wanted[vendor] and "clientId" not in seen[vendor]:
            return {**live, CONFIG: {vendor: {**seen[vendor], "clientId": wanted[vendor]["clientId"]}}}
        return live
