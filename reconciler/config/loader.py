"""Load registry files into one plain document plus a map of where each key came from.

Files are read as YAML events (libyaml's C parser when PyYAML was built with
it, PyYAML's own parser otherwise: same events, same results) and built here,
without PyYAML's composer or constructor, so that

- every mapping key and list item keeps its file:line:column;
- a duplicate key is an error naming both places;
- only plain data comes out (str, int, float, bool, None, dates): any other
  tag (`!!python/object`, `!!binary`, `!foo`...) and any scalar its tag cannot
  read (`!!int lots`, `2024-02-30`) is an error, never an exception;
- a hostile file is refused early, in bounded time and memory, with one line:
  the limits below hold per file, and nothing recurses over the input.

Several files merge into one document; a key defined twice (other than
mappings, which merge) is an error naming both places.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)
from yaml.resolver import Resolver

from reconciler.config.parsed import ParsedFiles, parsed_files
from reconciler.errors import ConfigError, Location
from reconciler.vocabulary import KeyPath

# Limits per file. A 10,000-target registry in one file (100 gateways x 100 targets) is about 1 MB and
# 100,000 nodes; each limit leaves ample room above that and refuses what only an attack or an accident writes.
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NODES = 500_000  # keys, items and values, aliases expanded: 5x that file; reaching it takes about 0.7 s
MAX_DEPTH = 100  # the API's deepest members (nested tool schemas) sit about 20 levels down
MAX_ALIASES = 10_000  # room for a `<<: *defaults` merge in each target of a large file
MAX_ALIAS_NODES = 100_000  # the nodes aliases add, together: those merges at 10 nodes each; a billion laughs stops here
SHOWN_CHARACTERS = 80  # a value longer than this is cut in messages

Problem = tuple[Location | None, str]
Mark = tuple[str, int, int]  # file, 1-based line and column: a Location without the cost of building one per node

ENV_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
# What YAML refuses anywhere in a stream (yaml.reader.Reader.NON_PRINTABLE), found before parsing to name its line.
NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it; both yield the same events


def clip(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """`text` for a message: control characters escaped (a message is one line), cut to `limit` characters saying how long it was."""
    if not text.isprintable():
        text = repr(text)[1:-1]
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def brief(value: Any) -> str:
    """`repr(value)` for a message, cut: a long string shows its start and its length."""
    if type(value) is str and len(value) > SHOWN_CHARACTERS:
        return f"{value[:SHOWN_CHARACTERS]!r}... ({len(value):,} characters)"
    return clip(repr(value))


@dataclass
class SourceMap:
    """Where each node of the merged document was written, and which values came from the environment."""

    marks: dict[KeyPath, Mark] = field(default_factory=dict)
    from_env: set[KeyPath] = field(default_factory=set)
    _env_prefixes: dict[KeyPath, set[KeyPath]] = field(default_factory=dict, repr=False)

    def locate(self, path: KeyPath) -> Location | None:
        """The place of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(path[:end])
            if mark:
                return Location(*mark)
        return None

    def mark_from_env(self, path: KeyPath) -> None:
        self.from_env.add(path)
        for end in range(len(path) + 1):
            self._env_prefixes.setdefault(path[:end], set()).add(path[end:])

    def has_secret(self, path: KeyPath) -> bool:
        """Whether the value at `path`, anything inside it or what contains it came from `${env:}`: never print it."""
        return tuple(path) in self._env_prefixes or any(path[:end] in self.from_env for end in range(len(path)))

    def secrets_under(self, path: KeyPath) -> set[KeyPath]:
        """The paths, relative to `path`, of the values under it that came from `${env:}`."""
        return set(self._env_prefixes.get(tuple(path), ()))


@dataclass
class Document:
    data: dict[str, Any]
    source: SourceMap
    files: list[str]


