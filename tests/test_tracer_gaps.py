"""Where the tracers undercount attention, measured on real modules against archcalc's counts.

archcalc's own modules compute attention with explicit matmuls, which both tools count (see
``archcalc check``); users' modules often call ``F.scaled_dot_product_attention`` or
``nn.MultiheadAttention``, which they do not fully count.  The figures are in the README."""

import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

import archcalc  # noqa: E402

T, D, HEADS = 50, 64, 4  # 50 tokens of 64 features, 4 heads of 16


class SDPAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)

    def forward(self, x):
        q, k, v = self.qkv(x).view(1, T, 3, HEADS, D // HEADS).permute(2, 0, 3, 1, 4)
        return self.proj(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(1, T, D))


class MHAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(D, HEADS, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x, need_weights=False)[0]


def counts(module):
    from fvcore.nn import FlopCountAnalysis

    x = torch.zeros(1, T, D)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fv = FlopCountAnalysis(module.eval(), x)
        fv.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        fvcore = fv.total()
    with torch.no_grad(), FlopCounterMode(display=False) as mode:
        module(x)
    return fvcore, mode.get_total_flops()


def attention_macs():
    """archcalc's MACs of the same attention: projections, and QKᵀ + AV."""
    a = archcalc.analyze(f"vit(heads={HEADS},mlp=4)", input=(T, D))
    macs = {r.name.rsplit(".", 1)[1]: r.macs for r in a.records if ".attn." in r.name}
    assert macs["scores"] == macs["values"] == HEADS * T * T * (D // HEADS) == 160_000
    return macs["qkv"] + macs["proj"], macs["scores"] + macs["values"]


def test_sdpa_is_missed_by_fvcore_and_by_flop_counter_on_cpu():
    projections, products = attention_macs()
    fvcore, flop_counter = counts(SDPAttention())
    assert fvcore == projections == 819_200          # no handle for scaled_dot_product_attention
    assert flop_counter == 2 * projections           # CPU SDPA kernel has no flop formula
    assert products == 320_000                       # what both miss (28% of 1,139,200 MACs)


def test_multihead_attention_fast_path_is_missed_by_flop_counter():
    projections, products = attention_macs()
    fvcore, flop_counter = counts(MHAttention())
    assert flop_counter == 0                         # eval + no_grad: _native_multi_head_attention
    assert fvcore == projections                     # traced path: linears only, SDPA skipped
