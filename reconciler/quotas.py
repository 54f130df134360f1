"""The account's AgentCore quotas the reconciler plans around (developer guide; adjustable per account).

The registry's `quotas:` block overrides them once AWS has raised them.
"""

from __future__ import annotations

TARGETS_PER_GATEWAY = 100
TOOLS_PER_TARGET = 1000
READS_PER_SECOND = 10.0  # Get*/List*
WRITES_PER_SECOND = 5.0  # Create*/Update*/Delete*
TARGET_WRITES_PER_GATEWAY = 5  # concurrent target create/update/delete operations on one gateway
