"""Closed forms through the one analysis driver (production blocks, cost rules and memory
passes on SymPy values), checked two ways: against the papers' forms (MobileNetV1 §3.1,
MobileNetV2 §3.3) and by substituting numbers and comparing with the integer analysis."""

import itertools

import pytest
import sympy as sp

import archcalc
from archcalc.api import Options, closed_forms
from archcalc.errors import ArchcalcError
from archcalc.symbolic import SYMBOL_NAMES, symbol

M, N, Dk, Df = (symbol(n) for n in ("in", "out", "k", "res"))
t = symbol("t", integer=False)  # a real ratio
FIELDS = ("params", "macs", "flops", "bytes_read", "bytes_written", "peak_activation_bytes")


def default_forms():
    return {f.name.split("(")[0]: f for f in closed_forms().forms}


def test_standard_conv_is_dk2_m_n_df2():
    assert sp.simplify(default_forms()["conv"].totals["macs"] - Dk**2 * M * N * Df**2) == 0


def test_depthwise_separable_ratio_is_one_over_n_plus_one_over_dk2():
    f = default_forms()["dwsep"]
    assert sp.simplify(f.totals["macs"] - (Dk**2 * M * Df**2 + M * N * Df**2)) == 0
    assert sp.simplify(f.ratios["macs"] - (1 / N + 1 / Dk**2)) == 0


def test_inverted_residual_shape_and_its_stated_assumptions():
    # MobileNetV2 §3.3: h·w·d'·t·(d' + k² + d'')
    f = default_forms()["ir"]
    assert sp.simplify(f.totals["macs"] - Df**2 * M * t * (M + Dk**2 + N)) == 0
    # t·M channels (a whole number), an expansion conv (t·M ≠ M), no residual add (M ≠ N)
    assert set(f.assumptions) == {sp.Eq(sp.floor(M * t), M * t), sp.Ne(M * t, M), sp.Ne(M, N)}


# (candidate with {placeholders}, names freed, input with placeholders, numbers to try)
CASES = {
    "shuffle unit, stride 2": ("shuffle(out={out},s=2)", "in,out,res", ("res", "res", "in"),
                               {"in": (24, 58, 116), "out": (48, 116), "res": (28, 14)}),
    "shuffle unit, stride 1": ("shuffle(out=116)", "res", ("res", "res", 116),
                               {"res": (28, 14, 7)}),
    "ShuffleNet v1 unit, stride 2": ("shuffle_v1(out={out},s=2,g=2)", "out,res", ("res", "res", 24),
                                     {"out": (48, 96, 128), "res": (28, 14)}),
    "ShuffleNet v1 unit, stride 1": ("shuffle_v1(out=240)", "res", ("res", "res", 240),
                                     {"res": (28, 14, 7)}),
    "ResNet bottleneck": ("bottleneck(out={out},s={s})", "in,out,s,res", ("res", "res", "in"),
                          {"in": (64, 256), "out": (256, 512), "s": (1, 2), "res": (56, 28)}),
    "squeeze-excite": ("se(r=0.25)", "in,res", ("res", "res", "in"),
                       {"in": (16, 72, 120, 480), "res": (56, 7)}),
    "ir with SE": ("ir(t={t},out={out},k={k},se=0.25)", "in,out,k,t,res", ("res", "res", "in"),
                   {"in": (16, 24), "out": (24, 40), "k": (3, 5), "t": (1, 6), "res": (28,)}),
}


@pytest.mark.parametrize("case", CASES)
def test_closed_form_equals_the_integer_analysis_at_every_point(case):
    template, free, shape, values = CASES[case]
    names = free.split(",")
    form = _form(template, free, shape)
    assert not form.error
    for point in itertools.product(*(values[n] for n in names)):
        at = dict(zip(names, point))
        if not all(_holds(a, at) for a in form.assumptions):
            continue
        exact = archcalc.analyze(template.format(**at), input=tuple(at.get(d, d) for d in shape))
        for key in FIELDS:
            got = sp.sympify(form.totals[key]).subs(_by_symbol(form.totals[key], at))
            assert got == getattr(exact.totals, key), (key, at)


def _form(template, free, shape):
    """The closed form of ``template`` with ``free`` freed: its placeholders start at values
    the analysis accepts, then freeing replaces them by symbols."""
    start = template.format(out=64, s=1, t=2, k=3)
    dims = tuple(64 if isinstance(d, str) else d for d in shape)
    return closed_forms([start], free, Options(input=dims)).forms[0]


def _by_symbol(expr, at) -> dict:
    """The values of ``at`` (by freed name) for the symbols of ``expr``."""
    value = {SYMBOL_NAMES.get(n, n): v for n, v in at.items()}
    return {s: value[s.name] for s in sp.sympify(expr).free_symbols}


def _holds(assumption, at) -> bool:
    return bool(assumption.subs(_by_symbol(assumption, at)))


def test_a_structure_decided_by_a_freed_symbol_is_stated():
    f = closed_forms(["bottleneck(out=64)"], "in", Options(input=(56, 56, 64))).forms[0]
    assert f.assumptions == (sp.Ne(M, 64),)  # a downsample conv unless in = 64
    report = closed_forms(["ir(out=24)"], "in,out", Options(input=(56, 56, 24)))
    assert "assuming M ≠ N (the structure differs otherwise)" in _text(report)  # 6·M ≠ M: decided


def _text(report):
    from archcalc.report.symbolic import text

    return text(report)


def test_freeing_a_name_no_candidate_has_is_refused():
    with pytest.raises(ArchcalcError, match="no candidate has mlp_ratio"):
        closed_forms(["conv(out=24)"], "mlp_ratio", Options(input=(56, 56, 24)))


def test_a_network_defaults_to_its_input_side():
    f = closed_forms(["zoo:mobilenet_v1"]).forms[0]
    assert f.totals["macs"].free_symbols == {Df}
    assert f.totals["params"] == archcalc.analyze("zoo:mobilenet_v1").totals.params
    assert f.totals["macs"].subs(Df, 224) == archcalc.analyze("zoo:mobilenet_v1").totals.macs
