"""thop's ``profile(model, inputs)`` (thop 0.1.1.post2209072238), a MAC counter built on
forward hooks: it hooks a module only when ``type(module)`` is a key of its
``register_hooks`` table (exact type, no subclasses), and counts nothing else: no functional
call or tensor operator (``a + b``, ``a * b``, ``matmul``, attention), no custom module, no
subclass of a listed module (torchvision's ``LayerNorm2d``, a padded ``Conv2d``).  On the
modules it hooks it counts conv and linear MACs (no bias), 4 per element of an affine batch
or layer norm (2 without affine), ``3·n − 1`` per softmax row of ``n``, 1 per average-pool
output, ``kh·kw + 1`` per adaptive-average-pool output and 1 or 11 per upsampled output
(nearest, bilinear); activations, max pooling and everything else cost 0.  Params are the
``numel`` of the hooked modules that ran: a custom module's own parameters (layer scale,
class token, position embedding, relative-position bias table), group norm's and a
training-only layer's are not counted.  It counts shapes only, so it gives the same numbers
on the meta device as on CPU.  Sources are files of the thop package at that version.
"""

from __future__ import annotations

import warnings

from ..cost.record import Cost
from ..errors import ArchcalcError
from ..num import is_concrete, same
from ..ops import (Unused, AdaptivePool2d, AttnScores, BatchNorm2d, ClassToken, Conv2d,
                   ConvTranspose2d, GroupNorm, LayerNorm, LayerScale, Linear, PosEmbed, Pool2d,
                   Softmax, Upsample, pads, pair)
from .archcalc import macs
from .base import Measured, ToolConvention

V = "thop 0.1.1.post2209072238"
HOOKS = "thop/vision/basic_hooks.py"
CALC = "thop/vision/calc_func.py"
TABLE = "thop/profile.py"


def _subclass_built(op, out) -> bool:
    """Whether the bridge builds ``op`` as a subclass of a hooked module, which thop's exact
    type match (profile.py:188) skips: a conv with asymmetric padding (``PaddedConv2d``, like
    timm's ``Conv2dSame``) and a layer norm over an image's channels (``LayerNorm2d``, as
    torchvision's ConvNeXt writes it)."""
    if isinstance(op, Conv2d):
        top, bottom, left, right = pads(op.p)
        return not (same(top, bottom, "conv padding") and same(left, right, "conv padding"))
    return isinstance(op, LayerNorm) and out.layout == "chw"


class ThopConvention(ToolConvention):
    """thop's rule set; params also uncounted where the bridge builds a subclass of a hooked
    module, and for training-only layers (their hooks never fire in eval mode)."""

    params_of_train_only = False

    def per_op(self, op, ins, out) -> Cost:
        cost = super().per_op(op, ins, out)
        return Cost(0, cost.macs, cost.flops) if _subclass_built(op, out) else cost

    def cost(self, op, ins, out, batch=1) -> Cost:
        """Per sample, times the batch; but adaptive average pooling truncates its float
        count over the whole batch (calc_func.py:72), which is not linear in the batch."""
        if type(op) is AdaptivePool2d and batch != 1 and _adaptive_fraction(op, ins, out):
            n = _adaptive_avg(op, ins, out, batch)
            return Cost(self.per_op(op, ins, out).params, n, 2 * n)
        return super().cost(op, ins, out, batch)


CONVENTION = THOP = ThopConvention(
    "thop", "thop profile", V,
    "conv/linear MACs (no bias) + norms 4 per element + softmax, avg pools, upsampling, of "
    "exactly-typed torch.nn modules only; functional ops (add, mul, matmul, attention) "
    "skipped", unit="MACs",
    uncounted_params=(GroupNorm, LayerScale, PosEmbed, ClassToken, AttnScores, Unused),
    params_note="numel of the parameters of the exactly-typed nn modules thop hooks and that "
                "ran: not of layer scale, class token, position embedding, relative-position "
                "bias table, group norm, a LayerNorm2d or padded-conv subclass, or a "
                "training-only layer")


@THOP.rule(Conv2d, ConvTranspose2d, source=f"{V} {HOOKS}:22 count_convNd ({CALC}:28 "
           f"calculate_conv2d_flops), for type nn.Conv2d, nn.ConvTranspose2d ({TABLE}:24, :27)")
