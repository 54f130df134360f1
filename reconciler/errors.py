"""One exception hierarchy: every failure a user can see is a ReconcilerError.

The CLI prints `str(error)` (one line per problem) and exits 1; nothing below
the CLI prints tracebacks for these.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)  # one per declared resource
class Location:
    """A place in a config file (1-based line and column)."""

    file: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class ReconcilerError(Exception):
    """Base of every error the reconciler reports to a user."""


class ConfigError(ReconcilerError):
    """One or more problems in the config files, each with its place."""

    def __init__(self, problems: list[tuple[Location | None, str]]):
        self.problems = sorted(
            problems, key=lambda p: (p[0].file, p[0].line, p[0].column) if p[0] else ("", 0, 0)
        )
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{loc}: {msg}" if loc else msg for loc, msg in self.problems]


class PlanError(ReconcilerError):
    """The plan cannot be made (ownership conflicts, unmanaged names...)."""


class AwsError(ReconcilerError):
    """An AWS call failed after botocore's own retries.

    `temporary` marks failures worth retrying later within a budget (kopf's
    TemporaryError); anything else is permanent and stops the resource.
    """

    def __init__(self, message: str, code: str = "", temporary: bool = False, reason: str = ""):
        super().__init__(message)
        self.code = code
        self.temporary = temporary
        self.reason = reason  # a ValidationException's `reason` where the API gives one (UnsupportedInRegion...)


class ResourceFailed(ReconcilerError):
    """A resource reached a failed status; carries the service's statusReasons."""


class WaitTimeout(ReconcilerError):
    """A resource did not reach the awaited status in time."""


class UserAbort(ReconcilerError):
    """The user declined (or could not be asked) to apply."""
