"""Registry files parsed by an earlier run, kept by content: a file whose exact text loaded cleanly is not parsed again.

A central registry has a thousand files, of which a pull request changes a
few; parsing them all is most of what `validate` and a plan spend before the
first AWS call. One file under the user cache directory (observed.cache_root)
holds each cleanly parsed file's document and marks, keyed by a digest of its
name and text. The file's own name carries a digest of the loader's source and
of PyYAML's parser, so a loader that parses differently never reads another
one's results. Only a parse that reported nothing is kept: a file with a
problem is parsed, and reported, every time. The file is safe to lose; one
that does not read back is ignored.

Entries are marshal data (plain values, tuples and shared references as the
builder made them), each decoded afresh when used: the loaded documents are
changed in place later (interpolation, references), never the cache's.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from reconciler.observed import cache_root
from reconciler.vocabulary import KeyPath

Parsed = tuple[dict[str, Any], dict[KeyPath, tuple[str, int, int]]]
MAX_ENTRIES = 20_000  # twice the files of a 10,000-target registry kept one team per file
PREFIX = "parsed-"


class ParsedFiles:
    """This run's view of the kept parses: looked up per file, written back once if anything new was parsed."""

    def __init__(self, folder: Path, loader: Path, parser: str):
        self.path = folder / f"{PREFIX}{_loader_digest(loader, parser)}.marshal"
        self.entries = _read(self.path)
        self.used: dict[bytes, bytes] = {}

    @staticmethod
    def key(name: str, text: str) -> bytes:
        return hashlib.sha256(f"{name}\0{text}".encode("utf-8", "surrogatepass")).digest()

    def get(self, key: bytes) -> Parsed | None:
        raw = self.entries.get(key)
        if raw is None:
            return None
        try:
            data, marks = marshal.loads(raw)
        except (EOFError, ValueError, TypeError):
            return None
        if type(data) is not dict or type(marks) is not dict:
            return None
        self.used[key] = raw
        return data, marks

    def put(self, key: bytes, parsed: Parsed) -> None:
        try:
            self.used[key] = marshal.dumps(parsed)
        except ValueError:  # a value marshal cannot keep (a YAML date): parsed again next time
            pass

    def save(self) -> None:
        """Write the entries back when this run parsed anything new: those it used first, then the older ones."""
        if all(key in self.entries for key in self.used):
            return
        older = [item for item in self.entries.items() if item[0] not in self.used]
        kept = dict(older[max(0, len(older) - (MAX_ENTRIES - len(self.used))):]) | self.used
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.path.parent, prefix=PREFIX, suffix=".tmp", delete=False) as out:
                marshal.dump(kept, out)
            os.replace(out.name, self.path)
        except OSError:  # a read-only cache directory only costs the next run its parse
            pass


def parsed_files(loader: Path, parser: str) -> ParsedFiles:
    """The kept parses of the loader whose source is `loader`, with PyYAML's `parser`."""
    return ParsedFiles(cache_root(), loader, parser)


def _read(path: Path) -> dict[bytes, bytes]:
    try:
        with path.open("rb") as stream:
            entries = marshal.load(stream)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return entries if type(entries) is dict else {}


@lru_cache(maxsize=4)
def _loader_digest(loader: Path, parser: str) -> str:
    """What decides how a text parses: the loader's source, PyYAML's version and which parser it has."""
    digest = hashlib.sha256(loader.read_bytes())
    digest.update(f"{yaml.__version__} {parser} {marshal.version}".encode())
    return digest.hexdigest()[:16]
