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
    defaults = {"apiKeySecretSource": "MANAGED"}  # the API reference: MANAGED unless the key is EXTERNAL
