"""Hypothesis strategies shared by the config tests: registries built from the schema's keys, edits, byte mutations.

Every secret placed in them is `${env:SECRET}`, whose value (`SECRET`) must never show in any output: in values,
in names (the registry's) and in references by name (`authorizer:`, `provider:`).
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from reconciler.config.loader import load
from tests.conftest import FIXTURES, ROOT

SECRET = "hunter2-Zq9X-never-print-me"
ENVIRONMENT = {name: SECRET for name in ("SECRET", "RUNTIME_CLIENT_SECRET", "RUNTIME_M2M_SECRET", "WEATHER_VENDOR_API_KEY")}
ROLE = "arn:aws:iam::123456789012:role/gateway"
# Bounded and reproducible: the same examples on every run, in a few seconds.
BOUNDED = settings(max_examples=400, derandomize=True, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])

# --- documents built from the registry's own keys ------------------------------------

secrets = st.sampled_from(["${env:SECRET}", "Bearer ${env:SECRET}", ["${env:SECRET}"], {"value": "${env:SECRET}"},
                           [[{"deep": "x-${env:SECRET}"}]], {"${env:SECRET}": 1}])
scalars = st.none() | st.booleans() | st.integers(-10, 2_000_000) | st.floats(allow_nan=False) | st.text(max_size=12)
junk = st.recursive(scalars | secrets, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=6)
names = st.sampled_from(["gw", "main", "a-b", "gw2", "t1", "10", "bad name!", "x" * 120, "${env:SECRET}"])


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the strategy, sometimes anything at all in its place (a wrong type, a secret...)."""
    return st.one_of(*[strategy] * 9, junk)


