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
import time
from pathlib import Path

import pytest

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
                          "<inline>: shuffle.out: a shuffle unit's output is two equal halves: "
                          "out must be even, got 1")



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


# ---------------------------------------------------------------- rows fixed in this change

def _spec_file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8") if isinstance(text, str) else path.write_bytes(text)
    return str(path)


def test_a_billion_laughs_document_is_refused_fast(cli, tmp_path):
    """Row 1: nested YAML aliases (was a hang): refused before any value is built."""
    lines = ["input: [8, 8, 8]", "layers: [{conv: {out: 8}}]", "references:",
             "  - &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"  - &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    spec = _spec_file(tmp_path, "laughs.yaml", "\n".join(lines) + "\n")
    assert_one_line_error(*cli("analyze", spec), "aliases (*name) expand to more than 1,000,000")


@pytest.mark.parametrize("name, text", [
    ("deep.json", '{"input": [8, 8, 8], "layers": ' + "[" * 5000 + "]" * 5000 + "}"),
    ("deep.toml", "input = [8, 8, 8]\nlayers = " + "[" * 3000 + "]" * 3000 + "\n"),
    ("deep.yaml", "input: [8, 8, 8]\nlayers: [{conv: {out: 8}}]\nreferences: "
                  + "[" * 500 + "]" * 500 + "\n"),
])
def test_deep_nesting_is_refused(cli, tmp_path, name, text):
    """Row 2: RecursionError in the JSON/TOML parsers and in variable substitution."""
    assert_one_line_error(*cli("analyze", _spec_file(tmp_path, name, text)),
                          "nested more than 32 levels deep")


@pytest.mark.parametrize("name, text, phrase", [
    ("big.json", '{"input": [8, 8, 8], "layers": [{"conv": {"out": ' + "9" * 5000 + "}}]}",
     "invalid JSON: a number too long to read"),
    ("big.toml", "input = [8, 8, 8]\n[[layers]]\nconv = {out = " + "9" * 5000 + "}\n",
     "invalid TOML: a number too long to read"),
    ("big.yaml", "input: [8, 8, 8]\nlayers: [{conv: {out: " + "9" * 200 + "}}]\n",
     "layers[0].conv.out: at most 2,147,483,647 (a documented limit), got 99999"),
    ("bign.yaml", "input: [8, 8, 8]\nlayers: [{conv: {out: 8, n: " + "9" * 200 + "}}]\n",
     "layers[0].conv.n: at most 2,147,483,647"),
])
def test_huge_integer_literals_are_refused(cli, tmp_path, name, text, phrase):
    """Row 4 (and no 5,000-digit number echoed back)."""
    code, out, err = cli("analyze", _spec_file(tmp_path, name, text))
    assert_one_line_error(code, out, err, phrase)
    assert len(err) < 300


@pytest.mark.parametrize("block", ["ir(t=nan,out=24)", "ir(t=inf,out=24)", "ir(t=1e308,out=24)",
                                   "ir(out=24,se=nan)", "se(r=inf)", "se(r=1e300)"])
def test_non_finite_and_absurd_reals_are_refused(cli, block):
    """Rows 5 and 6: NaN, infinity and 1e300 as ratios (tracebacks, or an impossible SE)."""
    assert_one_line_error(*cli("analyze", block), "expected a finite number of at most 1e+06")


@pytest.mark.parametrize("option", [("--width-mult", "inf"), ("--width-mult", "nan"),
                                    ("--depth-mult", "inf"),
                                    ("--batch", "1000000000000000000000000000000")])
def test_non_finite_and_absurd_options_are_refused(cli, option):
    """Rows 5 and 8: ``--width-mult inf`` and a 31-digit batch."""
    assert_one_line_error(*cli("analyze", "conv(out=8)", *option),
                          f"{option[0]}: expected a positive")


def test_an_odd_shuffle_output_is_refused(cli):
    """Row 6: ``shuffle(out=25,s=2)`` analysed a 24-channel unit."""
    assert_one_line_error(*cli("analyze", "shuffle(out=25,s=2)"), "out must be even, got 25")


def test_a_huge_input_side_is_refused(cli):
    """Row 8: a 31-digit input side (exit 0 with 3.7e26 GiB)."""
    assert_one_line_error(*cli("analyze", "conv(out=8)", "--input",
                               "1000000000000000000000000000000x8x8"),
                          "--input: [0]: at most 2,147,483,647")


def test_options_and_keywords_together_are_an_error():
    """Row 12: ``analyze(spec, Options(), dtype="fp16")`` silently reported fp32."""
    for call in (archcalc.analyze, lambda *a, **k: archcalc.compare([a[0]], *a[1:], **k)):
        with pytest.raises(ArchcalcError, match=r"pass Options or keywords \(dtype\), not both"):
            call("conv(out=8)", archcalc.Options(), dtype="fp16")
    assert archcalc.analyze("conv(out=8)", dtype="fp16").dtype == "fp16"


@pytest.mark.parametrize("args, phrase", [
    (("conv(out=8,n=1000000000000)",), "conv.n: at most 2,147,483,647"),
    (("conv(out=8,n=100001)",), "conv.n: at most 100,000 repeats of one layer"),
    (("conv(out=8,n=100000)", "--depth-mult", "3"), "more than 200,000 blocks after repeats"),
    (("zoo:mobilenet_v1", "--depth-mult", "101"), "--depth-mult: expected a positive number of at most 100"),
])
def test_repeat_counts_are_bounded(cli, args, phrase):
    """Row 14: ``n=1000000000000`` ran forever."""
    assert_one_line_error(*cli("compare", *args), phrase)


def test_devices_fifos_and_huge_files_are_not_read(cli, tmp_path):
    """Row 17: ``/dev/zero`` and a FIFO hung; only regular files of at most 16 MiB are read."""
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo), str(tmp_path)):
        assert_one_line_error(*cli("analyze", path), "not a regular file")
    big = tmp_path / "big.yaml"
    with open(big, "wb") as f:
        f.truncate(17 * 2**20)
    assert_one_line_error(*cli("analyze", str(big)), "larger than 16 MiB")


