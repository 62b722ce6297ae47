"""ptflops 0.7.5 ``get_model_complexity_info`` with its default ``backend='pytorch'``, which
prints MACs (1 per multiply-accumulate) as the sum of two counters:

* a forward hook on each module whose type is in its table, matched exactly (``type(m) in
  MODULES_MAPPING``): a subclass counts 0, as the bridge's asymmetrically padded ``nn.Conv2d``
  and channels-first ``nn.LayerNorm`` do (timm's Conv2dSame, ConvNeXt's LayerNorm2d alike).
  Their total is divided by the batch;
* with ``count_functional=True`` (the default), patched ``torch.nn.functional`` calls (relu,
  gelu, silu, softmax, pools, interpolate) and ``torch.matmul``/``Tensor.matmul``/mm/bmm/addmm/
  mul/add, looked up by name at call time and counted for the whole batch.  Operators are not
  patched: ``a + b``, ``a * b``, ``a @ b`` (residual adds, squeeze-excite scaling, layer scale,
  position embedding) count 0, and so does a ``torch.matmul`` captured before the run.

Conv and linear count MACs plus 1 per output for the bias; norms 1 or 2 per element; pools 1
per input element.  A module whose ``forward`` calls a patched function is counted twice
(``nn.ReLU``, ``nn.GELU``, pools, ``nn.Upsample``).  On the meta device the tool prints more:
torch's Python meta kernels for ``addmm`` and bilinear upsampling call the patched
``torch.mm`` and ``torch.mul``.
Sources are files of the ptflops package, ``ptflops/...`` at 0.7.5.
"""

from __future__ import annotations

from fractions import Fraction

from ..cost.record import Cost
from ..ops import (Activation, AdaptivePool2d, AttnScores, AttnValues, BatchNorm2d, Conv2d,
                   ConvTranspose2d, GroupNorm, LayerNorm, Linear, MatMul, Pool2d, Softmax,
                   Upsample, pads)
from .archcalc import macs
from .base import Measured, ToolConvention

V = "ptflops 0.7.5"
OPS, ENGINE = f"{V} ptflops/pytorch_ops.py", f"{V} ptflops/pytorch_engine.py"

# activations whose module's forward calls a patched functional (pytorch_engine.py:350-390)
PATCHED_ACTIVATIONS = ("relu", "gelu", "gelu_tanh", "swish")
# activations whose module type is in MODULES_MAPPING (pytorch_ops.py:277-281, :324)
HOOKED_ACTIVATIONS = ("relu", "relu6", "leaky_relu", "gelu", "gelu_tanh")


class HooksAndPatches(ToolConvention):
    """ptflops' two counters scale differently with the batch: module hooks are averaged over
    it (``pytorch_engine.py:199``), patched functions are summed over it (``:70-71``).  An
    average that is not whole stays an exact fraction here; the tool prints ``int()`` of its
    total (``:93``)."""

    def cost(self, op, ins, out, batch=1) -> Cost:
        base = self.per_op(op, ins, out)
        if batch == 1:
            return base
        patched = _patched(op, ins, out)
        hooked = base.macs - patched
        if type(op) is Upsample:  # its hook reads one sample's output whatever the batch
            hooked = _divide(hooked, batch)
        n = hooked + batch * patched
        return Cost(base.params, n, 2 * n)


def _divide(n, batch):
    if isinstance(n, int):
        return n // batch if n % batch == 0 else Fraction(n, batch)
    return n / batch


def _patched(op, ins, out):
    """The part of ``op``'s count, for one sample, that ptflops' patched functions give."""
    kind = type(op)
    if kind is Activation:
        return out.numel if op.fn in PATCHED_ACTIVATIONS else 0
    if kind is Softmax:
        return out.numel
    if kind is Pool2d:
        return _pool_input(op, ins)
    if kind is AdaptivePool2d:
        return 0 if op.mean else ins[0].numel  # x.mean is neither a hooked module nor patched
    if kind is Upsample:
        return ins[0].numel * op.scale ** 2
    if kind in (AttnScores, AttnValues):
        return macs(op, ins, out)
    return 0


def _pool_input(op: Pool2d, ins):
    """The pool module's input: padded first where the padding is asymmetric."""
    x, (top, bottom, left, right) = ins[0], pads(op.p)
    if (top, left) == (bottom, right):
        return x.numel
    return x.c * (x.h + top + bottom) * (x.w + left + right)


def _asymmetric(op: Conv2d) -> bool:
    top, bottom, left, right = pads(op.p)
    return (top, left) != (bottom, right)


CONVENTION = PTFLOPS = HooksAndPatches(
    "ptflops", "ptflops get_model_complexity_info, backend='pytorch'", V,
    "module hooks of exact nn types (MACs + bias of conv/linear, norms, ReLU/ReLU6/LeakyReLU/"
    "GELU, pools, upsample) averaged over the batch + patched functionals and "
    "torch.matmul/mm/bmm/addmm/mul/add over the whole batch; operators a + b, a * b not counted",
    unit="MACs", params_note="sum(p.numel()) of parameters that require grad")


@PTFLOPS.rule(Conv2d, source=f"{OPS}:60 conv_flops_counter_hook (table :274); type "
              "matched exactly: pytorch_engine.py:311 is_supported_instance")
