"""The emulator's corrections to moto, each as the real service behaves (SERVICE-FACTS.md), and what it keeps that moto drops."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from reconciler.emulator.holds import holding
from tests.conftest import REGION
from tests.emulator.support import associate_web_acl, backend, error, until

ROLE = "arn:aws:iam::123456789012:role/r"
MCP = {"mcp": {"mcpServer": {"endpoint": "https://e.example.com/mcp"}}}


def settled(read: Any) -> str:
    """The status `read` returns once the change in progress has completed (bounded wait)."""
    return str(until(lambda: read()["status"], lambda status: not status.endswith("ING")))


def error_code(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as caught:
        call()
    return f"{caught.value.response['Error']['Code']}: {caught.value.response['Error']['Message']}"


def gateway(client, name="g", **extra):  # type: ignore[no-untyped-def]
    return client.create_gateway(name=name, roleArn=ROLE, authorizerType="NONE", **extra)["gatewayId"]


def test_ids_have_the_real_formats(client) -> None:
    gid = gateway(client, "My-Gateway")
    assert re.fullmatch(r"my-gateway-[0-9a-z]{10}", gid)
    tid = client.create_gateway_target(gatewayIdentifier=gid, name="t", targetConfiguration=MCP)["targetId"]
    assert re.fullmatch(r"[0-9A-Z]{10}", tid)


def test_status_moves_to_ready_after_a_while_including_after_update(client) -> None:
    with holding("gateway:status=CREATING"):  # seen CREATING however long the read takes to come
        gid = gateway(client)
        assert client.get_gateway(gatewayIdentifier=gid)["status"] == "CREATING"
    assert settled(lambda: client.get_gateway(gatewayIdentifier=gid)) == "READY"
    with holding("gateway:status=UPDATING"):
        client.update_gateway(gatewayIdentifier=gid, name="g", roleArn=ROLE, authorizerType="NONE")
        assert client.get_gateway(gatewayIdentifier=gid)["status"] == "UPDATING"
    assert settled(lambda: client.get_gateway(gatewayIdentifier=gid)) == "READY"


def test_duplicate_names_conflict(client) -> None:
    gid = gateway(client)
    assert error_code(lambda: gateway(client)).startswith("ConflictException")
    client.create_gateway_target(gatewayIdentifier=gid, name="t", targetConfiguration=MCP)
    assert error_code(lambda: client.create_gateway_target(gatewayIdentifier=gid, name="t", targetConfiguration=MCP)).startswith("ConflictException")


def test_update_gateway_is_a_full_replacement_and_refuses_an_authorizer_type_change(client) -> None:
    gid = gateway(client, description="d", exceptionLevel="DEBUG")
    client.update_gateway(gatewayIdentifier=gid, name="g", roleArn=ROLE, authorizerType="NONE")
    live = client.get_gateway(gatewayIdentifier=gid)
    assert "description" not in live and "exceptionLevel" not in live
    message = error_code(lambda: client.update_gateway(gatewayIdentifier=gid, name="g", roleArn=ROLE, authorizerType="AWS_IAM"))
    assert message == "ValidationException: Authorizer type cannot be updated for an existing gateway"


def test_update_target_is_a_full_replacement(client) -> None:
    gid = gateway(client)
    tid = client.create_gateway_target(gatewayIdentifier=gid, name="t", description="d", targetConfiguration=MCP,
                                       metadataConfiguration={"allowedRequestHeaders": ["x-a"]})["targetId"]
    client.update_gateway_target(gatewayIdentifier=gid, targetId=tid, name="t", targetConfiguration=MCP)
    live = client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)
    assert "description" not in live and "metadataConfiguration" not in live


def test_delete_gateway_with_targets_fails_and_target_deletion_is_asynchronous(client) -> None:
    gid = gateway(client)
    tid = client.create_gateway_target(gatewayIdentifier=gid, name="t", targetConfiguration=MCP)["targetId"]
    assert "Delete all targets before deleting the gateway." in error_code(lambda: client.delete_gateway(gatewayIdentifier=gid))
    with holding("target:status=DELETING"):  # still DELETING when the gateway's deletion comes
        client.delete_gateway_target(gatewayIdentifier=gid, targetId=tid)
        assert client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)["status"] == "DELETING"
        assert "Delete all targets" in error_code(lambda: client.delete_gateway(gatewayIdentifier=gid))
    until(lambda: client.list_gateway_targets(gatewayIdentifier=gid)["items"], lambda items: items == [])
    client.delete_gateway(gatewayIdentifier=gid)


def test_lists_paginate(client) -> None:
    for i in range(23):
        gateway(client, f"g{i}")
    first = client.list_gateways(maxResults=10)
    assert len(first["items"]) == 10 and first["nextToken"]
    names = [g["name"] for page in client.get_paginator("list_gateways").paginate() for g in page["items"]]
    assert sorted(names) == sorted(f"g{i}" for i in range(23))


def test_synchronize_takes_one_mcp_server_target_without_a_static_schema(client) -> None:
    gid = gateway(client)
    tid = client.create_gateway_target(gatewayIdentifier=gid, name="t", targetConfiguration=MCP)["targetId"]
    settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=tid))
    answer = client.synchronize_gateway_targets(gatewayIdentifier=gid, targetIdList=[tid])
    assert answer["targets"][0]["status"] == "SYNCHRONIZING"
    assert settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)) == "READY"
    assert "lastSynchronizedAt" in client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)
    assert "exactly one" in error_code(lambda: client.synchronize_gateway_targets(gatewayIdentifier=gid, targetIdList=[tid, tid]))
    static = {"mcp": {"mcpServer": {"endpoint": "https://s.example.com", "mcpToolSchema": {"inlinePayload": "{}"}}}}
    sid = client.create_gateway_target(gatewayIdentifier=gid, name="s", targetConfiguration=static)["targetId"]
    settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=sid))
    assert "static mcpToolSchema" in error_code(lambda: client.synchronize_gateway_targets(gatewayIdentifier=gid, targetIdList=[sid]))


def test_policy_engine_header_is_added_and_refused_when_sent_back(client) -> None:
    policy = {"arn": client.create_policy_engine(name="p")["policyEngineArn"], "mode": "ENFORCE"}
    gid = gateway(client, policyEngineConfiguration=policy)
    tid = client.create_gateway_target(gatewayIdentifier=gid, name="t", targetConfiguration=MCP)["targetId"]
    live = client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)
    assert live["metadataConfiguration"]["allowedRequestHeaders"] == ["x-amzn-bedrock-agentcore-policy-session-id"]
    message = error_code(lambda: client.update_gateway_target(gatewayIdentifier=gid, targetId=tid, name="t", targetConfiguration=MCP,
                                                              metadataConfiguration=live["metadataConfiguration"]))
    assert "is restricted and cannot be configured" in message


def test_jwt_lists_come_back_in_another_order(client) -> None:
    jwt = {"customJWTAuthorizer": {"discoveryUrl": "https://i.example/.well-known/openid-configuration", "allowedClients": ["a", "b"]}}
    gid = client.create_gateway(name="j", roleArn=ROLE, authorizerType="CUSTOM_JWT", authorizerConfiguration=jwt)["gatewayId"]
    assert client.get_gateway(gatewayIdentifier=gid)["authorizerConfiguration"]["customJWTAuthorizer"]["allowedClients"] == ["b", "a"]


def test_oauth2_provider_never_returns_its_secret(client) -> None:
    config = {"customOauth2ProviderConfig": {"oauthDiscovery": {"discoveryUrl": "https://i.example/.well-known/openid-configuration"},
                                             "clientId": "id", "clientSecret": "the-secret"}}
    created = client.create_oauth2_credential_provider(name="p", credentialProviderVendor="CustomOauth2", oauth2ProviderConfigInput=config)
    got = client.get_oauth2_credential_provider(name="p")
    assert "the-secret" not in str(created) and "the-secret" not in str(got)
    assert got["clientSecretArn"]["secretArn"].startswith("arn:aws:secretsmanager:")
    assert "clientId" not in got["oauth2ProviderConfigOutput"]["customOauth2ProviderConfig"]  # not echoed either
    assert error_code(lambda: client.create_oauth2_credential_provider(name="p", credentialProviderVendor="CustomOauth2",
                                                                       oauth2ProviderConfigInput=config)).startswith("ConflictException")
    client.delete_oauth2_credential_provider(name="p")
    assert error_code(lambda: client.get_oauth2_credential_provider(name="p")).startswith("ResourceNotFoundException")


def test_api_key_providers_paginate_and_hide_the_key(client) -> None:
    for i in range(12):
        client.create_api_key_credential_provider(name=f"k{i}", apiKey="secret-key")
    page = client.list_api_key_credential_providers()
    assert len(page["credentialProviders"]) == 10 and page["nextToken"]
    assert "secret-key" not in str(client.get_api_key_credential_provider(name="k0"))


# --- what the real service keeps ---------------------------------------------------------
WAF = {"failureMode": "FAIL_OPEN"}
TRANSFORM = {"lambda": {"arn": "arn:aws:lambda:us-east-1:123456789012:function:transform"}}
DOMAINS = {"defaultDomain": "tools.example.com", "alternateDomains": ["agents.example.com"]}


def test_update_only_gateway_members_are_kept_until_an_update_leaves_them_out(client) -> None:
    gid = gateway(client, domainOverride=DOMAINS)
    associate_web_acl(client.get_gateway(gatewayIdentifier=gid)["gatewayArn"])
    assert client.get_gateway(gatewayIdentifier=gid)["domainOverride"] == DOMAINS
    client.update_gateway(gatewayIdentifier=gid, name="g", roleArn=ROLE, authorizerType="NONE", domainOverride=DOMAINS,
                          wafConfiguration=WAF, customTransformConfiguration=TRANSFORM)
    live = client.get_gateway(gatewayIdentifier=gid)
    assert (live["wafConfiguration"], live["domainOverride"]) == (WAF, DOMAINS)
    assert "customTransformConfiguration" not in live  # kept, but never returned (Terraform PR #48875)
    settled(lambda: client.get_gateway(gatewayIdentifier=gid))
    client.update_gateway(gatewayIdentifier=gid, name="g", roleArn=ROLE, authorizerType="NONE", description="unrelated change")
    live = client.get_gateway(gatewayIdentifier=gid)
    assert not {"wafConfiguration", "customTransformConfiguration", "domainOverride"} & set(live)  # UpdateGateway replaced them all


def test_waf_needs_an_associated_web_acl_which_get_gateway_shows(client) -> None:
    gid = gateway(client)
    arn = client.get_gateway(gatewayIdentifier=gid)["gatewayArn"]
    assert "webAclArn" not in client.get_gateway(gatewayIdentifier=gid)
    update = {"gatewayIdentifier": gid, "name": "g", "roleArn": ROLE, "authorizerType": "NONE", "wafConfiguration": WAF}
    assert error(lambda: client.update_gateway(**update)) == (
        f"ValidationException: Gateway {gid} has no associated AWS WAF web ACL: associate one (AWS WAF AssociateWebACL) "
        "before setting wafConfiguration")
    acl = associate_web_acl(arn)
    assert client.get_gateway(gatewayIdentifier=gid)["webAclArn"] == acl
    client.update_gateway(**update)
    assert client.get_gateway(gatewayIdentifier=gid)["wafConfiguration"] == WAF
    boto3.client("wafv2", region_name=REGION).disassociate_web_acl(ResourceArn=arn)
    assert not {"webAclArn", "wafConfiguration"} & set(client.get_gateway(gatewayIdentifier=gid))  # dropped with the association


def test_a_target_keeps_its_private_endpoint_and_certificates_and_lists_its_last_synchronization(client) -> None:
    gid = gateway(client)
    private = {"managedVpcResource": {"vpcIdentifier": "vpc-0123456789abcdef0", "subnetIds": ["subnet-01234567"], "endpointIpAddressType": "IPV4"}}
    certificates = [{"secretsManager": {"secretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ca-AbCdEf"}}]
    tid = client.create_gateway_target(gatewayIdentifier=gid, name="t", targetConfiguration=MCP, privateEndpoint=private,
                                       certificateConfigurations=certificates)["targetId"]
    live = client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)
    assert (live["privateEndpoint"], live["certificateConfigurations"]) == (private, certificates)
    settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=tid))
    client.synchronize_gateway_targets(gatewayIdentifier=gid, targetIdList=[tid])
    settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=tid))  # the list and the get read its end
    item = client.list_gateway_targets(gatewayIdentifier=gid)["items"][0]
    assert item["lastSynchronizedAt"] == client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)["lastSynchronizedAt"]
    assert item["targetType"] == "MCP_SERVER"
    client.update_gateway_target(gatewayIdentifier=gid, targetId=tid, name="t", targetConfiguration=MCP)
    assert "privateEndpoint" not in client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)  # a full PUT


def test_a_target_waiting_for_consent_carries_the_authorization_url(client) -> None:
    config = {"customOauth2ProviderConfig": {"oauthDiscovery": {"discoveryUrl": "https://i.example/.well-known/openid-configuration"},
                                             "clientId": "id", "clientSecret": "s"}}
    provider = client.create_oauth2_credential_provider(name="idp", credentialProviderVendor="CustomOauth2", oauth2ProviderConfigInput=config)
    consent = [{"credentialProviderType": "OAUTH", "credentialProvider": {"oauthCredentialProvider": {
        "providerArn": provider["credentialProviderArn"], "scopes": ["orders"], "grantType": "AUTHORIZATION_CODE",
        "defaultReturnUrl": "https://app.example.com/callback"}}}]
    gid = gateway(client)
    tid = client.create_gateway_target(gatewayIdentifier=gid, name="t", targetConfiguration=MCP, credentialProviderConfigurations=consent)["targetId"]
    assert settled(lambda: client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)) == "CREATE_PENDING_AUTH"
    live = client.get_gateway_target(gatewayIdentifier=gid, targetId=tid)
    assert live["authorizationData"]["oauth2"]["authorizationUrl"].startswith(
        "https://bedrock-agentcore.us-east-1.amazonaws.com/identities/oauth2/authorize?request_uri=urn%3Aietf%3Aparams%3Aoauth")
    assert client.list_gateway_targets(gatewayIdentifier=gid)["items"][0]["authorizationData"] == live["authorizationData"]


def test_an_external_api_key_secret_is_kept_and_its_id_never_returned(client) -> None:
    reference = {"secretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/vendor-key-Ab12Cd", "jsonKey": "key"}
    created = client.create_api_key_credential_provider(name="k", apiKeySecretSource="EXTERNAL", apiKeySecretConfig=reference)
    got = client.get_api_key_credential_provider(name="k")
    for answer in (created, got):
        assert answer["apiKeySecretSource"] == "EXTERNAL" and answer["apiKeySecretJsonKey"] == "key"
        assert "team/vendor-key" not in str(answer)
    assert client.create_api_key_credential_provider(name="m", apiKey="secret-key")["apiKeySecretSource"] == "MANAGED"
    assert error_code(lambda: client.create_api_key_credential_provider(name="x", apiKeySecretSource="EXTERNAL")) == (
        "ValidationException: apiKeySecretConfig is required when apiKeySecretSource is EXTERNAL")


def test_an_external_oauth2_client_secret_shows_its_source(client) -> None:
    reference = {"secretId": "team/idp-client", "jsonKey": "secret"}
    config = {"customOauth2ProviderConfig": {"oauthDiscovery": {"discoveryUrl": "https://i.example/.well-known/openid-configuration"},
                                             "clientId": "id", "clientSecretSource": "EXTERNAL", "clientSecretConfig": reference}}
    client.create_oauth2_credential_provider(name="idp", credentialProviderVendor="CustomOauth2", oauth2ProviderConfigInput=config)
    got = client.get_oauth2_credential_provider(name="idp")
    assert (got["clientSecretSource"], got["clientSecretJsonKey"]) == ("EXTERNAL", "secret") and "team/idp-client" not in str(got)


def test_deleting_a_gateway_forgets_its_rules_rate_limits_and_resource_policy(client) -> None:
    gid = gateway(client)
    arn = client.get_gateway(gatewayIdentifier=gid)["gatewayArn"]
    tid = client.create_gateway_target(gatewayIdentifier=gid, name="t", targetConfiguration=MCP)["targetId"]
    rule = client.create_gateway_rule(gatewayIdentifier=gid, priority=1, actions=[{"routeToTarget": {"staticRoute": {"targetName": "t"}}}])
    settled(lambda: client.get_gateway_rule(gatewayIdentifier=gid, ruleId=rule["ruleId"]))  # the gateway takes one rule or rate-limit change at a time
    client.create_gateway_rate_limit(gatewayIdentifier=gid, dimensionKeys=["toolName"],
                                     entries=[{"dimensions": {"toolName": "*"}, "requests": [{"rate": 1, "period": "second"}]}])
    client.put_resource_policy(resourceArn=arn, policy='{"Version": "2012-10-17", "Statement": []}')
    client.delete_gateway_target(gatewayIdentifier=gid, targetId=tid)
    until(lambda: client.list_gateway_targets(gatewayIdentifier=gid)["items"], lambda items: items == [])
    client.delete_gateway(gatewayIdentifier=gid)  # rules and rate limits do not block it (only targets do)
    emulator = backend()
    assert (emulator.gateway_rules.table, emulator.rate_limits.table, emulator.resource_policies) == ({}, {}, {})
