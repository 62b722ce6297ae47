"""The one error type archcalc raises for bad input; the CLI prints it as one line, exit 2."""

from __future__ import annotations

import unicodedata


class ArchcalcError(Exception):
    """A user-facing error, located as precisely as known: ``source:line: field: message``.

    ``source`` is a file path, ``<inline>`` or ``zoo:NAME``; ``field`` a dotted path into the
    spec such as ``layers[3].ir.k``.
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 field: str | None = None):
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        super().__init__(str(self))

    def located(self, *, source: str | None = None, line: int | None = None,
                field: str | None = None) -> "ArchcalcError":
        """A copy with missing location parts filled in (inner details win)."""
        inner = self.field
        if field and inner and not inner.startswith(field):
            inner = f"{field}.{inner}"
        return ArchcalcError(self.message, source=self.source or source,
                             line=self.line or line, field=inner or field)

    def __str__(self) -> str:
        where = self.source or ""
        if self.line is not None:
            where += f":{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.field) if p]
        return _one_line(": ".join(parts + [self.message]))


def _one_line(text: str) -> str:
    """``text`` with control characters (newlines, escape sequences, NUL) written as Python
    escapes: an error is one line, and never drives the terminal."""
    if not any(unicodedata.category(ch) == "Cc" for ch in text):
        return text
    return "".join(repr(ch)[1:-1] if unicodedata.category(ch) == "Cc" else ch for ch in text)