def expand_paths(paths: list[str]) -> list[Path]:
    """Files named directly, and every *.yaml / *.yml below a named folder, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise ConfigError([(None, f"{raw}: no such file or folder")])
    if not found:
        raise ConfigError([(None, f"no *.yaml files found in {', '.join(paths)}")])
    return found


class OfflineEnviron(dict):
    """The environment for checks without the secrets (pre-commit): an unset variable stands for itself."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> str:
        return f"${{env:{name}}}"


def load(paths: list[str], environ: dict[str, str] | None = None, interpolate: bool = True) -> Document:
    """Load, merge and interpolate the files; raise ConfigError with every problem found.

    `interpolate=False` keeps `${env:VAR}` as written: for comparing declarations, never for API calls.
    """
    files = expand_paths(paths)
    problems: list[Problem] = []
    texts = [(str(file), _read(file, problems)) for file in files]
    return _document([(name, text) for name, text in texts if text is not None], [name for name, _ in texts],
                     environ, interpolate, problems)


def load_texts(sources: list[tuple[str, str]], environ: dict[str, str] | None = None, interpolate: bool = True) -> Document:
    """`load` of texts already read (e.g. the files at a git ref), each with the name its messages give."""
    problems: list[Problem] = []
    fit = [(name, text) for name, text in sources if _check_size(name, len(text.encode("utf-8", "surrogatepass")), problems)]
    return _document(fit, [name for name, _ in sources], environ, interpolate, problems)


def _document(sources: list[tuple[str, str]], files: list[str], environ: dict[str, str] | None, interpolate: bool,
              problems: list[Problem]) -> Document:
    document: dict[str, Any] = {}
    source = SourceMap()
    kept = parsed_files(Path(__file__), _Parser.__name__)
    for name, text in sources:
        loaded = _parse_or_kept(name, text, problems, kept)
        if loaded is not None:
            _merge(document, source.marks, *loaded, problems)
    kept.save()
    if interpolate and any(_may_reference(text) for _, text in sources):
        _interpolate(document, dict(os.environ) if environ is None else environ, source, problems)
    if problems:
        raise ConfigError(problems)
    return Document(document, source, files)


def _may_reference(text: str) -> bool:
    """Whether a value of this file can hold `${env:`: written so, or made so by an escape (`\\x24{env:`)."""
    return "${env:" in text or "\\" in text


def _check_size(name: str, size: int, problems: list[Problem]) -> bool:
    if size > MAX_FILE_BYTES:
        problems.append((Location(name, 1), f"the file has {size:,} bytes, more than the limit of {MAX_FILE_BYTES:,}"))
        return False
    return True


def _read(file: Path, problems: list[Problem]) -> str | None:
    name = str(file)
    try:
        with file.open("rb") as stream:
            if not _check_size(name, os.fstat(stream.fileno()).st_size, problems):
                return None
            raw = stream.read(MAX_FILE_BYTES + 1)  # never more, whatever the file claims to be
    except OSError as error:
        problems.append((Location(name, 1), f"cannot read: {error.strerror or error}"))
        return None
    if not _check_size(name, len(raw), problems):
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.append((Location(name, line), f"not UTF-8 text: byte 0x{raw[error.start]:02x} cannot be decoded"))
        return None


def _parse_or_kept(name: str, text: str, problems: list[Problem], kept: ParsedFiles) -> tuple[dict[str, Any], dict[KeyPath, Mark]] | None:
    """`_parse`, or what an earlier run's clean parse of this exact text gave (see parsed.py)."""
    key = kept.key(name, text)
    loaded = kept.get(key)
    if loaded is None:
        reported = len(problems)
        loaded = _parse(name, text, problems)
        if loaded is not None and len(problems) == reported:
            kept.put(key, loaded)
    return loaded


