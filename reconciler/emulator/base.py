"""What every emulated resource shares: the errors, ids, timed statuses, small pages and request members.

Kept apart from models.py so that each concern of the emulator (policies,
gateway rules, rate limits, ...) can be its own module with a backend mixin
and a response mixin, and models.py / responses.py only register them.
"""

from __future__ import annotations

import inspect
import os
import time
from typing import Any, Generic, Iterable, Mapping, TypeVar

from moto.bedrockagentcorecontrol.exceptions import BedrockAgentCoreControlClientError, ConflictException, ResourceNotFoundException
from moto.core.utils import camelcase_to_underscores
from moto.moto_api._internal import mock_random

from reconciler.aws_model import documented_defaults, input_shape, with_defaults
from reconciler.emulator import holds

DELAY_VARIABLE = "RECONCILER_EMULATOR_DELAY"
PAGE_SIZE = 10  # small on purpose: clients must follow nextToken
GONE = "GONE"  # the final status of a deletion: the resource's table forgets it
ACTIVE = "ACTIVE"  # the ready status of policy engines, policies, rate limits and rules
UNCHANGED: Any = object()  # an update that leaves a member as it is
REQUEST_ONLY = frozenset({"clientToken", "tags"})  # request members that are never a resource's own attribute


class ValidationException(BedrockAgentCoreControlClientError):
    code = "ValidationException"


class ServiceQuotaExceededException(BedrockAgentCoreControlClientError):
    code = "ServiceQuotaExceededException"


def transition_delay() -> float:
    """Seconds a resource stays CREATING/UPDATING/SYNCHRONIZING/DELETING (real ones take 20 s to minutes)."""
    return float(os.environ.get(DELAY_VARIABLE, "1.0"))


def random_id(alphabet: str, length: int = 10) -> str:
    return "".join(mock_random.choice(alphabet) for _ in range(length))


class Timed:
    """A status that moves from a transient value to its final one after `transition_delay()` (or once released, when
    a hold of reconciler.emulator.holds keeps it)."""

    _current: str = "READY"
    _final: str = "READY"
    _until: float = 0.0

    def begin(self, transient: str, final: str = "READY") -> None:
        self._current, self._final, self._until = transient, final, time.monotonic() + transition_delay()

    @property
    def status(self) -> str:
        if self._until and time.monotonic() >= self._until and not holds.keeps(self):
            self._current, self._until = self._final, 0.0
        return self._current

    @status.setter
    def status(self, value: str) -> None:
        self._current, self._until = value, 0.0

    @property
    def busy(self) -> bool:
        """CREATING, UPDATING, DELETING...: a change is still being applied."""
        return self.status.endswith("ING")


def refuse_while_busy(resource: Timed, what: str) -> None:
    """Updates wait for the previous change: the service answers a ConflictException meanwhile (inferred)."""
    if resource.busy:
        raise ConflictException(f"{what} is {resource.status}; wait until the change completes")


def begin_deletion(resource: Timed, what: str) -> None:
    """DELETING, then gone; a second deletion meanwhile is a ConflictException (inferred)."""
    if resource.status == "DELETING":
        raise ConflictException(f"{what} is already being deleted")
    resource.begin("DELETING", GONE)


def present(result: dict[str, Any]) -> dict[str, Any]:
    """A response without its absent (None) members."""
    return {key: value for key, value in result.items() if value is not None}


Found = TypeVar("Found")


def existing(table: Mapping[Any, Found], key: Any, missing: str) -> Found:
    """The resource at `key`, or the service's ResourceNotFoundException saying `missing`."""
    found = table.get(key)
    if found is None:
        raise ResourceNotFoundException(missing)
    return found


def purge_gone(table: dict[Any, Timed]) -> None:
    """Forget the resources whose deletion has finished."""
    for key in [key for key, item in list(table.items()) if item.status == GONE]:
        table.pop(key, None)


Child = TypeVar("Child", bound=Timed)


class ChildTable(Generic[Child]):
    """Resources that belong to a gateway, by (gateway id, their own id); a deleted one is forgotten once gone."""

    def __init__(self) -> None:
        self.table: dict[tuple[str, str], Child] = {}

    def of(self, gateway_id: str) -> dict[str, Child]:
        purge_gone(self.table)  # type: ignore[arg-type]
        return {own_id: child for (parent, own_id), child in self.table.items() if parent == gateway_id}

    def get(self, gateway_id: str, own_id: str, what: str) -> Child:
        child = existing(self.of(gateway_id), own_id, f"Could not find {what} {own_id} for Gateway {gateway_id}")
        return child

    def add(self, gateway_id: str, own_id: str, child: Child) -> Child:
        self.table[(gateway_id, own_id)] = child
        return child

    def forget(self, gateway_id: str) -> None:
        for key in [key for key in self.table if key[0] == gateway_id]:
            del self.table[key]


def pagination(**unique_attributes: str) -> dict[str, dict[str, Any]]:
    """moto's pagination model for backend list methods, each keyed by the attribute that identifies an item."""
    return {
        method: {"input_token": "next_token", "limit_key": "max_results", "limit_default": PAGE_SIZE, "unique_attribute": key}
        for method, key in unique_attributes.items()
    }


def request_members(operation: str, params: dict[str, Any], exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The request members of `operation` (botocore's model) as snake_case keyword arguments; absent ones are None."""
    skipped = REQUEST_ONLY | set(exclude)
    return {camelcase_to_underscores(name): params.get(name) for name in input_shape(operation).members if name not in skipped}


def with_service_defaults(result: dict[str, Any], operation: str, skip: Iterable[str] = (), **undocumented: Any) -> dict[str, Any]:
    """A Get answer with the defaults the service fills in for members the create left out: those the model's docs
    state for `operation`'s request members (less the `skip`ped member names), and `undocumented` ones
    ("a.b.c"=value) the service fills in although the docs name no default."""
    table = {path: value for path, value in documented_defaults(input_shape(operation).members).items() if path[-1] not in skip}
    table.update({tuple(path.split(".")): value for path, value in undocumented.items()})
    return with_defaults(result, table)


def split_arguments(function: Any, arguments: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The arguments `function` accepts, and the rest (members moto's models do not know yet)."""
    accepted = inspect.signature(function).parameters
    known = {k: v for k, v in arguments.items() if k in accepted}
    return known, {k: v for k, v in arguments.items() if k not in accepted}


class GatewayHooks:
    """Backend hooks that several concerns extend cooperatively (each calls super())."""

    def forget_gateway(self, gateway: Any) -> None:
        """Called when a gateway is deleted: drop what belongs to it."""

    def configuration_changes(self, gateway_id: str) -> list[Timed]:
        """The gateway's rules and rate limits whose last change is still being applied (each concern adds its own)."""
        return []

    def refuse_while_configuring(self, gateway_id: str) -> None:
        """One rule or rate-limit change at a time per gateway: the service locks the gateway's configuration and
        refuses another write meanwhile with a ConflictException whose message does not say "in progress"
        (Terraform serialises these writes per gateway and retries every ConflictException on them)."""
        if self.configuration_changes(gateway_id):
            raise ConflictException(f"Gateway {gateway_id} is locked by a concurrent modification of its rules or rate limits; "
                                    "retry the request")
