"""The Resource Groups Tagging API over the emulator's AgentCore resources.

The real GetResources answers for every taggable resource type; moto's does
for the backends that mix in its TaggableResourcesMixin, which moto's
AgentCore backend does not. The emulator's backend does, with this mixin:
GetResources then finds gateways, credential providers and policy engines by
their tags, with moto's own filters and pages (AWS Agent Registry's backend,
agent_registry.py, lists its registries and records itself). The emulator's
answer is always up to date; the real API may lag (it is eventually
consistent), which the product's reader must tolerate.
"""

from __future__ import annotations

from typing import Any, Iterator

from moto.core.resource_tagging import TaggableResourcesMixin, TaggedResource

ARN_SERVICE = "bedrock-agentcore"


class TaggedResources(TaggableResourcesMixin):
    """Every resource the backend keeps tags for, as GetResources lists it (`bedrock-agentcore:gateway`...)."""

    SERVICE_NAMESPACE = ARN_SERVICE
    tagger: Any

    def iter_tagged_resources(self) -> Iterator[TaggedResource]:
        for arn, tags in sorted(self.tagger.tags.items()):
            resource_type = arn.split(":", 5)[-1].split("/", 1)[0]
            yield TaggedResource(arn, {k: v or "" for k, v in tags.items()}, f"{ARN_SERVICE}:{resource_type}")
