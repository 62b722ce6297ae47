"""Hostile inputs of issue 14's reliability table that archcalc already handles: each ends in
one ``archcalc: error:`` line on stderr with exit status 2 (no traceback), or in the stated
safe behaviour for output files and terminals.  One test per row; the row number is in the
test's docstring."""

import json
import os
import re
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import archcalc
from archcalc import ArchcalcError
from archcalc.ops import Linear, Shape

REPO = Path(__file__).resolve().parents[1]
ZOO = REPO / "archcalc" / "zoo"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def assert_one_line_error(code, out, err, phrase):
    """Exit 2, nothing on stdout, exactly one ``archcalc: error:`` line containing ``phrase``."""
    assert code == 2, (code, out, err)
    assert out == ""
    assert err.startswith("archcalc: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert phrase in err, err


def no_temp_files(directory) -> bool:
    return not [p for p in os.listdir(directory) if p.startswith(".archcalc-")]


def test_null_block_defaults_are_refused(cli, tmp_path):
    """Row 3: ``defaults: {k: null}`` / ``{s: null}`` (was a TypeError)."""
    for key in ("k", "s"):
        spec = tmp_path / f"null_{key}.yaml"
        spec.write_text(f"input: [8, 8, 3]\ndefaults: {{{key}: null}}\n"
                        "layers:\n  - conv: {out: 8}\n  - ir: {out: 8}\n")
        assert_one_line_error(*cli("analyze", spec),
                              f"{spec}:2: defaults.{key}: expected an integer, got None")
    spec = tmp_path / "null_k.json"
    spec.write_text('{"input": [8, 8, 3], "defaults": {"k": null},\n'
                    ' "layers": [{"conv": {"out": 8}}]}')
    assert_one_line_error(*cli("analyze", spec), "defaults.k: expected an integer, got None")


def test_shuffle_unit_with_one_output_channel_is_refused(cli):
    """Row 7: ``shuffle(out=1,s=2)`` halves one channel to none (was a ZeroDivisionError)."""
    assert_one_line_error(*cli("analyze", "shuffle(out=1,s=2)"),
                          "<inline>: shuffle: a convolution needs at least one channel in "
                          "and out, got in=24, out=0")


def test_output_to_a_directory_or_into_a_missing_one_is_refused(cli, tmp_path):
    """Row 9: ``-o DIR`` and ``-o missing_dir/x.json`` (were tracebacks)."""
    assert_one_line_error(*cli("analyze", "conv(out=8)", "-o", tmp_path),
                          f"{tmp_path}: not a regular file; refusing to replace it")
    missing = tmp_path / "missing_dir" / "x.json"
    assert_one_line_error(*cli("analyze", "conv(out=8)", "-o", missing),
                          f"{missing}: cannot write output: its directory does not exist")
    assert os.listdir(tmp_path) == []


def test_build_save_into_a_missing_directory_is_refused(cli, tmp_path):
    """Row 10: ``build --save /missing/m.pt`` (was a torch RuntimeError after 5.6 s)."""
    target = tmp_path / "missing" / "m.pt"
    assert_one_line_error(*cli("build", "conv(out=8)", "--save", target),
                          f"{target}: cannot write output: its directory does not exist")
    assert os.listdir(tmp_path) == []


def test_mismatched_shapes_are_refused(cli, tmp_path):
    """Row 11: a concat of a 4×4 and an 8×8 tensor, a mul (scale) and a linear on mismatched
    shapes (were analysed silently)."""
    spec = tmp_path / "concat.yaml"
    spec.write_text("input: [8, 8, 3]\nlayers:\n  - conv: {out: 4, name: a}\n"
                    "  - conv: {out: 4, s: 2}\n  - concat: {other: a}\n")
    assert_one_line_error(*cli("analyze", spec), f"{spec}:5: layers[2].concat: "
                          "concat of mismatched shapes 8×8×4 and 4×4×4")
    assert_one_line_error(*cli("analyze", "conv(out=4,s=2,name=a), conv(out=4,input=input), "
                               "mul(other=a)", "--input", "8x8x3"),
                          "<inline>: mul.other: the gate 8×8×4 scaling 4×4×4 must be 1×1×4 "
                          "or 4×4×4")
    try:
        Linear(10, 4).out_shape(Shape(4, 4, 4))
    except ArchcalcError as exc:
        assert exc.field == "in_features"
        assert "in_features 10 do not match the input's 64 features" in exc.message
    else:
        raise AssertionError("a linear on mismatched features was accepted")


def test_json_ratios_to_a_zero_baseline_are_null(cli):
    """Row 13: ``compare "pool(global)" "conv(out=8)" -f json`` (contained NaN)."""
    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    code, out, err = cli("compare", "pool(global)", "conv(out=8)", "-f", "json")
    assert code == 0 and err == ""
    doc = json.loads(out, parse_constant=refuse)
    base, conv = doc["candidates"]
    assert base["totals"]["params"] == base["totals"]["macs"] == 0
    assert conv["ratios"]["params"] is None and conv["ratios"]["macs"] is None
    assert base["ratios"]["macs"] is None and base["ratios"]["flops"] == 1.0
    assert conv["ratios"]["flops"] == 145.0


def test_console_markup_in_names_is_printed_literally(cli, tmp_path, monkeypatch):
    """Row 15: a spec or layer named ``[/]`` or ``[link=http://x]y`` (were a rich
    MarkupError and a live hyperlink), also on a terminal."""
    spec = tmp_path / "markup.yaml"
    spec.write_text('name: "[/]"\ninput: [8, 8, 3]\nlayers:\n'
                    '  - conv: {out: 4, name: "[link=http://x]y"}\n'
                    '  - conv: {out: 4, name: "[/]"}\n')
    code, out, err = cli("analyze", spec)
    assert code == 0 and err == ""
    assert "[/]: 8×8×3 → 8×8×4" in out
    assert "[link=http://x]y.conv" in out and "[/].conv" in out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # styled terminal output
    code, out, err = cli("compare", spec, "conv(out=8)")
    assert code == 0 and err == ""
    assert "\x1b[" in out and "\x1b]8;" not in out  # styles, but no OSC 8 hyperlink
    plain = ANSI.sub("", out)
    assert "ratios to [/]" in plain and re.search(r"^\s+\[/\]\s+8×8×3", plain, re.M)
    code, out, err = cli("analyze", spec)
    assert code == 0 and "\x1b]8;" not in out
    assert "[link=http://x]y.conv" in ANSI.sub("", out)


def _write_with_file_size_limit(output: Path, limit: int) -> subprocess.CompletedProcess:
    """Run ``archcalc analyze zoo:resnet50 -o output`` with writes past ``limit`` bytes
    failing (EFBIG), as on a full disk."""
    def limit_writes():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "archcalc", "analyze", "zoo:resnet50",
                           "-f", "json", "-o", str(output)], capture_output=True, text=True,
                          env=env, cwd=REPO, preexec_fn=limit_writes, timeout=60)


