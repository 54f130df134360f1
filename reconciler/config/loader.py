"""Load registry files into one plain document plus a map of where each key came from.

pyyaml silently keeps the last of two equal keys and forgets line numbers, so
files are composed into nodes and built by hand: duplicate keys are errors and
every mapping key and list item records its `Location`. Several files merge
into one document; a key defined twice (other than mappings, which merge) is
an error naming both places.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reconciler.errors import ConfigError, Location

Path_ = tuple[str | int, ...]
Problem = tuple[Location | None, str]

ENV_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class SourceMap:
    """Where each node of the merged document was written, and which values are secret."""

    places: dict[Path_, Location] = field(default_factory=dict)
    from_env: set[Path_] = field(default_factory=set)

    def locate(self, path: Path_) -> Location | None:
        """The place of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            place = self.places.get(tuple(path[:end]))
            if place:
                return place
        return None


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


class OfflineEnviron(dict):  # type: ignore[type-arg]
    """The environment for checks without the secrets (pre-commit): an unset variable stands for itself."""

    def __contains__(self, name: object) -> bool:
        return True

    def __missing__(self, name: str) -> str:
        return f"${{env:{name}}}"


def load(paths: list[str], environ: dict[str, str] | None = None, interpolate: bool = True) -> Document:
    """Load, merge and interpolate the files; raise ConfigError with every problem found.

    `interpolate=False` keeps `${env:VAR}` as written: for comparing declarations, never for API calls.
    """
    environ = dict(os.environ) if environ is None else environ
    problems: list[Problem] = []
    document: dict[str, Any] = {}
    source = SourceMap()
    files = expand_paths(paths)
    for file in files:
        loaded = _load_file(file, problems)
        if loaded is None:
            continue
        data, places = loaded
        _merge(document, data, (), source.places, places, problems)
    if interpolate:
        _interpolate(document, (), environ, source, problems)
    if problems:
        raise ConfigError(problems)
    return Document(document, source, [str(f) for f in files])


def _load_file(file: Path, problems: list[Problem]) -> tuple[dict[str, Any], dict[Path_, Location]] | None:
    name = str(file)
    try:
        loader = yaml.SafeLoader(file.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1)
        problems.append((where, f"invalid YAML: {error.problem or error.context}"))
        return None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problems.append((Location(name, 1), f"cannot read: {error}"))
        return None
    if node is None:
        return {}, {}
    builder = _Builder(name, loader, problems)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        problems.append((builder.place(node), "the top level of a registry file must be a mapping"))
        return None
    return data, builder.places


class _Builder:
    """Turns a composed YAML node tree into plain values, recording places."""

    def __init__(self, file: str, loader: yaml.SafeLoader, problems: list[Problem]):
        self.file = file
        self.loader = loader
        self.problems = problems
        self.places: dict[Path_, Location] = {}

    def place(self, node: yaml.Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, child in enumerate(node.value):
                self.places[path + (index,)] = self.place(child)
                items.append(self.build(child, path + (index,)))
            return items
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        self.loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                self.problems.append((self.place(key_node), f"keys must be strings, not {key!r}"))
                continue
            child = path + (key,)
            if key in result:
                first = self.places[child]
                self.problems.append((self.place(key_node), f"duplicate key '{key}' (first defined at {first})"))
                continue
            self.places[child] = self.place(key_node)
            result[key] = self.build(value_node, child)
        return result


def _merge(
    into: dict[str, Any],
    new: dict[str, Any],
    path: Path_,
    places: dict[Path_, Location],
    new_places: dict[Path_, Location],
    problems: list[Problem],
) -> None:
    """Merge `new` into `into`: mappings merge key by key, anything else defined twice conflicts."""
    for key, value in new.items():
        child = path + (key,)
        if key not in into:
            into[key] = value
            places.update({p: loc for p, loc in new_places.items() if p[: len(child)] == child})
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, child, places, new_places, problems)
        else:
            problems.append(
                (new_places.get(child), f"'{'.'.join(map(str, child))}' is already defined at {places.get(child)}")
            )


def _interpolate(value: Any, path: Path_, environ: dict[str, str], source: SourceMap, problems: list[Problem]) -> Any:
    """Replace ${env:VAR} in every string, in place; values taken from the environment are secret."""
    if isinstance(value, dict):
        for key in value:
            value[key] = _interpolate(value[key], path + (key,), environ, source, problems)
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = _interpolate(item, path + (index,), environ, source, problems)
        return value
    if not isinstance(value, str) or "${env:" not in value:
        return value

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            problems.append((source.locate(path), f"environment variable {name} is not set"))
            return ""
        return environ[name]

    source.from_env.add(path)
    return ENV_REFERENCE.sub(substitute, value)
