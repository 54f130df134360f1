"""changes_since against a real git repository: blob ids find the changed files; one ls-tree and one cat-file process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reconciler.config import history
from reconciler.config.history import Changes, changes_since
from reconciler.errors import ReconcilerError

GIT = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def subcommand(command: list[str]) -> str:
    return next(word for word in command[1:] if not word.startswith("-"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A registry committed once (`first`), then changed in the working tree: one file edited, one removed, one added."""
    write(tmp_path / "registry" / "platform.yaml", "registry: r\n")
    write(tmp_path / "registry" / "teams" / "a.yaml", "gateways: {a: {}}\n")
    write(tmp_path / "registry" / "teams" / "gone.yml", "gateways: {gone: {}}\n")
    write(tmp_path / "registry" / "teams" / "späce name.yaml", "gateways: {s: {}}\n")
    write(tmp_path / "registry" / "teams" / "notes.txt", "not a registry file\n")
    write(tmp_path / "elsewhere" / "other.yaml", "other: 1\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    git(tmp_path, "tag", "first")
    write(tmp_path / "registry" / "teams" / "a.yaml", "gateways: {a: {description: changed}}\n")
    (tmp_path / "registry" / "teams" / "gone.yml").unlink()
    write(tmp_path / "registry" / "teams" / "new.yaml", "gateways: {new: {}}\n")
    return tmp_path


@pytest.fixture
def git_processes(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The git commands changes_since runs (each still runs for real)."""
    ran: list[list[str]] = []
    real = subprocess.run

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        ran.append(command)
        return real(command, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(history.subprocess, "run", run)
    return ran


def test_only_files_whose_blob_differs_are_read_at_the_ref(repo: Path, git_processes: list[list[str]]) -> None:
    teams = repo / "registry" / "teams"
    files = [repo / "registry" / "platform.yaml", teams / "a.yaml", teams / "new.yaml", teams / "späce name.yaml"]
    changes = changes_since("first", files, [repo / "registry"])
    assert changes.before == {
        teams / "a.yaml": "gateways: {a: {}}\n",  # as committed, not as edited
        teams / "gone.yml": "gateways: {gone: {}}\n",  # removed since: found through the folder
    }  # platform.yaml and späce name.yaml are unchanged; new.yaml did not exist at `first`; notes.txt is no registry file
    assert changes.after == [teams / "a.yaml", teams / "new.yaml"]
    assert [subcommand(c) for c in git_processes] == ["ls-tree", "cat-file"]


def test_nothing_changed_reads_nothing_at_the_ref(repo: Path, git_processes: list[list[str]]) -> None:
    files = [write(repo / "many" / f"team{i}.yaml", f"team: {i}\n") for i in range(200)]
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "many")
    git_processes.clear()
    assert changes_since("HEAD", files, [repo / "many"]) == Changes()
    assert [subcommand(c) for c in git_processes] == ["ls-tree"]


def test_one_changed_file_among_many_is_the_only_one_read(repo: Path, git_processes: list[list[str]]) -> None:
    files = [write(repo / "many" / f"team{i}.yaml", f"team: {i}\n") for i in range(200)]
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "many")
    write(files[7], "team: seven\n")
    git(repo, "add", str(files[7]))  # staged or not, the working tree's content is what counts
    git_processes.clear()
    changes = changes_since("HEAD", files, [repo / "many"])
    assert changes == Changes({files[7]: "team: 7\n"}, [files[7]])
    assert [subcommand(c) for c in git_processes] == ["ls-tree", "cat-file"]


def test_named_files_outside_the_folders_and_glob_characters(repo: Path) -> None:
    odd = write(repo / "odd" / "[x]*.yaml", "odd: 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "odd")
    write(odd, "odd: 2\n")
    write(repo / "odd" / "x.yaml", "not committed: 1\n")
    file = repo / "registry" / "platform.yaml"
    assert changes_since("HEAD", [file, odd]) == Changes({odd: "odd: 1\n"}, [odd])


def test_files_in_sibling_folders_resolve_relative_to_the_first(repo: Path) -> None:
    other = write(repo / "elsewhere" / "other.yaml", "other: 2\n")
    changes = changes_since("first", [repo / "registry" / "platform.yaml", other], [repo / "registry", repo / "elsewhere"])
    assert changes.before[other] == "other: 1\n"
    assert repo / "registry" / "teams" / "gone.yml" in changes.before


def test_a_ref_that_names_nothing_is_one_error(repo: Path) -> None:
    with pytest.raises(ReconcilerError, match="^git ls-tree: fatal: Not a valid object name no-such-ref$"):
        changes_since("no-such-ref", [repo / "registry" / "platform.yaml"], [repo / "registry"])


def test_outside_a_repository_is_one_error(tmp_path: Path) -> None:
    file = write(tmp_path / "lonely" / "r.yaml", "registry: r\n")
    with pytest.raises(ReconcilerError, match="^git ls-tree: fatal: not a git repository"):
        changes_since("HEAD", [file])
