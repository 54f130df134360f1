"""The observed-state cache: the last read description of each resource, valid while its List stamp holds.

A List summary carries the resource's last-update time (`updatedAt`, or
`lastUpdatedTime` for credential providers). A description read in full is
stored under (kind, id) with that stamp; the next plan reuses it only when the
List shows the very same stamp, so anything changed since (by the reconciler,
the console or another tool) is read again. Nothing here is trusted beyond
what a List vouches for.

The cache is a plain file per (registry, region, account or endpoint) under
the user cache directory: `--cache-dir`, else RECONCILER_CACHE_DIR, else
$XDG_CACHE_HOME/agentcore-reconciler, else ~/.cache/agentcore-reconciler. It is
safe to lose: a missing file is an empty cache, and a corrupt, unreadable,
foreign or older-version file is an empty cache with one warning. It never
holds a secret: the descriptions are normalized request-shaped bodies whose
write-only members are already dropped, and `store` strips the kind's secret
paths again (and refuses a kind it has no secret paths for, or a value JSON
cannot carry back unchanged). Members botocore marks sensitive but every read
returns (a description, a name) are not secrets: the plan shows them anyway.
`save(prune=True)` keeps only the entries looked up or stored since `open`,
so the file stays the size of what the registry reads.

JSON in gzip, level 1: measured on 10,000 target descriptions, 2.6 MB of JSON
became 95 KB (a CI cache uploads and restores it) for 4 ms of compression;
opening the file takes 21 ms, a lookup 7 us. Each description is kept as its
compact JSON text, in the file and in memory (a third of what the parsed
objects take: a plan of 10,000 targets would otherwise hold every description
twice), and decoded afresh by each lookup; the file is written as a stream,
never as one string.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import zlib
from collections.abc import Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Callable

FORMAT_VERSION = 3  # 2: descriptions kept as JSON text; 3: with the documented defaults filled in
CACHE_DIR_VARIABLE = "RECONCILER_CACHE_DIR"
APP_DIR = "agentcore-reconciler"

MemberPath = tuple[str, ...]
Stamp = datetime | str | int | float | None
JSON_SCALARS = (str, int, float, bool, type(None))


class Unstorable(Exception):
    """A description the cache must not keep (it could not give it back unchanged)."""


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where cache files live: the argument, the environment override, XDG, then ~/.cache."""
    if cache_dir:
        return Path(cache_dir)
    if os.environ.get(CACHE_DIR_VARIABLE):
        return Path(os.environ[CACHE_DIR_VARIABLE])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / APP_DIR


def stamp_text(stamp: Stamp) -> str | None:
    """One comparable text per stamp, whether botocore parsed it (datetime) or not."""
    if stamp is None:
        return None
    return stamp.isoformat() if isinstance(stamp, datetime) else str(stamp)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _once(warn: Callable[[str], None]) -> Callable[[str], None]:
    """A cache that is in the way says so once per run, not at every read and save."""
    said: list[str] = []

    def say(line: str) -> None:
        if not said:
            said.append(line)
            warn(line)

    return say


