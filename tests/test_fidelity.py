"""Issue 16 end to end, against the emulator behaving as the real service does (each behaviour on by default):
members the service never returns, defaults it fills in, members it changes only one way, values it keeps when left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import AwsError, PlanError
from reconciler.fingerprint import legacy_fingerprint
from reconciler.kinds.base import FINGERPRINT_TAG
from reconciler.plan import REPLACE, UPDATE
from reconciler.unread import NOT_READ_BACK
from tests.helpers import BASE, ROLE, SECRETS, actions, converge, fleet, mcp_registry, plan_for, registry_from
from tests.emulator.test_models import error_code

CLIENT_ID = "oauth2ProviderConfigInput.customOauth2ProviderConfig.clientId"
TRANSFORM = "    customTransformConfiguration: {lambda: {arn: 'arn:aws:lambda:us-east-1:123456789012:function:transform'}}\n"
IAM = "    authorizerType: AWS_IAM\n"


def fields(plan, address: str) -> list[tuple[str, object, object]]:
    change = next(c for c in plan.changes if c.address == address)
    return [(f.dotted, f.before, f.after) for f in change.fields]


def only_gateway(client) -> dict:  # type: ignore[no-untyped-def]
    return client.get_gateway(gatewayIdentifier=client.list_gateways()["items"][0]["gatewayId"])


# --- 1. declared members the service never reads back -----------------------------------------------------------
def test_a_changed_client_id_plans_an_update_though_the_service_never_returns_it(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    output = client.get_oauth2_credential_provider(name="m2m")["oauth2ProviderConfigOutput"]["customOauth2ProviderConfig"]
    assert "clientId" not in output
    assert plan_for(api, registry_from(tmp_path)).empty  # the unchanged clientId and secret match their fingerprints
    registry = registry_from(tmp_path, BASE.replace("clientId: client-id", "clientId: client-id-2"))
    plan = plan_for(api, registry)
    assert actions(plan) == {"oauth2-credential-provider/m2m": UPDATE}
    assert fields(plan, "oauth2-credential-provider/m2m") == [(CLIENT_ID, NOT_READ_BACK, "client-id-2")]  # the secret did not change
    converge(api, registry)
    assert plan_for(api, registry).empty


def test_a_member_the_read_leaves_out_is_compared_by_fingerprint_and_its_removal_planned(api, client, tmp_path: Path) -> None:
    text = fleet(1).replace(IAM, IAM + TRANSFORM)
    converge(api, registry_from(tmp_path, text))
    assert "customTransformConfiguration" not in only_gateway(client)  # kept by the service, never returned
    assert plan_for(api, registry_from(tmp_path, text)).empty
    changed = registry_from(tmp_path, text.replace("function:transform", "function:transform-2"))
    plan = plan_for(api, changed)
    new = {"lambda": {"arn": "arn:aws:lambda:us-east-1:123456789012:function:transform-2"}}
    assert fields(plan, "gateway/fleet") == [("customTransformConfiguration", NOT_READ_BACK, new)]
    converge(api, changed)
    assert plan_for(api, changed).empty
    removed = registry_from(tmp_path, fleet(1))
    plan = plan_for(api, removed)
    assert [(path, before) for path, before, _ in fields(plan, "gateway/fleet")] == [("customTransformConfiguration", NOT_READ_BACK)]
    converge(api, removed)
    assert plan_for(api, removed).empty


# --- 2. defaults the service fills in ---------------------------------------------------------------------------
def test_service_filled_defaults_plan_nothing(api, client, tmp_path: Path) -> None:
    text = mcp_registry({"orders": "https://orders.example.com/mcp"})
    converge(api, registry_from(tmp_path, text))
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    target_id = client.list_gateway_targets(gatewayIdentifier=gateway_id)["items"][0]["targetId"]
    server = client.get_gateway_target(gatewayIdentifier=gateway_id, targetId=target_id)["targetConfiguration"]["mcp"]["mcpServer"]
    assert (server["listingMode"], server["resourcePriority"]) == ("DEFAULT", 1000)
    assert plan_for(api, registry_from(tmp_path, text)).empty
    endpoint = 'endpoint: "https://orders.example.com/mcp"'
    explicit = text.replace(endpoint, f"{endpoint}, listingMode: DEFAULT, resourcePriority: 1000")
    assert plan_for(api, registry_from(tmp_path, explicit)).empty
    lower = registry_from(tmp_path, text.replace(endpoint, f"{endpoint}, resourcePriority: 10"))
    assert fields(plan_for(api, lower), "gateway/tools/target/orders") == [
        ("targetConfiguration.mcp.mcpServer.resourcePriority", 1000, 10)]


# --- 5. members that change only one way, states that refuse changes, significant order ---------------------------
def versions_gateway(versions: str) -> str:
    return (f"registry: test-registry\nregion: us-east-1\ngateways:\n  g:\n    roleArn: {ROLE}\n{IAM}"
            f"    protocolConfiguration: {{mcp: {{supportedVersions: [{versions}]}}}}\n")


def test_adding_an_mcp_version_replaces_the_gateway_and_dropping_one_updates_it(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, versions_gateway('"2025-03-26", "2025-06-18"')))
    dropped = registry_from(tmp_path, versions_gateway('"2025-06-18"'))
    assert actions(plan_for(api, dropped)) == {"gateway/g": UPDATE}
    converge(api, dropped)
    first = only_gateway(client)
    added = registry_from(tmp_path, versions_gateway('"2025-06-18", "2025-11-25"'))
    refused = error_code(lambda: client.update_gateway(gatewayIdentifier=first["gatewayId"], name="g", roleArn=ROLE, authorizerType="AWS_IAM",
                                                       protocolConfiguration={"mcp": {"supportedVersions": ["2025-06-18", "2025-11-25"]}}))
    assert refused.startswith("ValidationException")
    plan = plan_for(api, added)
    assert actions(plan) == {"gateway/g": REPLACE}
    assert plan.changes[0].reasons == ["protocolConfiguration.mcp.supportedVersions: 2025-11-25 cannot be added after creation (only removed)"]
    assert plan.refusals  # a gateway's replacement needs --force (or safety.allowGatewayDestroy), as any other
    converge(api, added)
    assert only_gateway(client)["gatewayId"] != first["gatewayId"]
    assert plan_for(api, added).empty


def test_a_target_waiting_for_consent_is_reported_by_the_plan_not_by_a_failed_apply(api, client, tmp_path: Path) -> None:
    three_legged = {"orders": "{credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: "
                              "{provider: idp, scopes: [orders], grantType: AUTHORIZATION_CODE, defaultReturnUrl: 'https://app.example.com/cb'}}}"}
    head = ("credentialProviders:\n  idp:\n    oauth2:\n      credentialProviderVendor: CustomOauth2\n      oauth2ProviderConfigInput:\n"
            "        customOauth2ProviderConfig:\n          oauthDiscovery: {discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration'}\n"
            "          clientId: app\n          clientSecret: '${env:CLIENT_SECRET}'\n")
    text = mcp_registry({"orders": "https://orders.example.com/mcp"}, head, three_legged)
    result = converge(api, registry_from(tmp_path, text))
    assert result.pending == [("gateway/tools/target/orders", "CREATE_PENDING_AUTH")]
    with pytest.raises(PlanError, match="gateway/tools/target/orders: is CREATE_PENDING_AUTH, waiting for a user's OAuth consent, and cannot be updated"):
        plan_for(api, registry_from(tmp_path, text.replace("        targetConfiguration:", "        description: now described\n        targetConfiguration:")))
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    target = client.list_gateway_targets(gatewayIdentifier=gateway_id)["items"][0]
    refused = error_code(lambda: client.update_gateway_target(gatewayIdentifier=gateway_id, targetId=target["targetId"], name="orders",
                                                              targetConfiguration={"mcp": {"mcpServer": {"endpoint": "https://orders.example.com/mcp"}}}))
    assert refused.startswith("ValidationException")
    assert error_code(lambda: client.delete_gateway_target(gatewayIdentifier=gateway_id, targetId=target["targetId"])).startswith("ValidationException")


def children(rule: str = "{description: to t0, conditions: [{matchPaths: {anyOf: ['/mcp/*']}}], ", keys: str = "[toolName, targetName]",
             rate_limit: str = "{description: ten a second, ") -> str:
    return (fleet(1).replace(IAM, IAM + "    rules:\n      10: " + rule + "actions: [{routeToTarget: {staticRoute: {targetName: t0}}}]}\n"
                             "    rateLimits:\n      per-tool: " + rate_limit + f"dimensionKeys: {keys}, "
                             "entries: [{dimensions: {toolName: '*', targetName: '*'}, requests: [{rate: 10, period: second}]}]}\n"))


def test_a_reordered_dimension_keys_list_replaces_the_rate_limit(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, children()))
    reordered = registry_from(tmp_path, children(keys="[targetName, toolName]"))
    plan = plan_for(api, reordered)
    assert actions(plan) == {"gateway/fleet/rate-limit/per-tool": REPLACE}
    assert plan.changes[0].reasons == ["dimensionKeys: cannot be changed in place"]
    converge(api, reordered)
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    assert client.get_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="per-tool")["dimensionKeys"] == ["targetName", "toolName"]
    assert plan_for(api, reordered).empty


def test_jwt_lists_the_service_reorders_are_compared_as_sets(api, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))  # the emulator returns allowedClients reversed
    assert plan_for(api, registry_from(tmp_path, BASE.replace("[client-a, client-b, client-c]", "[client-c, client-a, client-b]"))).empty


# --- 6. clearing a value clears it -------------------------------------------------------------------------------
def test_members_left_out_of_patch_updates_are_cleared(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, children()))
    cleared = registry_from(tmp_path, children(rule="{description: to t0, ", rate_limit="{"))
    assert actions(plan_for(api, cleared)) == {"gateway/fleet/rule/10": UPDATE, "gateway/fleet/rate-limit/per-tool": UPDATE}
    converge(api, cleared)
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    rule = client.list_gateway_rules(gatewayIdentifier=gateway_id)["gatewayRules"][0]
    assert not rule.get("conditions") and rule["description"] == "to t0"
    assert "description" not in client.get_gateway_rate_limit(gatewayIdentifier=gateway_id, rateLimitId="per-tool")
    assert plan_for(api, cleared).empty


def test_a_rule_description_that_an_update_cannot_clear_replaces_the_rule(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path, children()))
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    rule_id = client.list_gateway_rules(gatewayIdentifier=gateway_id)["gatewayRules"][0]["ruleId"]
    with pytest.raises(AwsError):  # what an update would have to send: refused (the model's minimum length is 1)
        api.call("update_gateway_rule", gatewayIdentifier=gateway_id, ruleId=rule_id, description="")
    bare = registry_from(tmp_path, children(rule="{conditions: [{matchPaths: {anyOf: ['/mcp/*']}}], "))
    plan = plan_for(api, bare)
    assert actions(plan) == {"gateway/fleet/rule/10": REPLACE}
    assert plan.changes[0].reasons[0].startswith("description: cannot be cleared in place")
    converge(api, bare)
    assert "description" not in client.list_gateway_rules(gatewayIdentifier=gateway_id)["gatewayRules"][0]
    assert plan_for(api, bare).empty


def test_a_fingerprint_tag_of_an_earlier_version_still_vouches_for_what_it_covered(api, client, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    arn = client.get_api_key_credential_provider(name="vendor")["credentialProviderArn"]
    assert client.list_tags_for_resource(resourceArn=arn)["tags"][FINGERPRINT_TAG].startswith("v2-")
    legacy = legacy_fingerprint({"apiKey": SECRETS["VENDOR_KEY"]}, "test-registry", "api-key-credential-provider/vendor")
    client.tag_resource(resourceArn=arn, tags={FINGERPRINT_TAG: legacy})
    assert plan_for(api, registry_from(tmp_path)).empty  # upgrading does not rewrite every secret
    client.tag_resource(resourceArn=arn, tags={FINGERPRINT_TAG: "v2-000000" + "0" * 8})
    assert fields(plan_for(api, registry_from(tmp_path)), "api-key-credential-provider/vendor") == [("apiKey", NOT_READ_BACK, SECRETS["VENDOR_KEY"])]