def _conv(op: Conv2d, ins, out):
    """MACs + 1 per output for the bias; 0 with asymmetric padding (an nn.Conv2d subclass)"""
    if _asymmetric(op):
        return 0
    return macs(op, ins, out) + (out.numel if op.bias else 0)


@PTFLOPS.rule(ConvTranspose2d, source=f"{OPS}:60 conv_flops_counter_hook, transpose=True "
              "(nn.ConvTranspose2d at :311)")
def _conv_transposed(op, ins, out):
    """MACs (per input pixel) + 1 per output for the bias"""
    return macs(op, ins, out) + (out.numel if op.bias else 0)


@PTFLOPS.rule(Linear, source=f"{OPS}:35 linear_flops_counter_hook (table :306); F.linear "
              "is not patched (pytorch_engine.py:349)")
def _linear(op, ins, out):
    """MACs + 1 per output for the bias"""
    return macs(op, ins, out) + (out.numel if op.bias else 0)


@PTFLOPS.rule(BatchNorm2d, GroupNorm, source=f"{OPS}:51 bn_flops_counter_hook (nn.BatchNorm2d "
              "at :297, nn.GroupNorm at :303)")
def _batch_norm(op, ins, out):
    """2 per element when affine, else 1"""
    return (2 if op.affine else 1) * out.numel


@PTFLOPS.rule(LayerNorm, source=f"{OPS}:51 bn_flops_counter_hook (nn.LayerNorm at :304; "
              "it reads module.affine, which nn.LayerNorm lacks)")
def _layer_norm(op, ins, out):
    """1 per element, affine or not; 0 channels-first (an nn.LayerNorm subclass)"""
    return 0 if out.layout == "chw" else out.numel


@PTFLOPS.rule(Activation, source=f"{OPS}:30 relu_flops_counter_hook (nn.ReLU, ReLU6, "
              "LeakyReLU :277-281, nn.GELU :324) + pytorch_engine.py:350-390 patched F.relu, "
              "F.gelu, F.silu (pytorch_ops.py:347 _numel_functional_flops_hook)")
def _activation(op: Activation, ins, out):
    """per element: relu, gelu 2 (hook + functional); relu6, leaky_relu 1 (hook); swish 1
    (F.silu); others 0"""
    return (out.numel if op.fn in HOOKED_ACTIVATIONS else 0) + _patched(op, ins, out)


@PTFLOPS.rule(Softmax, source=f"{ENGINE}:381 patched F.softmax (pytorch_ops.py:347 "
              "_numel_functional_flops_hook); nn.Softmax has no hook")
def _softmax(op, ins, out):
    """1 per element (the patched F.softmax)"""
    return _patched(op, ins, out)


@PTFLOPS.rule(Pool2d, AdaptivePool2d, source=f"{OPS}:46 pool_flops_counter_hook (table :283-294) + "
              "pytorch_engine.py:356-379 patched F.*pool*d (pytorch_ops.py:347)")
def _pool(op, ins, out):
    """2 per input element (hook + functional; asymmetric padding: the padded input)"""
    return 2 * _patched(op, ins, out)


@PTFLOPS.rule(Upsample, source=f"{OPS}:21 upsample_flops_counter_hook (table :308) + "
              "pytorch_engine.py:386 patched F.interpolate (pytorch_ops.py:351)")
def _upsample(op, ins, out):
    """2 per output element (hook on the first sample only + F.interpolate)"""
    return out.numel + _patched(op, ins, out)


@PTFLOPS.rule(AttnScores, AttnValues, source=f"{ENGINE}:437 patched Tensor.matmul (pytorch_ops.py:385 "
              "_matmul_tensor_flops_hook); q * scale and scores + bias are operators")
def _attention(op, ins, out):
    """MACs of the matrix product (Tensor.matmul); scaling and bias adds not counted"""
    return _patched(op, ins, out)


@PTFLOPS.rule(MatMul, source=f"{ENGINE}:435 patches the name torch.matmul; the bridge's "
              "module holds the unpatched function")
def _matmul(op, ins, out):
    """not counted (the bridge calls the torch.matmul it captured when built, as a @ b)"""
    return 0


@PTFLOPS.fallback_rule(source=f"{ENGINE}:311 is_supported_instance: no hook for any other "
                       "module type; operators (a + b, a * b), cat, pad, roll not patched")
def _not_counted(op, ins, out):
    """not counted (no hook, no patched function)"""
    return 0


def run_tool(model, x, backend: str):
    """``get_model_complexity_info`` on the exact input ``x``: ``(MACs, params)``; raises
    with the tool's message where it prints one and returns ``None``."""
    import contextlib
    import io

    import torch
    import torch._dynamo  # noqa: F401 - imported under ptflops' patches, it fails to import
    from ptflops import get_model_complexity_info

    said = io.StringIO()
    with torch.no_grad(), contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
        count, params = get_model_complexity_info(
            model, tuple(x.shape[1:]), print_per_layer_stat=False, as_strings=False,
            input_constructor=lambda _: x, ost=said, backend=backend)
    if count is None:
        raise RuntimeError(f"ptflops ({backend}) failed: " + said.getvalue().strip()[-300:])
    return int(count), int(params)


@PTFLOPS.measured_by
def _measure(model, x) -> Measured:
    """The printed MACs and params; no per-module figures (only as printed text)."""
    count, params = run_tool(model, x, "pytorch")
    return Measured(params, count)