@pytest.mark.parametrize("text", ["root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/bin/sh\n",
                                  "root:*:20228:0:99999:7:::\n", "just some prose\n"])
def test_a_non_spec_file_is_not_echoed(cli, tmp_path, text):
    """Row 19: ``analyze /etc/shadow`` printed its first line."""
    code, out, err = cli("analyze", _spec_file(tmp_path, "secret.yaml", text))
    assert_one_line_error(code, out, err, "not a spec: expected a mapping with input and layers")
    assert "root:" not in err and "/bin/" not in err and "prose" not in err


@pytest.mark.parametrize("name, text, phrase", [
    ("dup.yaml", "input: [8, 8, 8]\nlayers:\n  - {conv: {out: 3, out: 4}}\n",
     "dup.yaml:3: layers[0].conv.out given twice"),
    ("dup.json", '{"input": [8, 8, 8], "layers": [{"conv": {"out": 3, "out": 4}}]}',
     "key 'out' given twice"),
    ("version.yaml", "archcalc: true\ninput: [8, 8, 8]\nlayers: [{conv: {out: 8}}]\n",
     "unsupported format version True"),
])
def test_duplicate_keys_and_a_boolean_version_are_refused(cli, tmp_path, name, text, phrase):
    """Row 20: the last duplicate silently won; ``archcalc: true`` passed as version 1."""
    assert_one_line_error(*cli("analyze", _spec_file(tmp_path, name, text)), phrase)


@pytest.mark.parametrize("name, body", [
    ("bom.json", b'{"input": [8, 8, 8], "layers": [{"conv": {"out": 8}}]}'),
    ("bom.toml", b'input = [8, 8, 8]\n[[layers]]\nconv = {out = 8}\n'),
    ("bom.yaml", b"input: [8, 8, 8]\nlayers: [{conv: {out: 8}}]\n"),
])
def test_a_byte_order_mark_is_accepted_in_every_format(cli, tmp_path, name, body):
    """Row 20: a BOM was refused in JSON and TOML, accepted in YAML."""
    code, out, err = cli("compare", _spec_file(tmp_path, name, b"\xef\xbb\xbf" + body), "-f", "json")
    assert code == 0, err
    assert json.loads(out)["candidates"][0]["totals"]["params"] == 8 * 8 * 9 + 16


