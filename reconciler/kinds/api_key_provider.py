"""API-key credential providers (AgentCore Identity): the key is write-only, compared by fingerprint."""

from __future__ import annotations

from reconciler.kinds.base import Reference
from reconciler.kinds.providers import CredentialProviderKind


class ApiKeyProviderKind(CredentialProviderKind):
    key = "api-key-credential-provider"
    variant = "apiKey"
    reference = Reference("ApiKeyCredentialProvider", "provider", "providerArn")
    create_operation, read_operation = "CreateApiKeyCredentialProvider", "GetApiKeyCredentialProvider"
    update_operation, delete_operation = "UpdateApiKeyCredentialProvider", "DeleteApiKeyCredentialProvider"
    list_operation = "ListApiKeyCredentialProviders"
    # The docs say when to use MANAGED or EXTERNAL, not which applies when it is left out: MANAGED (the key given in
    # the request is kept by the service), as GetApiKeyCredentialProvider answers for a provider created with a key.
    default_overrides = {("apiKeySecretSource",): "MANAGED"}
