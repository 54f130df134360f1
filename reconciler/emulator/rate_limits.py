"""Gateway rate limits, as the service behaves (botocore model and its docs; inferences marked).

- Children of a gateway, identified by `rateLimitId`: the customer's, or generated (a UUID, inferred).
  A second rate limit with the same id is a ConflictException.
- "No two rate limits can share the same dimension keys" (model): a ConflictException (the keys are
  compared as a set, inferred). A gateway holds at most 50 rate limits (Terraform's resource docs).
- Each entry's `dimensions` names exactly the rate limit's dimensionKeys ("Keys must match the parent
  rate limit's dimension keys"), and `*` is allowed "only in trailing positions based on the dimension
  keys ordering" (model). Inferred: an entry sets requests, tokens or connections, and no two entries
  share the same dimension values. Any of these is a ValidationException.
- UpdateGatewayRateLimit changes `entries` (required) and `description` (kept when left out, cleared
  when empty: inferred); dimension keys are immutable.
- BatchPutGatewayRateLimits upserts atomically ("updates existing limits with matching keys and
  creates new limits for new keys ... If the operation fails, the service applies no changes"):
  an item matches an existing rate limit by rateLimitId, else by dimension keys; every item is checked
  before anything changes. It answers all of the gateway's rate limits afterwards (inferred from
  "the resulting set of rate limits"). Rate limits it does not name are kept, as the operation's
  documentation says (the member documentation's "replaces all existing rate limits" contradicts it).
- CREATING -> ACTIVE, UPDATING -> ACTIVE, DELETING -> gone.
- One rule or rate-limit change at a time per gateway (see rules.py): a write while another is in a
  transient status is a ConflictException.
"""

from __future__ import annotations

from typing import Any

from moto.bedrockagentcorecontrol.exceptions import ConflictException
from moto.core.common_models import BaseModel
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random
from moto.utilities.paginator import paginate

from reconciler.emulator.base import (
    ACTIVE, UNCHANGED, ChildTable, GatewayHooks, ServiceQuotaExceededException, Timed, ValidationException, begin_deletion,
    pagination, present,
)
from reconciler.emulator.validation import ValidatedRequest

RATE_LIMITS_PER_GATEWAY = 50
WILDCARD = "*"
RATES = ("requests", "tokens", "connections")
PAGINATION_MODEL = pagination(list_gateway_rate_limits="rate_limit_id")


class RateLimit(Timed, BaseModel):
    def __init__(self, gateway_id: str, rate_limit_id: str | None, dimension_keys: list[str], entries: list[dict[str, Any]],
                 description: str | None):
        self.gateway_id = gateway_id
        self.rate_limit_id = rate_limit_id or str(mock_random.uuid4())
        self.dimension_keys = list(dimension_keys)
        self.entries = entries
        self.description = description
        self.created_at = self.updated_at = utcnow()
        self.begin("CREATING", ACTIVE)

    def change(self, entries: list[dict[str, Any]], description: Any) -> None:
        self.entries = entries
        self.description = self.description if description is UNCHANGED else description or None
        self.updated_at = utcnow()
        self.begin("UPDATING", ACTIVE)

    def describe(self) -> dict[str, Any]:
        return present({
            "rateLimitId": self.rate_limit_id, "gatewayIdentifier": self.gateway_id, "description": self.description,
            "dimensionKeys": self.dimension_keys, "entries": self.entries, "status": self.status,
            "createdAt": self.created_at, "updatedAt": self.updated_at,
        })


def entry_problems(dimension_keys: list[str], entries: list[dict[str, Any]], where: str = "") -> list[str]:
    """Why these entries do not fit a rate limit with these dimension keys."""
    problems = [f"{where}dimensionKeys repeats a key"] if len(set(dimension_keys)) != len(dimension_keys) else []
    seen: dict[tuple[str, ...], int] = {}
    for index, entry in enumerate(entries, start=1):
        at = f"{where}entries.{index}"
        dimensions = entry.get("dimensions") or {}
        if set(dimensions) != set(dimension_keys):
            problems.append(f"{at}.dimensions must name exactly the dimension keys {dimension_keys}, not {sorted(dimensions)}")
            continue
        values = tuple(str(dimensions[key]) for key in dimension_keys)
        if not wildcards_trail(values):
            problems.append(f"{at}.dimensions may use {WILDCARD} only in trailing positions of the dimension keys' order")
        if not any(entry.get(rate) for rate in RATES):
            problems.append(f"{at} must set one of {', '.join(RATES)}")
        if values in seen:
            problems.append(f"{at} has the same dimensions as entries.{seen[values]}")
        seen.setdefault(values, index)
    return problems


