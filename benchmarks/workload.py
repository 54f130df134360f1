"""A central registry of N targets laid out as an organisation keeps it: a git repository, one file per team.

`platform.yaml` declares the gateways (100 targets each by default, the service's
quota; fewer with `Layout(targets, per_gateway)`); each team file adds
`TARGETS_PER_TEAM` targets under one of them. At 10,000 targets that is 100
gateways in 1,001 files, the layout of issue 8; `Layout(200, 50)` is its
"4 x 50 targets".
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness import Quotas

TARGETS_PER_GATEWAY = 100
TARGETS_PER_TEAM = 10
REGISTRY = "bench"
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false"]


@dataclass(frozen=True)
class Layout:
    targets: int
    per_gateway: int = TARGETS_PER_GATEWAY  # a multiple of TARGETS_PER_TEAM: a team's file names one gateway

    def __post_init__(self) -> None:
        if self.targets < 1 or not TARGETS_PER_TEAM <= self.per_gateway <= TARGETS_PER_GATEWAY or self.per_gateway % TARGETS_PER_TEAM:
            raise ValueError(f"'{self.label}': at least 1 target, and {TARGETS_PER_TEAM} to {TARGETS_PER_GATEWAY} targets per gateway, "
                             f"a multiple of {TARGETS_PER_TEAM}: a team's targets share one gateway")

    @classmethod
    def parse(cls, text: str) -> Layout:
        """`1000` (in gateways of 100) or `200:50` (targets:per gateway)."""
        targets, _, per_gateway = text.strip().partition(":")
        try:
            numbers = int(targets), int(per_gateway or TARGETS_PER_GATEWAY)
        except ValueError:
            raise ValueError(f"'{text}': not a number of targets") from None
        return cls(*numbers)

    @property
    def label(self) -> str:
        return f"{self.targets}" if self.per_gateway == TARGETS_PER_GATEWAY else f"{self.targets}:{self.per_gateway}"

    @property
    def gateways(self) -> int:
        return max(1, math.ceil(self.targets / self.per_gateway))

    @property
    def teams(self) -> int:
        return math.ceil(self.targets / TARGETS_PER_TEAM)

    @property
    def resources(self) -> int:
        return self.gateways + self.targets

    def gateway_of(self, team: int) -> str:
        return gateway_name(team * TARGETS_PER_TEAM // self.per_gateway)

    def team_targets(self, team: int) -> range:
        return range(team * TARGETS_PER_TEAM, min(self.targets, (team + 1) * TARGETS_PER_TEAM))


def gateway_name(index: int) -> str:
    return f"gw{index:04d}"


def target_name(index: int) -> str:
    return f"t{index:05d}"


def team_file(folder: Path, team: int) -> Path:
    return folder / "teams" / f"team{team:04d}.yaml"


def platform_text(layout: Layout, quotas: Quotas) -> str:
    lines = [f"registry: {REGISTRY}", "region: us-east-1"]
    if (quotas.reads_per_second, quotas.writes_per_second) != (Quotas.reads_per_second, Quotas.writes_per_second):
        lines += ["quotas:", f"  readsPerSecond: {quotas.reads_per_second:g}", f"  writesPerSecond: {quotas.writes_per_second:g}"]
    lines.append("gateways:")
    for g in range(layout.gateways):
        lines += [f"  {gateway_name(g)}:", "    description: shared gateway", "    roleArn: arn:aws:iam::123456789012:role/gateway",
                  "    authorizerType: NONE", "    protocolType: MCP"]
    return "\n".join(lines) + "\n"


def target_body(team: int, target: int, description: str = "tools") -> dict[str, Any]:
    """A team's target as its file declares it (CreateGatewayTarget's members)."""
    return {"description": f"team {team} {description}",
            "targetConfiguration": {"mcp": {"mcpServer": {"endpoint": f"https://team{team}.example.com/mcp/{target}"}}}}


def team_text(layout: Layout, team: int, description: str = "tools") -> str:
    lines = [f"# team {team}", "gateways:", f"  {layout.gateway_of(team)}:", "    targets:"]
    for t in layout.team_targets(team):
        body = target_body(team, t, description)
        lines += [f"      {target_name(t)}:", f"        description: {body['description']}",
                  f"        targetConfiguration: {json.dumps(body['targetConfiguration'])}"]  # JSON is YAML's flow style
    return "\n".join(lines) + "\n"


def write_registry(folder: Path, layout: Layout, quotas: Quotas) -> None:
    """The registry's files, committed in a fresh git repository at `folder`."""
    (folder / "teams").mkdir(parents=True)
    (folder / "platform.yaml").write_text(platform_text(layout, quotas))
    for team in range(layout.teams):
        team_file(folder, team).write_text(team_text(layout, team))
    for step in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "registry"]):
        subprocess.run([*GIT, *step], cwd=folder, check=True)


def declare_quotas(folder: Path, layout: Layout, quotas: Quotas) -> None:
    """The registry now declares these quotas (the platform team's commit after AWS changed them)."""
    (folder / "platform.yaml").write_text(platform_text(layout, quotas))
    subprocess.run([*GIT, "commit", "-q", "-m", "quotas", "platform.yaml"], cwd=folder, check=True)


def edit_team(folder: Path, layout: Layout, team: int) -> str:
    """A team's pull request: the description of its first target changes (not committed). Returns its address."""
    first = layout.team_targets(team)[0]
    text = team_text(layout, team).replace(f"team {team} tools", f"team {team} tools, revised", 1)
    team_file(folder, team).write_text(text)
    return f"gateway/{layout.gateway_of(team)}/target/{target_name(first)}"