def test_output_onto_links_read_only_files_devices_and_a_full_disk_is_safe(cli, tmp_path):
    """Row 16: ``-o`` onto a symlink, a read-only file, a device node or a FIFO, and a write
    that fails part-way (were mode changes and a temporary file left behind)."""
    target = tmp_path / "target.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    code, _, err = cli("analyze", "conv(out=8)", "-o", link)
    assert code == 0 and err == ""
    assert link.is_symlink() and os.readlink(link) == target.name
    assert json.loads(target.read_text())["name"] == "conv(out=8)"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640

    read_only = tmp_path / "read_only.json"
    read_only.write_text("old")
    read_only.chmod(0o444)
    code, _, err = cli("analyze", "conv(out=8)", "-o", read_only)
    assert code == 0 and err == ""
    assert stat.S_IMODE(read_only.stat().st_mode) == 0o444

    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    device_link = tmp_path / "full.json"
    device_link.symlink_to("/dev/full")
    for refused in ("/dev/null", "/dev/full", fifo, device_link):
        assert_one_line_error(*cli("analyze", "conv(out=8)", "-o", refused),
                              f"{refused}: not a regular file; refusing to replace it")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and device_link.is_symlink()

    previous = tmp_path / "previous.json"
    previous.write_text("previous report")
    done = _write_with_file_size_limit(previous, 4096)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"archcalc: error: {previous}: cannot write output (File too large)\n"
    assert previous.read_text() == "previous report"
    assert no_temp_files(tmp_path)


def test_zoo_names_are_not_paths(cli, tmp_path):
    """Row 18: ``zoo:../../some/dir/file`` (loaded any YAML file)."""
    outside = tmp_path / "outside.yaml"
    outside.write_text((ZOO / "resnet18.yaml").read_text())
    assert archcalc.analyze(str(outside)).network.nodes  # a valid spec, as a file
    relative = os.path.relpath(tmp_path / "outside", ZOO)
    for name in (relative, str(tmp_path / "outside"), "../zoo/resnet18", "resnet18.yaml"):
        assert_one_line_error(*cli("analyze", f"zoo:{name}"),
                              f"zoo:{name}: unknown zoo entry {name!r}; entries: alexnet, ")
