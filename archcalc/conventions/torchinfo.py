"""torchinfo's ``summary(...).total_mult_adds`` (torchinfo 1.8.0): counted per module from its
class name and its parameters alone, never from the op it runs.  Each leaf module (a module
without children) that holds a parameter named ``weight`` or ``bias`` counts that parameter's
size once per output position if its class name contains "Conv", else once per sample (the
output's first dim): so convolutions count their MACs plus one per output for the bias,
linear layers and norms count their parameter count once per sample (not per token or
position), and every module without such parameters counts nothing (matmul, attention,
activations, adds, pooling; also parameters named otherwise, e.g. a layer scale ``gamma``).
So the count depends on how the model is written, not on what it computes: a weight held by a
module with children counts nothing (nn.MultiheadAttention's in_proj), a module run twice
counts twice, a functional call or ``a + b`` counts nothing, and "per sample" means per entry
of the output's first dim (sequence-first tensors count per token).  ``total_params`` is
``sum(p.numel())`` per module: a module run twice counted once, a parameter shared by two
modules counted twice.  Sources are files of the torchinfo package, ``torchinfo/...`` at that
version.
"""

from __future__ import annotations

from ..ops import (Unused, AttnScores, BatchNorm2d, ClassToken, Conv2d, ConvTranspose2d, GroupNorm,
                   LayerNorm, LayerScale, Linear, PosEmbed, pair)
from .archcalc import macs
from .base import Measured, ToolConvention

V = "torchinfo 1.8.0"
CALC = f"{V} torchinfo/layer_info.py:225 LayerInfo.calculate_macs"
CONVENTION = TORCHINFO = ToolConvention(
    "torchinfo", "torchinfo summary", V,
    "weight and bias sizes of leaf modules: × output positions for a class named *Conv*, "
    "else × the batch; modules without weight/bias count nothing", unit="mult-adds",
    params_note="sum(p.numel()): leaf modules' parameters plus those held by containers "
                "(torchinfo/model_statistics.py:31 ModelStatistics.__init__)")


@TORCHINFO.rule(Conv2d, source=f"{CALC}, :237 class name containing 'Conv': "
                "(weight + bias) × N·Hout·Wout")
def _conv(op, ins, out):
    """MACs + 1 per output for the bias (any module whose class name contains "Conv")"""
    return macs(op, ins, out) + (out.numel if op.bias else 0)


@TORCHINFO.rule(ConvTranspose2d, source=f"{CALC}, :237 class name containing 'Conv': "
                "(weight + bias) × N·Hout·Wout")
def _conv_transposed(op: ConvTranspose2d, ins, out):
    """the weight (Cin·Cout/g·kh·kw) per *output* pixel, not per input pixel, + 1 per output
    for the bias"""
    kh, kw = pair(op.k)
    weight = op.cin * (op.cout // op.groups) * kh * kw
    return (weight + (op.cout if op.bias else 0)) * out.h * out.w


@TORCHINFO.rule(Linear, source=f"{CALC}, :242 other class names: (weight + bias) × the "
                "output's first dim (the batch)")
def _linear(op: Linear, ins, out):
    """in·out + out (bias) once per sample, whatever the number of tokens or positions"""
    return op.fin * op.fout + (op.fout if op.bias else 0)


@TORCHINFO.rule(BatchNorm2d, LayerNorm, GroupNorm, source=f"{CALC}, :242 other class names: "
                "(weight + bias) × the output's first dim (the batch)")
def _norm(op, ins, out):
    """2·C (weight and bias) once per sample when affine; 0 without affine"""
    return 2 * op.c if op.affine else 0


@TORCHINFO.rule(Unused, source=f"{CALC}, :242 other class names: (weight + bias) × the "
                "output's first dim (the batch)")
def _unused(op, ins, out):
    """its parameters (named weight) once per sample, if it runs at all"""
    return op.params


@TORCHINFO.rule(LayerScale, PosEmbed, ClassToken, AttnScores, source=f"{CALC}, :235 and :244 "
                "count only parameters named weight or bias (the bridge's: gamma, embedding, "
                "token, table)")
def _other_names(op, ins, out):
    """0: the parameter is not named weight or bias (named so, it would count once per
    sample); attention's matmuls and adds are not modules with weights"""
    return 0


@TORCHINFO.fallback_rule(source=f"{CALC}: a module without parameters adds nothing; "
                         "torchinfo/model_statistics.py:32 sums leaf modules only")
def _no_parameters(op, ins, out):
    """not counted (the module holds no parameters)"""
    return 0


@TORCHINFO.measured_by
def _measure(model, x) -> Measured:
    """``summary(model, input_data=x)``: ``total_params``, ``total_mult_adds``, and per module
    path the mult-adds of the leaf modules under it."""
    from torchinfo import summary
    from torchinfo.torchinfo import clear_cached_forward_pass

    stats = summary(model, input_data=x, verbose=0)
    clear_cached_forward_pass()  # torchinfo keeps the last summary (and model) by class name
    paths = {id(m): name for name, m in model.named_modules()}
    by_module: dict[str, int] = {}
    for layer in stats.summary_list:
        if layer.is_leaf_layer and layer.macs:
            path = paths[id(layer.module)]
            parts = path.split(".") if path else []
            for i in range(len(parts) + 1):
                key = ".".join(parts[:i])
                by_module[key] = by_module.get(key, 0) + int(layer.macs)
    return Measured(int(stats.total_params), int(stats.total_mult_adds), by_module)
