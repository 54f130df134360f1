"""Behaviours of the real service the botocore model does not show, each on in the emulator by default, met end to end
(issue 16): the gateway lock of rules and rate limits, WAF's web ACL association, READY twice, and Ctrl-C under throttling."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from reconciler.apply import apply_plan
from reconciler.aws import Api
from reconciler.emulator.base import DELAY_VARIABLE
from reconciler.emulator.quotas import STATS, call_log
from reconciler.errors import PlanError, WaitTimeout
from reconciler.interrupts import Cancellation
from reconciler.kinds.base import Ref, Status
from reconciler.kinds.gateway import GatewayKind
from reconciler.waiting import Polling, settle
from tests.conftest import FAST
from tests.emulator.support import SLOW, associate_web_acl, backend, until
from tests.helpers import ROLE, fleet, plan_for, registry_from

ROUTE = "actions: [{routeToTarget: {staticRoute: {targetName: orders}}}]"
LAMBDA = ("{mcp: {lambda: {lambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders', "
          "toolSchema: {inlinePayload: [{name: run, description: Run, inputSchema: {type: object}}]}}}}")


def gateway_yaml(extra: str = "", targets: str = f"      orders: {{targetConfiguration: {LAMBDA}, "
                                                   "credentialProviderConfigurations: [{credentialProviderType: GATEWAY_IAM_ROLE}]}\n") -> str:
    return (f"registry: fidelity\nregion: us-east-1\ngateways:\n  tools:\n    roleArn: {ROLE}\n    authorizerType: AWS_IAM\n"
            f"{extra}    targets:\n{targets}")


def gateway_id(client: Any) -> str:
    return str(client.list_gateways()["items"][0]["gatewayId"])


# --- 3. one rule or rate-limit change at a time per gateway ---------------------------------------------------
RULES_AND_LIMITS = (
    "    rules:\n" + "".join(f"      {p}: {{description: r{p}, {ROUTE}}}\n" for p in (10, 20, 30))
    + "    rateLimits:\n"
    "      per-tool: {dimensionKeys: [toolName], entries: [{dimensions: {toolName: '*'}, requests: [{rate: 10, period: second}]}]}\n"
)


def test_rules_and_rate_limits_are_written_one_at_a_time_per_gateway(api: Api, client: Any, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator refuses a second change while one is applied; apply serialises them and every write succeeds."""
    apply_plan(api, plan_for(api, registry_from(tmp_path, gateway_yaml())), FAST)
    monkeypatch.setenv(DELAY_VARIABLE, SLOW)
    registry = registry_from(tmp_path, gateway_yaml(RULES_AND_LIMITS))
    lines: list[str] = []
    result = apply_plan(api, plan_for(api, registry), FAST, lines.append)
    assert result.ok, result.report()
    assert not [line for line in lines if "ConflictException" in line]  # never two at once: nothing to retry
    rules = client.list_gateway_rules(gatewayIdentifier=gateway_id(client))["gatewayRules"]
    assert sorted(rule["priority"] for rule in rules) == [10, 20, 30]
    assert plan_for(api, registry).empty


