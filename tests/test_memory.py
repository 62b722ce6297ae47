"""Memory traffic (unfused and fused) and peak activation memory, by hand."""

import pytest

import archcalc

HW = 56 * 56


def test_unfused_traffic_counts_every_op():
    # conv(24->24) + BN + ReLU6 on 56×56×24, fp32: each op reads 24·HW and writes 24·HW
    a = archcalc.analyze("conv(out=24)", input=(56, 56, 24), act="relu6")
    assert a.totals.bytes_read == 4 * (3 * 24 * HW + a.totals.params)
    assert a.totals.bytes_written == 4 * 3 * 24 * HW


def test_fused_keeps_block_intermediates_on_chip():
    a = archcalc.analyze("ir(t=6,out=24)", input=(56, 56, 24), memory="fused", dtype="fp16")
    # reads: the block input twice (expand conv and residual add) + weights; writes: the add
    assert a.totals.bytes_read == 2 * (2 * 24 * HW + a.totals.params)
    assert a.totals.bytes_written == 2 * 24 * HW


def test_peak_holds_the_residual_input():
    # peak at expand.bn: its input and output (144 ch) plus the block input held for the add
    a = archcalc.analyze("ir(t=6,out=24)", input=(56, 56, 24), dtype="int8")
    assert a.peak_activation_bytes == (144 + 144 + 24) * HW
    assert a.peak_at == "ir0.expand.bn"


def test_batch_scales_peak_and_traffic():
    one = archcalc.analyze("dwsep(out=64)", input=(112, 112, 32)).totals
    two = archcalc.analyze("dwsep(out=64)", input=(112, 112, 32), batch=2).totals
    assert two.peak_activation_bytes == 2 * one.peak_activation_bytes
    assert two.bytes_written == 2 * one.bytes_written


def test_split_is_a_view():
    a = archcalc.analyze("shuffle(out=116)", input=(28, 28, 116))
    split = [r for r in a.records if r.op == "split"]
    assert all(r.bytes_read == r.bytes_written == 0 for r in split)


# Every block by hand, under both policies (fp32: 4 bytes an element; no norm, so each block is
# its convs and activations).  Input 8×8×8: P = 64 positions, x = 512 elements.
# unfused: every op reads its inputs (+ weights) and writes its output.
# fused: a read of a tensor made in the same block is free, and so is a write all of whose
# readers are in the block (unless it is the network output).
BLOCKS_BY_HAND = {
    # conv 3×3 8→16 (weights 8·16·9 = 1,152) + relu:
    #   unfused read 512 + 1,152 + 1,024, written 1,024 + 1,024
    #   fused read 512 + 1,152, written 1,024 (the output); peak at the relu 1,024 + 1,024
    "conv(out=16,k=3)": (2_688, 2_048, 1_664, 1_024, 2_048),
    # depthwise 3×3 on 8 channels (weights 72) + relu: peak 512 + 512 at the conv
    "dw(k=3)": (1_096, 1_024, 584, 512, 1_024),
    # pointwise 8→16 (weights 128) + relu
    "pw(out=16)": (1_664, 2_048, 640, 1_024, 2_048),
    # dw (72) + relu, pw 8→16 (128) + relu: unfused read 584 + 512 + 640 + 1,024,
    # written 512 + 512 + 1,024 + 1,024; fused read 512 + 72 + 128, written the output only
    "dwsep(out=16)": (2_760, 3_072, 712, 1_024, 2_048),
    # inverted residual t=2: expand 8→16 (128) + relu6, dw 16 (144) + relu6, project 16→8
    # (128), add x: unfused read 640 + 1,024 + 1,168 + 1,024 + 1,152 + 1,024, written
    # 4 × 1,024 + 512 + 512; fused: x read twice (expand and add) + 400 weights, the add
    # written; peak while expand.act runs: x held for the add 512 + 1,024 + 1,024
    "ir(t=2,out=8)": (6_032, 5_120, 1_424, 512, 2_560),
}


@pytest.mark.parametrize("spec", sorted(BLOCKS_BY_HAND))
def test_traffic_and_peak_of_each_block_by_hand(spec):
    read, written, fused_read, fused_written, peak = BLOCKS_BY_HAND[spec]
    kw = dict(input=(8, 8, 8), norm="none")
    unfused = archcalc.analyze(spec, **kw)
    fused = archcalc.analyze(spec, memory="fused", **kw)
    assert (unfused.totals.bytes_read, unfused.totals.bytes_written) == (4 * read, 4 * written)
    assert (fused.totals.bytes_read, fused.totals.bytes_written) == \
        (4 * fused_read, 4 * fused_written)
    assert unfused.peak_activation_bytes == fused.peak_activation_bytes == 4 * peak


def test_traffic_and_peak_of_a_concat_by_hand():
    """a = pw 8→8 + relu, b = pw 8→8 + relu on a, concat(b, a): 16 channels.  Each layer is a
    block of its own, so fused saves only the conv→relu hop inside each."""
    spec = "pw(out=8,name=a), pw(out=8), concat(other=a)"
    kw = dict(input=(8, 8, 8), norm="none")
    unfused = archcalc.analyze(spec, **kw)
    fused = archcalc.analyze(spec, memory="fused", **kw)
    # read: a.conv 512 + 64, a.relu 512, b.conv 512 + 64, b.relu 512, concat 512 + 512
    assert unfused.totals.bytes_read == 4 * 3_200
    assert unfused.totals.bytes_written == 4 * (4 * 512 + 1_024)
    # fused: a.conv 512 + 64, b.conv reads a (512) + 64, concat reads a and b (1,024);
    # written: a and b (read by other blocks) and the concat (the output)
    assert fused.totals.bytes_read == 4 * 2_176
    assert fused.totals.bytes_written == 4 * 2_048
    # peak at the concat: a (held) 512 + b 512 + its output 1,024
    assert unfused.peak_activation_bytes == 4 * 2_048
    assert unfused.peak_at.endswith("concat")
