"""API-key credential providers (AgentCore Identity): the key is write-only, compared by fingerprint."""

from __future__ import annotations

from reconciler.desired import API_KEY
from reconciler.kinds.providers import CredentialProviderKind


class ApiKeyProviderKind(CredentialProviderKind):
    key = API_KEY
    create_operation = "CreateApiKeyCredentialProvider"
    read_operation = "GetApiKeyCredentialProvider"
    operation_suffix = "api_key_credential_provider"
    replace_members = ()  # no vendor; everything else updates in place
