"""Fault injection for the emulator: failed calls, lost answers and failing resources, as the real
service and network produce them, so the reconciler's retries and waits are tested for real.

Off by default. `install_faults()` routes every bedrock-agentcore-control and agent-registry call through the injector
(and the quotas of `reconciler.emulator.quotas`); `reconcile emulator` does so and takes the rules as
`--fault RULE` (repeatable) and `--fault-seed N`. In-process (`moto.mock_aws`) the rules come from the
environment variable RECONCILER_EMULATOR_FAULTS, read on every call:

    RECONCILER_EMULATOR_FAULTS="seed=7; throttle:op=List*,rate=0.2; lost:op=CreateGatewayTarget,limit=1"

Rules are separated by ';'. A rule is KIND or KIND:KEY=VALUE,KEY=VALUE,... and `seed=N` (default 0)
seeds the random draws, so a run with the same calls in the same order injects the same faults.

Call faults: the call fails and changes nothing (the first rule that fires answers it).
    throttle             ThrottlingException, HTTP 429
    internal             InternalServerException, HTTP 500
    unavailable          ServiceUnavailableException, HTTP 503
    denied               AccessDeniedException, HTTP 403 (credentials whose policy lacks the action)
    reset                the connection is reset: no HTTP answer
    timeout              no answer: the server holds the connection `seconds` (default 65, past botocore's
                         60 s read timeout), then resets it; in-process botocore's ReadTimeoutError at once
    lost                 the call is carried out, then its answer is lost: as=timeout (default) or as=reset
Resource faults: the call succeeds; what follows it goes wrong.
    create-failed        CreateGateway/CreateGatewayTarget: the resource ends FAILED, with statusReasons
    update-unsuccessful  UpdateGateway/UpdateGatewayTarget: it ends UPDATE_UNSUCCESSFUL, with statusReasons
    sync-unsuccessful    SynchronizeGatewayTargets: it ends SYNCHRONIZE_UNSUCCESSFUL, with statusReasons
    slow                 creates, updates and synchronizations: the resource stays CREATING/UPDATING/
                         SYNCHRONIZING for `seconds` (default 5)
    iam-propagation      CreateGatewayTarget is refused with ValidationException "Gateway execution role
                         lacks permission ..." (as while IAM propagates) for the first `attempts` (default 2)
                         tries of each target
    busy-conflict        Update/DeleteGateway, and CreateGatewayTarget, while the gateway is CREATING or
                         UPDATING, and Update/Delete/SynchronizeGatewayTarget(s) while the target is, are
                         refused with ConflictException

Keys:
    op=GLOB[|GLOB...]    operations the rule applies to (default all, for resource faults all of theirs)
    name=GLOB            resource faults: resources by name; a target also matches as GATEWAY/TARGET
    account=GLOB         only calls in these accounts (the caller's, or an assumed role's: one emulator holds many)
    region=GLOB          only calls in these regions
    rate=P               fire with probability P (0..1)
    every=N              fire on the Nth, 2Nth, ... matching call
    limit=N              fire at most N times (every=N,limit=1: the Nth matching call only)
                         (with neither rate nor every, a rule fires on every matching call)
    tries=N              call faults: fire only on a request's first N tries (botocore's amz-sdk-request
                         header, attempt=K); its later retries get through, so a client retrying more than
                         N times provably gets an answer
    seconds=S            timeout and lost: how long the connection is held; slow: how long the transition lasts
    as=timeout|reset     lost: how the answer is lost
    attempts=N           iam-propagation: how many tries of each target are refused

Errors are the service's own: the HTTP status of the error shape in botocore's model (503 for
ServiceUnavailableException, which AWS's front end sends outside any model), an `x-amzn-errortype`
header and a rest-json `{"message": ...}` body, so botocore classifies and retries them as for AWS.
Every call is counted in `reconciler.emulator.quotas.stats()`, with the faults injected by kind.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any, Callable, NoReturn, Sequence

from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from reconciler.aws_model import service_model
from reconciler.emulator import holds, install
from reconciler.emulator.quotas import (
    QUOTAS_VARIABLE,
    STATS,
    TARGET_WRITES,
    RateLimits,
    parse_quotas,
    targets_in_flight,
)
from reconciler.errors import ConfigError

FAULTS_VARIABLE = "RECONCILER_EMULATOR_FAULTS"
Answer = tuple[int, dict[str, str], Any]

CALL_ERRORS = {
    "throttle": ("ThrottlingException", "Rate exceeded"),
    "internal": ("InternalServerException", "An internal error occurred. Try your request again."),
    "unavailable": ("ServiceUnavailableException", "Service Unavailable"),
    "denied": ("AccessDeniedException", "User is not authorized to perform this action"),  # a policy without it
}
UNMODELLED_ERROR_STATUS = {
    "ServiceUnavailableException": 503,  # sent by AWS's front end, in no service model
    "UnknownOperationException": 404,  # an operation the service no longer has (reconciler.emulator.preview)
}
DROPS = ("reset", "timeout")
DEFAULT_HOLD = 65.0  # past botocore's default 60 s read timeout
DEFAULT_SLOW = 5.0
# Resource faults that make a write end badly: the operations they follow and the status they end in.
FATES = {
    "create-failed": (("CreateGateway", "CreateGatewayTarget"), "FAILED"),
    "update-unsuccessful": (("UpdateGateway", "UpdateGatewayTarget"), "UPDATE_UNSUCCESSFUL"),
    "sync-unsuccessful": (("SynchronizeGatewayTargets",), "SYNCHRONIZE_UNSUCCESSFUL"),
}
GATEWAY_WRITES = ("UpdateGateway", "DeleteGateway", "CreateGatewayTarget")  # busy when their gateway is
TARGET_SUBJECT_WRITES = ("UpdateGatewayTarget", "DeleteGatewayTarget", "SynchronizeGatewayTargets")
BUSY = frozenset({"CREATING", "UPDATING"})
ALL = ("*",)
# Each kind: the operations it can apply to, and the keys it takes beyond op/rate/every/limit.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{kind: (ALL, ()) for kind in CALL_ERRORS},
    "reset": (ALL, ()),
    "timeout": (ALL, ("seconds",)),
    "lost": (ALL, ("seconds", "as")),
    **{kind: (operations, ("name",)) for kind, (operations, _) in FATES.items()},
    "slow": (("CreateGateway", "UpdateGateway", "CreateGatewayTarget", "UpdateGatewayTarget", "SynchronizeGatewayTargets"),
             ("name", "seconds")),
    "iam-propagation": (("CreateGatewayTarget",), ("name", "attempts")),
    "busy-conflict": (GATEWAY_WRITES + TARGET_SUBJECT_WRITES, ("name",)),
}
CALL_FAULTS = frozenset(CALL_ERRORS) | {"reset", "timeout", "lost"}
ATTEMPT = re.compile(r"attempt=(\d+)")  # in botocore's amz-sdk-request header: which try of the request this is


@dataclass
class Rule:
    kind: str
    operations: tuple[str, ...] = ALL
    name: str = "*"
    account: str = "*"
    region: str = "*"
    rate: float | None = None
    every: int | None = None
    limit: int | None = None
    seconds: float | None = None
    lost_as: str = "timeout"
    attempts: int = 2
    tries: int | None = None
    matched: int = 0  # matching calls seen
    fired: int = 0  # faults injected

    def covers(self, operation: str) -> bool:
        own = KINDS[self.kind][0]
        return (own == ALL or operation in own) and any(fnmatchcase(operation, pattern) for pattern in self.operations)

    def applies(self, operation: str, names: Sequence[str] = (), place: tuple[str, str] = ("", "")) -> bool:
        """Whether a call (to resources `names`, in account and region `place`) is one this rule is about."""
        return self.covers(operation) and (self.name == "*" or any(fnmatchcase(name, self.name) for name in names)) \
            and fnmatchcase(place[0], self.account) and fnmatchcase(place[1], self.region)

    def fires(self, rng: random.Random) -> bool:
        """Count a matching call; whether the fault happens to it (every Nth, with probability P, up to a limit)."""
        if self.limit is not None and self.fired >= self.limit:
            return False
        self.matched += 1
        hit = (self.every is None or self.matched % self.every == 0) and (self.rate is None or rng.random() < self.rate)
        self.fired += hit
        return hit


@dataclass
class FaultPlan:
    rules: list[Rule]
    seed: int = 0


def fault_spec(rules: Sequence[str], seed: int | None = None) -> str:
    """The RECONCILER_EMULATOR_FAULTS value for `--fault` rules and a `--fault-seed`."""
    return "; ".join(([f"seed={seed}"] if seed is not None else []) + list(rules))


def parse_faults(spec: str) -> FaultPlan:
    """The rules of a RECONCILER_EMULATOR_FAULTS value; a mistake is one ConfigError line."""
    plan = FaultPlan(rules=[])
    for text in filter(None, (part.strip() for part in spec.split(";"))):
        if text.startswith("seed="):
            plan.seed = _number(text, "seed", text[len("seed="):], int)
        else:
            plan.rules.append(_rule(text))
    return plan


def _rule(text: str) -> Rule:
    kind, _, options = text.partition(":")
    kind = kind.strip()
    if kind not in KINDS:
        raise _problem(text, f"unknown fault '{kind}' (known: {', '.join(KINDS)})")
    rule = Rule(kind)
    allowed = ("op", "rate", "every", "limit", "account", "region") + (("tries",) if kind in CALL_FAULTS else ()) + KINDS[kind][1]
    for item in filter(None, (part.strip() for part in options.split(","))):
        key, _, value = (piece.strip() for piece in item.partition("="))
        if key not in allowed:
            raise _problem(text, f"'{key}' is not a key of {kind} (its keys: {', '.join(allowed)})")
        _set(rule, text, key, value)
    return rule


def _set(rule: Rule, text: str, key: str, value: str) -> None:
    if key == "op":
        rule.operations = tuple(value.split("|"))
    elif key in ("name", "account", "region"):
        setattr(rule, key, value)
    elif key == "as":
        if value not in DROPS:
            raise _problem(text, f"as={value}: expected one of {', '.join(DROPS)}")
        rule.lost_as = value
    elif key == "rate":
        rule.rate = _number(text, key, value, float)
        if not 0 <= rule.rate <= 1:
            raise _problem(text, "rate is a probability between 0 and 1")
    else:
        setattr(rule, key, _number(text, key, value, float if key == "seconds" else int))


def _number(text: str, key: str, value: str, kind: Callable[[str], Any]) -> Any:
    try:
        number = kind(value)
    except ValueError:
        raise _problem(text, f"{key}={value} is not a{'n integer' if kind is int else ' number'}") from None
    if number < 0 or (key in ("every", "attempts", "tries") and number == 0):
        raise _problem(text, f"{key}={value} is out of range")
    return number


def _problem(text: str, message: str) -> ConfigError:
    return ConfigError([(None, f"fault rule '{text}': {message}")])


@lru_cache(maxsize=None)
def error_status(code: str) -> int:
    """The HTTP status the service answers an error code with, from botocore's model."""
    for shape in service_model().error_shapes:
        if shape.name == code:
            return int(shape.metadata["error"]["httpStatusCode"])
    return UNMODELLED_ERROR_STATUS[code]


