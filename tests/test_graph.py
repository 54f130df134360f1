"""Dependency pictures: `reconcile graph` (mermaid and dot) and the Mermaid diagram closing the markdown plan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from reconciler.graph import MAX_DRAWN, Graph, mermaid, picture, plan_graph
from reconciler.outputs.markdown import render_markdown
from tests.helpers import BASE, converge, plan_for, reconcile, registry_from

EDGES = {
    ("api-key-credential-provider/vendor", "gateway/main/target/weather"),
    ("gateway/main", "gateway/main/target/holidays"),
    ("gateway/main", "gateway/main/target/orders"),
    ("gateway/main", "gateway/main/target/weather"),
    ("oauth2-credential-provider/m2m", "gateway/main/target/orders"),
}


def drawn_edges(diagram: str) -> set[tuple[str, str]]:
    """The edges of a Mermaid flowchart, by label."""
    labels = dict(re.findall(r'^  (n\d+)\["([^"]+)"\]', diagram, re.M))
    return {(labels[a], labels[b]) for a, b in re.findall(r"^  (n\d+) --> (n\d+)$", diagram, re.M)}


def test_reconcile_graph_draws_parents_and_arn_references_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gateways.yaml").write_text(BASE)
    monkeypatch.chdir(tmp_path)
    drawn = reconcile("graph", env={"CLIENT_SECRET": "", "VENDOR_KEY": ""})  # no secret needed, no AWS call
    assert drawn.exit_code == 0, drawn.output
    assert drawn.stdout.startswith("flowchart LR\n") and drawn_edges(drawn.stdout) == EDGES
    as_dot = reconcile("graph", "--format", "dot")
    assert as_dot.exit_code == 0, as_dot.output
    assert set(re.findall(r'^  "([^"]+)" -> "([^"]+)";$', as_dot.stdout, re.M)) == EDGES
    assert as_dot.stdout.startswith("digraph registry {")


def test_the_markdown_plan_ends_with_the_changes_and_what_they_need_coloured_by_action(api: Any, tmp_path: Path) -> None:
    registry = registry_from(tmp_path)
    converge(api, registry)
    changed = registry_from(tmp_path, BASE.replace("description: Main gateway", "description: Main gateway, renamed")
                            .replace("      holidays:\n", "      festivals:\n"))
    plan = plan_for(api, changed)
    graph = plan_graph(plan)
    assert {a: graph.nodes[a] for a in ("gateway/main", "gateway/main/target/festivals", "gateway/main/target/holidays")} == {
        "gateway/main": "update", "gateway/main/target/festivals": "create", "gateway/main/target/holidays": "delete"}
    assert {("gateway/main", "gateway/main/target/festivals"), ("gateway/main", "gateway/main/target/holidays")} <= graph.edges
    markdown = render_markdown(plan)
    picture = markdown[markdown.index("```mermaid"):]
    assert "classDef create fill:#dafbe1" in picture and "classDef delete" in picture and "classDef update" in picture
    assert "classDef replace" not in picture  # only the actions drawn get a colour
    assert drawn_edges(picture.replace("```mermaid\n", "")) == graph.edges


def test_an_unchanged_dependency_is_drawn_grey(api: Any, tmp_path: Path) -> None:
    converge(api, registry_from(tmp_path))
    plan = plan_for(api, registry_from(tmp_path, BASE.replace("scopes: [a/invoke, b/invoke]", "scopes: [a/invoke]")))
    nodes = plan_graph(plan).nodes
    assert nodes["gateway/main/target/orders"] == "update" and nodes["gateway/main"] == "unchanged"
    assert ":::unchanged" in mermaid(plan_graph(plan))


def test_a_plan_too_big_to_draw_says_so() -> None:
    graph = Graph({f"gateway/g{i}": "create" for i in range(MAX_DRAWN + 1)})
    assert picture(graph) == [f"_{MAX_DRAWN + 1} resources are too many to draw; `reconcile graph` prints the registry's graph._"]