def test_toml_syntax_errors_carry_their_line(cli, tmp_path):
    """Row 21: TOML errors had no ``file:line:``."""
    spec = _spec_file(tmp_path, "bad.toml", "input = [8, 8, 8]\n[[layers]]\nconv = {out = 8, = }\n")
    assert_one_line_error(*cli("analyze", spec), "bad.toml:3: invalid TOML:")


def _archcalc(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archcalc", *args], capture_output=True,
                          text=True, timeout=60, **kwargs)


def test_a_closed_stdout_is_one_error_line():
    """Row 22: with stdout closed (``>&-``), an AttributeError traceback."""
    proc = subprocess.run([sys.executable, "-m", "archcalc", "analyze", "conv(out=8)"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=60, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "archcalc: error: standard output is closed: write to a file with -o FILE\n"


def test_ctrl_c_while_loading_ends_quietly():
    """Row 22: a SIGINT during the imports gave a KeyboardInterrupt traceback (exit 1)."""
    for delay in (0.1, 0.2, 0.4):
        proc = subprocess.Popen([sys.executable, "-m", "archcalc", "compare", "zoo:resnet50"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, 130, -signal.SIGINT) and "Traceback" not in err, (delay, err)


@pytest.mark.parametrize("args, phrase", [
    (("build", "conv(out=0)"), "conv.out: must be positive, got 0"),
    (("check", "conv(out=0)"), "conv.out: must be positive, got 0"),
    (("inspect", "no_such_module:factory", "--input", "0x8x8"), "--input: [0]: must be positive"),
])
def test_torch_commands_refuse_a_bad_spec_before_loading_torch(args, phrase):
    """Row 23: ``check``, ``build`` and ``inspect`` imported torch (1–5 s) before validating."""
    probe = ("import sys, runpy; sys.argv = ['archcalc', *sys.argv[1:]]\n"
             "try:\n    runpy.run_module('archcalc', run_name='__main__')\n"
             "finally:\n    sys.stderr.write('torch loaded' if 'torch' in sys.modules else '')\n")
    proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2 and phrase in proc.stderr, proc.stderr
    assert "torch loaded" not in proc.stderr


def test_sigint_during_a_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    """Ctrl-C while the output is being written: the previous file survives byte for byte and
    no ``.archcalc-*`` temporary file stays behind.  The write is held open (the final rename
    waits) so the signal lands inside it every time."""
    target = tmp_path / "out.json"
    target.write_bytes(b"previous contents\n" * 1000)
    before = target.read_bytes()
    slow = ("import os, runpy, sys, time\n"
            "rename = os.replace\n"
            "def held(a, b):\n    time.sleep(30)\n    rename(a, b)\n"
            "os.replace = held\n"
            "sys.argv = ['archcalc', 'compare', 'zoo:resnet50', '-f', 'json', '-o', sys.argv[1]]\n"
            "runpy.run_module('archcalc', run_name='__main__')\n")
    proc = subprocess.Popen([sys.executable, "-c", slow, str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not [p for p in os.listdir(tmp_path) if p.startswith(".archcalc-")]:
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert target.read_bytes() == before
    assert no_temp_files(tmp_path)


def test_a_misspelled_long_key_gets_a_did_you_mean(cli, tmp_path):
    """The README's example: ``kernal`` is close to ``kernel``, which means ``k``."""
    spec = _spec_file(tmp_path, "bad.yaml", "input: [8, 8, 8]\nlayers:\n  - conv: {out: 8, kernal: 3}\n")
    assert_one_line_error(*cli("analyze", spec), "bad.yaml:3: layers[0].conv.kernal: unknown key "
                          "'kernal' for block conv (did you mean 'k'?)")