def error_answer(response: Any, code: str, message: str) -> Answer:
    """An error as the service sends it: the code in the header (rest-json) and in `__type` (JSON 1.1, the tagging API)."""
    headers = {
        **response.response_headers,
        "x-amzn-errortype": code,
        "x-amzn-requestid": str(uuid.uuid4()),
        "content-type": "application/json",
    }
    return error_status(code), headers, json.dumps({"__type": code, "message": message})


def drop(response: Any, how: str, hold: float) -> NoReturn:
    """End the call without an answer: a reset connection, or one held past the client's patience."""
    connection = response.normalized_request.environ.get("werkzeug.socket")
    if connection is None:  # in-process: what botocore's HTTP layer raises for the same
        raise (ReadTimeoutError if how == "timeout" else ConnectionClosedError)(endpoint_url=response.uri)
    if how == "timeout":
        time.sleep(hold)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # closed with RST, not FIN
    connection.shutdown(socket.SHUT_RDWR)  # or werkzeug would wait on it for the client's next request
    raise ConnectionResetError("the emulator dropped this connection (fault injection)")  # werkzeug closes it quietly


def request_attempt(response: Any) -> int:
    """Which try of its request a call is (1 when the client does not say)."""
    found = ATTEMPT.search(response.headers.get("amz-sdk-request") or "")
    return int(found.group(1)) if found else 1


