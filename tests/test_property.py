"""Property test: random blocks agree exactly with fvcore, FlopCounterMode and numel."""

import pytest

pytest.importorskip("torch")
pytest.importorskip("fvcore")

from hypothesis import HealthCheck, assume, given, settings, strategies as st  # noqa: E402

import archcalc  # noqa: E402
from archcalc import ArchcalcError, bridge_api  # noqa: E402

ACTS = ("relu", "relu6", "hswish", "hsigmoid", "swish", "sigmoid")


@st.composite
def configs(draw):
    """An inline block string and an (H, W, C) input; every block type appears."""
    h = draw(st.integers(1, 13))
    w = draw(st.integers(1, 13))
    c = draw(st.sampled_from([1, 2, 3, 4, 6, 8, 12, 16]))
    kind = draw(st.sampled_from(["conv", "dw", "pw", "dwsep", "ir", "se", "basic", "bottleneck",
                                 "shuffle", "linear", "pool", "bn", "act", "channel_split",
                                 "channel_shuffle", "add", "mul", "concat"]))
    k = draw(st.integers(1, 7))
    s = draw(st.integers(1, 3))
    d = draw(st.integers(1, 3))
    out = draw(st.sampled_from([1, 2, 4, 6, 8, 12, 16]))
    act = draw(st.sampled_from(ACTS))
    if kind == "conv":
        g = draw(st.sampled_from([x for x in (1, 2, 3, 4) if c % x == 0 and out % x == 0]))
        bias = draw(st.booleans())
        text = f"conv(out={out},k={k},s={s},d={d},g={g},bias={str(bias).lower()},act={act})"
    elif kind == "dw":
        text = f"dw(k={k},s={s},d={d},act={act})"
    elif kind == "pw":
        text = f"pw(out={out},act={act})"
    elif kind == "dwsep":
        text = f"dwsep(out={out},k={k},s={s},d={d},act={act})"
    elif kind == "ir":
        t = draw(st.integers(1, 8))
        se = draw(st.sampled_from([0, 0.25, 0.5]))
        gate = draw(st.sampled_from(["hsigmoid", "sigmoid"]))
        divisor = draw(st.sampled_from([1, 8]))
        text = (f"ir(t={t},out={out},k={k},s={s},d={d},se={se},act={act},se_gate={gate},"
                f"se_divisor={divisor})")
    elif kind == "se":
        text = f"se(r={draw(st.sampled_from([0.25, 0.5]))},gate={act})"
    elif kind == "basic":
        text = f"basic(out={out},s={s})"
    elif kind == "bottleneck":
        text = f"bottleneck(out={out * 4},mid={out},s={s})"
    elif kind == "shuffle":
        c = out = draw(st.sampled_from([2, 4, 8, 12]))
        text = f"shuffle(out={out},s={s})" if s > 1 else f"shuffle(out={out})"
    elif kind == "linear":
        text = f"linear(out={out},bias={str(draw(st.booleans())).lower()},act={act})"
    elif kind == "bn":
        text = "bn"
    elif kind == "act":
        text = f"act({act})"
    elif kind == "channel_split":
        c = 2 * c
        text = f"channel_split(half={draw(st.integers(0, 1))})"
    elif kind == "channel_shuffle":
        g = draw(st.sampled_from([x for x in (1, 2, 3, 4) if c % x == 0]))
        text = f"channel_shuffle(g={g})"
    elif kind == "add":
        text = f"conv(out={c},k={k},d={d},name=a), add(other=input)"
    elif kind == "mul":
        text = f"pool(global), pw(out={c},act={act}), mul(other=input)"
    elif kind == "concat":
        text = f"pw(out={out}), concat(other=input)"
    else:
        pool = draw(st.sampled_from(["global", "avg", "max"]))
        text = "pool(global)" if pool == "global" else f"pool({pool},k={k},s={s},p={min(k // 2, 1)})"
    return text, (h, w, c)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(configs())
def test_random_blocks_match_fvcore_and_flop_counter(config):
    text, hwc = config
    try:
        analysis = archcalc.analyze(text, input=hwc)
    except ArchcalcError:
        assume(False)  # e.g. a kernel larger than the padded input: rejected, as it should be
    result = bridge_api.cross_check(analysis)
    assert result.ok, (text, hwc, result.mismatches)