def test_a_conflict_on_the_gateway_lock_is_retried_whatever_its_message(api: Api, client: Any, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule made by hand is still CREATING when apply deletes it (the registry manages the gateway's rules): the
    lock's ConflictException (no "in progress" in it) is retried until the change is through."""
    from reconciler.emulator import holds

    apply_plan(api, plan_for(api, registry_from(tmp_path, gateway_yaml())), FAST)
    gid = gateway_id(client)
    hold = holds.place({"kind": "rule", "name": "99", "status": "CREATING"})  # the hand-made rule stays CREATING until released
    client.create_gateway_rule(gatewayIdentifier=gid, priority=99, actions=[{"routeToTarget": {"staticRoute": {"targetName": "orders"}}}])
    lines: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        if "ConflictException, retrying" in line and hold in holds.placed():
            holds.release(hold.id)  # the conflict was met: the rule's creation may finish now

    registry = registry_from(tmp_path, gateway_yaml(f"    rules:\n      10: {{{ROUTE}}}\n"))
    try:
        result = apply_plan(api, plan_for(api, registry), FAST, progress)
    finally:
        holds.release()
    assert result.ok, result.report()
    assert any("rule/99: ConflictException, retrying" in line for line in lines), lines
    until(lambda: client.list_gateway_rules(gatewayIdentifier=gid)["gatewayRules"], lambda rules: [r["priority"] for r in rules] == [10])


# --- 4. wafConfiguration needs a web ACL associated first ------------------------------------------------------
WAF = "    wafConfiguration: {failureMode: FAIL_CLOSE}\n"


def test_waf_on_a_new_gateway_or_one_without_a_web_acl_is_a_plan_error(api: Api, client: Any, tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="gateway/tools: wafConfiguration needs an AWS WAF web ACL associated with the "
                                        "gateway, and this gateway is created by this plan: apply it without wafConfiguration"):
        plan_for(api, registry_from(tmp_path, gateway_yaml(WAF)))
    apply_plan(api, plan_for(api, registry_from(tmp_path, gateway_yaml())), FAST)
    with pytest.raises(PlanError, match="this gateway has no AWS WAF web ACL associated"):
        plan_for(api, registry_from(tmp_path, gateway_yaml(WAF)))
    assert api.writes_made() > 0 and client.get_gateway(gatewayIdentifier=gateway_id(client)).get("wafConfiguration") is None


def test_waf_is_applied_once_a_web_acl_is_associated(api: Api, client: Any, tmp_path: Path) -> None:
    apply_plan(api, plan_for(api, registry_from(tmp_path, gateway_yaml())), FAST)
    acl = associate_web_acl(client.get_gateway(gatewayIdentifier=gateway_id(client))["gatewayArn"])
    registry = registry_from(tmp_path, gateway_yaml(WAF))
    result = apply_plan(api, plan_for(api, registry), FAST)
    assert result.ok, result.report()
    live = client.get_gateway(gatewayIdentifier=gateway_id(client))
    assert (live["webAclArn"], live["wafConfiguration"]) == (acl, {"failureMode": "FAIL_CLOSE"})
    assert plan_for(api, registry).empty


# --- 7. READY twice, statuses the model does not list, failureReason ---------------------------------------------
def gateway_statuses(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Every gateway status apply reads from now on."""
    seen: list[str | None] = []
    read = GatewayKind.status

    def recorded(self: GatewayKind, api: Api, ref: Ref) -> Status | None:
        status = read(self, api, ref)
        seen.append(status.status if status else None)
        return status

    monkeypatch.setattr(GatewayKind, "status", recorded)
    return seen


def test_a_gateway_counts_as_ready_after_two_ready_reads_in_a_row(api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator's gateway reads READY, then CREATING once more, then READY (as the service's may): apply waits it out."""
    seen = gateway_statuses(monkeypatch)
    lines: list[str] = []
    result = apply_plan(api, plan_for(api, registry_from(tmp_path, gateway_yaml())), FAST, lines.append)
    assert result.ok, result.report()
    first_ready = seen.index("READY")
    assert seen[first_ready + 1] == "CREATING" and seen[-2:] == ["READY", "READY"], seen
    assert next(i for i, line in enumerate(lines) if "Creation complete" in line and line.startswith("gateway/tools:")) < next(
        i for i, line in enumerate(lines) if line.startswith("gateway/tools/target/orders: Creating"))


def test_a_status_the_model_does_not_list_keeps_the_wait_going(api: Api, client: Any, tmp_path: Path) -> None:
    apply_plan(api, plan_for(api, registry_from(tmp_path, gateway_yaml())), FAST)
    gid = gateway_id(client)
    ref = Ref("gateway", "tools", gid, "gateway/tools")
    emulated = backend().gateways[gid]
    emulated.show_statuses("SCALING", "SCALING", "READY", "SCALING")  # SCALING: not in the model's GatewayStatus enum
    status = settle(api, GatewayKind(), ref, FAST.polling, lambda line: None, "modifying")
    assert status is not None and status.status == "READY" and emulated._shown == []  # READY twice only after the last one
    emulated.show_statuses(*["SCALING"] * 1000)
    with pytest.raises(WaitTimeout, match=r"gateway/tools: still not READY after \d+s \(last status: SCALING\)"):
        settle(api, GatewayKind(), ref, Polling(initial=0.01, maximum=0.01, timeout=0.2), lambda line: None, "modifying")


def test_a_failed_oauth2_provider_shows_its_failure_reason(api: Api, tmp_path: Path) -> None:
    backend().fail_oauth2_provider("m2m", "The discovery URL did not return a valid OpenID configuration")
    result = apply_plan(api, plan_for(api, registry_from(tmp_path)), FAST)
    assert [(address, why) for address, why in result.failed if "m2m" in address] == [
        ("oauth2-credential-provider/m2m", "oauth2-credential-provider/m2m is CREATE_FAILED: "
                                           "The discovery URL did not return a valid OpenID configuration")]


# --- 9. after an interrupt, no request for work the service has not accepted --------------------------------------
def test_no_create_leaves_after_an_interrupt_not_even_botocores_retry_of_a_throttled_one(
        api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faults: Callable[..., None]) -> None:
    """The interrupt comes while the service answers a CreateGatewayTarget with a throttle (every second one is): that
    create was never accepted, so botocore's retry of it is new work and must not leave. One worker: no other call can
    be on its way when the interrupt comes, so the emulator's call log tells exactly what was sent after it."""
    faults("throttle:op=CreateGatewayTarget,every=2")
    cancellation = Cancellation()
    interrupted_at: list[float] = []
    record = STATS.record

    def interrupt_on_the_first_throttle(operation: str, outcome: str) -> None:
        record(operation, outcome)
        if operation == "CreateGatewayTarget" and outcome == "throttle" and not interrupted_at:
            cancellation.cancel()
            interrupted_at.append(time.monotonic())

    monkeypatch.setattr(STATS, "record", interrupt_on_the_first_throttle)
    plan = plan_for(api, registry_from(tmp_path, fleet(4)))
    result = apply_plan(api, plan, dataclasses.replace(FAST, workers=1), cancellation=cancellation)
    creates = [call for call in call_log() if call.operation == "CreateGatewayTarget"]
    assert [call.name for call in creates if call.at < interrupted_at[0]] == ["t0", "t1"]  # t1 was throttled
    assert [call.name for call in creates if call.at > interrupted_at[0]] == []
    assert result.cancelled and result.interrupted == [
        ("gateway/fleet/target/t1", "interrupted while about to send CreateGatewayTarget (not sent)")]
