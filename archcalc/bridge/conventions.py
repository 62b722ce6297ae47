"""Each tool's counting convention as a rule set over archcalc's ops (DESIGN.md "Seams").

A rule maps an op, archcalc's record of it and the batch to ``(what the tool must report,
why)``; ``None`` means the tool counts nothing for that op (no handle, or ignored).  Rules read
the record's MACs and tensor sizes, never archcalc's own FLOP convention.

* fvcore (``FlopCountAnalysis``): conv, transposed conv, linear and matmul report MACs (bias
  not counted); eval-mode batch norm 2 per element (1 without affine); layer and group norm 5
  per element (4 without affine); ``adaptive_avg_pool2d`` 1 per input element; nearest and
  bilinear upsampling 1 and 4 per output element; every other op is skipped or ignored.
* PyTorch ``FlopCounterMode``: 2 × MACs for convolution (transposed too) and mm/addmm/bmm
  (linear, matmul, attention's QKᵀ and AV); nothing else.
* params: ``sum(p.numel())`` of the module, which archcalc's params equal by definition.
"""

from __future__ import annotations

from ..analysis import LayerRecord
from ..ops import (Activation, AdaptivePool2d, Add, AttnScores, AttnValues, BatchNorm2d,
                   ChannelShuffle, ChannelSplit, ClassToken, Concat, Conv2d, ConvTranspose2d,
                   GroupNorm, Identity, LayerNorm, LayerScale, Linear, MatMul, PatchMerge,
                   Permute, Pool2d, PosEmbed, Scale, Softmax, TokenSelect, Upsample, WindowShift)
from ..registry import Registry

FVCORE = Registry("fvcore convention")
FLOP_COUNTER = Registry("FlopCounterMode convention")
MATRIX_PRODUCTS = (Conv2d, ConvTranspose2d, Linear, MatMul, AttnScores, AttnValues)
ELEMENTWISE = (Activation, Softmax, Add, Scale, LayerScale, PosEmbed, Pool2d)
DATA_MOVEMENT = (Concat, ChannelSplit, ChannelShuffle, Permute, PatchMerge, WindowShift,
                 ClassToken, TokenSelect, Identity)
NOT_COUNTED = "not counted by fvcore; archcalc: {:,} FLOPs"


def _per_element(per, r: LayerRecord, batch, where: str = "output"):
    shape = r.in_shape if where == "input" else r.out_shape
    return per * batch * shape.numel, f"{per} per {where} element"


@FVCORE.register(*MATRIX_PRODUCTS)
def _fv_macs(op, r: LayerRecord, batch):
    extra = r.flops - 2 * r.macs
    return r.macs, f"MACs (archcalc FLOPs add {extra:,} elementwise)" if extra else "MACs"


@FVCORE.register(BatchNorm2d)
def _fv_batch_norm(op: BatchNorm2d, r, batch):
    return _per_element(2 if op.affine else 1, r, batch)


@FVCORE.register(LayerNorm, GroupNorm)
def _fv_norm(op, r, batch):
    return _per_element(5 if op.affine else 4, r, batch)


@FVCORE.register(AdaptivePool2d)
def _fv_adaptive_pool(op: AdaptivePool2d, r, batch):
    if op.mode == "avg":
        return _per_element(1, r, batch, "input")
    return None, NOT_COUNTED.format(r.flops)


@FVCORE.register(Upsample)
def _fv_upsample(op: Upsample, r, batch):
    return _per_element(4 if op.mode == "bilinear" else 1, r, batch)


@FVCORE.register(*ELEMENTWISE, *DATA_MOVEMENT)
def _fv_skipped(op, r, batch):
    return None, NOT_COUNTED.format(r.flops)


@FLOP_COUNTER.register(*MATRIX_PRODUCTS)
def _fc_macs(op, r, batch):
    return 2 * r.macs, "2·MACs"


@FLOP_COUNTER.register(BatchNorm2d, LayerNorm, GroupNorm, AdaptivePool2d, Upsample,
                       *ELEMENTWISE, *DATA_MOVEMENT)
def _fc_zero(op, r, batch):
    return 0, "not counted"
