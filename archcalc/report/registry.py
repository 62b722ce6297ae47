"""The presenter registry ``{format: module}`` and the one atomic writer.

A presenter module defines ``present_<document kind>(doc, view)`` for each kind its
:class:`OutputFormat` lists (``present_report``, ``present_check``); each returns ``str`` or
``bytes``.  Modules are imported only when their format is asked for, so heavy libraries
(plotly, openpyxl) never load on the start-up path.  Adding a format is one presenter module
and one line in :data:`FORMATS`.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys

from dataclasses import dataclass

from ..errors import ArchcalcError

@dataclass(frozen=True)
class OutputFormat:
    """A presenter module and what it can do: the output suffixes that select it, whether it
    is ``binary`` (needs ``-o FILE``), whether it is fit for a ``terminal``, and which
    document kinds it presents."""

    module: str
    suffixes: tuple[str, ...] = ()
    binary: bool = False
    terminal: bool = True
    documents: tuple[str, ...] = ("report", "check")


FORMATS = {
    "table": OutputFormat("terminal", (".txt",),
                          documents=("report", "check", "symbolic", "sweep", "explain",
                                     "conventions", "hardware", "memory")),
    "csv": OutputFormat("csvfile", (".csv",),
                        documents=("report", "check", "sweep", "explain", "memory")),
    "json": OutputFormat("jsondoc", (".json",),
                         documents=("report", "check", "symbolic", "sweep", "explain",
                                    "conventions", "hardware", "memory")),
    "markdown": OutputFormat("markdown", (".md", ".markdown"),
                             documents=("report", "check", "symbolic", "sweep", "explain",
                                        "conventions", "hardware", "memory")),
    "latex": OutputFormat("latex", (".tex",), documents=("symbolic",)),
    "html": OutputFormat("html", (".html", ".htm"), terminal=False,
                         documents=("report", "sweep")),
    "xlsx": OutputFormat("xlsx", (".xlsx",), binary=True, terminal=False,
                         documents=("report", "sweep")),
}


def format_for(fmt: str | None, output: str | None, document: str = "report",
               fallback: str = "table") -> str:
    """The format asked for, else the one ``output``'s suffix names, else ``fallback``;
    checked before any work: the format presents ``document``, a binary one has a file, and
    a page or workbook is not poured onto a terminal."""
    if fmt is None:
        suffix = os.path.splitext(output or "")[1].lower()
        fmt = next((name for name, f in FORMATS.items() if suffix in f.suffixes), fallback)
    if fmt not in FORMATS:
        raise ArchcalcError(f"expected one of {', '.join(FORMATS)}, got {fmt!r}",
                            field="--format")
    spec = FORMATS[fmt]
    if document not in spec.documents:
        raise ArchcalcError(f"format {fmt} is not available for {document} output",
                            field="--format")
    if spec.binary and not output:
        raise ArchcalcError(f"{fmt} output needs a file: add -o FILE", field="--format")
    if not spec.terminal and not output and sys.stdout.isatty():
        raise ArchcalcError(f"{fmt} output is not for a terminal: add -o FILE",
                            field="--format")
    return fmt


def present(fmt: str, doc, view) -> str | bytes:
    """``doc`` (a :class:`~archcalc.report.document.Report` or ``CheckReport``) in ``fmt``."""
    module = importlib.import_module(f"{__package__}.{FORMATS[fmt].module}")
    return getattr(module, f"present_{doc.kind}")(doc, view)


def writable(output: str) -> tuple[str, int | None]:
    """``(target, mode)``: the file ``output`` names (a symlink's target) and its mode to keep
    (``None`` for a new file); checked before any work: an existing target must be a regular
    file, and its directory must exist."""
    target = os.path.realpath(output)
    mode = None
    if os.path.lexists(target):
        st = os.stat(target)
        if not stat.S_ISREG(st.st_mode):
            raise ArchcalcError("not a regular file; refusing to replace it", source=output)
        mode = stat.S_IMODE(st.st_mode)
    if not os.path.isdir(os.path.dirname(target)):
        raise ArchcalcError("cannot write output: its directory does not exist", source=output)
    return target, mode


def write(data: str | bytes, output: str | None) -> None:
    """Print ``data``, or write it to ``output`` atomically: a temporary file in the target's
    directory renamed over it, so an error or Ctrl-C leaves the previous file intact and no
    temporary file behind.  A symlink's target is written and an existing file keeps its
    mode; directories, devices and FIFOs are refused."""
    if not output:
        if sys.stdout is None:
            raise ArchcalcError("standard output is closed: write to a file with -o FILE")
        try:
            sys.stdout.write(data)
            sys.stdout.flush()
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):  # the reader left: the CLI ends quietly
                raise
            raise ArchcalcError(f"cannot write to standard output ({exc.strerror})") from None
        return
    import tempfile

    target, mode = writable(output)
    directory = os.path.dirname(target)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".archcalc-")
    except OSError as exc:
        raise ArchcalcError(f"cannot write output ({exc.strerror})", source=output) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException as exc:
        os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ArchcalcError(f"cannot write output ({exc.strerror})", source=output) from None
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
