"""STS AssumeRole as IAM decides it, for roles the emulator's IAM knows.

moto hands out credentials for any role ARN and makes them act in the role's
account (its access keys map to that account), which is what lets one
emulator hold several accounts: each account+region has its own backends,
so its own resources, tags, quotas and faults. It never checks the role, though.
AWS does: the role's trust policy must allow `sts:AssumeRole`, and a
`StringEquals` condition on `sts:ExternalId` must match the request's
ExternalId, else AccessDenied. The emulator checks the same for a role created
in its IAM (CreateRole in that account, e.g. with credentials of a first
AssumeRole into it); a role its IAM does not know stays assumable, so tests
need no IAM set-up. Principals are not checked.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from moto.core.exceptions import ServiceException
from moto.iam.models import iam_backends
from moto.sts.models import STSBackend

ROLE_ARN = re.compile(r"^arn:([^:]+):iam::(\d{12}):role/")
ACTIONS = frozenset({"sts:AssumeRole", "sts:*", "*"})


class AccessDenied(ServiceException):
    code = "AccessDenied"


def trusted(policy_document: str, external_id: str | None) -> bool:
    """Whether a trust policy lets this request assume the role (its Allow statements for sts:AssumeRole)."""
    try:
        policy = json.loads(unquote(policy_document))
    except ValueError:
        return False
    statements = policy.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        actions = statement.get("Action", [])
        actions = {actions} if isinstance(actions, str) else set(actions)
        if statement.get("Effect") == "Allow" and actions & ACTIONS and _conditions_met(statement.get("Condition", {}), external_id):
            return True
    return False


def _conditions_met(conditions: dict[str, Any], external_id: str | None) -> bool:
    wanted = (conditions.get("StringEquals") or {}).get("sts:ExternalId")
    if wanted is None:
        return True
    return external_id in ([wanted] if isinstance(wanted, str) else wanted)


def install_trust_checks() -> None:
    """Wrap moto's AssumeRole (idempotent)."""
    original = STSBackend.assume_role
    if getattr(original, "checks_trust", False):
        return

    def assume_role(self: STSBackend, region_name: str, role_session_name: str, role_arn: str, policy: str, duration: int,
                    external_id: str) -> Any:
        role = _known_role(role_arn)
        if role is not None and not trusted(role.assume_role_policy_document, external_id):
            raise AccessDenied(f"User: {self.account_id} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        return original(self, region_name, role_session_name, role_arn, policy, duration, external_id)

    assume_role.checks_trust = True  # type: ignore[attr-defined]
    STSBackend.assume_role = assume_role  # type: ignore[method-assign]


def _known_role(role_arn: str) -> Any:
    match = ROLE_ARN.match(role_arn or "")
    if match is None:
        return None
    backend = iam_backends[match.group(2)][match.group(1)]
    return next((role for role in backend.roles.values() if role.arn == role_arn), None)
