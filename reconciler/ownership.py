"""Who owns what, from one query: the tags of every AgentCore resource carrying the registry's ownership tag.

Reading ownership with one ListTagsForResource per top-level resource costs a
call per gateway on every plan. The Resource Groups Tagging API's GetResources
answers for all of the registry's resources at once, in pages of 100, with
their tags, and so also tells which kinds the registry owns anything of: a
plan need not list a kind it neither declares nor owns.

That API is eventually consistent, so the index is trusted only where a stale
answer is harmless (the live read applies these rules):

- a declared resource the index does not show is read directly: it may be
  new, or someone else's;
- a resource the plan would write to, or under, is confirmed directly, and
  the plan made again if its tags differ (the manager does this);
- an undeclared resource the index shows as ours is confirmed directly before
  it can be planned for deletion (the tag may have been removed);
- an undeclared resource the index does not show is not ours, unless its List
  stamp says it was created or changed within the index's lag (`live.INDEX_LAG`:
  the last apply may have made it, and the files dropped it since) or the
  index shows none of its kind although the registry has older declared ones
  (the index does not cover that type): then its tags are read directly, so a
  resource removed from the files is always planned for deletion.

Without permission for `tag:GetResources` the read falls back to per-resource
tags. `plan --refresh` and `drift` never use the index.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.aws import Api
from reconciler.errors import AwsError
from reconciler.kinds import ordered, roots
from reconciler.kinds.base import OWNER_TAG, Kind

DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
FALLBACK_NOTE = "tag:GetResources is not allowed: ownership is read resource by resource (one call each)."


@dataclass(frozen=True)
class OwnershipIndex:
    tags_by_arn: dict[str, dict[str, str]]

    def tags(self, arn: str | None) -> dict[str, str] | None:
        """The resource's tags, if the index shows it as the registry's."""
        return self.tags_by_arn.get(arn) if arn else None

    def arn_of(self, kind: Kind, ident: str) -> str | None:
        """The ARN of the `kind` resource whose id is `ident` (List answers of some kinds carry no ARN)."""
        return next((arn for arn in self.tags_by_arn if arn.endswith("/" + ident) and kind.owns_arn(arn)), None)

    def kinds(self) -> set[str] | None:
        """The top-level kinds the registry owns resources of (or under: a tagged record names its agent registry);
        None if an ARN matches no kind (then list them all)."""
        found = set()
        for arn in self.tags_by_arn:
            kind = next((k for k in ordered() if k.owns_arn(arn)), None)
            if kind is None:
                return None
            found.add(kind.parent or kind.key)
        return found


def load_index(api: Api, registry: str) -> OwnershipIndex | None:
    """The registry's resources by ARN, with their tags; None where the credentials may not ask."""
    try:
        return OwnershipIndex(api.tagged(OWNER_TAG, registry, sorted({kind.arn_service for kind in roots()})))
    except AwsError as error:
        if error.code in DENIED:
            return None
        raise
