"""One pull-request comment per registry, created once and then updated: the action's plan comment.

`python -m reconciler.ci.github_comment --body-file plan.md [--key NAME] [--pr N]`, as action.yml runs it.
The comment carries a hidden marker with `--key`; the first comment of the pull request holding that marker is
updated (PATCH), else one is created (POST), so every push to the pull request refreshes the same comment.
GitHub's REST API: GITHUB_API_URL (a GitHub Enterprise server or a test's fake), GITHUB_REPOSITORY, GITHUB_TOKEN
and the pull request's number from GITHUB_EVENT_PATH, all set by the Actions runner. Only the standard library:
the action installs nothing more for it.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from reconciler.errors import ReconcilerError

PER_PAGE = 100
MAX_PAGES = 50  # 5,000 comments: far more than a pull request has; bounds the loop
MAX_BODY = 65_536  # GitHub refuses longer comments
TRUNCATED = "\n\n_The plan is longer than a comment can hold; the job summary and the saved plan artifact have all of it._\n"


def marker(key: str) -> str:
    return f"<!-- agentcore-reconciler:{key} -->"


@dataclass
class GitHub:
    api_url: str
    repository: str
    token: str
    timeout: float = 30.0

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            f"{self.api_url.rstrip('/')}{path}", method=method,
            data=json.dumps(payload).encode() if payload is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json",
                     "User-Agent": "agentcore-reconciler"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:200]
            raise ReconcilerError(f"GitHub API {method} {path}: HTTP {error.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise ReconcilerError(f"GitHub API {method} {path}: {getattr(error, 'reason', error)}") from None


def upsert(github: GitHub, pull_request: int, body: str, key: str) -> tuple[str, int]:
    """Create or update the pull request's comment marked with `key`; ("created" | "updated", its id)."""
    text = _fitted(f"{marker(key)}\n{body}")
    existing = _find(github, pull_request, marker(key))
    if existing is not None:
        github.call("PATCH", f"/repos/{github.repository}/issues/comments/{existing}", {"body": text})
        return "updated", existing
    created = github.call("POST", f"/repos/{github.repository}/issues/{pull_request}/comments", {"body": text})
    return "created", int(created["id"])


def _find(github: GitHub, pull_request: int, mark: str) -> int | None:
    for page in range(1, MAX_PAGES + 1):
        comments = github.call("GET", f"/repos/{github.repository}/issues/{pull_request}/comments?per_page={PER_PAGE}&page={page}")
        found = next((int(c["id"]) for c in comments if mark in (c.get("body") or "")), None)
        if found is not None or len(comments) < PER_PAGE:
            return found
    return None


def _fitted(text: str) -> str:
    return text if len(text) <= MAX_BODY else text[: MAX_BODY - len(TRUNCATED)] + TRUNCATED


def _pull_request_number(event_path: str | None) -> int:
    if not event_path:
        raise ReconcilerError("no pull request: give --pr or run in a pull_request workflow (GITHUB_EVENT_PATH)")
    event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    number = (event.get("pull_request") or {}).get("number") or (event.get("issue") or {}).get("number")
    if not number:
        raise ReconcilerError("the workflow's event is not a pull request: give --pr")
    return int(number)


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ReconcilerError(f"{name} is not set (the Actions runner sets it; pass github-token to the action)")
    return value


@click.command()
@click.option("--body-file", required=True, type=click.Path(exists=True, dir_okay=False), help="The markdown to post.")
@click.option("--key", default="plan", show_default=True, help="Which comment: one per key per pull request.")
@click.option("--pr", "pull_request", type=int, default=None, help="Pull request number (default: the workflow's event).")
def main(body_file: str, key: str, pull_request: int | None) -> None:
    """Create or update the pull request's plan comment."""
    try:
        github = GitHub(os.environ.get("GITHUB_API_URL", "https://api.github.com"), _required("GITHUB_REPOSITORY"),
                        _required("GITHUB_TOKEN"))
        number = pull_request or _pull_request_number(os.environ.get("GITHUB_EVENT_PATH"))
        outcome, comment = upsert(github, number, Path(body_file).read_text(encoding="utf-8"), key)
    except ReconcilerError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(f"{outcome.capitalize()} comment {comment} on pull request {number}.")


if __name__ == "__main__":
    main()
