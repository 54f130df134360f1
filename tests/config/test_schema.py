import json

from reconciler.config.schema import anchored, registry_schema
from tests.conftest import ROOT


def test_committed_schema_is_current() -> None:
    committed = json.loads((ROOT / "schemas" / "gateways.schema.json").read_text())
    assert committed == registry_schema(), "schemas/gateways.schema.json is stale: run `reconcile schema > schemas/gateways.schema.json`"


def test_schema_follows_the_botocore_model() -> None:
    defs = registry_schema()["$defs"]
    gateway = defs["RegistryGateway"]
    assert "CUSTOM_JWT" in gateway["properties"]["authorizerType"]["enum"]
    assert gateway["required"] == ["roleArn"]  # authorizerType may come from `authorizer:`
    assert {"targets", "authorizer", "lifecycle"} <= set(gateway["properties"])
    assert "expectTools" in defs["RegistryTarget"]["properties"]
    assert "provider" in defs["OAuthCredentialProvider"]["properties"]


def test_patterns_are_anchored() -> None:
    assert anchored("[a-z]+") == "^(?:[a-z]+)$"
    assert anchored("(unclosed") is None
