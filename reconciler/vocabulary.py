"""The words every layer shares, with no dependency of its own: the kinds, the files' model and the pipeline all
speak of places in a resource's members by the same path."""

from __future__ import annotations

from typing import Any

# A place in a declaration or a description: member names (str) and list indexes (int), outermost first.
KeyPath = tuple[Any, ...]

# A deployment's name (`deployments.NAME`, `deployTo`, `publish.deployment`): no ':' (addresses are DEPLOYMENT:...).
DEPLOYMENT_NAME: dict[str, Any] = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$"}
