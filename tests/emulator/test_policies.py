"""Policy engines and Cedar policies, through boto3 against the in-process emulator."""

from __future__ import annotations

import re

from reconciler.emulator.holds import holding
from tests.emulator.support import error, gateway, lambda_target, ready_target, until

ENGINE_ID = re.compile(r"Orders_Engine-[a-z0-9_]{10}")
ENGINE_ARN = re.compile(r"arn:aws:bedrock-agentcore:us-east-1:123456789012:policy-engine/Orders_Engine-[a-z0-9_]{10}")


def cedar(statement: str) -> dict[str, dict[str, str]]:
    return {"cedar": {"statement": statement}}


def permit(action: str, condition: str = "") -> dict[str, dict[str, str]]:
    when = f" when {{ {condition} }}" if condition else ""
    return cedar(f'permit(principal is AgentCore::OAuthUser, action == AgentCore::Action::"{action}", resource){when};')


def engine(client, name: str = "Orders_Engine", **members) -> str:  # type: ignore[no-untyped-def]
    engine_id = client.create_policy_engine(name=name, **members)["policyEngineId"]
    until(lambda: client.get_policy_engine(policyEngineId=engine_id)["status"], lambda s: s == "ACTIVE")
    return str(engine_id)


def engine_with_tools(client) -> str:  # type: ignore[no-untyped-def]
    """An ACTIVE engine attached to a gateway whose READY target `orders` lists get_order and cancel_order."""
    engine_id = engine(client)
    arn = client.get_policy_engine(policyEngineId=engine_id)["policyEngineArn"]
    ready_target(client, gateway(client, policyEngineConfiguration={"arn": arn, "mode": "ENFORCE"}))
    return engine_id


