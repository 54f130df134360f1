"""OAuth2 credential providers (AgentCore Identity): the gateway's outbound OAuth identity.

The service does not echo `clientId` (Terraform's import ignores it), and the secret is write-only: both are
compared by the fingerprint of their last-applied value (reconciler.unread).
"""

from __future__ import annotations

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
