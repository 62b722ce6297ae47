"""Conventions as rule sets: --convention, archcalc explain's reconciliation, archcalc
conventions, and the cross-check catching any perturbed rule of archcalc's own convention."""

import json
from dataclasses import replace

import pytest

import archcalc
from archcalc.conventions import get, names
from archcalc.conventions.archcalc import ARCHCALC
from archcalc.cost import Cost
from archcalc.ops import Activation, Add, Linear, Pool2d, pair
from archcalc.reconcile import reconcile

# A small network with every op the mutations touch: activations, residual adds, a k×k pool,
# linear and conv biases.
MUTATED = ("conv(out=16,k=3,bias=true), ir(t=4,out=16), pool(max,k=3,s=2), pool(global), "
           "linear(out=10)")


def _mutate(op_type, change):
    honest = ARCHCALC.rules[op_type]
    return op_type, replace(honest, fn=lambda op, ins, out: change(honest.fn(op, ins, out),
                                                                   op, ins, out))


MUTATIONS = {
    "activation FLOPs x2": _mutate(Activation, lambda c, op, ins, out: replace(c, flops=2 * c.flops)),
    "add FLOPs 0": _mutate(Add, lambda c, op, ins, out: Cost()),
    "pool per output, not per window": _mutate(
        Pool2d, lambda c, op, ins, out: replace(c, flops=out.numel)),
    "bias FLOP dropped": _mutate(Linear, lambda c, op, ins, out: replace(c, flops=2 * c.macs)),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_perturbed_rule_of_the_default_convention_fails_the_cross_check(mutation, monkeypatch):
    """Each mutation changes only archcalc's FLOPs, which neither fvcore nor FlopCounterMode
    counts: the cross-check's independent aten-level count must catch it, on exactly the
    mutated layers."""
    pytest.importorskip("torch")
    pytest.importorskip("fvcore")
    from archcalc import bridge_api

    assert bridge_api.check(MUTATED, input=(16, 16, 8)).ok
    op_type, rule = MUTATIONS[mutation]
    monkeypatch.setitem(ARCHCALC.rules, op_type, rule)
    result = bridge_api.check(MUTATED, input=(16, 16, 8))
    assert not result.ok
    kinds = {type(n.op) for n, r in zip(result_network(), result.rows) if not r.ok}
    assert kinds == {op_type}


def result_network():
    return archcalc.analyze(MUTATED, input=(16, 16, 8)).network.nodes


def test_every_convention_is_listed_and_rules_cite_versions():
    assert names()[0] == "archcalc"
    assert {"fvcore", "torch"} <= set(names())
    with pytest.raises(archcalc.ArchcalcError, match="unknown convention 'nope'"):
        get("nope")


def test_mobilenet_v2_bn_reconciles_as_the_issue_states():
    """MobileNetV2 at 224: fvcore counts eval-mode BN at 2 per element, 13,356,224 in all
    (2 × the 6,678,112 BN output elements), and global average pooling at 1 per input element
    (7·7·1280 = 62,720); its total is archcalc's MACs plus those."""
    doc = archcalc.api.explain(["zoo:mobilenet_v2"], ["fvcore"])
    rec = doc.reconciliations[0]
    steps = {s.kind: s for s in rec.steps}
    assert steps["batch norm"].delta == 13_356_224
    assert "2 per element in eval mode" in steps["batch norm"].target_says
    assert steps["global avg pool"].delta == 7 * 7 * 1280
    assert rec.start == archcalc.analyze("zoo:mobilenet_v2").totals.macs == 300_774_272
    assert rec.end == 300_774_272 + 13_356_224 + 62_720


@pytest.mark.parametrize("spec", ["zoo:mobilenet_v3_large", "zoo:swin_t", "zoo:densenet121"])
def test_reconciliations_end_exactly_at_each_tools_total(spec):
    for source in names():
        for target in names():
            pair = [archcalc.analyze(spec, convention=n) for n in (source, target)]
            rec = reconcile(*pair)
            column = get(target).headline
            assert rec.start == getattr(pair[0].totals, column)
            assert rec.end == getattr(pair[1].totals, column), (source, target)
            assert rec.start + sum(s.delta for s in rec.steps) == rec.end


def test_tool_conventions_print_macs_or_flops():
    """A MAC counter's count is the MACs column and FLOPs twice it; FlopCounterMode's count
    is the FLOPs column (2 per MAC of matrix products only), so its MACs are archcalc's."""
    own = archcalc.analyze("zoo:resnet18").totals
    torch_ = archcalc.analyze("zoo:resnet18", convention="torch").totals
    fv = archcalc.analyze("zoo:resnet18", convention="fvcore").totals
    assert torch_.macs == own.macs and torch_.flops == 2 * own.macs
    assert fv.flops == 2 * fv.macs and fv.macs > own.macs  # + BN and the average pool
    assert fv.params == torch_.params == own.params
    assert fv.bytes_read == own.bytes_read  # traffic is not a counting convention


def test_batch_scales_counts_unless_the_tool_reports_per_sample():
    from archcalc.conventions.base import Convention

    for name in names():
        if type(get(name)).cost is not Convention.cost:
            continue  # a batch rule of its own (ptflops: hooks averaged, patches summed)
        one = archcalc.analyze("dwsep(out=16)", input=(8, 8, 8), convention=name).totals
        two = archcalc.analyze("dwsep(out=16)", input=(8, 8, 8), convention=name,
                               batch=2).totals
        factor = 1 if get(name).per_sample else 2
        assert two.macs == factor * one.macs and two.params == one.params, name


def test_sweeps_and_closed_forms_follow_the_convention():
    from archcalc.sweep import parse_axes

    axes = parse_axes(["--t", "2,6"])
    rows = archcalc.api.sweep("ir(out=24)", axes,
                              archcalc.Options(input=(28, 28, 24), convention="fvcore")).rows()
    for row in rows:
        a = archcalc.analyze(f"ir(out=24,t={row['t']})", input=(28, 28, 24), convention="fvcore")
        assert row["macs"] == a.totals.macs
    forms = archcalc.api.closed_forms(["ir(out=24)"], "t",
                                      archcalc.Options(input=(28, 28, 24), norm="bn",
                                                       convention="fvcore"))
    macs = forms.forms[0].totals["macs"]  # 18816·(61·t + 2): the BN elements counted too
    assert macs.subs({t: 6 for t in macs.free_symbols}) == \
        archcalc.analyze("ir(out=24,t=6)", input=(28, 28, 24), convention="fvcore").totals.macs


def test_cli_convention_and_explain(cli):
    code, out, _ = cli("compare", "zoo:mobilenet_v2", "--convention", "fvcore", "-f", "json")
    doc = json.loads(out)
    assert code == 0 and doc["conventions"]["convention"] == "fvcore"
    assert doc["candidates"][0]["totals"]["macs"] == 300_774_272 + 13_356_224 + 62_720
    code, out, err = cli("analyze", "zoo:mobilenet_v2", "--convention", "nope")
    assert code == 2 and "--convention" in err and "nope" in err and len(err.splitlines()) == 1
    code, out, _ = cli("explain", "zoo:mobilenet_v2", "--vs", "fvcore", "--vs", "torch",
                       "-f", "json")
    spec = json.loads(out)["specs"][0]
    assert code == 0 and spec["column"] == "flops" and spec["from"] == "fvcore"
    assert spec["end"] == archcalc.analyze("zoo:mobilenet_v2", convention="torch").totals.flops
    assert spec["steps"][-1]["running"] == spec["end"]
    code, out, err = cli("explain", "zoo:mobilenet_v2", "--vs", "a", "--vs", "b", "--vs", "c")
    assert code == 2 and "--vs" in err
    code, out, _ = cli("explain", "zoo:mobilenet_v2", "--vs", "all", "-f", "csv")
    assert code == 0 and "batch norm" in out and "13356224" in out


def test_cli_conventions_lists_rules_with_sources(cli):
    code, out, _ = cli("conventions", "-f", "json")
    doc = json.loads(out)
    assert code == 0 and [c.get("convention", "archcalc") for c in doc["conventions"]] == \
        list(names())
    code, out, _ = cli("conventions", "fvcore", "-f", "markdown")
    assert code == 0 and "fvcore/nn/jit_handles.py:251 batchnorm_flop_jit" in out


def test_pool_rule_is_per_window():
    """archcalc: a 3×3 max pool costs 9 comparisons per output element."""
    a = archcalc.analyze("pool(max,k=3,s=2)", input=(9, 9, 4), norm="none")
    (rec,) = a.records
    kh, kw = pair(3)
    assert rec.flops == kh * kw * 4 * 4 * 4


def test_readme_tables_are_generated_from_the_rule_sets():
    """The README's per-op rules, the MobileNetV2 table across conventions and each tool's
    rules are the presenters' output (`make reports` regenerates them)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent.parent / "tools" / "readme_tables.py"
    spec = importlib.util.spec_from_file_location("readme_tables", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "README tables are stale: run make reports"