def _parse(name: str, text: str, problems: list[Problem]) -> tuple[dict[str, Any], dict[KeyPath, Mark]] | None:
    """One file's document and the marks of its nodes, or None when a problem was reported."""
    bad = NON_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        problems.append((Location(name, line), f"invalid YAML: character U+{ord(bad.group()):04X} is not allowed"))
        return None
    builder = _Builder(name, problems)
    try:
        data = builder.document(text)
    except _Refused as refused:
        problems.append((Location(name, *refused.mark[1:]), refused.message))
        return None
    except (RecursionError, MemoryError) as error:  # the limits make these unreachable; never a traceback all the same
        problems.append((Location(name, 1), f"cannot load: {type(error).__name__}"))
        return None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        problems.append((Location(name, 1), "the top level of a registry file must be a mapping"))
        return None
    return data, builder.marks


class _Refused(Exception):
    """Loading this file stops here: a YAML syntax error or a limit."""

    def __init__(self, mark: Mark, message: str):
        super().__init__(message)
        self.mark = mark
        self.message = message


class _Merge:
    """The `<<` merge key: its value's mappings supply the keys this mapping does not set."""


MERGE = _Merge()
_NO_KEY = object()  # a mapping waiting for its next key
_DROPPED = object()  # a mapping whose pending value is read but kept nowhere (after a bad or duplicate key)

_STR = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAPPING_TAGS = (None, "!", "tag:yaml.org,2002:map")
_SEQUENCE_TAGS = (None, "!", "tag:yaml.org,2002:seq")
_PLAIN_TYPES = ("null", "bool", "int", "float", "timestamp")
_CONSTRUCTORS = {f"tag:yaml.org,2002:{name}": SafeConstructor.yaml_constructors[f"tag:yaml.org,2002:{name}"] for name in _PLAIN_TYPES}
_CONSTRUCTOR = SafeConstructor()
_RESOLVER = Resolver()
# Plain scalars whose first character no implicit resolver claims are strings: most of them, resolved without a regex.
_RESOLVED_FIRST = frozenset(k for k in Resolver.yaml_implicit_resolvers if k)
_RESOLVE_ALL = None in Resolver.yaml_implicit_resolvers  # a resolver for any first character


@dataclass(slots=True)
class _Open:
    """A mapping or sequence being built. `path` None: it is read only to be dropped, and records no places."""

    value: Any
    path: KeyPath | None
    mark: Mark
    anchor: str | None
    start: int  # len(_Builder.order) when it opened: its descendants' places follow
    nodes: int  # _Builder.nodes before it opened
    height: int = 0  # levels of collections below it (0: it holds only scalars)
    key: Any = _NO_KEY  # a mapping's pending key: a str, MERGE or _DROPPED
    merge: Any = None  # a mapping's `<<` value
    merge_start: int = -1  # len(_Builder.order) when its `<<` value began


@dataclass(slots=True)
class _Anchor:
    value: Any
    path: KeyPath | None
    start: int
    end: int
    nodes: int
    height: int