def members(**optional: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of the given members, each maybe wrong, and now and then an unknown one."""
    some = st.fixed_dictionaries({}, optional={k: maybe(v) for k, v in optional.items()})
    return st.one_of(*[some] * 9, st.builds(lambda body, extra: {**body, "bogus": extra}, some, junk))


credential = members(credentialProviderType=st.sampled_from(["OAUTH", "API_KEY", "GATEWAY_IAM_ROLE"]),
                     credentialProvider=members(
                         oauthCredentialProvider=members(provider=st.sampled_from(["m2m", "key", "nope"]) | secrets,
                                                         scopes=st.lists(st.text(max_size=8), max_size=2)),
                         apiKeyCredentialProvider=members(provider=st.sampled_from(["m2m", "key"]) | secrets)))
target = members(description=st.text(max_size=20) | secrets,
                 targetConfiguration=st.builds(lambda endpoint: {"mcp": {"mcpServer": {"endpoint": endpoint}}},
                                               st.sampled_from(["https://example.com/mcp", "http://x", "${env:SECRET}"]) | secrets),
                 credentialProviderConfigurations=st.lists(credential, max_size=2),
                 expectTools=st.lists(st.text(max_size=8), max_size=2))
gateway = members(roleArn=st.just(ROLE), authorizerType=st.sampled_from(["NONE", "CUSTOM_JWT", "AWS_IAM", "OPEN"]),
                  authorizer=st.sampled_from(["jwt", "missing"]) | secrets, description=st.text(max_size=20) | secrets,
                  protocolType=st.sampled_from(["MCP", "HTTP"]), targets=st.dictionaries(names, target, max_size=3),
                  rules=st.dictionaries(st.integers(0, 2_000_000) | names, junk, max_size=2),
                  verify=members(clientId=st.text(max_size=8), clientSecret=secrets, tokenUrl=st.just("https://idp/token")),
                  lifecycle=members(preventDestroy=st.booleans()))
provider = st.one_of(
    st.builds(lambda body: {"apiKey": body}, members(apiKey=secrets, apiKeySecretSource=st.sampled_from(["MANAGED", "X"]))),
    st.builds(lambda body: {"oauth2": body}, members(credentialProviderVendor=st.sampled_from(["CustomOauth2", "Nope"]),
                                                     oauth2ProviderConfigInput=junk)),
    junk,
)
registries = members(
    registry=st.sampled_from(["r", ""]) | secrets, region=st.sampled_from(["us-east-1", "mars-1"]) | secrets,
    tags=st.dictionaries(st.text(max_size=6), st.text(max_size=6) | secrets, max_size=2),
    quotas=members(targetsPerGateway=st.integers(0, 200), readsPerSecond=st.integers(-1, 100)),
    authorizers=st.dictionaries(st.sampled_from(["jwt", "other"]), members(authorizerType=st.sampled_from(["CUSTOM_JWT", "NONE"]),
                                                                           authorizerConfiguration=junk), max_size=2),
    credentialProviders=st.dictionaries(st.sampled_from(["m2m", "key", "bad name!"]), provider, max_size=2),
    gateways=st.dictionaries(names, gateway, max_size=3),
)


# Registries the schema accepts, with secrets in every string member that takes any text and in references by
# name, so the reconciler's own rules (references, authorizers) run on values from the environment.
text_or_secret = st.sampled_from(["plain text", "${env:SECRET}", "Bearer ${env:SECRET}"])
reference = st.sampled_from(["m2m", "key", "nope", "${env:SECRET}"])
OAUTH2 = {"credentialProviderVendor": "CustomOauth2", "oauth2ProviderConfigInput": {"customOauth2ProviderConfig": {
    "oauthDiscovery": {"discoveryUrl": "https://idp.example.com/.well-known/openid-configuration"}, "clientId": "client",
    "clientSecret": "${env:SECRET}"}}}
schema_valid_target = st.fixed_dictionaries(
    {"targetConfiguration": st.sampled_from(["https://example.com/mcp", "${env:SECRET}"]).map(
        lambda endpoint: {"mcp": {"mcpServer": {"endpoint": endpoint}}})},
    optional={"description": text_or_secret,
              "credentialProviderConfigurations": st.lists(st.one_of(
                  reference.map(lambda name: {"credentialProviderType": "OAUTH", "credentialProvider": {
                      "oauthCredentialProvider": {"provider": name, "scopes": ["a/invoke"]}}}),
                  reference.map(lambda name: {"credentialProviderType": "API_KEY", "credentialProvider": {
                      "apiKeyCredentialProvider": {"provider": name}}})), max_size=2)})
schema_valid_gateway = st.fixed_dictionaries(
    {"roleArn": st.just(ROLE)},
    optional={"description": text_or_secret, "targets": st.dictionaries(st.sampled_from(["t1", "t2", "orders"]), schema_valid_target, max_size=3),
              "verify": st.fixed_dictionaries({"clientId": st.just("client"), "clientSecret": text_or_secret})},
).flatmap(lambda body: st.one_of(st.just({**body, "authorizerType": "NONE"}),
                                 st.sampled_from(["jwt", "missing", "${env:SECRET}"]).map(lambda name: {**body, "authorizer": name}),
                                 st.just({**body, "authorizerType": "CUSTOM_JWT"})))
schema_valid_registries = st.fixed_dictionaries(
    {"registry": st.sampled_from(["r", "${env:SECRET}"]), "gateways": st.dictionaries(st.sampled_from(["gw", "main"]), schema_valid_gateway, max_size=2)},
    optional={"region": st.just("us-east-1"), "tags": st.dictionaries(st.sampled_from(["team", "cost"]), text_or_secret, max_size=2),
              "authorizers": st.just({"jwt": {"authorizerType": "CUSTOM_JWT", "authorizerConfiguration": {"customJWTAuthorizer": {
                  "discoveryUrl": "https://idp.example.com/.well-known/openid-configuration", "allowedClients": ["c"]}}}}),
              "credentialProviders": st.fixed_dictionaries({}, optional={"m2m": st.just({"oauth2": OAUTH2}),
                                                                         "key": st.just({"apiKey": {"apiKey": "${env:SECRET}"}})})},
)


@st.composite
def registry_texts(draw: st.DrawFn) -> str:
    """A generated registry written as YAML, block or flow style: one the schema accepts, or anything."""
    document = draw(st.one_of(schema_valid_registries, registries))
    return yaml.safe_dump(document, default_flow_style=draw(st.booleans()), allow_unicode=True, width=10_000)


# --- edits of a valid registry ----------------------------------------------------------

EDIT_VALUES = st.none() | st.booleans() | st.integers(-5, 2_000_000) | st.text(max_size=12) | st.sampled_from(
    ["NONE", "CUSTOM_JWT", "MCP", ROLE, "https://example.com/mcp", "us-east-1", [], {}, ["x"], {"x": 1}])


def tutorial() -> dict[str, Any]:
    return load([str(ROOT / "gateways.yaml")], interpolate=False).data


def paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        found += [p for key, item in value.items() for p in paths(item, path + (key,))]
    elif isinstance(value, list):
        found += [p for index, item in enumerate(value) for p in paths(item, path + (index,))]
    return found


@st.composite
def edited_registries(draw: st.DrawFn) -> dict[str, Any]:
    """The tutorial registry with a few members replaced, removed or added, anywhere."""
    document = tutorial()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(document)[1:]))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "remove":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = copy.deepcopy(draw(EDIT_VALUES))
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["bogus", "description", "name", "lifecycle", "10"]))] = copy.deepcopy(draw(EDIT_VALUES))
    return document


# --- byte-level mutations of the example files -------------------------------------------

EXAMPLES = sorted(FIXTURES.rglob("*.yaml")) + [ROOT / "gateways.yaml"]
TOKENS = [b"&a ", b"*a", b"!!python/object/apply:os.system ", b"!!int ", b"!!binary ", b"!foo ", b"<<: ", b"? ", b"- ", b"[", b"]",
          b"{", b"}", b"\t", b"\x00", b"\x07", b"\xff", b"\xe2\x80\xa8", b"${env:SECRET}", b"[${env:SECRET}]", b"{v: ${env:SECRET}}",
          b"${env:UNSET_VARIABLE}", b"'", b'"', b": ", b"\n  ", b"\n", b"---\n", b"10: ", b"1.5: ", b"~: ", b"2024-02-30", b"%YAML 1.1\n",
          b"#", b"|\n", b">-\n", b"\\", b"x" * 300]


@st.composite
def mutated_examples(draw: st.DrawFn) -> tuple[str, bytes]:
    """An example file (by name) with a few bytes flipped, inserted, deleted or repeated, or YAML tokens inserted."""
    path = draw(st.sampled_from(EXAMPLES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["token", "token", "flip", "delete", "repeat", "byte"]))
        if action == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
        else:
            data[at:at] = bytes([draw(st.integers(0, 255))])
    return path.name, bytes(data)
