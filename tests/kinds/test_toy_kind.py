"""A new kind is one small class and one registration: no other code changes.

The toy kind is AgentCore Memory (moto implements it), declared under a new
top-level section `memories`. Registered at test time only, it is validated,
planned, applied, drifted, updated and deleted by the unchanged machinery.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from reconciler.aws import Api
from reconciler.drift import CHANGED, EXTRA
from reconciler.errors import ConfigError
from reconciler.kinds import register, unregister
from reconciler.kinds.base import Kind, Ref
from tests.helpers import actions, converge, drift_of, plan_for, registry_from


class MemoryKind(Kind):
    key = "memory"
    noun = "memory"
    order = 8
    section = "memories"
    create_operation, read_operation = "CreateMemory", "GetMemory"
    update_operation, delete_operation, list_operation = "UpdateMemory", "DeleteMemory", "ListMemories"
    response_key = "memory"
    id_member, id_param, arn_member = "id", "memoryId", "arn"
    ready_statuses = frozenset({"ACTIVE"})
    failed_statuses = frozenset({"FAILED"})

    def list(self, api: Api, parent: Ref | None = None) -> list[Ref]:
        """ListMemories carries no names: each summary is read for it."""
        summaries = api.list_all("list_memories", "memories")
        return [self.ref_from(api.call("get_memory", memoryId=s["id"])["memory"], None) for s in summaries]


@pytest.fixture
def memory_kind() -> Iterator[Kind]:
    kind = register(MemoryKind())
    yield kind
    unregister(kind.key)


def registry_text(description: str, memories: bool = True) -> str:
    body = f"memories:\n  notes:\n    eventExpiryDuration: 30\n    description: {description}\n" if memories else ""
    return f"registry: toy\nregion: us-east-1\n{body}"


def test_toy_kind_is_planned_applied_drifted_and_deleted(memory_kind: Kind, api: Api, client: Any, tmp_path: Path) -> None:
    registry = registry_from(tmp_path, registry_text("team notes"))
    assert actions(plan_for(api, registry)) == {"memory/notes": "create"}
    converge(api, registry)
    assert plan_for(api, registry).empty

    memory_id = client.list_memories()["memories"][0]["id"]
    client.update_memory(memoryId=memory_id, description="edited in the console")
    report = drift_of(api, registry)
    assert [(d.address, d.status, [f.dotted for f in d.fields]) for d in report.drifted] == [("memory/notes", CHANGED, ["description"])]

    changed = registry_from(tmp_path, registry_text("team notes v2"))
    plan = plan_for(api, changed)
    assert actions(plan) == {"memory/notes": "update"}
    assert [(f.dotted, f.before, f.after) for f in plan.changes[0].fields] == [("description", "edited in the console", "team notes v2")]
    converge(api, changed)

    removed = registry_from(tmp_path, registry_text("", memories=False))
    assert [(d.address, d.status) for d in drift_of(api, removed).drifted] == [("memory/notes", EXTRA)]
    converge(api, removed)
    assert client.list_memories()["memories"] == []


def test_toy_kind_declarations_are_validated_from_the_model(memory_kind: Kind, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing required member 'eventExpiryDuration'"):
        registry_from(tmp_path, "registry: toy\nmemories:\n  notes: {description: x}\n")


def test_without_the_registration_the_section_is_unknown(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown member 'memories'"):
        registry_from(tmp_path, registry_text("team notes"))
