"""`archcalc memory`: MobileNetV2 Table 3's view (the largest materialised tensor and the
working set per spatial resolution, fp16) computed by hand from the networks' own tables.

Sources: MobileNetV1 Table 1 (layer shapes); MobileNetV2 Table 2 (t, c, n, s) and Table 3
("The max number of channels/memory (in Kb) that needs to be materialized at each spatial
resolution ... 16-bit floats", V1 column 64/1600, 128/800, 256/400, 512/200, 1024/98,
1024/2; max 1600K, 400K, 600K for V1, V2, ShuffleNet 2x g = 3); ShuffleNet Table 1 (stage
widths 240/480/960 at g = 3, twice that at 2×).  Table 3 is loose (its V2 column lists 32
channels at 56² and 160 at 14², which V2's own Table 2 does not have), so only its V1 column
and its ordering are asserted against it; the V2 and ShuffleNet bytes come from their
architecture tables.
"""

import json

import pytest

import archcalc
from archcalc.api import memory

FP16 = 2


def mb(channels, side):
    """fp16 bytes of a side×side map of ``channels``."""
    return FP16 * channels * side * side


def levels(ref, **kw):
    view = memory([ref], **kw).views[0]
    return {(lv.h, lv.w): (lv.largest.shape.c, lv.largest.bytes) for lv in view.levels}


def test_mobilenet_v1_reproduces_table_3s_v1_column():
    # Table 3, V1: 64 ch at 112², 128 at 56², 256 at 28², 512 at 14², 1024 at 7² and 1×1
    # (1,605,632 B is its "1600" Kb; 100,352 B its 98 Kb)
    assert levels("zoo:mobilenet_v1") == {
        (112, 112): (64, mb(64, 112)), (56, 56): (128, mb(128, 56)),
        (28, 28): (256, mb(256, 28)), (14, 14): (512, mb(512, 14)),
        (7, 7): (1024, mb(1024, 7)), (1, 1): (1024, mb(1024, 1))}
    assert mb(64, 112) == 1_605_632


def test_mobilenet_v2_per_resolution_from_table_2():
    # with the first-layer trick the stem's 32 channels stay on chip: the t = 1 block's 16
    # leave at 112²; then 24 (56²), 32 (28²), 64 and 96 (14²), 160 and 320 (7²) and the last
    # 1×1 conv's 1280 at 7², pooled to 1280 at 1×1
    assert levels("zoo:mobilenet_v2") == {
        (112, 112): (16, mb(16, 112)), (56, 56): (24, mb(24, 56)), (28, 28): (32, mb(32, 28)),
        (14, 14): (96, mb(96, 14)), (7, 7): (1280, mb(1280, 7)), (1, 1): (1280, mb(1280, 1))}
    assert mb(16, 112) == 401_408  # Table 3: 16 ch / "400" Kb at 112²
    # without the trick the stem's 32 channels are written at 112²
    assert levels("zoo:mobilenet_v2", first_layer_trick=False)[(112, 112)] == (32, mb(32, 112))


def test_shufflenet_v1_2x_peak_is_stage_2():
    # 2×, g = 3: stem 48 (fused with the max pool: 48 at 56², Table 3's "48/300"), stage 2
    # writes 480 channels at 28²: the peak
    got = levels("zoo:shufflenet_v1_g3_2x")
    assert got[(56, 56)] == (48, mb(48, 56)) == (48, 301_056)
    view = memory(["zoo:shufflenet_v1_g3_2x"]).views[0]
    assert view.peak_bytes == mb(480, 28) == 752_640
    assert view.peak.name == "stage2_0.act"


def test_the_default_candidates_and_table_3s_ordering():
    # MobileNetV2 Table 3's result: V2's peak well below ShuffleNet 2x g = 3's, both below V1's
    views = {v.name: v.peak_bytes for v in memory().views}
    assert views == {"mobilenet_v1": mb(64, 112), "mobilenet_v2": mb(16, 112),
                     "shufflenet_v1_g3_2x": mb(480, 28),
                     "shufflenet_v2_x1_0": mb(116, 28)}
    assert views["mobilenet_v2"] < views["shufflenet_v1_g3_2x"] < views["mobilenet_v1"]
    # ShuffleNetV2 1× (not in Table 3) comes out lower still: 116 channels at 28², 181,888 B
    assert views["shufflenet_v2_x1_0"] < views["mobilenet_v2"]


def test_working_set_of_a_strided_separable_block():
    # V1's dwsep2 (112²×64 -> 56²×128): reads 64 ch at 112², writes 128 at 56²; its dw output
    # stays on chip
    lv = next(lv for lv in memory(["zoo:mobilenet_v1"]).views[0].levels if lv.h == 56)
    assert lv.working_set.name == "dwsep2"
    assert lv.working_set.working_set == mb(64, 112) + mb(128, 56) == 2_408_448


