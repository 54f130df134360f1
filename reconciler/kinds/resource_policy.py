"""A gateway's resource-based policy (Put/Get/DeleteResourcePolicy by the gateway's ARN).

Declared as a YAML mapping, sent as JSON and compared as parsed JSON, so key
order and whitespace never show as a change. One per gateway: its address is
`gateway/NAME/resource-policy`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from reconciler.aws import Api
from reconciler.errors import AwsError
from reconciler.kinds.base import NOT_FOUND, Kind, Ref

if TYPE_CHECKING:
    from reconciler.desired import Desired

POLICY = "policy"


class ResourcePolicyKind(Kind):
    key = "resource-policy"
    noun = "resource policy"
    order = 7
    parent = "gateway"
    section = "resourcePolicy"
    singleton = True
    opt_in = True
    body_prefix = (POLICY,)
    spec_schema = {"type": "object", "minProperties": 1,
                   "description": "Reconciler: the gateway's resource-based policy document, sent as JSON and compared as JSON."}
    create_operation = update_operation = "PutResourcePolicy"
    read_operation, delete_operation = "GetResourcePolicy", "DeleteResourcePolicy"
    name_member = id_param = "resourceArn"

    def body_from(self, spec: Any, children: frozenset[str]) -> dict[str, Any]:
        return {POLICY: spec}

    def comparable(self, body: dict[str, Any]) -> dict[str, Any]:
        """The document is compared as parsed JSON, as it is: an empty list in a policy is not an absent member."""
        return {POLICY: body.get(POLICY)}

    def normalize(self, raw: dict[str, Any]) -> dict[str, Any]:
        try:
            document = json.loads(raw.get(POLICY) or "{}")
        except ValueError:
            document = raw.get(POLICY)  # not JSON: shown as it is, so the plan replaces it
        return self.comparable({POLICY: document})

    def list(self, api: Api, parent: Ref | None = None) -> list[Ref]:
        """At most one: the parent gateway's policy, if it has one."""
        assert parent is not None and parent.arn, "a resource policy is read by its gateway's ARN"
        ref = Ref(self.key, self.key, parent.arn, self.address(self.key, parent.address), parent=parent)
        try:
            ref.summary = self.describe(api, ref)
        except AwsError as error:
            if error.code == NOT_FOUND:
                return []
            raise
        return [ref]

    def create(self, api: Api, desired: Desired, body: dict[str, Any], tags: dict[str, str], parent: Ref | None) -> Ref:
        assert parent is not None and parent.arn
        ref = Ref(self.key, self.key, parent.arn, self.address(self.key, parent.address), parent=parent)
        self.update(api, ref, body)
        return ref

    def update(self, api: Api, ref: Ref, body: dict[str, Any]) -> None:
        api.call("put_resource_policy", resourceArn=ref.ident, policy=json.dumps(body[POLICY], sort_keys=True))

    def _key(self, ref: Ref) -> dict[str, str]:
        return {self.id_param: ref.ident}
