"""Hand-computed costs of each primitive op (per sample unless a batch is given)."""

import pytest

from archcalc.cost import op_cost
from archcalc.ops import (Activation, AdaptivePool2d, Add, BatchNorm2d, ChannelShuffle, ChannelSplit, Concat,
                          Conv2d, Linear, Pool2d, Scale, Shape)


def cost(op, *ins, batch=1):
    out = op.out_shape(*ins)
    return out, op_cost(op, ins, out, batch)


@pytest.mark.parametrize("op, x, out, params, macs", [
    # grouped: 16·(8/4)·3·3 weights; 10·10·16 outputs × 2·9 MACs each
    (Conv2d(8, 16, 3, 1, 1, 1, 4), Shape(8, 10, 10), Shape(16, 10, 10), 288, 28_800),
    # dilated: extent 5 on 9×9 without padding -> 5×5
    (Conv2d(4, 4, 3, 1, 0, 2), Shape(4, 9, 9), Shape(4, 5, 5), 144, 3_600),
    # strided: (7 + 2 - 2 - 1) // 2 + 1 = 4
    (Conv2d(3, 8, 3, 2, 1), Shape(3, 7, 7), Shape(8, 4, 4), 216, 3_456),
    # even kernel, padding (4-1)//2 = 1: (6 + 2 - 3 - 1) + 1 = 5
    (Conv2d(3, 5, 4, 1, 1), Shape(3, 6, 6), Shape(5, 5, 5), 240, 6_000),
    # depthwise 3×3 stride 2 with dilation 2 and padding 2
    (Conv2d(32, 32, 3, 2, 2, 2, 32), Shape(32, 15, 15), Shape(32, 8, 8), 288, 18_432),
    # non-square input
    (Conv2d(3, 2, 3, 1, 0), Shape(3, 5, 8), Shape(2, 3, 6), 54, 972),
])
def test_conv(op, x, out, params, macs):
    got_out, c = cost(op, x)
    assert got_out == out
    assert (c.params, c.macs, c.flops) == (params, macs, 2 * macs)


def test_conv_bias_adds_params_and_one_flop_per_output():
    out, c = cost(Conv2d(3, 8, 3, 1, 1, bias=True), Shape(3, 4, 4))
    assert c.params == 8 * 27 + 8
    assert c.flops == 2 * (16 * 8 * 27) + 8 * 16


def test_batch_scales_work_not_params():
    _, one = cost(Conv2d(3, 8, 3, 1, 1), Shape(3, 4, 4))
    _, four = cost(Conv2d(3, 8, 3, 1, 1), Shape(3, 4, 4), batch=4)
    assert four.params == one.params and four.macs == 4 * one.macs and four.flops == 4 * one.flops


def test_linear_flattens_input():
    out, c = cost(Linear(1280, 1000), Shape(1280, 1, 1))
    assert out == Shape(1000, 1, 1)
    assert (c.params, c.macs, c.flops) == (1_281_000, 1_280_000, 2_561_000)
    _, flat = cost(Linear(4 * 3 * 3, 10, bias=False), Shape(4, 3, 3))
    assert (flat.params, flat.macs, flat.flops) == (360, 360, 720)


def test_elementwise_ops():
    x = Shape(32, 10, 10)
    assert cost(BatchNorm2d(32), x)[1].params == 64
    assert cost(BatchNorm2d(32), x)[1].flops == 6_400
    assert cost(Activation("hswish"), x)[1].flops == 3_200
    assert cost(Add(), x, x)[1].flops == 3_200
    assert cost(Scale(), x, Shape(32, 1, 1))[1].flops == 3_200


def test_pooling():
    out, c = cost(Pool2d("max", 3, 2, 1), Shape(64, 112, 112))
    assert out == Shape(64, 56, 56) and c.flops == 9 * 64 * 56 * 56
    out, c = cost(AdaptivePool2d(), Shape(960, 7, 7))
    assert out == Shape(960, 1, 1) and c.flops == 960 * 49
    out, c = cost(Pool2d("avg", 2), Shape(8, 5, 5))  # stride defaults to k
    assert out == Shape(8, 2, 2) and c.flops == 4 * 8 * 4


def test_data_movement_ops_are_free_of_arithmetic():
    x = Shape(116, 28, 28)
    assert cost(ChannelSplit(1), x)[0] == Shape(58, 28, 28)
    assert cost(Concat(), Shape(58, 28, 28), Shape(58, 28, 28))[0] == x
    for op, ins in ((ChannelSplit(0), (x,)), (ChannelShuffle(2), (x,)),
                    (Concat(), (Shape(58, 28, 28),) * 2)):
        c = cost(op, *ins)[1]
        assert (c.params, c.macs, c.flops) == (0, 0, 0)


def test_numpy_arrays_evaluate_the_same_formulas():
    np = pytest.importorskip("numpy")
    couts = np.array([8, 16, 24])
    op = Conv2d(4, couts, 3, 1, 1)
    out, c = cost(op, Shape(4, np.array(10), np.array(10)))
    for i, cout in enumerate([8, 16, 24]):
        _, exact = cost(Conv2d(4, cout, 3, 1, 1), Shape(4, 10, 10))
        assert (c.params[i], c.macs[i], c.flops[i]) == (exact.params, exact.macs, exact.flops)
