from reconciler.kinds import KINDS
from reconciler.kinds.base import prune
from reconciler.kinds.target import is_synchronizable, target_type, without_service_headers

TARGET, GATEWAY, OAUTH2, API_KEY = (KINDS[k] for k in ("target", "gateway", "oauth2-credential-provider", "api-key-credential-provider"))


def test_write_only_and_secret_members_come_from_the_model() -> None:
    assert ("apiKey",) in API_KEY.secret_members
    assert ("oauth2ProviderConfigInput", "customOauth2ProviderConfig", "clientSecret") in OAUTH2.secret_members
    assert GATEWAY.write_only == set()  # everything a gateway is created with is read back


def test_gateway_normalize_drops_output_only_members_and_fills_defaults() -> None:
    raw = {"gatewayId": "g-1", "gatewayArn": "arn", "status": "READY", "name": "g", "roleArn": "r",
           "authorizerType": "NONE", "description": "", "workloadIdentityDetails": {"workloadIdentityArn": "w"}}
    assert GATEWAY.normalize(raw) == {"roleArn": "r", "authorizerType": "NONE", "protocolType": "MCP"}


def test_policy_session_header_is_ignored_case_insensitively() -> None:
    body = {"metadataConfiguration": {"allowedRequestHeaders": ["X-Amzn-Bedrock-AgentCore-Policy-Session-Id", "x-team"]}}
    assert without_service_headers(body) == {"metadataConfiguration": {"allowedRequestHeaders": ["x-team"]}}
    only = {"metadataConfiguration": {"allowedRequestHeaders": ["x-amzn-bedrock-agentcore-policy-session-id"]}}
    assert without_service_headers(only) == {}


def test_bare_gateway_iam_role_equals_an_empty_credential_provider() -> None:
    bare = {"credentialProviderConfigurations": [{"credentialProviderType": "GATEWAY_IAM_ROLE"}]}
    empty = {"credentialProviderConfigurations": [{"credentialProviderType": "GATEWAY_IAM_ROLE", "credentialProvider": {}}]}
    assert TARGET.comparable(bare) == TARGET.comparable(empty)


def test_target_type_change_forces_replacement() -> None:
    mcp = {"targetConfiguration": {"mcp": {"mcpServer": {"endpoint": "https://a"}}}}
    lam = {"targetConfiguration": {"mcp": {"lambda": {"lambdaArn": "x"}}}}
    assert target_type(mcp) == ("mcp", "mcpServer")
    assert TARGET.replacement_reasons(mcp, lam) == [("targetConfiguration", "the target type changes")]
    assert TARGET.replacement_reasons(mcp, mcp) == []
    assert is_synchronizable(mcp) and not is_synchronizable(lam)


def test_oauth2_output_is_mapped_back_to_the_input_shape() -> None:
    raw = {"name": "p", "credentialProviderVendor": "GoogleOauth2", "credentialProviderArn": "arn", "status": "READY",
           "clientSecretArn": {"secretArn": "s"},
           "oauth2ProviderConfigOutput": {"googleOauth2ProviderConfig": {"clientId": "c", "oauthDiscovery": {"discoveryUrl": "filled"}}}}
    assert OAUTH2.normalize(raw) == {
        "credentialProviderVendor": "GoogleOauth2",
        "oauth2ProviderConfigInput": {"googleOauth2ProviderConfig": {"clientId": "c"}},
    }


def test_prune_treats_empty_values_as_absent() -> None:
    assert prune({"a": "", "b": [], "c": {"d": None}, "e": 0, "f": False}) == {"e": 0, "f": False}
