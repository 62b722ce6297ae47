"""Reading spec text: files by suffix (YAML, JSON, TOML) into plain data plus a map from
field path (``layers[3].ir.k``) to 1-based line number, for error messages.

YAML is parsed once, by libyaml's C parser where PyYAML has it (``CSafeLoader``, 8–10×
faster than the pure-Python ``SafeLoader``, which is the fallback); the same node tree gives
both the data and the line map.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ArchcalcError


def field_path(parent: str, key) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _loader(text: str):
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)


def _line_map(root) -> dict[str, int]:
    """Field path -> line of every mapping key and sequence item under the YAML node ``root``."""
    import yaml

    lines: dict[str, int] = {}
    stack = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                sub = field_path(path, key_node.value)
                lines[sub] = key_node.start_mark.line + 1
                stack.append((value_node, sub))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = f"{path}[{i}]"
                lines[sub] = item.start_mark.line + 1
                stack.append((item, sub))
    return lines


def parse_yaml(text: str, construct: bool = True) -> tuple[object, dict[str, int]]:
    """``(data, lines)`` of YAML text in one parse (``data`` is ``None`` unless ``construct``);
    raises ``yaml.YAMLError``."""
    loader = _loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        return (loader.construct_document(root) if construct else None), _line_map(root)
    finally:
        loader.dispose()


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
        return data, _json_lines(text)
    if suffix == ".toml":
        import tomllib

        try:
            return tomllib.loads(text), {}
        except tomllib.TOMLDecodeError as exc:
            raise ArchcalcError(f"invalid TOML: {exc}", source=path) from None
    import yaml

    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ArchcalcError(f"invalid YAML: {problem}", source=path,
                            line=mark.line + 1 if mark else None) from None


def _json_lines(text: str) -> dict[str, int]:
    """The line map of JSON text read as YAML (JSON is YAML's flow style); empty for the
    rare JSON that YAML reads differently."""
    import yaml

    try:
        return parse_yaml(text, construct=False)[1]
    except yaml.YAMLError:
        return {}
