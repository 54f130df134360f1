"""What changed in the registry files since a git ref, found by blob ids and read with two git processes.

`plan --changed-only REF` compares the registry with its state at REF. A
central registry has a thousand files, of which a pull request changes a few:
one `git ls-tree` lists the blob ids at REF under the given folders and files
(which also finds the files removed since), each working-tree file's blob id
is computed from its bytes (git's own hash, no process), and only the files
whose ids differ are read at REF, with one `git cat-file --batch`. Unchanged
files are neither read at REF nor parsed a second time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from reconciler.errors import ReconcilerError

REGISTRY_SUFFIXES = (".yaml", ".yml")
GIT_TIMEOUT = 60  # seconds for each git process


@dataclass
class Changes:
    """The registry files whose content differs between a ref and the working tree."""

    before: dict[Path, str] = field(default_factory=dict)  # their texts at the ref (changed or removed since)
    after: list[Path] = field(default_factory=list)  # the working-tree files that differ (changed or added since)


def changes_since(ref: str, files: Sequence[Path], folders: Sequence[Path] = ()) -> Changes:
    """The files among `files` (the working tree's) whose blob differs from `ref`'s, or that are new since, and the
    texts at `ref` of those that existed then, plus of the *.yaml / *.yml files under `folders` removed since.

    Keys of `before` are `files`' own paths, and for removed files their absolute working-tree path. Raises
    ReconcilerError when git fails (`ref` names no commit, a path is outside the repository...).
    """
    if not files and not folders:
        return Changes()
    cwd = os.path.abspath(folders[0] if folders else files[0].parent)
    blobs = _blobs(ref, files, folders, cwd)
    named = {os.path.abspath(file): file for file in files}
    after = [file for path, file in named.items() if blobs.get(path) != _blob_id(file, blobs.get(path))]
    wanted = {file: blobs[os.path.abspath(file)] for file in after if os.path.abspath(file) in blobs}
    wanted.update({Path(path): blob for path, blob in blobs.items()
                   if path not in named and path.endswith(REGISTRY_SUFFIXES) and not os.path.exists(path)})
    texts = _cat_file(cwd, list(wanted.values()))
    return Changes(dict(zip(wanted, texts)), after)


def _blob_id(file: Path, like: str | None) -> str | None:
    """The id git gives `file`'s bytes as a blob (SHA-256 when the repository's ids are that long); None when unreadable."""
    try:
        content = file.read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256() if like is not None and len(like) == 64 else hashlib.sha1()  # noqa: S324 - git's object id
    digest.update(b"blob %d\0" % len(content))
    digest.update(content)
    return digest.hexdigest()


def _blobs(ref: str, files: Sequence[Path], folders: Sequence[Path], cwd: str) -> dict[str, str]:
    """Absolute path -> blob id of every file at `ref` under `folders` and among `files`."""
    roots = [os.path.abspath(folder) for folder in folders]
    outside = [file for file in files if not any(_inside(os.path.abspath(file), root) for root in roots)]
    pathspecs = [os.path.relpath(path, cwd) for path in [*roots, *map(os.path.abspath, outside)]]
    listed = _git(["--literal-pathspecs", "ls-tree", "-r", "-z", ref, "--", *pathspecs], cwd)
    blobs: dict[str, str] = {}
    for entry in listed.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, name = entry.partition("\t")  # "<mode> <type> <id>\t<path relative to cwd>"
        parts = meta.split(" ")
        if len(parts) == 3 and parts[1] == "blob":
            blobs[os.path.normpath(os.path.join(cwd, name))] = parts[2]
    return blobs


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _cat_file(cwd: str, blobs: list[str]) -> list[str]:
    """The text of each blob, in order."""
    if not blobs:
        return []
    output = _git(["cat-file", "--batch", "--buffer"], cwd, "".join(f"{blob}\n" for blob in blobs).encode())
    texts: list[str] = []
    at = 0
    for blob in blobs:
        end = output.index(b"\n", at)
        header = output[at:end].split(b" ")  # "<id> <type> <size>", or "<id> missing"
        if len(header) != 3 or not header[2].isdigit():
            raise ReconcilerError(f"git cat-file: {blob} {header[-1].decode(errors='replace')}")
        size = int(header[2])
        texts.append(output[end + 1 : end + 1 + size].decode("utf-8", "surrogateescape"))
        at = end + 1 + size + 1
    return texts


def _git(args: list[str], cwd: str, stdin: bytes | None = None) -> bytes:
    name = next(arg for arg in args if not arg.startswith("-"))
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ReconcilerError(f"git {name} failed: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise ReconcilerError(f"git {name}: {message[0] if message else f'exit {done.returncode}'}")
    return done.stdout
