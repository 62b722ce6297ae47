"""Reading spec text: files by suffix (YAML, JSON, TOML) into plain data plus a map from
field path (``layers[3].ir.k``) to 1-based line number, for error messages."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ArchcalcError


def field_path(parent: str, key) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _yaml_lines(text: str) -> dict[str, int]:
    import yaml

    lines: dict[str, int] = {}

    def walk(node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                sub = field_path(path, key_node.value)
                lines[sub] = key_node.start_mark.line + 1
                walk(value_node, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = field_path(path, i)
                lines[sub] = item.start_mark.line + 1
                walk(item, sub)

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, "")
    return lines


def read_spec_file(path: str) -> tuple[object, dict[str, int]]:
    """Parse a spec file into (data, lines); raises :class:`ArchcalcError` on any failure."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ArchcalcError("no such spec file", source=path) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ArchcalcError(f"cannot read spec file ({exc.__class__.__name__})", source=path) from None
    suffix = p.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ArchcalcError(f"invalid JSON: {exc.msg}", source=path, line=exc.lineno) from None
        return data, _lines_or_empty(text)
    if suffix == ".toml":
        import tomllib

        try:
            return tomllib.loads(text), {}
        except tomllib.TOMLDecodeError as exc:
            raise ArchcalcError(f"invalid TOML: {exc}", source=path) from None
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ArchcalcError(f"invalid YAML: {problem}", source=path,
                            line=mark.line + 1 if mark else None) from None
    return data, _yaml_lines(text)


def _lines_or_empty(text: str) -> dict[str, int]:
    import yaml

    try:
        return _yaml_lines(text)
    except yaml.YAMLError:
        return {}
