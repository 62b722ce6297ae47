"""The presenter registry ``{format: module}`` and the one atomic writer.

A presenter module defines ``present_report(report, view)`` and, where it applies,
``present_check(check, view)``; each returns ``str`` or ``bytes``.  Modules are imported
only when their format is asked for, so heavy libraries (plotly, openpyxl) never load on
the start-up path.  Adding a format is one module and one line here.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys

from ..errors import ArchcalcError

FORMATS = {
    "table": "terminal",
    "csv": "csvfile",
    "json": "jsondoc",
    "markdown": "markdown",
    "html": "html",
    "xlsx": "xlsx",
}
SUFFIXES = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown",
            ".html": "html", ".htm": "html", ".xlsx": "xlsx", ".txt": "table"}


BINARY = ("xlsx",)


def format_for(fmt: str | None, output: str | None) -> str:
    """The format asked for, else the one ``output``'s suffix names, else ``table``; a binary
    format without an output file is refused before any work."""
    if fmt is None:
        fmt = SUFFIXES.get(os.path.splitext(output or "")[1].lower(), "table")
    if fmt not in FORMATS:
        raise ArchcalcError(f"expected one of {', '.join(FORMATS)}, got {fmt!r}",
                            field="--format")
    if fmt in BINARY and not output:
        raise ArchcalcError(f"{fmt} output needs a file: add -o FILE", field="--format")
    return fmt


def present(fmt: str, doc, view) -> str | bytes:
    """``doc`` (a :class:`~archcalc.report.document.Report` or ``CheckReport``) in ``fmt``."""
    module = importlib.import_module(f"{__package__}.{FORMATS[fmt]}")
    presenter = getattr(module, f"present_{doc.kind}", None)
    if presenter is None:
        raise ArchcalcError(f"format {fmt} is not available for {doc.kind} output",
                            field="--format")
    return presenter(doc, view)


def write(data: str | bytes, output: str | None) -> None:
    """Print ``data``, or write it to ``output`` atomically: a temporary file in the target's
    directory renamed over it, so an error or Ctrl-C leaves the previous file intact and no
    temporary file behind.  A symlink's target is written and an existing file keeps its
    mode; directories, devices and FIFOs are refused."""
    if not output:
        sys.stdout.write(data)
        return
    import tempfile

    target = os.path.realpath(output)
    mode = None
    if os.path.lexists(target):
        st = os.stat(target)
        if not stat.S_ISREG(st.st_mode):
            raise ArchcalcError("not a regular file; refusing to replace it", source=output)
        mode = stat.S_IMODE(st.st_mode)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise ArchcalcError("cannot write output: its directory does not exist", source=output)
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
