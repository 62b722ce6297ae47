"""Memory traffic (unfused and fused) and peak activation memory, by hand."""

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
