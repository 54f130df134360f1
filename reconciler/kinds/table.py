"""The README's table of kinds, written from the registered kinds (a test keeps the README's copy current)."""

from __future__ import annotations

from reconciler.aws_model import SERVICE
from reconciler.kinds import KINDS, ordered
from reconciler.kinds.base import Kind

HEADER = ["kind", "address", "declared at", "belongs to", "identified by", "API"]
VERBS = ("create", "read", "update", "delete", "list")


def kinds_table() -> str:
    rows = [HEADER, ["---"] * len(HEADER)] + [_row(kind) for kind in ordered()]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in rows) + "\n"


def _row(kind: Kind) -> list[str]:
    noun = f"{kind.noun} ({kind.variant})" if kind.variant else kind.noun
    return [noun, f"`{_address(kind)}`", _declared_at(kind), _belongs_to(kind), _identity(kind), _api(kind)]


def _address(kind: Kind) -> str:
    parent = KINDS[kind.parent].address("NAME") if kind.parent else None
    return kind.address(_placeholder(kind), parent)


def _declared_at(kind: Kind) -> str:
    if kind.derived:
        return f"derived: {kind.derived_from}"
    own = kind.section if kind.singleton else f"{kind.section}.{_placeholder(kind)}" + (f".{kind.variant}" if kind.variant else "")
    return f"`{KINDS[kind.parent].section}.NAME.{own}`" if kind.parent else f"`{own}`"


def _placeholder(kind: Kind) -> str:
    if kind.derived_name:
        return kind.derived_name
    if kind.name_member == "name" or kind.name_member.endswith("Name"):  # `agentRuntimeName` too
        return "NAME"
    return "ID" if kind.name_member.endswith("Id") else kind.name_member.upper()


def _belongs_to(kind: Kind) -> str:
    if kind.parent is None:
        return "tagged"
    owner = f"its {KINDS[kind.parent].noun}"
    return f"{owner}, and tagged" if kind.tagged_child else owner


def _identity(kind: Kind) -> str:
    if kind.singleton:
        return f"its {KINDS[kind.parent].noun}'s ARN" if kind.parent else "its ARN"
    return "name" if kind.name_member == "name" else f"`{kind.name_member}`"


def _api(kind: Kind) -> str:
    """`Create/Get/Update/DeleteGateway, ListGateways` and the kind's other operations."""
    writes = [op for verb in VERBS if (op := getattr(kind, f"{verb}_operation", None)) and verb != "list"]
    noun = writes[0][next(i for i, c in enumerate(writes[0]) if i and c.isupper()):]
    verbs = list(dict.fromkeys(op.removesuffix(noun) for op in writes))
    extra = [op for op in (getattr(kind, "list_operation", None), kind.batch_operation, kind.after_write_operation) if op]
    text = "/".join(verbs) + noun + "".join(f", {op}" for op in extra)
    return text + (f" (`{kind.service}`)" if kind.service != SERVICE else "")


BEGIN, END = "<!-- kinds table", "<!-- end of kinds table -->"


def readme_table(readme: str) -> str:
    """The table between the README's markers."""
    start = readme.index("\n", readme.index(BEGIN)) + 1
    return readme[start:readme.index(END)]


if __name__ == "__main__":
    print(kinds_table(), end="")