def _conv(op, ins, out):
    """output elements × (Cin/groups)·kh·kw, no bias (a transposed conv's per output, not
    input, pixel); 0 for the nn.Conv2d subclass of asymmetric padding"""
    if _subclass_built(op, out):
        return 0
    kh, kw = pair(op.k)
    if isinstance(op, ConvTranspose2d):
        return out.numel * (op.cin // op.groups) * kh * kw
    return macs(op, ins, out)


@THOP.rule(BatchNorm2d, LayerNorm, source=f"{V} {HOOKS}:60 count_normalization ({CALC}:43 "
           f"calculate_norm), for type nn.BatchNorm2d, nn.LayerNorm ({TABLE}:30, :32)")
def _norm(op, ins, out):
    """4 per element when affine, 2 without; 0 for LayerNorm2d (a subclass of nn.LayerNorm)"""
    if _subclass_built(op, out):
        return 0
    return (4 if op.affine else 2) * out.numel


@THOP.rule(Linear, source=f"{V} {HOOKS}:140 count_linear ({CALC}:90 calculate_linear), for "
           f"type nn.Linear ({TABLE}:53)")
def _linear(op, ins, out):
    """in features × output elements: the MACs, no bias"""
    return macs(op, ins, out)


@THOP.rule(Softmax, source=f"{V} {HOOKS}:98 count_softmax ({CALC}:57 calculate_softmax), for "
           f"type nn.Softmax ({TABLE}:37)")
def _softmax(op, ins, out):
    """3·n − 1 per row of n (exp, add, divide)"""
    return out.h * out.w * (3 * out.c - 1)


@THOP.rule(Pool2d, source=f"{V} {HOOKS}:106 count_avgpool ({CALC}:65 calculate_avgpool) for "
           f"nn.AvgPool2d; zero_ops ({HOOKS}:18) for nn.MaxPool2d ({TABLE}:42, :48)")
def _pool(op: Pool2d, ins, out):
    """average: 1 per output element, whatever the kernel; max: 0"""
    return out.numel if op.mode == "avg" else 0


@THOP.rule(AdaptivePool2d, source=f"{V} {HOOKS}:114 count_adap_avgpool ({CALC}:69 "
           f"calculate_adaptive_avg) for nn.AdaptiveAvgPool2d; zero_ops for "
           f"nn.AdaptiveMaxPool2d ({TABLE}:45, :51)")
def _adaptive_pool(op: AdaptivePool2d, ins, out):
    """average: (Hin/Hout)·(Win/Wout) + 1 per output element in float64, the product over the
    whole batch truncated; max, and a mean written x.mean (no module): 0"""
    if op.mode != "avg" or op.mean:
        return 0
    x = ins[0]
    if not _adaptive_fraction(op, ins, out):
        return (x.h // out.h * (x.w // out.w) + 1) * out.numel
    return _adaptive_avg(op, ins, out, 1)


def _adaptive_fraction(op, ins, out) -> bool:
    """Whether thop's kernel ratio (Hin/Hout)·(Win/Wout) is not a whole number."""
    x = ins[0]
    if op.mode != "avg" or op.mean:
        return False
    if not is_concrete(x.h, x.w, out.h, out.w):
        if is_concrete(out.h, out.w) and out.h == out.w == 1:
            return False
        raise ArchcalcError("thop's adaptive average pooling to more than one cell needs "
                            "concrete sizes")
    return (x.h * x.w) % (out.h * out.w) != 0


def _adaptive_avg(op, ins, out, batch) -> int:
    """thop's float64 count of ``batch`` samples, truncated once."""
    x = ins[0]
    return int(((x.h / out.h) * (x.w / out.w) + 1) * (batch * out.numel))


@THOP.rule(Upsample, source=f"{V} {HOOKS}:125 count_upsample ({CALC}:75 calculate_upsample), "
           f"for type nn.Upsample ({TABLE}:55)")
def _upsample(op: Upsample, ins, out):
    """nearest: 1 per output element; bilinear: 11"""
    return (11 if op.mode == "bilinear" else 1) * out.numel


@THOP.fallback_rule(source=f"{V} {TABLE}:188 profile hooks only a type in register_hooks "
                    f"({TABLE}:21); zero_ops ({HOOKS}:18) for nn.ReLU, nn.ReLU6; "
                    f"count_relu ({HOOKS}:90) returns 0 for nn.LeakyReLU")
def _not_counted(op, ins, out):
    """0: activations, group norm, and what the bridge writes as tensor operators or custom
    modules (add, mul, matmul, attention, concat, layer scale, embeddings)"""
    return 0


@THOP.measured_by
def _measure(model, x) -> Measured:
    """``thop.profile(model, inputs=(x,))``: its MACs and params, and each module's MACs by
    path (``ret_layer_info``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # thop imports distutils
        from thop import profile

    count, params, layers = profile(model, inputs=(x,), verbose=False, ret_layer_info=True)
    for m in model.modules():  # thop leaves its two buffers on the modules it did not hook
        for name in ("total_ops", "total_params"):
            m._buffers.pop(name, None)
    by_module = {"": int(count)}

    def walk(tree: dict, prefix: str) -> None:
        for name, (ops, _, children) in tree.items():
            by_module[prefix + name] = int(ops)
            walk(children, f"{prefix}{name}.")

    walk(layers, "")
    return Measured(int(params), int(count), by_module)
