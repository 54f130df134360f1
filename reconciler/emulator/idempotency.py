"""clientToken idempotency for every Create* and BatchPut* operation that takes one.

botocore's model marks each operation's idempotency token member (`idempotencyToken`, filled by the
SDK when the caller gives none). The API reference: "If you retry a request with the same client
token, the service returns the same response without creating a duplicate". So the first successful
response is remembered per account, region, operation and token, and replayed as it was. The same
token with other parameters is refused with a ConflictException (HTTP 409) on bedrock-agentcore-control:
the AWS convention for a reused token, inferred, since these operations document no
IdempotentParameterMismatch error and all list ConflictException; a service whose model words it
otherwise overrides `token_reused` (AWS Agent Registry: ValidationException, reason
IdempotentParameterMismatchException). A failed request is not remembered: retrying it runs it again.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import botocore.session
from moto.bedrockagentcorecontrol.exceptions import ConflictException
from moto.core.responses import ActionResult

from reconciler.aws_model import SERVICE

IDEMPOTENT_VERBS = ("Create", "BatchPut")
Response = tuple[Any, dict[str, Any], Any]


@lru_cache(maxsize=None)
def token_member(operation: str, service: str = SERVICE) -> str | None:
    """The idempotency token member of a Create*/BatchPut* operation, per botocore's model of `service`."""
    model = botocore.session.get_session().get_service_model(service)
    if not operation.startswith(IDEMPOTENT_VERBS) or operation not in model.operation_names:
        return None
    members = model.operation_model(operation).input_shape.members
    return next((name for name, member in members.items() if member.metadata.get("idempotencyToken")), None)


class IdempotentBackend:
    """Backend mixin: the responses remembered by (operation, clientToken)."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)  # type: ignore[call-arg]
        self.client_tokens: dict[tuple[str, str], tuple[str, Response]] = {}


class IdempotentResponse:
    """Response mixin: replays the first response to a repeated request with the same clientToken."""

    backend: Any
    params: dict[str, Any]
    service_name: str

    def token_reused(self, token: str, operation: str) -> Exception:
        """The refusal of a token already used for a request with other parameters."""
        return ConflictException(f"The client token {token} was already used for a request with other parameters ({operation})")

    def call_action(self) -> Response:
        operation = self._get_action()  # type: ignore[attr-defined]
        member = token_member(operation, self.service_name) if operation else None
        token = self.params.get(member) if member else None
        if not token:
            return super().call_action()  # type: ignore[misc]
        request = json.dumps({k: v for k, v in self.params.items() if k != member}, sort_keys=True, default=str)
        remembered = self.backend.client_tokens.get((operation, token))
        if remembered is not None:
            first_request, (status, headers, body) = remembered
            if first_request != request:
                return self.serialized(ActionResult(self.token_reused(token, operation)))  # type: ignore[attr-defined]
            return status, dict(headers), body
        status, headers, body = super().call_action()  # type: ignore[misc]
        if 200 <= int(status) < 300:
            self.backend.client_tokens[(operation, token)] = (request, (status, dict(headers), body))
        return status, headers, body
