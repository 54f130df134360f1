"""Dependency graphs as pictures: the whole registry (`reconcile graph`) and a plan's changes (the markdown plan).

A resource depends on its parent, on every resource whose ARN it references
(`Desired.references()`) and, for a catalog record, on the target and gateway
it describes (`depends_on`). An edge points from what is needed to what needs
it, the order apply builds in. Mermaid renders in GitHub and GitLab markdown;
dot is for Graphviz.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.desired import Desired, DesiredState
from reconciler.plan import ACTIONS, Plan

UNCHANGED, DECLARED = "unchanged", "declared"
MAX_DRAWN = 80  # resources; a bigger picture is unreadable and GitHub refuses very large diagrams
COLOURS = {  # fill, stroke; dark text on light fills keeps the labels readable
    "create": ("#dafbe1", "#1a7f37"),
    "update": ("#fff8c5", "#9a6700"),
    "replace": ("#ffe7d1", "#bc4c00"),
    "delete": ("#ffebe9", "#cf222e"),
    UNCHANGED: ("#f6f8fa", "#8c959f"),
    DECLARED: ("#ddf4ff", "#0969da"),
}
TEXT_COLOUR = "#1f2328"


@dataclass
class Graph:
    nodes: dict[str, str] = field(default_factory=dict)  # address -> style (an action, unchanged or declared)
    edges: set[tuple[str, str]] = field(default_factory=set)  # (needed, needing)


def dependencies(desired: Desired) -> list[str]:
    """The addresses `desired` needs before it can be written."""
    needed = [desired.parent_address] if desired.parent_address else []
    needed += [ref.address for ref in desired.references()]
    needed += list(desired.depends_on)
    return sorted(set(needed))


def registry_graph(registry: DesiredState) -> Graph:
    graph = Graph({address: DECLARED for address in registry.resources})
    graph.edges = {(needed, d.address) for d in registry.resources.values() for needed in dependencies(d)}
    return graph


def plan_graph(plan: Plan) -> Graph:
    """The changes, coloured by action, and what each needs (drawn as unchanged unless it changes too)."""
    graph = Graph({c.address: c.action for c in plan.changes})
    for change in plan.changes:
        needed = dependencies(change.desired) if change.desired is not None else [change.parent_address or ""]
        for address in filter(None, needed):
            graph.nodes.setdefault(address, UNCHANGED)
            graph.edges.add((address, change.address))
    return graph


def mermaid(graph: Graph) -> str:
    ids = {address: f"n{index}" for index, address in enumerate(sorted(graph.nodes))}
    lines = ["flowchart LR"]
    lines += [f'  {ids[a]}["{_label(a)}"]:::{style}' for a, style in sorted(graph.nodes.items())]
    lines += [f"  {ids[needed]} --> {ids[needing]}" for needed, needing in sorted(graph.edges) if needed in ids and needing in ids]
    lines += [f"  classDef {style} fill:{fill},stroke:{stroke},color:{TEXT_COLOUR}" for style, (fill, stroke) in COLOURS.items()
              if style in graph.nodes.values()]
    return "\n".join(lines) + "\n"


def dot(graph: Graph) -> str:
    lines = ["digraph registry {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fontname="sans-serif"];']
    for address, style in sorted(graph.nodes.items()):
        fill, stroke = COLOURS[style]
        lines.append(f'  "{_label(address)}" [fillcolor="{fill}", color="{stroke}", fontcolor="{TEXT_COLOUR}"];')
    lines += [f'  "{_label(needed)}" -> "{_label(needing)}";' for needed, needing in sorted(graph.edges)]
    return "\n".join([*lines, "}"]) + "\n"


def _label(address: str) -> str:
    return address.replace('"', "'")


def picture(graph: Graph) -> list[str]:
    """A plan's graph as markdown: a Mermaid diagram, or one line saying why there is none."""
    if len(graph.nodes) > MAX_DRAWN:
        return [f"_{len(graph.nodes)} resources are too many to draw; `reconcile graph` prints the registry's graph._"]
    legend = ", ".join(a for a in (*ACTIONS, UNCHANGED) if a in graph.nodes.values())
    return ["<details open><summary>What changes and what it depends on (" + legend + ")</summary>", "",
            "```mermaid", *mermaid(graph).splitlines(), "```", "</details>"]

