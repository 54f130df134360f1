"""Registry files as they were at a git ref, read with two git processes whatever their number.

`plan --changed-only REF` compares the registry with its state at REF. A
central registry has a thousand files: one `git show` each cost most of that
plan. Here one `git ls-tree` lists the blobs at REF under the given folders
and files (which also finds the files removed since), and one
`git cat-file --batch` returns their texts by object id.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from reconciler.errors import ReconcilerError

REGISTRY_SUFFIXES = (".yaml", ".yml")
GIT_TIMEOUT = 60  # seconds for each git process


def texts_at(ref: str, files: Sequence[Path], folders: Sequence[Path] = ()) -> dict[Path, str]:
    """The texts at `ref` of `files` (those that existed then), then of the *.yaml / *.yml files under `folders`
    that existed at `ref` but are gone from the working tree.

    Keys are `files`' own paths, and for removed files their absolute working-tree path. Raises
    ReconcilerError when git fails (`ref` names no commit, a path is outside the repository...).
    """
    if not files and not folders:
        return {}
    cwd = os.path.abspath(folders[0] if folders else files[0].parent)
    blobs = _blobs(ref, files, folders, cwd)
    named = {os.path.abspath(file): file for file in files}
    wanted = {file: blobs[path] for path, file in named.items() if path in blobs}
    wanted.update({Path(path): blob for path, blob in blobs.items()
                   if path not in named and path.endswith(REGISTRY_SUFFIXES) and not os.path.exists(path)})
    texts = _cat_file(cwd, list(wanted.values()))
    return {file: text for file, text in zip(wanted, texts)}


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
