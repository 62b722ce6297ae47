"""Fuzzing every input path: spec files (random YAML, JSON and TOML structures and raw text),
inline blocks (random calls with NaN, infinities and huge numbers), CLI options and the Python
API.  Every example must end in a result or archcalc's own one-line error, never another
exception and never a hang (each example has a deadline).

``make test`` runs a bounded number of examples per path; ``make fuzz`` runs
``ARCHCALC_FUZZ_EXAMPLES`` (default there 25,000) per path, more than 100,000 in all."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from datetime import timedelta

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

import archcalc
from archcalc import ArchcalcError
from archcalc.cli import main

EXAMPLES = int(os.environ.get("ARCHCALC_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=10), derandomize=EXAMPLES < 1000,
                suppress_health_check=list(HealthCheck), database=None)

BLOCKS = ["conv", "dwsep", "ir", "se", "shuffle", "shuffle_v1", "bottleneck", "pool", "linear", "vit", "concat",
          "add", "upsample", "conv_t", "fused_ir", "swin", "regnet_stages", "nosuch"]
KEYS = ["out", "k", "s", "t", "p", "g", "d", "n", "r", "se", "name", "input", "act", "heads",
        "factor", "type", "other", "exp", "mid", "window", "train_only", "scale"]
NUMBERS = st.one_of(st.integers(-3, 300), st.integers(-10**30, 10**30),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, 2, 3, 7, 8, 16, 24, 2**31, 2**63, 1e308, -0.0]))
SCALARS = st.one_of(NUMBERS, st.booleans(), st.none(), st.text(max_size=12),
                    st.sampled_from(BLOCKS + KEYS + ["relu", "hswish", "$C", "$C.2", "global"]))


def _tree(depth: int = 4):
    return st.recursive(SCALARS, lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS + BLOCKS), st.text(max_size=6)),
                        children, max_size=5)), max_leaves=25)


LAYER = st.fixed_dictionaries({}, optional={"name": SCALARS}).flatmap(
    lambda outer: st.builds(lambda kind, body: {**outer, kind: body}, st.sampled_from(BLOCKS),
                            st.one_of(st.none(), NUMBERS, st.dictionaries(
                                st.sampled_from(KEYS), SCALARS, max_size=5))))
SPEC = st.fixed_dictionaries(
    {"input": st.one_of(st.lists(NUMBERS, max_size=4), SCALARS, st.just([8, 8, 8])),
     "layers": st.one_of(st.lists(LAYER, max_size=4), _tree())},
    optional={"defaults": st.dictionaries(st.sampled_from(KEYS + ["norm", "dtype"]), SCALARS,
                                          max_size=3),
              "multipliers": st.dictionaries(st.sampled_from(["width", "depth", "resolution",
                                                              "rounding", "rule"]), SCALARS,
                                             max_size=3),
              "vars": st.dictionaries(st.sampled_from(["C", "K"]), _tree(), max_size=2),
              "archcalc": SCALARS, "name": SCALARS})


def _ends_well(call) -> None:
    """``call()`` returns, or raises archcalc's own error: nothing else."""
    try:
        call()
    except ArchcalcError as exc:
        assert str(exc) and "\n" not in str(exc), repr(str(exc))


def _analyze_file(suffix: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"spec{suffix}")
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(text)
        _ends_well(lambda: archcalc.analyze(path).totals)


def _toml(value, key="root") -> str:
    """A rough TOML rendering (invalid TOML is fine: it must give a one-line error too)."""
    if isinstance(value, dict):
        return "\n".join(f"{k} = {_toml(v, k)}" if not isinstance(v, dict)
                         else f"[{k}]\n{_toml(v, k)}" for k, v in value.items())
    return json.dumps(value, default=str)


@FUZZ
@given(SPEC)
def test_spec_files_in_every_format(data):
    _analyze_file(".yaml", yaml.safe_dump(data, allow_unicode=True))
    _analyze_file(".json", json.dumps(data))
    _analyze_file(".toml", _toml(data))


@FUZZ
@given(st.text(max_size=200), st.sampled_from([".yaml", ".json", ".toml"]))
def test_raw_text_files(text, suffix):
    _analyze_file(suffix, text)


CALL_TEXT = st.builds(
    lambda kind, args: f"{kind}({','.join(args)})", st.sampled_from(BLOCKS),
    st.lists(st.one_of(
        st.builds(lambda k, v: f"{k}={v}", st.sampled_from(KEYS),
                  st.one_of(NUMBERS.map(str), st.sampled_from(["nan", "inf", "-inf", "1e999",
                                                               "9" * 400, "3x3", "x", "", "()"]))),
        st.text(max_size=6)), max_size=5))


@FUZZ
@given(st.one_of(CALL_TEXT, st.lists(CALL_TEXT, min_size=1, max_size=3).map(", ".join),
                 st.text(max_size=40)))
def test_inline_blocks(text):
    _ends_well(lambda: archcalc.analyze(text).totals)


OPTION_VALUES = st.one_of(NUMBERS.map(str), st.sampled_from(
    ["nan", "inf", "-1", "0", "1e30", "9" * 40, "224x224x3", "197x768", "1e30x8x8", "x", ""]))


def _run_cli(args) -> tuple[int, str]:
    err = io.StringIO()
    argv, sys.argv = sys.argv, ["archcalc", *args]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            main()
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    finally:
        sys.argv = argv
    return code, err.getvalue()


@FUZZ
@given(st.sampled_from(["analyze", "compare"]), st.sampled_from(["conv(out=8)", "ir(out=16)",
                                                                 "zoo:mobilenet_v1"]),
       st.lists(st.tuples(st.sampled_from(["--input", "--width-mult", "--depth-mult",
                                           "--resolution", "--batch", "--dtype", "--memory",
                                           "--norm", "--act", "--by", "--format", "--replace"]),
                          OPTION_VALUES), max_size=3))
def test_cli_options(command, spec, options):
    code, err = _run_cli([command, spec, *(x for pair in options for x in pair)])
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err
    if code:
        assert err.count("\n") == 1 and err.startswith("archcalc: error:"), err


@FUZZ
@given(st.dictionaries(st.sampled_from(["width", "depth", "resolution", "batch", "dtype", "memory",
                                        "norm", "act", "input", "fold_bn", "width_rule"]),
                       st.one_of(NUMBERS, st.text(max_size=6), st.booleans(), st.none(),
                                 st.lists(NUMBERS, max_size=4)), max_size=4),
       st.sampled_from(["conv(out=8)", "ir(out=16,s=2)", "zoo:resnet18"]))
def test_python_api(kwargs, spec):
    _ends_well(lambda: archcalc.analyze(spec, **kwargs).totals)


@pytest.mark.parametrize("bad", ["width", "input"])
def test_the_fuzzer_sees_a_bad_value(bad):
    """The harness itself: a value the API refuses is archcalc's error (not a pass)."""
    with pytest.raises(ArchcalcError):
        archcalc.analyze("conv(out=8)", **{bad: float("nan") if bad == "width" else (0, 8, 8)})
