"""Workload identities (AgentCore Identity): an agent's identity in the account's identity directory.

Declared under `workloadIdentities.NAME` with the CreateWorkloadIdentity members (the OAuth2 return URLs an
agent's resources may send a user back to); tagged like the other top-level kinds, so only the registry's own
are updated, reported as drift or deleted.

The service makes identities itself, one for each gateway and agent runtime, named after its id (the
`workloadIdentityDetails` GetGateway answers). They are listed beside the declared ones but carry no
ownership tag, so they are never drift and never deleted; one read without an owner tag is marked as the
service's (`off_limits_reason`), so a declaration under such a name is refused and `reconcile import` leaves it out.

No reference (`NAME:` instead of an ARN) either way: nothing the registry declares takes a workload identity's
ARN (gateways and runtimes get theirs from the service), and an identity's own members are URLs, not ARNs.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Callable

from reconciler.aws import UNAVAILABLE, Api
from reconciler.errors import AwsError
from reconciler.kinds.base import Kind, Live, Ref


class WorkloadIdentityKind(Kind):
    key = "workload-identity"
    noun = "workload identity"
    order = 0
    section = "workloadIdentities"
    create_operation, read_operation = "CreateWorkloadIdentity", "GetWorkloadIdentity"
    update_operation, delete_operation = "UpdateWorkloadIdentity", "DeleteWorkloadIdentity"
    list_operation = "ListWorkloadIdentities"
    id_member = id_param = "name"
    arn_member = "workloadIdentityArn"
    stamp_member = None  # List items carry only the name and ARN: the observed-state cache cannot vouch

    @cached_property
    def arn_resource_pattern(self) -> re.Pattern[str] | None:
        """The model gives the ARN no pattern: the account's one directory (developer guide, "Understanding the
        agent identity directory") and the model's name pattern."""
        return re.compile(f"workload-identity-directory/default/workload-identity/(?:{self.name_shape.metadata['pattern']})")

    def read(self, api: Api, ref: Ref, tags: dict[str, str] | None = None) -> Live:
        """With, for one no registry owns, what the service made it for: asked only then (a List of gateways and
        one of agent runtimes), so that a plan of the registry's own identities costs nothing more."""
        live = super().read(api, ref, tags)
        if live.owner is None:
            live.off_limits_reason = _service_made(api).get(ref.name)
        return live


def _service_made(api: Api) -> dict[str, str]:
    """Identity name -> why it is the service's ("was made by the service for gateway ID"), from the gateways and
    agent runtimes listed; a List these credentials may not call (agent runtimes, where the registry only manages
    gateways) adds none."""
    owners: list[tuple[str, str, Callable[[], list[dict[str, Any]]]]] = [
        ("gateway", "gatewayId", lambda: api.list_all("list_gateways", "items")),
        ("agent runtime", "agentRuntimeId", lambda: api.list_all("list_agent_runtimes", "agentRuntimes")),
    ]
    made: dict[str, str] = {}
    for noun, member, listed in owners:
        try:
            made.update((item[member], f"was made by the service for {noun} {item[member]}") for item in listed())
        except AwsError as error:
            if error.code not in UNAVAILABLE:
                raise
    return made
