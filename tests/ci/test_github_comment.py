"""The action's plan comment, against a fake of GitHub's issue-comments REST API on loopback (http.server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from reconciler.ci.github_comment import MAX_BODY, main, marker

REPO, TOKEN, PR = "acme/registry", "ghs_test-token", 7


class FakeGitHub:
    """Comments of one repository's issues, paginated as GitHub does (per_page, page); records each request."""

    def __init__(self) -> None:
        self.comments: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.refuse: int | None = None  # an HTTP status every request gets, e.g. 403

    def add(self, issue: int, body: str) -> int:
        comment = {"id": 1000 + len(self.comments), "issue": issue, "body": body}
        self.comments.append(comment)
        return int(comment["id"])

    def on(self, issue: int) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["issue"] == issue]

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self) -> None:
                url = urlparse(self.path)
                fake.requests.append((self.command, url.path))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"message": "Bad credentials"})
                if fake.refuse:
                    return self._answer(fake.refuse, {"message": "Resource not accessible by integration"})
                length = int(self.headers.get("Content-Length") or 0)
                sent = json.loads(self.rfile.read(length)) if length else None
                parts = url.path.strip("/").split("/")  # repos OWNER NAME issues ...
                if "/".join(parts[1:3]) != REPO:
                    return self._answer(404, {"message": "Not Found"})
                if self.command == "GET" and parts[4].isdigit():
                    query = parse_qs(url.query)
                    per_page, page = int(query["per_page"][0]), int(query["page"][0])
                    listed = fake.on(int(parts[4]))[(page - 1) * per_page: page * per_page]
                    return self._answer(200, [{"id": c["id"], "body": c["body"]} for c in listed])
                if self.command == "POST":
                    return self._answer(201, {"id": fake.add(int(parts[4]), sent["body"])})
                if self.command == "PATCH" and parts[4] == "comments":
                    comment = next(c for c in fake.comments if c["id"] == int(parts[5]))
                    comment["body"] = sent["body"]
                    return self._answer(200, {"id": comment["id"]})
                return self._answer(404, {"message": "Not Found"})

            do_GET = do_POST = do_PATCH = _serve

        return Handler


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": PR}}))
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def post(tmp_path: Path, body: str, *args: str) -> Any:
    path = tmp_path / "plan.md"
    path.write_text(body)
    return CliRunner().invoke(main, ["--body-file", str(path), *args])


def test_the_first_run_creates_the_comment_and_later_runs_update_it(github: FakeGitHub, tmp_path: Path) -> None:
    other = github.add(PR, "LGTM, but see the naming")
    first = post(tmp_path, "### plan: 1 to create")
    assert first.exit_code == 0, first.output
    assert first.output == f"Created comment {other + 1} on pull request {PR}.\n"
    second = post(tmp_path, "### plan: 1 to update")
    assert second.output == f"Updated comment {other + 1} on pull request {PR}.\n"
    assert [c["body"] for c in github.on(PR)] == ["LGTM, but see the naming", f"{marker('plan')}\n### plan: 1 to update"]
    assert ("PATCH", f"/repos/{REPO}/issues/comments/{other + 1}") in github.requests


def test_each_key_has_its_own_comment_and_other_pull_requests_are_left_alone(github: FakeGitHub, tmp_path: Path) -> None:
    github.add(PR + 1, f"{marker('plan')}\nanother pull request's plan")
    assert post(tmp_path, "staging plan", "--key", "staging").exit_code == 0
    assert post(tmp_path, "production plan", "--key", "production").exit_code == 0
    assert post(tmp_path, "production plan, again", "--key", "production").exit_code == 0
    assert sorted(c["body"].split("\n", 1)[1] for c in github.on(PR)) == ["production plan, again", "staging plan"]
    assert github.on(PR + 1)[0]["body"].endswith("another pull request's plan")


def test_the_comment_is_found_on_a_later_page(github: FakeGitHub, tmp_path: Path) -> None:
    for number in range(150):
        github.add(PR, f"review note {number}")
    mine = github.add(PR, f"{marker('plan')}\nold plan")
    result = post(tmp_path, "new plan")
    assert result.output == f"Updated comment {mine} on pull request {PR}.\n"
    assert [c["body"] for c in github.on(PR)][-1].endswith("new plan") and len(github.on(PR)) == 151


def test_a_plan_longer_than_a_comment_is_cut_with_a_note(github: FakeGitHub, tmp_path: Path) -> None:
    assert post(tmp_path, "x" * (MAX_BODY + 10)).exit_code == 0
    body = github.on(PR)[0]["body"]
    assert len(body) == MAX_BODY and body.endswith("the saved plan artifact have all of it._\n")


def test_a_refusal_is_one_line_and_exit_1(github: FakeGitHub, tmp_path: Path) -> None:
    github.refuse = 403
    result = post(tmp_path, "plan")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: GitHub API GET /repos/{REPO}/issues/{PR}/comments?per_page=100&page=1: HTTP 403: ")
    assert result.output.count("\n") == 1


def test_outside_a_pull_request_it_says_what_to_give(github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "push.json").write_text(json.dumps({"ref": "refs/heads/main"}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(tmp_path / "push.json"))
    result = post(tmp_path, "plan")
    assert result.exit_code == 1 and result.output == "Error: the workflow's event is not a pull request: give --pr\n"
    assert post(tmp_path, "plan", "--pr", str(PR)).exit_code == 0 and len(github.on(PR)) == 1
