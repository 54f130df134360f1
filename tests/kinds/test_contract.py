"""The kind contract, checked over every registered kind against botocore's model (cloud-custodian's metadata test):
what a kind declares by hand must name real operations and members, or the rest of the code silently misbehaves
(a wrong stamp member turns the observed-state cache off; a wrong id parameter fails every read)."""

from __future__ import annotations

import pytest
from botocore.model import Shape

from reconciler.aws_model import input_shape, output_shape, service_model
from reconciler.kinds import KINDS, ordered, register
from reconciler.kinds.base import Kind

ALL = [pytest.param(kind, id=kind.key) for kind in ordered()]
VERBS = ("create", "read", "update", "delete", "list", "batch")


def operations(kind: Kind) -> list[str]:
    return [op for verb in VERBS if (op := getattr(kind, f"{verb}_operation", None))]


@pytest.mark.parametrize("kind", ALL)
def test_its_operations_exist_in_its_service(kind: Kind) -> None:
    names = set(service_model(kind.service).operation_names)
    assert set(operations(kind)) <= names, sorted(set(operations(kind)) - names)


@pytest.mark.parametrize("kind", ALL)
def test_it_is_read_by_the_ids_the_model_takes(kind: Kind) -> None:
    read = input_shape(kind.read_operation, kind.service).members
    assert kind.singleton or kind.id_param in read
    assert kind.parent_param is None or kind.parent_param in read
    assert kind.arn_member is None or kind.arn_member in kind.read_shape.members


@pytest.mark.parametrize("kind", [k for k in ALL if getattr(k.values[0], "list_operation", None)])
def test_its_list_items_carry_its_name_id_and_stamp(kind: Kind) -> None:
    """The stamp is what the observed-state cache keys on: a List item without it would re-read everything."""
    listed = output_shape(kind.list_operation, kind.service).members[kind.list_key]
    item = listed.member.members
    assert kind.name_member in item and kind.id_member in item
    # A kind whose List items carry no stamp says so (stamp_member None): a wrong name would silently do the same.
    assert kind.stamp_member is None or kind.stamp_member in item, f"{kind.key}: no {kind.stamp_member} in its List items"
    assert kind.stamp_member is not None or not {"updatedAt", "lastUpdatedTime", "lastUpdatedAt"} & set(item), (
        f"{kind.key}: its List items carry a stamp: name it in stamp_member")


@pytest.mark.parametrize("kind", [k for k in ALL if k.values[0].reference is not None])
def test_a_referenced_kind_is_created_before_every_kind_that_references_it(kind: Kind) -> None:
    assert kind.reference is not None
    users = [k for k in KINDS.values() if k is not kind and _holds(k.declared_members, kind.reference.shape, set())]
    assert users, f"{kind.key}: nothing declares {kind.reference.shape}"
    assert all(user.order > kind.order for user in users), [u.key for u in users if u.order <= kind.order]
    assert kind.reference.arn_member in service_model(kind.service).shape_for(kind.reference.shape).members


@pytest.mark.parametrize("kind", ALL)
def test_tags_and_references_are_derived_not_declared(kind: Kind) -> None:
    assert kind.taggable == (kind.parent is None or kind.tagged_child)
    assert kind.referenced == (kind.reference is not None)
    assert not kind.taggable or "TagResource" in service_model(kind.service).operation_names


def test_a_key_is_registered_once() -> None:
    with pytest.raises(ValueError, match="^gateway: a kind with this key is registered already"):
        register(type(KINDS["gateway"])())


def _holds(members: dict[str, Shape], shape: str, seen: set[str]) -> bool:
    """Whether a member below `members` has the shape named `shape`."""
    for member in members.values():
        inner = member.member if member.type_name == "list" else member
        if inner.name == shape:
            return True
        if inner.type_name == "structure" and inner.name not in seen:
            seen.add(inner.name)
            if _holds(dict(inner.members), shape, seen):
                return True
    return False


def test_the_readme_kinds_table_is_written_from_the_kinds() -> None:
    from reconciler.kinds.table import kinds_table, readme_table
    from tests.conftest import ROOT

    assert readme_table((ROOT / "README.md").read_text()) == kinds_table(), (
        "README.md's kinds table is stale: replace it with `python -m reconciler.kinds.table`")