class _Builder:
    """Builds one YAML document from parser events into plain values, recording each node's mark."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        self.marks: dict[KeyPath, Mark] = {}
        self.order: list[KeyPath] = []  # the paths of `marks` in the order recorded: an anchor's places are a slice
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: set[str] = set()
        self.nodes = 0
        self.aliases = 0
        self.alias_nodes = 0
        self.plain: dict[str, Any] = {}  # plain scalars already resolved (every result is immutable)

    def mark(self, event: Any) -> Mark:
        return (self.file, event.start_mark.line + 1, event.start_mark.column + 1)

    def problem(self, mark: Mark, message: str) -> None:
        self.problems.append((Location(*mark), message))

    def record(self, path: KeyPath, mark: Mark) -> None:
        self.marks[path] = mark
        self.order.append(path)

    def document(self, text: str) -> Any:
        """The file's single document (None when it has none); raises _Refused."""
        parser = _Parser(text)
        try:
            return self._stream(parser.get_event)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = (self.file, mark.line + 1, mark.column + 1) if mark else (self.file, 1, 1)
            raise _Refused(where, f"invalid YAML: {_one_line(error.problem or error.context or 'syntax error')}") from None
        except yaml.YAMLError as error:
            raise _Refused((self.file, 1, 1), f"invalid YAML: {_one_line(str(error))}") from None
        finally:
            parser.dispose()

    def _stream(self, next_event: Any) -> Any:
        next_event()  # StreamStartEvent
        if type(next_event()) is StreamEndEvent:  # else DocumentStartEvent
            return None
        root = self._root(next_event)
        event = next_event()
        if type(event) is not StreamEndEvent:
            raise _Refused(self.mark(event), "invalid YAML: a registry file holds one document; a second one starts here")
        return root

    def _root(self, next_event: Any) -> Any:
        """Events to values with an explicit stack: the input's nesting never becomes Python recursion."""
        stack: list[_Open] = []
        file = self.file
        while True:
            event = next_event()
            kind = type(event)
            parent = stack[-1] if stack else None
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                done = stack.pop()
                value, height = self._close(done), done.height
                parent = stack[-1] if stack else None
            elif kind is DocumentEndEvent:
                return None  # an empty document
            else:
                start = event.start_mark
                mark = (file, start.line + 1, start.column + 1)
                as_key = parent is not None and parent.key is _NO_KEY and type(parent.value) is dict
                path = None if as_key else self._child_path(parent, mark)
                if kind is ScalarEvent:
                    self._count(mark, 1)
                    value, height = self._scalar(event, mark), -1
                    if value is MERGE and not as_key:
                        value = event.value
                    if event.anchor is not None:
                        self._define(event.anchor, _Anchor(value, path, 0, 0, 1, -1), mark)
                elif kind is AliasEvent:
                    value, height = self._alias(event.anchor, path, mark, len(stack))
                else:
                    stack.append(self._open(event, path, mark, as_key, len(stack)))
                    continue
            if parent is None:
                next_event()  # DocumentEndEvent
                return value
            self._add(parent, value, height, mark)

    def _count(self, mark: Mark, nodes: int) -> None:
        self.nodes += nodes
        if self.nodes > MAX_NODES:
            raise _Refused(mark, f"more than {MAX_NODES:,} nodes (keys, items and values, aliases expanded): refused")

    def _child_path(self, parent: _Open | None, mark: Mark) -> KeyPath | None:
        """The path of a value starting inside `parent`, its place recorded; None for a dropped value."""
        if parent is None:
            return ()
        if parent.path is None:
            return None
        if type(parent.value) is list:
            path = parent.path + (len(parent.value),)
            self.record(path, mark)
            return path
        key = parent.key
        if key is _DROPPED:
            return None
        return parent.path + (key,)  # its place is its key's, recorded with the key (MERGE's move when the mapping closes)

    def _open(self, event: Any, path: KeyPath | None, mark: Mark, as_key: bool, depth: int) -> _Open:
        self._count(mark, 1)
        if depth >= MAX_DEPTH:
            raise _Refused(mark, f"nested deeper than {MAX_DEPTH} levels: refused")
        is_mapping = type(event) is MappingStartEvent
        if event.tag not in (_MAPPING_TAGS if is_mapping else _SEQUENCE_TAGS):
            self.problem(mark, f"the tag {clip(event.tag)} is not allowed (plain YAML data only)")
        if as_key:
            self.problem(mark, f"keys must be strings, not {'a mapping' if is_mapping else 'a list'}")
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        return _Open({} if is_mapping else [], path, mark, event.anchor, len(self.order), self.nodes - 1)

    def _close(self, done: _Open) -> Any:
        if done.merge is not None:
            self._apply_merge(done)
        if done.anchor is not None:
            self.open_anchors.discard(done.anchor)
            self._define(done.anchor, _Anchor(done.value, done.path, done.start, len(self.order), self.nodes - done.nodes,
                                              done.height), done.mark)
        return done.value

    def _define(self, name: str, anchor: _Anchor, mark: Mark) -> None:
        if name in self.anchors:
            raise _Refused(mark, f"invalid YAML: the anchor &{clip(name)} is defined twice")
        self.anchors[name] = anchor

    def _add(self, parent: _Open, value: Any, height: int, mark: Mark) -> None:
        """Put a finished node into its parent: a list item, a mapping's key, or a mapping's value (height -1: a scalar)."""
        if height >= parent.height:
            parent.height = height + 1
        if type(parent.value) is list:
            parent.value.append(value)
            return
        key = parent.key
        if key is _NO_KEY:
            parent.key = _DROPPED if type(value) is dict or type(value) is list else self._key(parent, value, mark)
        elif key is MERGE:
            parent.merge, parent.key = value, _NO_KEY
        else:
            if key is not _DROPPED:
                parent.value[key] = value
            parent.key = _NO_KEY

    def _key(self, parent: _Open, key: Any, mark: Mark) -> Any:
        """A mapping key as a string (an integer as its decimal form: gateway rules are keyed by priority)."""
        if key is MERGE:
            if parent.merge_start >= 0:
                self.problem(mark, "duplicate key '<<' (one merge per mapping)")
                return _DROPPED
            parent.merge_start = len(self.order)
            return MERGE
        if type(key) is int:
            key = str(key)
        elif type(key) is not str:
            self.problem(mark, f"keys must be strings, not {brief(key)}")
            return _DROPPED
        key = sys.intern(key)  # thousands of declarations share a handful of member names: one string each
        if parent.path is None:  # built only for the anchors inside it
            return _DROPPED if key in parent.value else key
        path = parent.path + (key,)
        if key in parent.value:
            first = self.marks.get(path)
            self.problem(mark, f"duplicate key '{clip(key)}' (first defined at {Location(*first) if first else '?'})")
            return _DROPPED
        self.record(path, mark)
        return key

    def _scalar(self, event: Any, mark: Mark) -> Any:
        tag, text = event.tag, event.value
        if tag is not None:
            return self._construct(tag, event, mark)
        if not event.implicit[0]:
            return text  # quoted
        value = self.plain.get(text, _NO_KEY)
        if value is _NO_KEY:
            resolve = _RESOLVE_ALL or not text or text[0] in _RESOLVED_FIRST
            tag = _RESOLVER.resolve(yaml.ScalarNode, text, event.implicit) if resolve else _STR
            value = self.plain[text] = self._construct(tag, event, mark)
        return value

    def _construct(self, tag: str, event: Any, mark: Mark) -> Any:
        if tag == _STR or tag == "!":
            return event.value
        if tag == _MERGE_TAG:  # `<<` is the merge key where a key stands, a plain string elsewhere
            return MERGE
        construct = _CONSTRUCTORS.get(tag)
        if construct is None:
            if not event.implicit[0]:
                self.problem(mark, f"the tag {clip(tag)} is not allowed (plain YAML data only)")
            return event.value  # an implicit tag without a constructor (`=`): the text as written
        try:
            return construct(_CONSTRUCTOR, yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark))
        except Exception as error:  # PyYAML's constructors raise ValueError, KeyError, IndexError... on bad text
            reason = f" ({clip(_one_line(str(error)))})" if type(error) is ValueError else ""
            self.problem(mark, f"{brief(event.value)} is not a valid {tag.rsplit(':', 1)[-1]}{reason}")
            return event.value

    def _alias(self, name: str, path: KeyPath | None, mark: Mark, depth: int) -> tuple[Any, int]:
        anchor = self.anchors.get(name)
        if anchor is None:
            where = "is inside its own anchor" if name in self.open_anchors else "has no anchor before it"
            raise _Refused(mark, f"invalid YAML: the alias *{clip(name)} {where}")
        self.aliases += 1
        self.alias_nodes += anchor.nodes
        if self.aliases > MAX_ALIASES:
            raise _Refused(mark, f"more than {MAX_ALIASES:,} aliases: refused")
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise _Refused(mark, f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes: refused")
        self._count(mark, anchor.nodes)
        if type(anchor.value) is not dict and type(anchor.value) is not list:
            return anchor.value, -1
        if depth + anchor.height >= MAX_DEPTH:
            raise _Refused(mark, f"nested deeper than {MAX_DEPTH} levels (aliases expanded): refused")
        if path is not None and anchor.path is not None:
            cut = len(anchor.path)
            for old in self.order[anchor.start : anchor.end]:
                old_mark = self.marks.get(old)
                if old_mark is not None:
                    self.record(path + old[cut:], old_mark)
        return _copy(anchor.value), anchor.height

    def _apply_merge(self, mapping: _Open) -> None:
        """Keys of the `<<` mapping(s) that the mapping does not set itself; of a list, earlier mappings win."""
        merged = mapping.merge
        sources = [merged] if type(merged) is dict else merged
        if type(sources) is not list or any(type(s) is not dict for s in sources):
            self.problem(mapping.mark, "`<<` (merge) needs a mapping or a list of mappings")
            return
        chosen: dict[str, int] = {}
        for index, source in enumerate(sources):
            for key in source:
                if key not in mapping.value and key not in chosen:
                    chosen[key] = index
        for key, index in chosen.items():
            mapping.value[key] = sources[index][key]
        if mapping.path is not None:
            self._move_merged_marks(mapping.path, type(merged) is dict, chosen, mapping.merge_start)

    def _move_merged_marks(self, path: KeyPath, single: bool, chosen: dict[str, int], start: int) -> None:
        """Places recorded under `path + (MERGE, ...)` move to the keys the merge supplied; the others go."""
        base = path + (MERGE,)
        key_at = len(base) + (0 if single else 1)
        for old in self.order[start:]:
            if old[: len(base)] != base:
                continue
            mark = self.marks.pop(old, None)
            if mark is None or len(old) <= key_at:
                continue
            key = old[key_at]
            if key in chosen and (single or old[len(base)] == chosen[key]):
                self.record(path + old[key_at:], mark)


def _copy(value: Any) -> Any:
    """A deep copy of plain data (an alias's own value, so later changes in place stay where they are made)."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy(v) for v in value]
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _merge(into: dict[str, Any], marks: dict[KeyPath, Mark], new: dict[str, Any], new_marks: dict[KeyPath, Mark],
           problems: list[Problem]) -> None:
    """Merge a file's document into the registry's: mappings merge key by key, anything else defined twice conflicts."""
    _merge_values(into, new, (), marks, new_marks, problems)
    for path, mark in new_marks.items():
        marks.setdefault(path, mark)  # a merged mapping keeps its first place; conflicts were reported


def _merge_values(into: dict[str, Any], new: dict[str, Any], path: KeyPath, marks: dict[KeyPath, Mark],
                  new_marks: dict[KeyPath, Mark], problems: list[Problem]) -> None:
    for key, value in new.items():
        child = path + (key,)
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge_values(into[key], value, child, marks, new_marks, problems)
        else:
            where, first = new_marks.get(child), marks.get(child)
            problems.append((Location(*where) if where else None,
                             f"'{'.'.join(clip(str(part)) for part in child)}' is already defined at {Location(*first) if first else '?'}"))


def _interpolate(document: dict[str, Any], environ: dict[str, str], source: SourceMap, problems: list[Problem]) -> None:
    """Replace ${env:VAR} in every string, in place; values taken from the environment are secret."""
    pending: list[tuple[Any, KeyPath]] = [(document, ())]
    while pending:
        container, path = pending.pop()
        items: Iterable[tuple[Any, Any]] = container.items() if type(container) is dict else enumerate(container)
        for key, value in items:
            if type(value) is str:
                if "${env:" in value:
                    container[key] = _substitute(value, path + (key,), environ, source, problems)
            elif type(value) is dict or type(value) is list:
                pending.append((value, path + (key,)))


def _substitute(value: str, path: KeyPath, environ: dict[str, str], source: SourceMap, problems: list[Problem]) -> str:
    def variable(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            problems.append((source.locate(path), f"environment variable {name} is not set"))
            return ""
        return environ[name]

    source.mark_from_env(path)
    return ENV_REFERENCE.sub(variable, value)