# --- the resources a call writes -------------------------------------------------------------------
def _gateway(response: Any) -> Any:
    return response.backend.gateways.get(response._get_param("gatewayIdentifier") or "")


def _target(response: Any) -> Any:
    gateway = _gateway(response)
    target_id = response._get_param("targetId") or next(iter(response._get_param("targetIdList") or []), None)
    return None if gateway is None else response.backend.gateway_targets.get((gateway.gateway_id, target_id))


def _subject(response: Any, operation: str) -> Any:
    """The gateway or target a write acts on, before it runs (None when it does not exist)."""
    if operation in TARGET_SUBJECT_WRITES:
        return _target(response)
    return _gateway(response) if operation in GATEWAY_WRITES else None


def names(resource: Any) -> list[str]:
    gateway = getattr(resource, "gateway", None)
    return [resource.name] + ([f"{gateway.name}/{resource.name}"] if gateway is not None else [])


def written(backend: Any, answer: Answer) -> list[Any]:
    """The gateways and targets a successful write answered with."""
    status, _, body = answer
    if not 200 <= status < 300 or not body:
        return []
    result = json.loads(body)
    found = []
    for item in result.get("targets") or [result]:
        gateway_id = item.get("gatewayId") or item.get("gatewayArn", "").rpartition("/")[2]
        target_id = item.get("targetId")
        resource = backend.gateway_targets.get((gateway_id, target_id)) if target_id else backend.gateways.get(gateway_id)
        if resource is not None:
            found.append(resource)
    return found


