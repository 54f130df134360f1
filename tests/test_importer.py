"""`reconcile import` and `apply --adopt`: hand-made resources come under the registry, then the plan is empty."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reconciler.errors import PlanError
from reconciler.importer import env_name
from reconciler.kinds.base import OWNER_TAG
from tests.emulator.support import until
from tests.helpers import BASE, ROLE, SECRETS, converge, plan_for, reconcile, registry_from

FAST = ("--auto-approve", "--poll-interval", "0.02")
DISCOVERY = "https://idp.example.com/.well-known/openid-configuration"


def make_by_hand(client) -> None:  # type: ignore[no-untyped-def]
    """What a team built in the console before the registry existed."""
    oauth = client.create_oauth2_credential_provider(
        name="legacy-m2m", credentialProviderVendor="CustomOauth2",
        oauth2ProviderConfigInput={"customOauth2ProviderConfig": {
            "oauthDiscovery": {"discoveryUrl": DISCOVERY}, "clientId": "legacy-client", "clientSecret": "hand-made-secret"}},
    )
    gateway = client.create_gateway(
        name="legacy", roleArn=ROLE, authorizerType="CUSTOM_JWT", description="made by hand",
        authorizerConfiguration={"customJWTAuthorizer": {"discoveryUrl": DISCOVERY, "allowedClients": ["a", "b"]}},
    )
    client.create_gateway_target(
        gatewayIdentifier=gateway["gatewayId"], name="orders",
        targetConfiguration={"mcp": {"mcpServer": {"endpoint": "https://orders.example.com/mcp"}}},
        credentialProviderConfigurations=[{"credentialProviderType": "OAUTH", "credentialProvider": {"oauthCredentialProvider": {
            "providerArn": oauth["credentialProviderArn"], "scopes": ["orders/read"]}}}],
    )


def test_env_names_are_shell_variables() -> None:
    assert env_name("legacy-m2m", "clientSecret") == "LEGACY_M2M_CLIENT_SECRET"
    assert env_name("vendor", "apiKey") == "VENDOR_API_KEY"


def test_import_then_adopt_gives_an_empty_plan(api, client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_by_hand(client)
    monkeypatch.chdir(tmp_path)
    written = reconcile("import", "--gateway", "legacy", "--credential-provider", "legacy-m2m", "--registry", "adopted", "--out", "gateways.yaml")
    assert written.exit_code == 0, written.output
    text = (tmp_path / "gateways.yaml").read_text()
    assert "hand-made-secret" not in text and "${env:LEGACY_M2M_CLIENT_SECRET}" in text
    document = yaml.safe_load(text)
    target = document["gateways"]["legacy"]["targets"]["orders"]
    reference = target["credentialProviderConfigurations"][0]["credentialProvider"]["oauthCredentialProvider"]
    assert reference == {"provider": "legacy-m2m", "scopes": ["orders/read"]}
    assert "protocolType" not in document["gateways"]["legacy"]  # a service default, left out
    assert reconcile("validate").exit_code == 1  # the placeholder's variable is not set yet

    secret = {"LEGACY_M2M_CLIENT_SECRET": "hand-made-secret"}
    refused = reconcile("plan", env=secret)
    assert refused.exit_code == 1 and "apply --adopt brings it under this registry" in refused.stderr
    planned = reconcile("plan", "--adopt", env=secret)
    assert "gateway/legacy will be adopted" in planned.stdout
    assert "oauth2-credential-provider/legacy-m2m will be adopted" in planned.stdout
    assert "gateway/legacy/target/orders" not in planned.stdout  # identical: comes along with its gateway
    adopted = reconcile("apply", "--adopt", *FAST, env=secret)
    assert adopted.exit_code == 0, adopted.output
    assert reconcile("plan", "--detailed-exitcode", env=secret).exit_code == 0
    arn = client.get_gateway(gatewayIdentifier=client.list_gateways()["items"][0]["gatewayId"])["gatewayArn"]
    assert client.list_tags_for_resource(resourceArn=arn)["tags"][OWNER_TAG] == "adopted"


def test_import_without_names_takes_only_unowned_resources(api, client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    converge(api, registry_from(tmp_path))  # owned by test-registry: not imported
    make_by_hand(client)
    result = reconcile("import")
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(result.stdout)
    assert list(document["gateways"]) == ["legacy"] and list(document["credentialProviders"]) == ["legacy-m2m"]


def test_import_of_an_unknown_name_is_one_error(api) -> None:
    result = reconcile("import", "--gateway", "nope")
    assert result.exit_code == 1 and "not found in us-east-1: gateway 'nope'" in result.stderr


def test_taking_over_another_registrys_resource_needs_force(api, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, BASE.replace("test-registry", "other-registry")))
    ours = registry_from(tmp_path)
    with pytest.raises(PlanError, match="belongs to registry 'other-registry'.*apply --adopt --force takes it over"):
        plan_for(api, ours)
    with pytest.raises(PlanError, match="belongs to registry 'other-registry'"):
        plan_for(api, ours, adopt=True)
    takeover = plan_for(api, ours, adopt=True, force=True)
    assert {c.address: c.adopt for c in takeover.changes} == {
        "api-key-credential-provider/vendor": "takeover",
        "oauth2-credential-provider/m2m": "takeover",
        "gateway/main": "takeover",
    }
    changed = {c.address: sorted(f.dotted for f in c.fields if not f.dotted.startswith("tags.")) for c in takeover.changes}
    assert changed["gateway/main"] == []  # only the ownership tag moves
    assert changed["api-key-credential-provider/vendor"] == ["apiKey"]  # re-sent: fingerprints are salted per registry
    assert SECRETS["VENDOR_KEY"] not in str(takeover.to_dict())


def make_surface_by_hand(client) -> None:  # type: ignore[no-untyped-def]
    """A gateway with a rate limit, a rule and a resource policy, and a policy engine with a policy, all by hand."""
    engine = client.create_policy_engine(name="legacy_guard", description="made by hand")
    gateway = client.create_gateway(name="edge", roleArn=ROLE, authorizerType="AWS_IAM",
                                    policyEngineConfiguration={"arn": engine["policyEngineArn"], "mode": "LOG_ONLY"})
    client.create_gateway_rate_limit(gatewayIdentifier=gateway["gatewayId"], rateLimitId="per-agent",
                                     dimensionKeys=["$.context.iam.principal"],
                                     entries=[{"dimensions": {"$.context.iam.principal": "*"}, "requests": [{"rate": 5, "period": "second"}]}])
    client.create_gateway_target(gatewayIdentifier=gateway["gatewayId"], name="tools", credentialProviderConfigurations=[
        {"credentialProviderType": "GATEWAY_IAM_ROLE"}], targetConfiguration={"mcp": {"lambda": {
            "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:tools",
            "toolSchema": {"inlinePayload": [{"name": "run", "description": "Run", "inputSchema": {"type": "object"}}]}}}})
    until(lambda: client.get_gateway_rate_limit(gatewayIdentifier=gateway["gatewayId"], rateLimitId="per-agent")["status"],
          lambda status: status == "ACTIVE")  # the gateway takes one rule or rate-limit change at a time
    client.create_gateway_rule(gatewayIdentifier=gateway["gatewayId"], priority=10, description="first",
                               actions=[{"routeToTarget": {"staticRoute": {"targetName": "tools"}}}])
    client.put_resource_policy(resourceArn=gateway["gatewayArn"], policy='{"Version": "2012-10-17", "Statement": []}')
    client.create_policy(policyEngineId=engine["policyEngineId"], name="only_users", validationMode="IGNORE_ALL_FINDINGS",
                         definition={"cedar": {"statement": "permit(principal is AgentCore::OAuthUser, action, resource);"}})


def test_import_brings_children_and_engines_then_adopt_gives_an_empty_plan(api, client, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    make_surface_by_hand(client)
    monkeypatch.chdir(tmp_path)
    written = reconcile("import", "--gateway", "edge", "--policy-engine", "legacy_guard", "--out", "gateways.yaml")
    assert written.exit_code == 0, written.output
    document = yaml.safe_load((tmp_path / "gateways.yaml").read_text())
    gateway = document["gateways"]["edge"]
    assert gateway["policyEngineConfiguration"] == {"policyEngine": "legacy_guard", "mode": "LOG_ONLY"}
    assert list(gateway["rateLimits"]) == ["per-agent"] and list(gateway["rules"]) == ["10"]
    assert gateway["resourcePolicy"] == {"Version": "2012-10-17", "Statement": []}
    assert list(document["policyEngines"]["legacy_guard"]["policies"]) == ["only_users"]
    adopted = reconcile("apply", "--adopt", *FAST)
    assert adopted.exit_code == 0, adopted.output
    assert reconcile("plan", "--detailed-exitcode").exit_code == 0