class ObservedCache:
    def __init__(self, path: Path, scope: dict[str, str], secrets: Mapping[str, Collection[MemberPath]],
                 entries: dict[str, dict[str, list[str]]], warn: Callable[[str], None] = _stderr):
        self.path = path
        self.scope = scope
        self.secrets = secrets
        self.entries = entries  # kind -> id -> [stamp text, description as compact JSON text]
        self.warn = warn
        self.seen: set[tuple[str, str]] = set()
        self.changed = False
        self._opening: Future[None] | None = None

    @classmethod
    def open(cls, registry: str, region: str, account_or_endpoint: str, cache_dir: str | os.PathLike[str] | None = None,
             *, secrets: Mapping[str, Collection[MemberPath]], warn: Callable[[str], None] = _stderr) -> ObservedCache:
        """The cache of this registry in this region and account (or endpoint); `secrets` maps each kind to its secret member paths."""
        scope = {"registry": registry, "region": region, "account": account_or_endpoint}
        path = cache_root(cache_dir) / _file_name(scope)
        warn = _once(warn)
        entries = _read(path, scope, warn)
        cache = cls(path, scope, secrets, entries or {}, warn)
        cache.changed = entries is None  # an ignored file is replaced by the next save: its warning is said once
        return cache

    @classmethod
    def open_soon(cls, registry: str, region: str, account_or_endpoint: Future[str], cache_dir: str | os.PathLike[str] | None = None,
                  *, secrets: Mapping[str, Collection[MemberPath]], warn: Callable[[str], None] = _stderr) -> ObservedCache:
        """`open` once the account is known (STS answers in the background): a plan sends its first List meanwhile,
        and the cache's first use waits for the file."""
        cache = cls(Path(), {}, secrets, {}, warn)

        def opening() -> None:
            opened = cls.open(registry, region, account_or_endpoint.result(), cache_dir, secrets=secrets, warn=warn)
            cache.path, cache.scope, cache.entries, cache.warn, cache.changed = (
                opened.path, opened.scope, opened.entries, opened.warn, opened.changed)

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache")
        cache._opening = pool.submit(opening)
        pool.shutdown(wait=False)
        return cache

    def _opened(self) -> None:
        """Wait for `open_soon`'s file (re-raising what stopped it)."""
        if self._opening is not None:
            self._opening.result()

    def lookup(self, kind: str, ident: str, stamp: Stamp) -> dict[str, Any] | None:
        """The stored description when its stamp is exactly `stamp`, else None (read it in full)."""
        self._opened()
        wanted = stamp_text(stamp)
        entry = self.entries.get(kind, {}).get(ident)
        if wanted is None or entry is None or entry[0] != wanted:
            return None
        entry[0] = wanted  # equal: keep the caller's string rather than a second one
        self.seen.add((kind, ident))
        return json.loads(entry[1], object_pairs_hook=_interned)

    def store(self, kind: str, ident: str, stamp: Stamp, description: dict[str, Any]) -> bool:
        """Keep `description` as read at `stamp`, secrets stripped; False when it may not be kept (then it is not)."""
        self._opened()
        text = stamp_text(stamp)
        if text is None or kind not in self.secrets:
            self.forget(kind, ident)
            return False
        try:
            kept = json.dumps(_copy(description, tuple(self.secrets[kind])), separators=(",", ":"))
        except Unstorable:
            self.forget(kind, ident)
            return False
        self.entries.setdefault(kind, {})[ident] = [text, kept]
        self.seen.add((kind, ident))
        self.changed = True
        return True

    def forget(self, kind: str, ident: str) -> None:
        """Drop one resource (gone, or read in a way the cache cannot vouch for)."""
        self._opened()
        if self.entries.get(kind, {}).pop(ident, None) is not None:
            self.changed = True
        self.seen.discard((kind, ident))

    def save(self, prune: bool = True) -> None:
        """Write the file atomically when anything changed; with `prune`, keep only what this run looked up or
        stored (a run that read part of the registry passes False). A cache that cannot be written is a warning."""
        self._opened()
        if prune:
            self._drop_unseen()
        if not self.changed:
            return
        document = {"version": FORMAT_VERSION, "scope": self.scope, "entries": self.entries}

        def write(file: IO[bytes]) -> None:
            with gzip.GzipFile(fileobj=file, mode="wb", compresslevel=1, mtime=0) as packed:
                with io.TextIOWrapper(packed, encoding="utf-8") as text:
                    json.dump(document, text, separators=(",", ":"))

        try:
            _write_atomically(self.path, write)
        except OSError as error:
            self.warn(f"Warning: cannot save the observed-state cache {self.path}: {error}; the next plan reads everything")
            return
        self.changed = False

    def _drop_unseen(self) -> None:
        if sum(len(by_id) for by_id in self.entries.values()) == len(self.seen):
            return
        pruned: dict[str, dict[str, list[str]]] = {}
        for kind, ident in self.seen:
            pruned.setdefault(kind, {})[ident] = self.entries[kind][ident]
        self.entries, self.changed = pruned, True


def _file_name(scope: dict[str, str]) -> str:
    """Readable, and unique per scope: the digest separates what the readable part might not."""
    digest = hashlib.sha256(json.dumps(scope, sort_keys=True).encode()).hexdigest()[:20]
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{scope['registry']}-{scope['region']}")[:60]
    return f"{readable}-{digest}.json.gz"


def _read(path: Path, scope: dict[str, str], warn: Callable[[str], None]) -> dict[str, dict[str, list[str]]] | None:
    """The file's entries; none when there is no file; None (and one warning) for anything but a sound file of
    this scope and version."""
    try:
        document = json.loads(gzip.decompress(path.read_bytes()))
    except FileNotFoundError:
        return {}
    except (OSError, EOFError, zlib.error, ValueError) as error:  # BadGzipFile is an OSError; JSON errors are ValueErrors
        warn(f"Warning: ignoring the observed-state cache {path}: {error}; this plan reads everything")
        return None
    if not _sound(document, scope):
        warn(f"Warning: ignoring the observed-state cache {path}: another format version or scope; this plan reads everything")
        return None
    return document["entries"]


def _sound(document: Any, scope: dict[str, str]) -> bool:
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION or document.get("scope") != scope:
        return False
    entries = document.get("entries")
    return isinstance(entries, dict) and all(
        isinstance(by_id, dict) and all(
            isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str) and _json_object(entry[1])
            for entry in by_id.values()
        )
        for by_id in entries.values()
    )


def _interned(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose member names are shared with every other description's."""
    return {sys.intern(key): value for key, value in pairs}


def _json_object(text: Any) -> bool:
    """Whether `text` is the JSON text of an object (a description as the cache keeps it)."""
    try:
        return isinstance(text, str) and isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _copy(value: Any, secrets: tuple[MemberPath, ...]) -> Any:
    """A deep copy of a JSON value without the members at `secrets` (paths of member names; lists are walked through)."""
    if isinstance(value, dict):
        copied = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise Unstorable(f"a non-text key {key!r}")
            if (key,) in secrets:
                continue
            copied[key] = _copy(item, tuple(path[1:] for path in secrets if len(path) > 1 and path[0] == key))
        return copied
    if isinstance(value, list):
        return [_copy(item, secrets) for item in value]
    if isinstance(value, JSON_SCALARS):
        return value
    raise Unstorable(f"a {type(value).__name__} value")


def _write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """The whole new file (`write` fills it) or the old one: never half a file, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