@dataclass(frozen=True)
class Fate:
    status: str
    reasons: tuple[str, ...]


def end_in(resource: Any, fate: Fate) -> None:
    """Make the resource's current transition end in a failed status, its reasons shown once it does."""
    if hasattr(resource, "_discovery"):
        resource._discovery = None  # what its server answers no longer matters
    if resource._until:
        resource._final = fate.status
    else:  # the transition is over already (a zero delay)
        resource.status = fate.status
    if "fault_fate" not in vars(resource):
        _show_reasons(resource)
    resource.fault_fate = fate


def _show_reasons(resource: Any) -> None:
    plain = resource.to_dict

    def to_dict() -> dict[str, Any]:
        result = plain()
        if result.get("status") == resource.fault_fate.status:
            result["statusReasons"] = list(resource.fault_fate.reasons)
        return result

    resource.to_dict = to_dict


def slow_down(resource: Any, seconds: float) -> None:
    if resource._until:
        resource._until = time.monotonic() + seconds


# --- the injector ------------------------------------------------------------------------------------
class Injector:
    """The faults and quotas of one configuration, and what they have counted so far."""

    def __init__(self, faults: str, quotas: str):
        self.key = (faults, quotas)
        self.plan = parse_faults(faults)
        self.quotas = parse_quotas(quotas)
        self.limits = RateLimits(self.quotas)
        self.rng = random.Random(self.plan.seed)
        self.lock = threading.Lock()
        self.target_writes = threading.Lock()
        self.iam_attempts: Counter[tuple[str, ...]] = Counter()

    def handle(self, response: Any, call: Callable[[], Answer]) -> Answer:
        operation = response._get_action()
        if not operation:
            return call()
        STATS.call(operation, response._get_param("name"))
        holds.wait_while_held(operation)
        if self.quotas.latency:
            time.sleep(self.quotas.latency)
        if not self.limits.admit(response.current_account, response.region, operation):
            return self._refuse(response, operation, "throttled", "ThrottlingException", "Rate exceeded")
        attempt = request_attempt(response)
        fault = self._first(response, operation, [rule for rule in self.plan.rules
                                                  if rule.kind in CALL_FAULTS and (rule.tries is None or attempt <= rule.tries)])
        if fault is not None and fault.kind != "lost":
            return self._fail(response, operation, fault)
        answer = self._refusal(response, operation) or self._carry_out(response, operation, call)
        if fault is not None:  # lost: whatever the answer was, the client never gets it
            STATS.record(operation, fault.kind)
            drop(response, fault.lost_as, fault.seconds or DEFAULT_HOLD)
        return answer

    def _first(self, response: Any, operation: str, rules: list[Rule], resource_names: Sequence[str] = ()) -> Rule | None:
        place = (response.current_account, response.region)
        with self.lock:
            return next((r for r in rules if r.applies(operation, resource_names, place) and r.fires(self.rng)), None)

    def _fail(self, response: Any, operation: str, fault: Rule) -> Answer:
        STATS.record(operation, fault.kind)
        if fault.kind in DROPS:
            drop(response, fault.kind, fault.seconds or DEFAULT_HOLD)
        return error_answer(response, *CALL_ERRORS[fault.kind])

    def _refuse(self, response: Any, operation: str, outcome: str, code: str, message: str) -> Answer:
        STATS.record(operation, outcome)
        return error_answer(response, code, message)

    def _refusal(self, response: Any, operation: str) -> Answer | None:
        """IAM still propagating, or a busy resource: the service refuses before doing anything."""
        if operation == "CreateGatewayTarget":
            refusal = self._iam_propagation(response, operation)
            if refusal is not None:
                return refusal
        subject = _subject(response, operation)
        if subject is None or subject.status not in BUSY:
            return None
        if self._first(response, operation, self._rules("busy-conflict"), names(subject)) is None:
            return None
        kind = "Target" if hasattr(subject, "target_id") else "Gateway"
        ident = getattr(subject, "target_id", None) or subject.gateway_id
        return self._refuse(response, operation, "busy-conflict", "ConflictException",
                            f"{kind} {ident} is {subject.status}: another operation is in progress on it")

    def _iam_propagation(self, response: Any, operation: str) -> Answer | None:
        gateway = _gateway(response)
        name = response._get_param("name") or ""
        if gateway is None:
            return None
        target_names = [name, f"{gateway.name}/{name}"]
        place = (response.current_account, response.region)
        rule = next((r for r in self._rules("iam-propagation") if r.applies(operation, target_names, place)), None)
        key = (response.current_account, response.region, gateway.gateway_id, name)
        with self.lock:
            if rule is None or self.iam_attempts[key] >= rule.attempts:
                return None
            self.iam_attempts[key] += 1
        lambda_arn = ((response._get_param("targetConfiguration") or {}).get("mcp", {}).get("lambda") or {}).get("lambdaArn")
        what = f"invoke Lambda function {lambda_arn}" if lambda_arn else f"reach the endpoint of target {name}"
        return self._refuse(response, operation, "iam-propagation", "ValidationException",
                            f"Gateway execution role lacks permission to {what}. Update the permission and retry")

    def _carry_out(self, response: Any, operation: str, call: Callable[[], Answer]) -> Answer:
        limit = self.quotas.target_write_limit
        if operation in TARGET_WRITES and limit:
            with self.target_writes:  # the count and the write are one step, as concurrent callers would see them
                gateway = _gateway(response)
                if gateway is not None:
                    in_flight = targets_in_flight(response.backend.list_gateway_targets_all(gateway.gateway_id), _target(response))
                    if in_flight >= limit:
                        return self._refuse(response, operation, "refused", "ConflictException",
                                            f"Gateway {gateway.gateway_id} has {in_flight} target operations in progress, "
                                            f"at most {limit} at a time: retry when one completes")
                answer = call()
        else:
            answer = call()
        self._follow(response, operation, answer)
        return answer

    def _follow(self, response: Any, operation: str, answer: Answer) -> None:
        """Resource faults: how the resources this write answered with will end."""
        rules = [rule for rule in self._rules(*FATES, "slow") if rule.covers(operation)]
        for resource in written(response.backend, answer) if rules else ():
            for rule in rules:
                if self._first(response, operation, [rule], names(resource)) is None:
                    continue
                STATS.record(operation, rule.kind)
                if rule.kind == "slow":
                    slow_down(resource, rule.seconds or DEFAULT_SLOW)
                else:
                    status = FATES[rule.kind][1]
                    end_in(resource, Fate(status, (f"{resource.name}: {status} (fault injected by the emulator: {rule.kind})",)))

    def _rules(self, *kinds: str) -> list[Rule]:
        return [rule for rule in self.plan.rules if rule.kind in kinds]


