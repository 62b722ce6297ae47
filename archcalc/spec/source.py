"""Reading spec text: files by suffix (YAML, JSON, TOML) into plain data plus a map from
field path (``layers[3].ir.k``) to 1-based line number, for error messages.

YAML is parsed once, by libyaml's C parser where PyYAML has it (``CSafeLoader``, 8–10×
faster than the pure-Python ``SafeLoader``, which is the fallback); the same node tree gives
both the data and the line map.  Safe by construction: only regular files within
:data:`~archcalc.limits.MAX_FILE_BYTES` are read; YAML's safe loader builds plain data only,
aliases are limited and duplicate keys refused; nesting is limited in every format; a file's
content is never echoed in an error about the file as a whole.
"""

from __future__ import annotations

import json
import os
import re
import stat

from ..errors import ArchcalcError
from ..limits import MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES


def field_path(parent: str, key) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _loader(text: str):
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)


class SpecFileError(ValueError):
    """A structural problem found while reading a spec file (line where known)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line


def _line_map(root) -> dict[str, int]:
    """Field path -> line of every mapping key and sequence item under the YAML node ``root``;
    raises :class:`SpecFileError` for duplicate keys, too many aliases or too deep nesting."""
    import yaml

    lines: dict[str, int] = {}
    seen: set[int] = set()
    aliases = 0
    stack = [(root, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            continue
        if id(node) in seen:  # a node reached again: an alias (*name) of an anchor (&name)
            aliases += 1
            if aliases > MAX_ALIASES:
                raise SpecFileError(f"more than {MAX_ALIASES} YAML aliases (*name)",
                                    node.start_mark.line + 1)
            continue
        seen.add(id(node))
        if depth >= MAX_DEPTH:
            raise SpecFileError(f"nested more than {MAX_DEPTH} levels deep",
                                node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            keys = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node.value, str):  # the constructor refuses it
                    continue
                if key_node.value in keys:
                    raise SpecFileError(f"{field_path(path, key_node.value)} given twice",
                                        key_node.start_mark.line + 1)
                keys.add(key_node.value)
                sub = field_path(path, key_node.value)
                lines[sub] = key_node.start_mark.line + 1
                stack.append((value_node, sub, depth + 1))
        else:
            for i, item in enumerate(node.value):
                sub = f"{path}[{i}]"
                lines[sub] = item.start_mark.line + 1
                stack.append((item, sub, depth + 1))
    return lines


def _expanded_size(node, sizes: dict) -> int:
    """How many values the YAML node tree holds once every alias is expanded (depth already
    limited by :func:`_line_map`, each shared node counted once per use)."""
    if id(node) not in sizes:
        children = node.value if isinstance(node.value, list) else []
        sizes[id(node)] = 1 + sum(_expanded_size(c, sizes) for pair in children
                                  for c in (pair if isinstance(pair, tuple) else (pair,)))
    return sizes[id(node)]


def _depth_checked(data):
    """``data`` (parsed JSON or TOML) after checking its nesting depth."""
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise SpecFileError(f"nested more than {MAX_DEPTH} levels deep")
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict)
                                                  else value))
    return data


def parse_yaml(text: str, construct: bool = True) -> tuple[object, dict[str, int]]:
    """``(data, lines)`` of YAML text in one parse (``data`` is ``None`` unless ``construct``);
    the structure is checked (:func:`_line_map`) before any value is built.  Raises
    ``yaml.YAMLError`` or :class:`SpecFileError`."""
    loader = _loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        lines = _line_map(root)
        if _expanded_size(root, {}) > MAX_VALUES:
            raise SpecFileError(f"its aliases (*name) expand to more than {MAX_VALUES:,} values")
        return (loader.construct_document(root) if construct else None), lines
    finally:
        loader.dispose()


def _check_regular(fd: int, path: str) -> None:
    """Nothing for a regular file within the size limit; else closes ``fd`` and raises."""
    st = os.fstat(fd)
    problem = ("not a regular file" if not stat.S_ISREG(st.st_mode) else
               f"larger than {MAX_FILE_BYTES // 2**20} MiB; a spec is a short text file"
               if st.st_size > MAX_FILE_BYTES else "")
    if problem:
        os.close(fd)
        raise ArchcalcError(problem, source=path)


def _read_text(path: str) -> str:
    """The text of a regular spec file of at most :data:`MAX_FILE_BYTES` (UTF-8, a BOM
    allowed); devices, FIFOs and directories are refused before any read."""
    try:  # O_NONBLOCK: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        _check_regular(fd, path)
        with os.fdopen(fd, "rb", buffering=0) as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ArchcalcError("no such spec file", source=path) from None
    except OSError as exc:
        raise ArchcalcError(f"cannot read spec file ({exc.strerror or exc.__class__.__name__})",
                            source=path) from None
    except ValueError:  # a NUL byte in the name
        raise ArchcalcError("no such spec file", source=path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArchcalcError("not a UTF-8 text file", source=path) from None


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    for k in keys:
        if keys.count(k) > 1:
            raise SpecFileError(f"key {k!r} given twice")
    return dict(pairs)


_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")


def read_spec_file(path: str) -> tuple[object, dict[str, int]]:
    """Parse a spec file into (data, lines); raises :class:`ArchcalcError` on any failure."""
    text = _read_text(path)
    suffix = os.path.splitext(path)[1].lower()
    try:
        if suffix == ".json":
            data = _depth_checked(json.loads(text, object_pairs_hook=_no_duplicates))
            return data, _json_lines(text)
        if suffix == ".toml":
            import tomllib

            return _depth_checked(tomllib.loads(text)), {}
        return parse_yaml(text)
    except SpecFileError as exc:
        raise ArchcalcError(exc.message, source=path, line=exc.line) from None
    except json.JSONDecodeError as exc:
        raise ArchcalcError(f"invalid JSON: {exc.msg}", source=path, line=exc.lineno) from None
    except RecursionError:
        raise ArchcalcError(f"nested more than {MAX_DEPTH} levels deep", source=path) from None
    except ValueError as exc:  # tomllib's errors, and integer literals of thousands of digits
        at = _TOML_AT.search(str(exc))
        problem = _TOML_AT.sub("", str(exc)).strip() if at else "a number too long to read"
        kind = "TOML" if suffix == ".toml" else "JSON" if suffix == ".json" else "YAML"
        raise ArchcalcError(f"invalid {kind}: {problem}", source=path,
                            line=int(at.group(1)) if at else None) from None
    except Exception as exc:  # PyYAML's errors
        import yaml

        if not isinstance(exc, yaml.YAMLError):
            raise
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
    except (yaml.YAMLError, SpecFileError):
        return {}