def blocks(ref, **kw):
    return {b.name: b for b in memory([ref], **kw).views[0].blocks}


def test_t_slice_bound_of_an_inverted_residual_beside_its_sequential_peak():
    # V2's ir3: 56²×24 -> 144 (t = 6) -> 24, stride 1, residual.  §5.1: x + y + 144/6 = 24
    # channels of the expanded tensor; sequential: at expand.bn, x (held for the add) + the
    # conv's 144 + the BN's 144 channels
    b = blocks("zoo:mobilenet_v2")["ir3"]
    assert (b.inputs, b.output, b.slices, b.slice_bytes) == (
        mb(24, 56), mb(24, 56), 6, mb(24, 56))
    assert b.sliced == mb(24 + 24 + 24, 56) == 451_584
    assert b.sequential_peak == mb(24 + 144 + 144, 56) == 1_956_864
    # stride 2 (ir2, 112²×16 -> 96 -> 56²×24): one slice is 16 of the 96 channels at 112²
    b = blocks("zoo:mobilenet_v2")["ir2"]
    assert b.sliced == mb(16, 112) + mb(24, 56) + mb(16, 112) == 953_344
    assert b.sequential_peak == mb(96 + 96, 112) == 4_816_896


def test_slices_option_and_blocks_without_expansion():
    b = blocks("zoo:mobilenet_v2", slices=3)["ir3"]
    assert (b.slices, b.slice_bytes, b.sliced) == (3, mb(48, 56), mb(24 + 24 + 48, 56))
    assert blocks("zoo:mobilenet_v2")["stem+ir1"].slices is None  # t = 1: nothing expanded
    assert all(b.slices is None for b in blocks("zoo:mobilenet_v1").values())


def test_dtype_scales_every_byte():
    fp32 = memory(["zoo:mobilenet_v1"], archcalc.Options(dtype="fp32")).views[0]
    assert fp32.peak_bytes == 2 * mb(64, 112)


def test_json_schema(cli):
    code, out, err = cli("memory", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["definition"].startswith("Materialised: a tensor that crosses a block boundary")
    assert doc["dtype"] == "fp16" and doc["first_layer_trick"] is True
    names = [c["name"] for c in doc["candidates"]]
    assert names == ["mobilenet_v1", "mobilenet_v2", "shufflenet_v1_g3_2x", "shufflenet_v2_x1_0"]
    v2 = doc["candidates"][1]
    assert {"name", "peak_bytes", "resolutions"} <= set(v2) and v2["peak_bytes"] == 401_408
    first = v2["resolutions"][0]
    assert first["resolution"] == [112, 112] and (first["channels"], first["bytes"]) == (16, 401_408)
    assert first["working_set"] == {"block": "stem+ir1", "inputs_bytes": 301_056,
                                    "output_bytes": 401_408, "bytes": 702_464}
    assert first["sliced"] is None
    ir2 = v2["resolutions"][1]["sliced"]
    assert ir2 == {"block": "ir2", "slices": 6, "slice_bytes": 401_408, "bytes": 953_344,
                   "sequential_peak_bytes": 4_816_896}


def test_cli_prints_the_table_and_the_definition(cli):
    code, out, err = cli("memory")
    assert code == 0, err
    assert "Materialised: a tensor that crosses a block boundary" in out
    assert "1,605,632" in out and "401,408" in out and "752,640" in out
    code, out, _ = cli("memory", "zoo:mobilenet_v2", "--no-first-layer-trick", "-f", "markdown")
    assert code == 0 and "| **max** | **32** | **802,816** |" in out
    assert "the first-layer trick is off" in out


def test_csv_one_row_per_resolution(cli):
    code, out, _ = cli("memory", "zoo:mobilenet_v1", "-f", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("candidate,resolution,h,w,tensor,channels,bytes")
    assert lines[1].startswith("mobilenet_v1,112×112,112,112,dwsep1.pw.act,64,1605632,")
    assert len(lines) == 1 + 6


@pytest.mark.parametrize("args, message", [
    (("--slices", "0"), "Invalid value for '--slices'"),
    (("--dtype", "fp8"), "--dtype: expected one of fp32, fp16, bf16, int8, got 'fp8'"),
    (("-f", "html"), "format html is not available for memory output"),
    (("zoo:nope",), "unknown zoo entry 'nope'"),
])
def test_bad_options_are_one_line_errors(cli, args, message):
    code, out, err = cli("memory", *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_api_refuses_bad_slices():
    with pytest.raises(archcalc.ArchcalcError, match="--slices: expected a positive integer"):
        memory(slices=0)
