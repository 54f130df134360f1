"""The Resource Groups Tagging API over the emulator's AgentCore resources.

The real GetResources answers for every taggable resource type; moto's does
for the backends that mix in its TaggableResourcesMixin, which moto's
AgentCore backend does not. The emulator's backend does, with this mixin:
GetResources then finds gateways, credential providers and policy engines by
their tags, with moto's own filters and pages (AWS Agent Registry's backend,
agent_registry.py, lists its registries and records itself).

Like the real API, the answer is eventually consistent: a resource's tags as
they changed are served only once they have been seen unchanged for
RECONCILER_EMULATOR_INDEX_LAG seconds (default 2; 0 turns the lag off), so a
new resource is missing from the answer for that long, and a removed tag is
still shown. The product's reader must tolerate both.
"""

from __future__ import annotations

import os
import time
from typing import Any, Iterator

from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource

ARN_SERVICE = "bedrock-agentcore"
INDEX_LAG_VARIABLE = "RECONCILER_EMULATOR_INDEX_LAG"
DEFAULT_INDEX_LAG = "2"


def index_lag() -> float:
    return float(os.environ.get(INDEX_LAG_VARIABLE, DEFAULT_INDEX_LAG))


class TaggedResources(TaggableResourcesMixin):
    """Every resource the backend keeps tags for, as GetResources lists it (`bedrock-agentcore:gateway`...)."""

    SERVICE_NAMESPACE = ARN_SERVICE
    tagger: Any

    def iter_tagged_resources(self) -> Iterator[TaggedResource]:
        for arn, tags in sorted(self._indexed().items()):
            resource_type = arn.split(":", 5)[-1].split("/", 1)[0]
            yield TaggedResource(arn, {k: v or "" for k, v in tags.items()}, f"{ARN_SERVICE}:{resource_type}")

    def _indexed(self) -> dict[str, dict[str, str]]:
        """The tags as the lagging index shows them: each resource's last tags seen unchanged for the lag."""
        lag, now = index_lag(), time.monotonic()
        if lag <= 0:
            return {arn: dict(tags) for arn, tags in self.tagger.tags.items()}
        views: dict[str, tuple[dict[str, str], dict[str, str], float]] = self.__dict__.setdefault("_index_views", {})
        for arn in [arn for arn in views if arn not in self.tagger.tags]:
            shown, _, since = views[arn]
            if now - since >= lag:
                del views[arn]  # gone: forgotten once the lag has passed
        for arn, tags in list(self.tagger.tags.items()):
            shown, latest, since = views.get(arn, ({}, {}, now))
            current = dict(tags)
            if current != latest:
                views[arn] = (shown, current, now)
            elif now - since >= lag:
                views[arn] = (current, current, since)
        return {arn: shown for arn, (shown, _, _) in views.items() if shown}
