"""Inline blocks on the command line: ``ir(t=6,out=24,s=2)``, ``pool(global)``, several
separated by commas at the top level: ``conv(out=32,s=2), dwsep(out=64)``; non-square sizes
as ``k=1x7``, ``p=0x3``."""

from __future__ import annotations

import re

from ..errors import ArchcalcError

_CALL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.S)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*$")
_SIZES = re.compile(r"\d+(?:x\d+)+$")
SOURCE = "<inline>"


def looks_inline(text: str) -> bool:
    """True for strings that are block calls rather than paths or zoo names."""
    return "(" in text or (_IDENT.match(text) is not None and "." not in text and "/" not in text)


def _split_top(text: str, sep: str = ",") -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ArchcalcError(f"unbalanced ')' at column {i + 1} in {text!r}", source=SOURCE)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise ArchcalcError(f"missing ')' in {text!r}", source=SOURCE)
    parts.append(text[start:])
    return parts


def _value(raw: str, where: str):
    raw = raw.strip()
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if _SIZES.match(raw):  # a non-square kernel or padding: 1x7 -> [1, 7]
        return [int(v) for v in raw.split("x")]
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    if _WORD.match(raw):
        return raw
    raise ArchcalcError(f"malformed value {raw!r}", source=SOURCE, field=where)


def parse_inline(text: str) -> list[tuple[str, dict, list]]:
    """Parse into ``[(block, {key: value}, [positional values])]``; raises on malformed text."""
    if not text.strip():
        raise ArchcalcError("empty block string", source=SOURCE)
    calls = []
    for part in _split_top(text):
        m = _CALL.match(part)
        if not m:
            raise ArchcalcError(f"malformed block {part.strip()!r}: expected name(key=value, ...)",
                                source=SOURCE)
        kind, body = m.group(1), m.group(2) or ""
        kwargs, positional = {}, []
        for arg in _split_top(body) if body.strip() else []:
            if not arg.strip():
                raise ArchcalcError(f"malformed block {part.strip()!r}: empty argument",
                                    source=SOURCE)
            if "=" in arg:
                key, raw = arg.split("=", 1)
                key = key.strip()
                if not _IDENT.match(key):
                    raise ArchcalcError(f"malformed argument {arg.strip()!r}", source=SOURCE,
                                        field=kind)
                if key in kwargs:
                    raise ArchcalcError("given twice", source=SOURCE, field=f"{kind}.{key}")
                kwargs[key] = _value(raw, f"{kind}.{key}")
            elif kwargs:
                raise ArchcalcError(f"positional value {arg.strip()!r} after key=value",
                                    source=SOURCE, field=kind)
            else:
                positional.append(_value(arg, kind))
        calls.append((kind, kwargs, positional))
    return calls
