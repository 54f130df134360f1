"""The desired model: declarations become resources with addresses, bodies and the provenance of their secrets."""

from __future__ import annotations

from pathlib import Path

from reconciler.plan import SENSITIVE
from tests.helpers import plan_for, registry_from

SHARED_AUTHORIZER = """\
registry: r
region: us-east-1
authorizers:
  jwt:
    authorizerType: CUSTOM_JWT
    authorizerConfiguration:
      customJWTAuthorizer:
        discoveryUrl: https://idp.example.com/.well-known/openid-configuration
        allowedClients: ["${env:CLIENT}"]
gateways:
  gw: {roleArn: "arn:aws:iam::123456789012:role/r", authorizer: jwt}
"""


def test_a_secret_in_a_shared_authorizer_stays_secret_in_each_gateway(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    registry = registry_from(tmp_path, SHARED_AUTHORIZER, env={"CLIENT": "client-id-from-the-vault"})
    gateway = registry.resources["gateway/gw"]
    assert gateway.secret_paths == {("authorizerConfiguration", "customJWTAuthorizer", "allowedClients", 0)}
    shown = plan_for(api, registry).to_dict()
    assert "client-id-from-the-vault" not in str(shown)
    fields = {f["path"]: f["after"] for f in shown["changes"][0]["fields"]}
    assert fields["authorizerConfiguration.customJWTAuthorizer.allowedClients"] == SENSITIVE
