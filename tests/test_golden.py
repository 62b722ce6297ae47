"""Golden snapshots of rendered text: the seed comparison as a terminal table at 80 and 120
columns and as Markdown, and every console block of the README (regenerated with
``ARCHCALC_UPDATE_GOLDEN=1 make test``).  Only rendered text is snapshotted; numbers are
proven elsewhere against papers and tracers."""

import os
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("ARCHCALC_UPDATE_GOLDEN") == "1"
SEED = ("conv(out=24,k=3)", "dwsep(out=24,k=3)", "ir(t=6,out=24,k=3)")


def _matches(path: Path, text: str) -> None:
    if UPDATE:
        path.write_text(text)
    assert text == path.read_text(), f"{path.name} changed; rerun with ARCHCALC_UPDATE_GOLDEN=1"


def _run(cli, monkeypatch, args, columns=80):
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, err = cli(*args)
    assert code == 0, err
    return out


@pytest.mark.parametrize("columns", [80, 120])
def test_seed_comparison_table(cli, monkeypatch, columns):
    out = _run(cli, monkeypatch, ("compare",), columns)
    assert max(map(len, out.splitlines())) <= columns
    for name in SEED:  # the headline totals are never cut
        assert name in out
    for total in ("5.23 K", "16.26 M", "32.74 M", "588.00 KiB", "0.153×"):
        assert total in out
    _matches(GOLDEN / f"compare_default_{columns}.txt", out)


@pytest.mark.parametrize("columns", [80, 120])
def test_network_analysis_table_keeps_totals_at_any_width(cli, monkeypatch, columns):
    out = _run(cli, monkeypatch, ("analyze", "zoo:mobilenet_v2"), columns)
    assert max(map(len, out.splitlines())) <= columns
    assert re.search(r"total\s+3,504,872\s+300,774,272\s+621,290,664", out)


def test_seed_comparison_markdown(cli, monkeypatch):
    out = _run(cli, monkeypatch, ("compare", "-f", "markdown"))
    assert "| candidate | params | MACs |" in out
    assert "| dwsep(out=24,k=3) | 888 (0.170×) | 2,483,712 (0.153×) |" in out
    assert out.rstrip().endswith("archcalc compare -f markdown")
    _matches(GOLDEN / "compare_default.md", out)


CONSOLE = re.compile(r"```console\n\$ (.+?)\n(.*?)```", re.S)
NEEDS_FILES = ("bad.yaml",)  # examples of error messages for a file the README only shows


def _readme_blocks():
    return [(m, cmd) for m in CONSOLE.finditer((ROOT / "README.md").read_text())
            for cmd in [m.group(1)] if not any(f in cmd for f in NEEDS_FILES)]


def test_readme_console_blocks(cli, monkeypatch):
    """Each README console block is the output of its own command (``COLUMNS=N`` sets the
    width, 80 otherwise)."""
    readme = (ROOT / "README.md").read_text()
    blocks = _readme_blocks()
    assert len(blocks) >= 3
    for m, cmd in blocks:
        words = shlex.split(cmd)
        env = dict(w.split("=", 1) for w in words if re.match(r"[A-Z]+=", w))
        args = [w for w in words if not re.match(r"[A-Z]+=", w)]
        assert args[0] == "archcalc", cmd
        out = _run(cli, monkeypatch, args[1:], int(env.get("COLUMNS", 80)))
        out = "\n".join(line.rstrip() for line in out.splitlines()) + "\n"
        if UPDATE:
            readme = readme.replace(m.group(0), f"```console\n$ {cmd}\n{out}```")
        else:
            assert out == m.group(2), f"README block for `{cmd}` is stale"
    if UPDATE:
        (ROOT / "README.md").write_text(readme)