def wildcards_trail(values: tuple[str, ...]) -> bool:
    """`*` may be followed only by `*`: (a, *, *) yes, (*, b) no."""
    first = values.index(WILDCARD) if WILDCARD in values else len(values)
    return all(value == WILDCARD for value in values[first:])


def refuse(problems: list[str]) -> None:
    if problems:
        raise ValidationException("; ".join(problems))


class RateLimitBackend(GatewayHooks):
    """Backend mixin: the rate limits of each gateway."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)  # type: ignore[call-arg]
        self.rate_limits: ChildTable[RateLimit] = ChildTable()

    def gateway_rate_limits(self, gateway_identifier: str) -> dict[str, RateLimit]:
        return self.rate_limits.of(self._get_gateway(gateway_identifier).gateway_id)  # type: ignore[attr-defined]

    def get_gateway_rate_limit(self, gateway_identifier: str, rate_limit_id: str) -> RateLimit:
        return self.rate_limits.get(self._get_gateway(gateway_identifier).gateway_id, rate_limit_id, "Rate limit")  # type: ignore[attr-defined]

    def create_gateway_rate_limit(self, gateway_identifier: str, rate_limit_id: str | None, dimension_keys: list[str],
                                  entries: list[dict[str, Any]], description: str | None) -> RateLimit:
        self._refuse_while_configuring(gateway_identifier)
        existing = self.gateway_rate_limits(gateway_identifier)
        self._check_new(existing, rate_limit_id, dimension_keys, entries, creations=1)
        return self._add(gateway_identifier, rate_limit_id, dimension_keys, entries, description)

    def update_gateway_rate_limit(self, gateway_identifier: str, rate_limit_id: str, entries: list[dict[str, Any]],
                                  description: Any) -> RateLimit:
        limit = self.get_gateway_rate_limit(gateway_identifier, rate_limit_id)
        self._refuse_while_configuring(gateway_identifier)
        refuse(entry_problems(limit.dimension_keys, entries))
        limit.change(entries, description)
        return limit

    def delete_gateway_rate_limit(self, gateway_identifier: str, rate_limit_id: str) -> RateLimit:
        limit = self.get_gateway_rate_limit(gateway_identifier, rate_limit_id)
        self._refuse_while_configuring(gateway_identifier)
        begin_deletion(limit, f"Rate limit {rate_limit_id}")
        return limit

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_gateway_rate_limits(self, gateway_identifier: str) -> list[RateLimit]:
        return list(self.gateway_rate_limits(gateway_identifier).values())

    def batch_put_gateway_rate_limits(self, gateway_identifier: str, items: list[dict[str, Any]]) -> list[RateLimit]:
        """All or nothing: every item is matched and checked before any rate limit changes."""
        self._refuse_while_configuring(gateway_identifier)
        existing = self.gateway_rate_limits(gateway_identifier)
        matched = [self._match(existing, item, f"rateLimits.{index}.") for index, item in enumerate(items, start=1)]
        keys = [frozenset(item["dimensionKeys"]) for item in items]
        ids = [item.get("rateLimitId") or (limit.rate_limit_id if limit else None) for item, limit in zip(items, matched)]
        if len(set(keys)) != len(keys) or len([i for i in ids if i]) != len({i for i in ids if i}):
            raise ValidationException("rateLimits names the same rate limit (rateLimitId or dimensionKeys) more than once")
        new = [(item, ids[i]) for i, (item, limit) in enumerate(zip(items, matched)) if limit is None]
        for item, rate_limit_id in new:
            self._check_new(existing, rate_limit_id, item["dimensionKeys"], item["entries"], creations=len(new))
        for item, limit in zip(items, matched):
            if limit is not None:
                limit.change(item["entries"], item.get("description", UNCHANGED))
        for item, rate_limit_id in new:
            self._add(gateway_identifier, rate_limit_id, item["dimensionKeys"], item["entries"], item.get("description"))
        return list(self.gateway_rate_limits(gateway_identifier).values())

    def _match(self, existing: dict[str, RateLimit], item: dict[str, Any], where: str) -> RateLimit | None:
        """The existing rate limit an upsert item updates (by id, else by dimension keys), checked; None for a new one."""
        keys = item["dimensionKeys"]
        if item.get("rateLimitId"):
            limit = existing.get(item["rateLimitId"])
        else:
            limit = next((candidate for candidate in existing.values() if set(candidate.dimension_keys) == set(keys)), None)
        if limit is None:
            return None
        if limit.dimension_keys != list(keys):
            raise ValidationException(f"{where}dimensionKeys of rate limit {limit.rate_limit_id} cannot change")
        refuse(entry_problems(keys, item["entries"], where))
        return limit

    def _check_new(self, existing: dict[str, RateLimit], rate_limit_id: str | None, dimension_keys: list[str],
                   entries: list[dict[str, Any]], creations: int) -> None:
        refuse(entry_problems(dimension_keys, entries))
        if rate_limit_id in existing:
            raise ConflictException(f"A rate limit {rate_limit_id} already exists in this gateway")
        same = next((limit for limit in existing.values() if set(limit.dimension_keys) == set(dimension_keys)), None)
        if same is not None:
            raise ConflictException(f"Rate limit {same.rate_limit_id} already has the dimension keys {same.dimension_keys}")
        if len(existing) + creations > RATE_LIMITS_PER_GATEWAY:
            raise ServiceQuotaExceededException(f"A gateway has at most {RATE_LIMITS_PER_GATEWAY} rate limits")

    def _add(self, gateway_identifier: str, rate_limit_id: str | None, dimension_keys: list[str], entries: list[dict[str, Any]],
             description: str | None) -> RateLimit:
        gateway_id = self._get_gateway(gateway_identifier).gateway_id  # type: ignore[attr-defined]
        limit = RateLimit(gateway_id, rate_limit_id, dimension_keys, entries, description)
        return self.rate_limits.add(gateway_id, limit.rate_limit_id, limit)

    def _refuse_while_configuring(self, gateway_identifier: str) -> None:
        self.refuse_while_configuring(self._get_gateway(gateway_identifier).gateway_id)  # type: ignore[attr-defined]

    def configuration_changes(self, gateway_id: str) -> list[Timed]:
        return [limit for limit in self.rate_limits.of(gateway_id).values() if limit.busy] + super().configuration_changes(gateway_id)

    def forget_gateway(self, gateway: Any) -> None:
        self.rate_limits.forget(gateway.gateway_id)
        super().forget_gateway(gateway)


class RateLimitResponse(ValidatedRequest):
    """Response mixin: the HTTP handlers of the rate-limit operations."""

    backend: Any

    def create_gateway_rate_limit(self) -> ActionResult:
        return self._described(self.backend.create_gateway_rate_limit, "gatewayIdentifier", "rateLimitId", "dimensionKeys", "entries",
                               "description")

    def get_gateway_rate_limit(self) -> ActionResult:
        return self._described(self.backend.get_gateway_rate_limit, "gatewayIdentifier", "rateLimitId")

    def update_gateway_rate_limit(self) -> ActionResult:
        params = self._request()
        limit = self.backend.update_gateway_rate_limit(params["gatewayIdentifier"], params["rateLimitId"], params["entries"],
                                                       params.get("description", UNCHANGED))
        return ActionResult(limit.describe())

    def delete_gateway_rate_limit(self) -> ActionResult:
        return self._described(self.backend.delete_gateway_rate_limit, "gatewayIdentifier", "rateLimitId")

    def list_gateway_rate_limits(self) -> ActionResult:
        return self._listed(self.backend.list_gateway_rate_limits, "rateLimits", "gatewayIdentifier")

    def batch_put_gateway_rate_limits(self) -> ActionResult:
        params = self._request()
        limits = self.backend.batch_put_gateway_rate_limits(params["gatewayIdentifier"], params["rateLimits"])
        return ActionResult({"rateLimits": [limit.describe() for limit in limits]})
