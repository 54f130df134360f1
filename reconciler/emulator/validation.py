"""Requests checked as the service checks them before any work, and a walker over values by model shape.

The constraints (patterns, maximums, enums, required members) come from
botocore's model through reconciler.emulator.constraints; a request that breaks
one is answered with the service's ValidationException wording.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from botocore.model import Shape

from moto.core.responses import ActionResult

from reconciler.aws_model import input_shape
from reconciler.emulator.base import ValidationException
from reconciler.emulator.constraints import validation_message, violations


class ValidatedRequest:
    """Response mixin: the request's members (URI and body), checked against the operation's constraints."""

    params: dict[str, Any]

    def _request(self) -> dict[str, Any]:
        problems = violations(input_shape(self._get_action()), self.params)  # type: ignore[attr-defined]
        if problems:
            raise ValidationException(validation_message(problems))
        return dict(self.params)

    def _described(self, action: Callable[..., Any], *members: str) -> ActionResult:
        """`action` called with these request members; the resource it returns, described."""
        params = self._request()
        return ActionResult(action(*(params.get(member) for member in members)).describe())

    def _listed(self, action: Callable[..., Any], key: str, *members: str) -> ActionResult:
        """One page of what `action` lists (called with these request members), described under `key`."""
        params = self._request()
        items, token = action(*(params.get(member) for member in members), max_results=params.get("maxResults"),
                              next_token=params.get("nextToken"))
        return ActionResult({key: [item.describe() for item in items], "nextToken": token})


def values_of(value: Any, shape: Shape, shape_name: str) -> Iterator[Any]:
    """Every value in `value` whose model shape is `shape_name` (e.g. each TargetName a rule's actions mention)."""
    if shape.name == shape_name:
        yield value
    elif shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if value.get(name) is not None:
                yield from values_of(value[name], member, shape_name)
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            yield from values_of(item, shape.member, shape_name)
    elif shape.type_name == "map" and isinstance(value, dict):
        for item in value.values():
            yield from values_of(item, shape.value, shape_name)
