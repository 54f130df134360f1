"""The emulator's own reader of Cedar policy statements."""

from __future__ import annotations

import pytest

from reconciler.emulator.cedar import CedarSyntaxError, Entity, parse

REFUND = (
    '@id("refunds") permit(principal is AgentCore::OAuthUser, action == AgentCore::Action::"Refund___process_refund", '
    'resource == AgentCore::Gateway::"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/g-0123456789") '
    'when { principal.hasTag("username") && context.input.amount < 500 } unless { context.input.currency == "X\\"Y" };'
)


def test_a_scoped_policy_gives_its_effect_scope_and_the_parameters_it_reads() -> None:
    statement = parse(REFUND)
    assert statement.effect == "permit"
    assert statement.principal.operator == "is" and statement.principal.types == {"AgentCore::OAuthUser"}
    assert statement.action.entities == (Entity("AgentCore::Action", "Refund___process_refund"),)
    assert statement.resource.types == {"AgentCore::Gateway"}
    assert statement.input_fields() == {"amount", "currency"}
    assert not statement.unconstrained


def test_action_lists_and_membership() -> None:
    statement = parse('forbid(principal in AgentCore::Group::"ops", action in [AgentCore::Action::"a___x", Action::"b"], resource);')
    assert [str(e) for e in statement.action.entities] == ['AgentCore::Action::"a___x"', 'Action::"b"']
    assert statement.principal.types == {"AgentCore::Group"}


def test_a_policy_without_scope_or_conditions_covers_every_request() -> None:
    assert parse("permit(principal, action, resource);").unconstrained
    assert not parse("permit(principal, action, resource) when { context.input.a == 1 };").unconstrained


def test_a_named_condition_block_is_read() -> None:
    statement = parse('forbid(principal, action == AgentCore::Action::"t___search", resource) when guardrails { context.input.q == "x" };')
    assert statement.input_fields() == {"q"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("permit(principal, action, resource); forbid(principal, action, resource);", "unexpected token 'forbid'"),
        ("permit(principal, action, resource)", "unexpected end of policy"),
        ("allow(principal, action, resource);", "unexpected token 'allow'"),
        ("permit(principal, action resource);", "unexpected token 'resource'"),
        ("permit(principal, action == AgentCore::Action, resource);", "unexpected token ','"),
        ("permit(principal, action, resource) when { context.input.a == 1 ;", "unexpected end of policy"),
        ("permit(principal, action, resource) # ;", "unexpected character '#' at offset 36"),
    ],
)
def test_what_is_not_one_cedar_policy_is_a_syntax_error_naming_the_token(text: str, message: str) -> None:
    with pytest.raises(CedarSyntaxError) as caught:
        parse(text)
    assert str(caught.value) == message