def settled(client, engine_id: str, policy_id: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return until(lambda: client.get_policy(policyEngineId=engine_id, policyId=policy_id), lambda p: not p["status"].endswith("ING"))


# --- engines ---------------------------------------------------------------------------
def test_an_engine_has_the_model_id_and_arn_is_tagged_and_becomes_active(client) -> None:
    with holding("policy-engine:status=CREATING"):  # CREATING however late the answer is made
        created = client.create_policy_engine(name="Orders_Engine", description="d", tags={"team": "orders"})
    assert ENGINE_ID.fullmatch(created["policyEngineId"]) and ENGINE_ARN.fullmatch(created["policyEngineArn"])
    assert created["status"] == "CREATING" and created["statusReasons"] == []
    assert client.list_tags_for_resource(resourceArn=created["policyEngineArn"])["tags"] == {"team": "orders"}
    until(lambda: client.get_policy_engine(policyEngineId=created["policyEngineId"])["status"], lambda s: s == "ACTIVE")


def test_engine_names_are_unique_and_must_match_the_model_pattern(client) -> None:
    engine(client)
    assert error(lambda: client.create_policy_engine(name="Orders_Engine")) == "ConflictException: A policy engine named Orders_Engine already exists"
    assert "Member must satisfy regular expression pattern: [A-Za-z][A-Za-z0-9_]*" in error(lambda: client.create_policy_engine(name="orders-engine"))


def test_update_description_wrapper_absent_keeps_it_empty_clears_it(client) -> None:
    engine_id = engine(client, description="first")
    with holding("policy-engine:status=UPDATING"):  # still UPDATING when the next update comes
        assert client.update_policy_engine(policyEngineId=engine_id, description={"optionalValue": "second"})["status"] == "UPDATING"
        assert error(lambda: client.update_policy_engine(policyEngineId=engine_id)).startswith("ConflictException: Policy engine")
    until(lambda: client.get_policy_engine(policyEngineId=engine_id)["status"], lambda s: s == "ACTIVE")
    client.update_policy_engine(policyEngineId=engine_id)
    assert client.get_policy_engine(policyEngineId=engine_id)["description"] == "second"
    until(lambda: client.get_policy_engine(policyEngineId=engine_id)["status"], lambda s: s == "ACTIVE")
    client.update_policy_engine(policyEngineId=engine_id, description={})
    assert "description" not in client.get_policy_engine(policyEngineId=engine_id)


def test_an_engine_with_policies_or_gateways_is_not_deleted_then_goes_through_deleting(client) -> None:
    engine_id = engine_with_tools(client)
    policy_id = client.create_policy(policyEngineId=engine_id, name="AllowGet", definition=permit("orders___get_order"))["policyId"]
    assert "still has policies" in error(lambda: client.delete_policy_engine(policyEngineId=engine_id))
    client.delete_policy(policyEngineId=engine_id, policyId=policy_id)
    until(lambda: client.list_policies(policyEngineId=engine_id)["policies"], lambda p: p == [])
    gateway_id = client.list_gateways()["items"][0]["gatewayId"]
    assert error(lambda: client.delete_policy_engine(policyEngineId=engine_id)) == (
        f"ConflictException: Policy engine {engine_id} is associated with gateways {gateway_id}; "
        "remove it from their policyEngineConfiguration first")
    live = client.get_gateway(gatewayIdentifier=gateway_id)
    client.update_gateway(gatewayIdentifier=gateway_id, name=live["name"], roleArn=live["roleArn"], authorizerType="NONE")
    with holding("policy-engine:status=DELETING"):  # DELETING however late the answer is made
        assert client.delete_policy_engine(policyEngineId=engine_id)["status"] == "DELETING"
    until(lambda: client.list_policy_engines()["policyEngines"], lambda engines: engines == [])
    assert error(lambda: client.get_policy_engine(policyEngineId=engine_id)) == f"ResourceNotFoundException: Policy engine {engine_id} not found"


def test_a_gateway_cannot_name_an_engine_that_does_not_exist(client) -> None:
    missing = {"arn": "arn:aws:bedrock-agentcore:us-east-1:123456789012:policy-engine/Nope-0123456789", "mode": "ENFORCE"}
    assert error(lambda: gateway(client, policyEngineConfiguration=missing)) == f"ValidationException: Policy engine {missing['arn']} does not exist"


def test_engines_and_policies_come_in_small_pages(client) -> None:
    for index in range(12):
        client.create_policy_engine(name=f"E{index}")
    first = client.list_policy_engines()
    assert len(first["policyEngines"]) == 10 and first["nextToken"]
    names = [e["name"] for page in client.get_paginator("list_policy_engines").paginate() for e in page["policyEngines"]]
    assert sorted(names) == sorted(f"E{i}" for i in range(12))


# --- policies --------------------------------------------------------------------------
def test_a_policy_naming_a_listed_tool_becomes_active_and_never_returns_its_validation_mode(client) -> None:
    engine_id = engine_with_tools(client)
    with holding("policy:status=CREATING"):  # CREATING however late the answer is made
        created = client.create_policy(policyEngineId=engine_id, name="SmallRefunds", validationMode="FAIL_ON_ANY_FINDINGS",
                                       definition=permit("orders___get_order", "context.input.amount < 500"))
    assert created["status"] == "CREATING" and re.fullmatch(r"SmallRefunds-[a-z0-9_]{10}", created["policyId"])
    assert created["policyArn"].endswith(f"policy-engine/{engine_id}/policy/{created['policyId']}")
    policy = settled(client, engine_id, created["policyId"])
    assert policy["status"] == "ACTIVE" and policy["statusReasons"] == [] and policy["enforcementMode"] == "ACTIVE"
    assert "validationMode" not in created and "validationMode" not in policy
    assert "validationMode" not in client.list_policies(policyEngineId=engine_id)["policies"][0]


def test_a_policy_naming_an_unknown_tool_fails_with_reasons_whatever_the_validation_mode(client) -> None:
    engine_id = engine_with_tools(client)
    for name, mode in (("Strict", "FAIL_ON_ANY_FINDINGS"), ("Lenient", "IGNORE_ALL_FINDINGS")):
        created = client.create_policy(policyEngineId=engine_id, name=name, validationMode=mode, definition=permit("orders___refund"))
        policy = settled(client, engine_id, created["policyId"])
        assert policy["status"] == "CREATE_FAILED"
        assert policy["statusReasons"] == [
            'unrecognized action `AgentCore::Action::"orders___refund"`: no gateway attached to this policy engine lists that tool'
        ]


def test_semantic_findings_fail_only_with_fail_on_any_findings(client) -> None:
    engine_id = engine_with_tools(client)
    everything = cedar("permit(principal, action, resource);")
    strict = settled(client, engine_id, client.create_policy(policyEngineId=engine_id, name="AllowAll", definition=everything)["policyId"])
    assert strict["status"] == "CREATE_FAILED" and strict["statusReasons"][0].startswith("Overly permissive policy")
    lenient = client.create_policy(policyEngineId=engine_id, name="AllowAllAnyway", definition=everything, validationMode="IGNORE_ALL_FINDINGS")
    assert settled(client, engine_id, lenient["policyId"])["status"] == "ACTIVE"


def test_schema_checks_cover_entity_types_and_tool_parameters(client) -> None:
    engine_id = engine_with_tools(client)
    statement = ('permit(principal is AgentCore::Robot, action in [AgentCore::Action::"orders___get_order", '
                 'AgentCore::Action::"orders___cancel_order"], resource is AgentCore::Server) when { context.input.amount > 1 };')
    policy = settled(client, engine_id, client.create_policy(policyEngineId=engine_id, name="Typed", definition=cedar(statement))["policyId"])
    assert policy["statusReasons"] == [
        "unrecognized entity type `AgentCore::Robot` for the principal",
        "unrecognized entity type `AgentCore::Server` for the resource",
        "attribute `amount` not found in context.input of the actions this policy names",  # cancel_order has no amount
    ]


def test_a_policy_before_its_target_has_synchronized_fails(client) -> None:
    engine_id = engine(client)
    arn = client.get_policy_engine(policyEngineId=engine_id)["policyEngineArn"]
    gateway_id = gateway(client, policyEngineConfiguration={"arn": arn, "mode": "ENFORCE"})
    with holding("target:status=CREATING"):  # its tools are not listed yet when the policy comes
        client.create_gateway_target(gatewayIdentifier=gateway_id, name="orders", targetConfiguration=lambda_target())
        policy = client.create_policy(policyEngineId=engine_id, name="TooEarly", definition=permit("orders___get_order"))
        assert settled(client, engine_id, policy["policyId"])["status"] == "CREATE_FAILED"


def test_a_statement_that_is_not_cedar_is_refused_at_once(client) -> None:
    engine_id = engine(client)
    two = cedar("permit(principal, action, resource); forbid(principal, action, resource);")
    assert error(lambda: client.create_policy(policyEngineId=engine_id, name="Two", definition=two)) == (
        "ValidationException: The policy statement is not valid Cedar: unexpected token 'forbid'")


def test_policy_names_are_unique_across_the_engines_of_the_account(client) -> None:
    first, second = engine(client, "First"), engine(client, "Second")
    forbid_all = cedar("forbid(principal, action, resource) when { context.input.x == 1 };")
    client.create_policy(policyEngineId=first, name="Shared", definition=forbid_all, validationMode="IGNORE_ALL_FINDINGS")
    assert error(lambda: client.create_policy(policyEngineId=second, name="Shared", definition=forbid_all)) == (
        "ConflictException: A policy named Shared already exists")


def test_a_failed_update_keeps_the_definition_and_a_good_one_replaces_it(client) -> None:
    engine_id = engine_with_tools(client)
    policy_id = client.create_policy(policyEngineId=engine_id, name="P", definition=permit("orders___get_order"),
                                     description="kept", enforcementMode="LOG_ONLY")["policyId"]
    settled(client, engine_id, policy_id)
    client.update_policy(policyEngineId=engine_id, policyId=policy_id, definition=permit("orders___delete_everything"))
    failed = settled(client, engine_id, policy_id)
    assert failed["status"] == "UPDATE_FAILED" and "orders___delete_everything" in failed["statusReasons"][0]
    assert failed["definition"] == permit("orders___get_order")
    client.update_policy(policyEngineId=engine_id, policyId=policy_id, definition=permit("orders___cancel_order"))
    updated = settled(client, engine_id, policy_id)
    assert updated["status"] == "ACTIVE" and updated["definition"] == permit("orders___cancel_order")
    assert updated["description"] == "kept" and updated["enforcementMode"] == "LOG_ONLY"  # left out: unchanged


def test_policy_deletion_and_a_deleted_engine_take_their_policies_out_of_reach(client) -> None:
    engine_id = engine_with_tools(client)
    policy_id = client.create_policy(policyEngineId=engine_id, name="P", definition=permit("orders___get_order"))["policyId"]
    settled(client, engine_id, policy_id)
    with holding("policy:status=DELETING"):  # still DELETING when the second deletion comes
        assert client.delete_policy(policyEngineId=engine_id, policyId=policy_id)["status"] == "DELETING"
        assert error(lambda: client.delete_policy(policyEngineId=engine_id, policyId=policy_id)).startswith("ConflictException")
    until(lambda: client.list_policies(policyEngineId=engine_id)["policies"], lambda p: p == [])
    assert error(lambda: client.get_policy(policyEngineId=engine_id, policyId=policy_id)).startswith("ResourceNotFoundException")