_current: Injector | None = None
_current_lock = threading.Lock()


def injector() -> Injector:
    """The injector for the configuration in the environment now (a new one when it changed)."""
    global _current
    key = (os.environ.get(FAULTS_VARIABLE, ""), os.environ.get(QUOTAS_VARIABLE, ""))
    with _current_lock:
        if _current is None or _current.key != key:
            _current = Injector(*key)
            STATS.reset()
        return _current


def reset() -> None:
    """Start over: fault counters, random draws, rate buckets, IAM attempts and call counters."""
    global _current
    with _current_lock:
        _current = None
    STATS.reset()


def install_faults() -> None:
    """Pass every bedrock-agentcore-control and AWS Agent Registry call of the emulator, and the tagging API's, through
    the injector (idempotent).

    Works for `moto.mock_aws` and `reconcile emulator` alike: it wraps the emulator's response
    class, which both dispatch to. With RECONCILER_EMULATOR_FAULTS and RECONCILER_EMULATOR_QUOTAS
    unset it only counts calls.
    """
    install()
    from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse

    from reconciler.emulator.registry_api import AgentRegistryResponse
    from reconciler.emulator.responses import EmulatorResponse

    for responses in (EmulatorResponse, AgentRegistryResponse, ResourceGroupsTaggingAPIResponse):
        _pass_through_injector(responses)


def _pass_through_injector(responses: type) -> None:
    original = responses.call_action  # type: ignore[attr-defined]
    if getattr(original, "injects_faults", False):
        return

    def call_action(self: Any) -> Answer:
        return injector().handle(self, lambda: original(self))

    call_action.injects_faults = True  # type: ignore[attr-defined]
    responses.call_action = call_action  # type: ignore[attr-defined]
