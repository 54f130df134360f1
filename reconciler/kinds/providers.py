"""What the two AgentCore Identity credential provider kinds share: identified by name, tagged, secrets write-only."""

from __future__ import annotations

from reconciler.kinds.base import Kind


class CredentialProviderKind(Kind):
    noun = "credential provider"
    order = 0
    section = "credentialProviders"
    id_member = id_param = "name"
    arn_member = "credentialProviderArn"
    stamp_member = "lastUpdatedTime"
