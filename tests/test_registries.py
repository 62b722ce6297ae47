"""The seams: every op type is in every registry, and every op survives torch and spec round trips."""

import pytest

import archcalc
from archcalc.conventions import get, names
from archcalc.conventions.archcalc import ARCHCALC
from archcalc.ops import OPS, Identity
from archcalc.spec.emit import EMITTERS

# A spec that uses every op type at least once (image, channels-last and token layouts).
EVERY_OP = {
    "image": ("conv(out=8,k=1x7,p=0x1x3x3), conv_t(out=8,k=3,s=2,p=1,out_pad=1), "
              "upsample(factor=2,mode=bilinear), bn(affine=false), gn(g=4), act(gelu), "
              "pool(max,k=3,s=2,ceil=true), adaptive_pool(max,out=3), se, channel_split, "
              "channel_shuffle, pw(out=8,name=a), concat(other=a), layer_scale, dropout, "
              "drop_path, patch_embed(out=16,patch=3,to=hwc,norm=true), swin(heads=2,window=3,n=2), "
              "patch_merge, permute(chw), arith(fn=mul,value=0.5), arith(fn=rsub,value=3), unused(params=7), adaptive_pool(mean=true), "
              "pool(global)", (13, 13, 3)),
    "tokens": "linear(out=8,name=b), matmul(other=b), cls_token, pos_embed, vit(heads=2,mlp=16), token",
}
NOT_IMPORTED = {Identity: "dropout and stochastic depth are identities: imported as aliases, "
                          "not nodes (they cost nothing, so totals still agree)"}


def every_op_analysis(which):
    if which == "image":
        text, hwc = EVERY_OP["image"]
        return archcalc.analyze(text, input=hwc)
    return archcalc.analyze(EVERY_OP["tokens"], input=(8, 8))


def test_every_op_type_has_a_cost_rule_and_a_spec_emitter():
    for op_type in OPS:
        assert op_type in ARCHCALC.rules, op_type  # archcalc's own: no fallback
        assert op_type in EMITTERS, op_type


def test_every_convention_covers_every_op_type_and_cites_its_tool():
    for name in names():
        conv = get(name)
        for op_type in OPS:
            assert op_type in conv, (name, op_type)
        for types, rule in conv.unique_rules():
            assert rule.says, (name, types)
            assert name == "archcalc" or conv.tool.split()[1] in rule.source, (name, types)


def test_every_op_type_has_a_torch_builder():
    pytest.importorskip("torch")
    from archcalc.bridge.modules import BUILDERS

    for op_type in OPS:
        assert op_type in BUILDERS, op_type


def test_the_every_op_specs_cover_every_op_type():
    seen = {type(n.op) for w in EVERY_OP for n in every_op_analysis(w).network.nodes}
    assert seen == set(OPS)


@pytest.mark.parametrize("which", sorted(EVERY_OP))
def test_every_op_round_trips_through_torch_and_spec(which, tmp_path):
    pytest.importorskip("torch")
    from archcalc import bridge_api
    from archcalc.bridge.fx_import import module_op
    from archcalc.spec.emit import spec_yaml

    a = every_op_analysis(which)
    check = bridge_api.cross_check(a)
    assert check.ok, check.mismatches[:3]
    model = bridge_api.build_module(a.network)
    imported = {type(module_op(model.get_submodule(n.name))) for n in a.network.nodes}
    assert {type(n.op) for n in a.network.nodes} - imported <= set(NOT_IMPORTED)
    inspected, method, _ = bridge_api.inspect_module(model, a.network.input_shape.dims)
    assert method == "fx" and inspected.totals == a.totals
    p = tmp_path / "e.yaml"
    p.write_text(spec_yaml(a.network))
    assert archcalc.analyze(p).totals == a.totals
