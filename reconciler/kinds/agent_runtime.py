"""Agent runtimes (AgentCore Runtime): a hosted agent, declared under `agentRuntimes.NAME`.

A declaration holds the CreateAgentRuntime members (artifact, role, network, protocol, environment...) plus the
UpdateAgentRuntime-only `metadataConfiguration`; tagged like the other top-level kinds. The service versions a
runtime itself: every UpdateAgentRuntime (a PUT of the whole configuration) makes a new immutable version, so a
plan updates only when the declared configuration differs from the latest version's; nothing is declared about
versions here (endpoints pin them, agent_runtime_endpoint.py).

Referenced: a gateway target that routes to a runtime (`targetConfiguration.http.agentcoreRuntime`) may name one
of the registry's runtimes, `runtime: NAME`, instead of its `arn`; so runtimes are created before targets.
"""

from __future__ import annotations

from reconciler.kinds.base import Kind, Reference

FAILED = frozenset({"CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"})


class AgentRuntimeKind(Kind):
    key = "agent-runtime"
    noun = "agent runtime"
    order = 2  # before the gateway targets that route to it
    section = "agentRuntimes"
    reference = Reference("RuntimeTargetConfiguration", "runtime", "arn")
    create_operation, read_operation = "CreateAgentRuntime", "GetAgentRuntime"
    update_operation, delete_operation, list_operation = "UpdateAgentRuntime", "DeleteAgentRuntime", "ListAgentRuntimes"
    name_member = "agentRuntimeName"
    id_member = id_param = "agentRuntimeId"
    arn_member = "agentRuntimeArn"
    stamp_member = "lastUpdatedAt"
    failed_statuses = FAILED  # the reason is in `failureReason`
    # LifecycleConfiguration's member docs give the defaults in prose ("Default: 900 seconds"), which the
    # model reader does not parse.
    default_overrides = {("lifecycleConfiguration", "idleRuntimeSessionTimeout"): 900,
                         ("lifecycleConfiguration", "maxLifetime"): 28800}
