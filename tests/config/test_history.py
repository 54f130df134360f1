"""texts_at against a real git repository: one ls-tree and one cat-file process, whatever the number of files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reconciler.config import history
from reconciler.config.history import texts_at
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
    """The git commands texts_at runs (each still runs for real)."""
    ran: list[list[str]] = []
    real = subprocess.run

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        ran.append(command)
        return real(command, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(history.subprocess, "run", run)
    return ran


def test_files_at_a_ref_plus_removed_ones_in_two_git_processes(repo: Path, git_processes: list[list[str]]) -> None:
    teams = repo / "registry" / "teams"
    files = [repo / "registry" / "platform.yaml", teams / "a.yaml", teams / "new.yaml", teams / "späce name.yaml"]
    texts = texts_at("first", files, [repo / "registry"])
    assert texts == {
        files[0]: "registry: r\n",
        files[1]: "gateways: {a: {}}\n",  # as committed, not as edited
        files[3]: "gateways: {s: {}}\n",
        teams / "gone.yml": "gateways: {gone: {}}\n",  # removed since: found through the folder
    }  # new.yaml did not exist at `first`; notes.txt is no registry file
    assert [subcommand(c) for c in git_processes] == ["ls-tree", "cat-file"]


def test_two_processes_for_many_files(repo: Path, git_processes: list[list[str]]) -> None:
    files = [write(repo / "many" / f"team{i}.yaml", f"team: {i}\n") for i in range(200)]
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "many")
    git_processes.clear()
    texts = texts_at("HEAD", files, [repo / "many"])
    assert [texts[file] for file in files] == [f"team: {i}\n" for i in range(200)]
    assert [subcommand(c) for c in git_processes] == ["ls-tree", "cat-file"]


def test_named_files_outside_the_folders_and_glob_characters(repo: Path) -> None:
    odd = write(repo / "odd" / "[x]*.yaml", "odd: 1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "odd")
    write(repo / "odd" / "x.yaml", "not committed: 1\n")
    file = repo / "registry" / "platform.yaml"
    assert texts_at("HEAD", [file, odd]) == {file: "registry: r\n", odd: "odd: 1\n"}


def test_files_in_sibling_folders_resolve_relative_to_the_first(repo: Path) -> None:
    other = repo / "elsewhere" / "other.yaml"
    texts = texts_at("first", [repo / "registry" / "platform.yaml", other], [repo / "registry", repo / "elsewhere"])
    assert texts[other] == "other: 1\n"
    assert repo / "registry" / "teams" / "gone.yml" in texts


def test_a_ref_that_names_nothing_is_one_error(repo: Path) -> None:
    with pytest.raises(ReconcilerError, match="^git ls-tree: fatal: Not a valid object name no-such-ref$"):
        texts_at("no-such-ref", [repo / "registry" / "platform.yaml"], [repo / "registry"])


def test_outside_a_repository_is_one_error(tmp_path: Path) -> None:
    file = write(tmp_path / "lonely" / "r.yaml", "registry: r\n")
    with pytest.raises(ReconcilerError, match="^git ls-tree: fatal: not a git repository"):
        texts_at("HEAD", [file])
