from reconciler.kinds import KINDS
from reconciler.kinds.base import Ref, prune
from reconciler.kinds.target import is_synchronizable, target_type, without_service_headers

TARGET, GATEWAY, OAUTH2, API_KEY = (KINDS[k] for k in ("target", "gateway", "oauth2-credential-provider", "api-key-credential-provider"))
# The kinds this module's tables cover; kinds added since check themselves in their own test module.
GATEWAY_KINDS = frozenset({"api-key-credential-provider", "oauth2-credential-provider", "workload-identity", "policy-engine", "gateway",
                           "target", "policy", "rate-limit", "rule", "resource-policy", "agent-registry", "record"})


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


def test_the_defaults_each_kind_compares_with_come_from_the_model_docs() -> None:
    """The table of the gateway kinds: a new "Defaults to ..." in botocore's docs shows up here (derived, plus the
    overrides each kind explains where the docs are silent or the default holds only in some configurations). A kind
    added later checks its own in its test module (tests/kinds/test_agent_runtime.py), so adding one touches no
    other file; the gateway kinds without defaults are left out."""
    mcp_server, inference = ("targetConfiguration", "mcp", "mcpServer"), ("targetConfiguration", "inference", "provider", "modelMapping", "providerPrefix")
    fallback = ("routeToTarget", "staticRoute", "fallback", "circuitBreaker", "mode")
    assert {key: kind.defaults for key, kind in KINDS.items() if kind.defaults and key in GATEWAY_KINDS} == {
        "api-key-credential-provider": {("apiKeySecretSource",): "MANAGED"},  # override: the docs are silent
        "gateway": {("protocolConfiguration", "mcp", "sessionConfiguration", "sessionTimeoutInSeconds"): 3600,
                    ("protocolType",): "MCP"},  # override; responseInterceptionMode's BUFFERED is left out (RESPONSE only)
        "target": {mcp_server + ("resourcePriority",): 1000, mcp_server + ("listingMode",): "DEFAULT",  # listingMode: override
                   ("targetConfiguration", "http", "passthrough", "staticQueryParameterConflictResolution"): "CLIENT_OVERRIDE",
                   inference + ("strip",): False, inference + (("separator",)): "."},
        "policy": {("validationMode",): "FAIL_ON_ANY_FINDINGS", ("enforcementMode",): "ACTIVE"},
        "rule": {("conditions", "[]", "matchModels", "anyOf", "[]", "operator"): "StringLike", ("actions", "[]") + fallback: "ENABLED",
                 ("actions", "[]", "routeToTarget", "weightedRoute", "trafficSplit", "[]", "fallback", "circuitBreaker", "mode"): "ENABLED"},
    }


def test_defaults_fill_only_where_their_structure_is_declared() -> None:
    lam = {"targetConfiguration": {"mcp": {"lambda": {"lambdaArn": "x"}}}}
    assert TARGET.comparable(lam) == lam
    mcp = {"targetConfiguration": {"mcp": {"mcpServer": {"endpoint": "https://a"}}}}
    assert TARGET.comparable(mcp)["targetConfiguration"]["mcp"]["mcpServer"] == {"endpoint": "https://a", "listingMode": "DEFAULT", "resourcePriority": 1000}
    rule = {"actions": [{"routeToTarget": {"staticRoute": {"targetName": "t", "fallback": {"circuitBreaker": {}}}}}, {"routeToTarget": {}}]}
    filled = KINDS["rule"].comparable(rule)
    assert filled["actions"][0]["routeToTarget"]["staticRoute"]["fallback"]["circuitBreaker"] == {"mode": "ENABLED"}
    assert "actions" in rule and rule["actions"][0]["routeToTarget"]["staticRoute"]["fallback"] == {"circuitBreaker": {}}  # not written into


def test_writes_send_the_defaults_they_are_compared_with() -> None:
    mcp = {"targetConfiguration": {"mcp": {"mcpServer": {"endpoint": "https://a"}}}}
    assert TARGET.create_request(mcp)["targetConfiguration"]["mcp"]["mcpServer"] == {"endpoint": "https://a", "resourcePriority": 1000, "listingMode": "DEFAULT"}
    assert GATEWAY.create_request({"roleArn": "r"})["protocolType"] == "MCP"
    policy = KINDS["policy"].update_request(Ref("policy", "p", "p-1", "policy-engine/e/policy/p"), {"definition": {"cedar": {"statement": "s"}}})
    assert (policy["enforcementMode"], policy["validationMode"], policy["description"]) == ("ACTIVE", "FAIL_ON_ANY_FINDINGS", {})


def test_patch_updates_clear_what_the_declaration_leaves_out() -> None:
    rule, rate_limit = KINDS["rule"], KINDS["rate-limit"]
    assert rule.update_is_patch and rate_limit.update_is_patch and not GATEWAY.update_is_patch and not TARGET.update_is_patch
    request = rule.update_request(Ref("rule", "10", "r-1", "gateway/g/rule/10"), {"actions": [{"routeToTarget": {}}]})
    assert request["conditions"] == [] and "description" not in request  # an empty description is refused: see replacement
    assert rule.replacement_reasons({"actions": []}, {"actions": [], "description": "old"})[0][0] == "description"
    assert rule.replacement_reasons({"actions": [], "description": "new"}, {"actions": [], "description": "old"}) == []
    assert rate_limit.update_request(Ref("rate-limit", "l", "l", "gateway/g/rate-limit/l"), {"entries": []})["description"] == ""
    assert TARGET.update_request(Ref("target", "t", "T1", "gateway/g/target/t"), {"targetConfiguration": {}}).get("description") is None


def test_only_the_lists_the_service_reorders_are_compared_as_sets() -> None:
    jwt = ("authorizerConfiguration", "customJWTAuthorizer")
    assert GATEWAY.unordered_lists == {jwt + ("allowedAudience",), jwt + ("allowedClients",), jwt + ("allowedScopes",),
                                       ("interceptorConfigurations", "[]", "interceptionPoints")}
    assert KINDS["rate-limit"].unordered_lists == set()  # dimensionKeys' order is significant


def test_adding_an_mcp_version_needs_a_new_gateway_dropping_one_does_not() -> None:
    def versions(*v: str) -> dict:
        return {"protocolConfiguration": {"mcp": {"supportedVersions": list(v)}}}

    assert GATEWAY.replacement_reasons(versions("a"), versions("a", "b")) == []
    assert [path for path, _ in GATEWAY.replacement_reasons(versions("a", "c"), versions("a", "b"))] == ["protocolConfiguration.mcp.supportedVersions"]
