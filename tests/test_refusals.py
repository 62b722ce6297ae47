"""Layers torch cannot build or run are refused by analyze in one line naming the field."""

import pytest

import archcalc
from archcalc import ArchcalcError
from archcalc.ops import Linear, Pool2d, Shape

REFUSED = [
    # asymmetric padding with ceil mode: PyTorch has no such pooling to confirm it
    ("pool(type=max,k=2,s=2,p=0x1x0x1,ceil=true), conv(out=4,k=1)", (4, 4, 2), "pool.ceil",
     "ceil mode needs symmetric padding"),
    ("conv_t(out=4,k=1,s=1,p=3)", (3, 3, 4), "conv_t.p", "non-positive output -3×-3"),
    ("conv_t(out=4,k=3,s=2,out_pad=2)", (3, 3, 4), "conv_t.out_pad",
     "output padding 2 must be smaller than the stride 2 or the dilation 1"),
    ("conv_t(out=4,k=3,s=1,d=2,out_pad=2)", (3, 3, 4), "conv_t.out_pad", "output padding 2"),
    ("pool(type=max,k=2,p=2)", (6, 6, 4), "pool.p", "exceeds half the kernel 2x2"),
    ("pool(type=avg,k=3,p=0x2)", (6, 6, 4), "pool.p", "exceeds half the kernel 3x3"),
    ("token(index=9)", (5, 12), "token.index", "token index 9 is out of range for 5 tokens"),
    ("conv(out=8,name=a), pw(out=4), mul(other=a)", (6, 6, 3), "mul.other",
     "the gate 6×6×4 scaling 6×6×8 must be 1×1×8 or 6×6×8"),
    ("regnet(out=16, gw=32)", (8, 8, 16), "regnet.gw",
     "group width 32 must divide the bottleneck width 16"),
    ("regnet(out=12, gw=8)", (8, 8, 16), "regnet.gw", "must divide the bottleneck width 12"),
    ("regnet_stages(depth=4,w0=8,wa=8,wm=1,gw=8)", (32, 32, 8), "regnet_stages.wm",
     "wm must be greater than 1, got 1"),
    ("attn_scores(heads=2, rel_bias=true)", (5, 12), "attn_scores.rel_bias",
     "a relative-position bias needs a window"),
]


@pytest.mark.parametrize("text, hwc, field, message", REFUSED)
def test_refused_by_analyze(text, hwc, field, message):
    with pytest.raises(ArchcalcError) as exc:
        archcalc.analyze(text, input=hwc)
    assert exc.value.field == field and message in exc.value.message
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("text, hwc, field, message", REFUSED[:3])
def test_refused_by_check_with_exit_2(cli, text, hwc, field, message):
    code, out, err = cli("check", text, "--input", "x".join(map(str, hwc)))
    assert code == 2 and "Traceback" not in out + err
    assert f"<inline>: {field}: " in err and message in err and err.count("\n") == 1


def test_refused_in_a_file_with_its_line(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [8, 8, 4]\nlayers:\n  - conv: {out: 4}\n"
                    "  - pool: {type: max, k: 3, p: 2}\n")
    with pytest.raises(ArchcalcError) as exc:
        archcalc.analyze(str(spec))
    assert exc.value.line == 4 and exc.value.field.endswith(".p")


def test_valid_neighbours_are_accepted():
    for text, hwc in [("pool(type=max,k=2,s=2,p=1x1x0x0,ceil=false)", (4, 4, 2)),
                      ("pool(type=max,k=3,s=2,p=1,ceil=true)", (7, 7, 2)),
                      ("conv_t(out=4,k=3,s=1,d=2,out_pad=1)", (3, 3, 4)),
                      ("token(index=4)", (5, 12)),
                      ("conv(out=8,name=a), pool(global), pw(out=8), mul(other=a)", (6, 6, 3)),
                      ("conv(out=8,name=a), pw(out=8), mul(other=a)", (6, 6, 3)),
                      ("regnet(out=16,gw=8)", (8, 8, 16))]:
        archcalc.analyze(text, input=hwc)


def test_linear_in_features_must_match_the_input():
    assert Linear(12, 4).out_shape(Shape(3, 2, 2)) == Shape(4, 1, 1)
    with pytest.raises(ArchcalcError, match="in_features 10 do not match the input's 12") as exc:
        Linear(10, 4).out_shape(Shape(3, 2, 2))
    assert exc.value.field == "in_features"
    with pytest.raises(ArchcalcError, match="in_features 8 do not match the input's 12"):
        Linear(8, 4).out_shape(Shape.tokens(5, 12))


def test_symbolic_pool_is_not_validated():
    sp = pytest.importorskip("sympy")
    k = sp.Symbol("k", integer=True, positive=True)
    assert Pool2d("max", k, 1, 0).out_shape(Shape(4, 9, 9)).c == 4


def test_squeeze_excite_squeezed_to_no_channels_is_refused():
    # round(1 · 0.25) = 0 squeeze channels: torch cannot build a conv with no output channel
    with pytest.raises(ArchcalcError, match="at least one channel in and out, got in=4, out=0"):
        archcalc.analyze("regnet(out=4,gw=1,se=0.25)", input=(4, 4, 1))
