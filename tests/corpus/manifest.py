"""The corpus: real-world-style torch modules that `archcalc inspect` is measured against.

`CORPUS` is a list of `Entry`: the model's `name`, a `factory` returning it in eval mode (seeded,
so values are deterministic too), the `input` shape WITHOUT the batch axis, the `input_dtype`,
the `family`, the `idioms` it exercises, and the reference figures produced by
`tests/corpus/measure.py` on a batch-1 all-zero input (stored in `reference.py`, regenerated with
`python -m tests.corpus.measure --write`, checked by tests/test_corpus_reference.py):

* `params`: `sum(p.numel() for p in m.parameters())`.
* `params_used`: parameters the eval forward actually uses, found by autograd — run the eval
  model with grad enabled on the zero input, back-propagate `ones` from every tensor output,
  count the parameters whose `.grad` is not None.  (Training-only heads, never-used parameters
  and the untaken branch of a data-dependent `if` have no grad.)
* `fvcore`: `FlopCountAnalysis(m, x).total()` (fvcore 0.1.5.post20221221: one "flop" per
  multiply-add for conv/linear/matmul, plus its norm/pool/upsample handles), warnings off;
  `fvcore_unsupported`: `dict(unsupported_ops())`; `fvcore_error` when its jit trace fails.
* `flop_counter`: `torch.utils.flop_counter.FlopCounterMode(display=False)` total under
  `torch.no_grad()` (2 FLOPs per multiply-add of conv/mm/bmm/addmm/baddbmm/SDPA only).
* `fx_traceable` / `fx_error`: whether `torch.fx.symbolic_trace(m)` succeeds.
* `output`: the output shape(s).
* `true_macs` / `true_macs_note`: hand-computed multiply-adds of the work the tools miss, only
  where fvcore or FlopCounterMode misses work (see the notes).
"""

from dataclasses import dataclass, field
from typing import Callable, Optional

import torch

from . import (attention_cnn, audio, classic, convnext, darts, efficientnet, fpn, ghostnet,
               inception, misc, mlp_mixer, mobilenet, mobileone, poolformer, repvgg, resnet,
               shufflenet, multibranch, untraceable, unet, vit)


@dataclass(frozen=True)
class Entry:
    name: str
    factory: Callable[[], torch.nn.Module]
    input: tuple
    family: str
    idioms: tuple
    input_dtype: str = "float32"
    # reference figures (from reference.py)
    params: Optional[int] = None
    params_used: Optional[int] = None
    fvcore: Optional[int] = None
    fvcore_unsupported: dict = field(default_factory=dict)
    fvcore_error: Optional[str] = None
    flop_counter: Optional[int] = None
    flop_counter_error: Optional[str] = None
    fx_traceable: Optional[bool] = None
    fx_error: Optional[str] = None
    output: object = None
    true_macs: Optional[int] = None
    true_macs_note: str = ""

    def build(self):
        return self.factory()

    def make_input(self, batch=1):
        dtype = getattr(torch, self.input_dtype)
        return torch.zeros((batch,) + tuple(self.input), dtype=dtype)


def _eval(fn):
    def factory():
        torch.manual_seed(0)
        return fn().eval()
    factory.__name__ = fn.__name__
    factory.__qualname__ = fn.__qualname__
    factory.__doc__ = fn.__doc__
    return factory


# name, builder, input, family, idioms, extra
_SPECS = [
    # ------------------------------------------------------------------ GhostNet
    ("ghostnet_tiny", ghostnet.ghostnet_tiny, (3, 32, 32), "ghostnet",
     ("ghost-module cat+slice [:, :oup]", "ghost bottleneck", "SE hard_sigmoid F.relu6(x + 3.) / 6.",
      "x * gate", "x += shortcut (empty nn.Sequential)", "x.view(x.size(0), -1)",
      "F.dropout(training=self.training)", "depthwise conv")),
    ("ghostnet_ratio3", ghostnet.ghostnet_ratio3, (3, 32, 32), "ghostnet",
     ("ghost-module cat+slice that drops channels (ratio 3)", "ghost bottleneck", "SE",
      "x.view(x.size(0), -1)")),
    # ------------------------------------------------------------------ RepVGG
    ("repvgg_b_g2_tiny", repvgg.repvgg_b_g2_tiny, (3, 32, 32), "repvgg",
     ("3x3 + 1x1 + identity-BN branches summed", "id_out = 0 then + id_out",
      "self.nonlinearity(self.se(...))", "grouped conv (groups=2)", "nn.ModuleList loop",
      "out.view(out.size(0), -1)")),
    ("repvgg_deploy_se_tiny", repvgg.repvgg_deploy_se_tiny, (3, 32, 32), "repvgg",
     ("re-parameterised single conv", "SE F.avg_pool2d(kernel_size=inputs.size(3))",
      "torch.sigmoid", "x.view(-1, C, 1, 1)", "inputs * x")),
    # ------------------------------------------------------------------ MobileOne
    ("mobileone_s0_tiny", mobileone.mobileone_s0_tiny, (3, 32, 32), "mobileone",
     ("k=4 conv-BN branches summed in a loop", "scalar init identity_out = 0 / scale_out = 0",
      "int 0 + tensor (out += ... with out == 0)", "BN skip branch", "1x1 scale branch",
      "depthwise + pointwise blocks")),
    ("mobileone_s4_se_tiny", mobileone.mobileone_s4_se_tiny, (3, 32, 32), "mobileone",
     ("branches summed", "SE F.avg_pool2d(kernel_size=[h, w]) from inputs.size()",
      "x.view(-1, c, 1, 1)", "scalar init")),
    # ------------------------------------------------------------------ ConvNeXt
    ("convnext_tiny_scaled", convnext.convnext_tiny_scaled, (3, 64, 64), "convnext",
     ("depthwise 7x7", "x.permute(0, 2, 3, 1)", "nn.LayerNorm channels_last",
      "Linear 4x MLP on NHWC", "GELU", "layer scale self.gamma * x", "x.permute(0, 3, 1, 2)",
      "DropPath", "input + self.drop_path(x)", "channels_first LayerNorm by hand (mean/pow/sqrt)",
      "self.weight[:, None, None]", "x.mean([-2, -1])", "patchify stem 4x4 s4")),
    ("convnextv2_atto_scaled", convnext.convnextv2_atto_scaled, (3, 64, 64), "convnext",
     ("F.layer_norm", "GRN torch.norm(p=2, dim=(1, 2))", "Gx / (Gx.mean(-1) + 1e-6)",
      "self.gamma * (x * Nx) + self.beta + x", "permute", "DropPath")),
    # ------------------------------------------------------------------ EfficientNet
    ("efficientnetv2_tiny", efficientnet.efficientnetv2_tiny, (3, 32, 32), "efficientnet",
     ("Fused-MBConv", "MBConv", "SE F.adaptive_avg_pool2d(x, 1)", "x * self.se(x)", "SiLU",
      "DropPath", "self.drop_path(x) + shortcut", ".flatten(1)", "F.dropout")),
    ("efficientnet_b0_tiny", efficientnet.efficientnet_b0_tiny, (3, 32, 32), "efficientnet",
     ("torchvision MBConv", "SqueezeExcitation scale * input", "StochasticDepth (torch.fx.wrap)",
      "result += input", "Conv2dNormActivation", "5x5 depthwise", "torch.flatten(x, 1)",
      "nn.Dropout(inplace=True)")),
    # ------------------------------------------------------------------ MobileNet
    ("mobilenetv2_tiny", mobilenet.mobilenetv2_tiny, (3, 32, 32), "mobilenet",
     ("ReLU6", "inverted residual x + self.conv(x)",
      "nn.functional.adaptive_avg_pool2d(x, (1, 1))", "torch.flatten(x, 1)")),
    ("mobilenetv3_small_kw", mobilenet.mobilenetv3_small_kw, (3, 32, 32), "mobilenet",
     ("hand-written hard-swish x * F.relu6(x + 3., inplace=True) / 6.", "Hsigmoid",
      "SE on Linear with .view(b, c)", "x * y.expand_as(x)", "x.mean(3).mean(2)",
      "conv head after global pool")),
    ("mobilenetv3_large_tv", mobilenet.mobilenetv3_large_tv, (3, 32, 32), "mobilenet",
     ("nn.Hardswish", "F.hardsigmoid(inplace=True)", "F.adaptive_avg_pool2d(input, 1)",
      "scale * input", "result += input", "nn.Identity activation", "BN eps/momentum partial")),
    ("pp_lcnet_tiny", mobilenet.pp_lcnet_tiny, (3, 32, 32), "mobilenet",
     ("F.hardswish", "F.hardsigmoid", "torch.mul(identity, x)", "5x5 depthwise",
      "torch.flatten(x, start_dim=1, end_dim=-1)", "conv head after global pool")),
    # ------------------------------------------------------------------ ViT
    ("vit_timm_tiny", vit.vit_timm_tiny, (3, 32, 32), "vit",
     ("patch-embed conv", "x.flatten(2).transpose(1, 2)",
      "torch.cat((cls.expand(B, -1, -1), x), dim=1)", "x + self.pos_embed",
      "qkv.reshape(B, N, 3, H, C // H).permute(2, 0, 3, 1, 4)", "qkv.unbind(0)",
      "(q @ k.transpose(-2, -1)) * self.scale", "attn.softmax(dim=-1)",
      "(attn @ v).transpose(1, 2).reshape(B, N, C)", "Linear on (B, N, C)", "DropPath",
      "x[:, 0] head")),
    ("vit_timm_sdpa", vit.vit_timm_sdpa, (3, 32, 32), "vit",
     ("F.scaled_dot_product_attention", "qk-norm LayerNorm on head_dim", "LayerScale x * gamma",
      "no class token", "x[:, 0:].mean(dim=1)")),
    ("vit_torchvision_mha", vit.vit_torchvision_mha, (3, 32, 32), "vit",
     ("nn.MultiheadAttention(batch_first=True)", "need_weights=False", "x, _ = attn(x, x, x)",
      "torch._assert", "x.reshape(n, hidden, n_h * n_w).permute(0, 2, 1)",
      "torch.cat([class_token, x], dim=1)", "MLPBlock(nn.Sequential)")),
    # ------------------------------------------------------------------ MLP / token mixers
    ("mlp_mixer_tiny", mlp_mixer.mlp_mixer_tiny, (3, 32, 32), "mlp_mixer",
     ("token-mixing MLP on x.transpose(1, 2)", "LayerNorm", "Linear on tokens", "DropPath",
      "x.mean(dim=1)")),
    ("resmlp_tiny", mlp_mixer.resmlp_tiny, (3, 32, 32), "mlp_mixer",
     ("Affine torch.addcmul(beta, alpha, x)", "Linear over tokens", "layer scale ls * x",
      "transpose(1, 2)")),
    ("gmlp_tiny", mlp_mixer.gmlp_tiny, (3, 32, 32), "mlp_mixer",
     ("spatial gating u, v = x.chunk(2, dim=-1)", "self.proj(v.transpose(-1, -2))",
      "u * v.transpose(-1, -2)")),
    ("poolformer_s12_tiny", poolformer.poolformer_s12_tiny, (3, 64, 64), "poolformer",
     ("self.pool(x) - x", "AvgPool2d count_include_pad=False", "GroupNorm(1, C)",
      "layer_scale.unsqueeze(-1).unsqueeze(-1) * ...", "1x1-conv MLP", "7x7 s4 p2 stem",
      "x.mean([-2, -1])", "nn.ModuleList loop")),
    # ------------------------------------------------------------------ U-Net
    ("unet_bilinear_tiny", unet.unet_bilinear_tiny, (3, 40, 40), "unet",
     ("DoubleConv", "MaxPool2d(2) down", "F.interpolate(scale_factor=2, mode='bilinear', "
      "align_corners=True)", "F.pad [diffX // 2, diffX - diffX // 2, ...] (really pads)",
      "x2.size()[2] - x1.size()[2]", "torch.cat([x2, x1], dim=1)", "1x1 OutConv",
      "dense (segmentation) output")),
    ("unet_transpose_tiny", unet.unet_transpose_tiny, (3, 36, 36), "unet",
     ("nn.ConvTranspose2d(k=2, s=2) up", "F.pad (really pads)", "torch.cat skip", "DoubleConv")),
    # ------------------------------------------------------------------ Inception
    ("inception_v3_tiny", inception.inception_v3_tiny, (3, 75, 75), "inception",
     ("Inception-C 1x7 / 7x1 kernels", "four-way torch.cat(outputs, 1)",
      "F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)", "F.max_pool2d(kernel_size=3, stride=2)",
      "torch.cat of list (InceptionE)", "1x3 / 3x1 kernels", "training-only aux head (unused at eval)",
      "_transform_input unsqueeze(x[:, 0], 1) * (0.229 / 0.5) + ...", "F.relu(x, inplace=True)",
      "returns (x, aux) tuple internally")),
    ("googlenet_tiny", inception.googlenet_tiny, (3, 64, 64), "inception",
     ("nn.MaxPool2d(3, 2, ceil_mode=True) (ceil matters)", "four-branch inception torch.cat",
      "two training-only aux heads (unused at eval)", "F.adaptive_avg_pool2d(x, (4, 4))",
      "_transform_input scalar arithmetic", "MaxPool2d(3, 1, 1, ceil_mode=True) branch")),
    # ------------------------------------------------------------------ classic
    ("lenet5", classic.lenet5, (1, 32, 32), "classic",
     ("x.view(x.size(0), -1)", "F.max_pool2d(F.relu(conv(x)), (2, 2))", "F.relu")),
    ("lenet_blitz", classic.lenet_blitz, (1, 32, 32), "classic",
     ("num_flat_features loop over x.size()[1:] (fx cannot trace)", "x.view(-1, n)")),
    ("alexnet_tiny", classic.alexnet_tiny, (3, 64, 64), "classic",
     ("11x11 s4 conv", "AdaptiveAvgPool2d((6, 6)) on a 1x1 map", "torch.flatten(x, 1)",
      "Dropout + Linear classifier")),
    ("vgg11_cifar", classic.vgg11_cifar, (3, 32, 32), "classic",
     ("cfg list with 'M'", "x.reshape(x.shape[0], -1)", "no-op AvgPool2d(1, 1)", "conv-BN-ReLU")),
    ("squeezenet1_1_tiny", classic.squeezenet1_1_tiny, (3, 56, 56), "classic",
     ("Fire torch.cat([e1x1, e3x3], 1)", "nn.MaxPool2d(3, 2, ceil_mode=True) (ceil matters)",
      "conv classifier + AdaptiveAvgPool2d", "torch.flatten(x, 1)")),
    ("keras_port_cnn", classic.keras_port_cnn, (3, 32, 32), "classic",
     ("nn.Conv2d(padding='same')", "padding='same' with even 4x4 kernel (asymmetric)",
      "non-square (1, 5) / (5, 1) kernels", "dilated 'same' conv",
      "x.permute(0, 2, 3, 1).flatten(1)")),
    # ------------------------------------------------------------------ ResNet family
    ("resnet18_tiny", resnet.resnet18_tiny, (3, 64, 64), "resnet",
     ("BasicBlock out += identity", "downsample conv1x1-BN", "MaxPool2d(3, 2, 1)",
      "torch.flatten(x, 1)")),
    ("resnext_dilated_tiny", resnet.resnext_dilated_tiny, (3, 64, 64), "resnet",
     ("Bottleneck out += identity", "grouped 3x3 (groups=4)", "dilated 3x3 instead of stride",
      "width = int(planes * (base_width / 64.0)) * groups")),
    ("resnet20_cifar_optionA", resnet.resnet20_cifar_optionA, (3, 32, 32), "resnet",
     ("LambdaLayer(lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p)))",
      "strided slicing", "channel zero-padding shortcut", "F.avg_pool2d(out, out.size()[3])",
      "out += self.shortcut(x)")),
    ("wide_resnet_tiny", resnet.wide_resnet_tiny, (3, 32, 32), "resnet",
     ("torch.add(x if equalInOut else convShortcut(x), out)", "pre-activation",
      "F.dropout(training=self.training)", "F.avg_pool2d(out, 8)", "out.view(-1, C)")),
    ("preact_resnet_methods", resnet.preact_resnet_methods, (3, 32, 32), "resnet",
     ("torch.relu(x)", "x.relu_()", "F.relu_", "out.add_(shortcut)", "out = out.add(shortcut)",
      "F.relu(inplace=True)", "hasattr(self, 'shortcut')", "F.adaptive_avg_pool2d(x, 1)")),
    ("densenet_tiny", resnet.densenet_tiny, (3, 64, 64), "densenet",
     ("list of tensors passed to a module", "torch.cat(inputs, 1)", "isinstance(input, Tensor)",
      "nn.ModuleDict with forward", "_Transition(nn.Sequential) AvgPool2d(2, 2)",
      "F.relu(features, inplace=True)", "F.adaptive_avg_pool2d(out, (1, 1))", "F.dropout")),
    ("shufflenet_v2_tiny", shufflenet.shufflenet_v2_tiny, (3, 64, 64), "shufflenet",
     ("x.chunk(2, dim=1)", "channel_shuffle view/transpose/contiguous/view",
      "b, c, h, w = x.size()", "torch.cat((x1, branch2(x2)), dim=1)", "x.mean([2, 3])")),
    ("res2net_tiny", multibranch.res2net_tiny, (3, 64, 64), "res2net",
     ("torch.split(out, width, 1)", "hierarchical sp = sp + spx[i]", "torch.cat((out, sp), 1)",
      "AvgPool2d on the last split", "out += residual")),
    ("skresnet_tiny", multibranch.skresnet_tiny, (3, 32, 32), "sknet",
     ("torch.split input", "torch.stack(x_paths, dim=1)", "x.sum(1).mean((2, 3), keepdim=True)",
      "x.view(B, paths, C // paths, H, W)", "torch.softmax(dim=1)", "torch.sum(x * attn, dim=1)",
      "dilated 3x3", "torch._assert")),
    ("eca_resnet_tiny", attention_cnn.eca_resnet_tiny, (3, 32, 32), "attention_cnn",
     ("ECA Conv1d on y.squeeze(-1).transpose(-1, -2)", ".transpose(-1, -2).unsqueeze(-1)",
      "x * y.expand_as(x)", "out += residual")),
    ("cbam_resnet_tiny", attention_cnn.cbam_resnet_tiny, (3, 32, 32), "attention_cnn",
     ("F.avg_pool2d / F.max_pool2d with (x.size(2), x.size(3))", "Flatten module x.view",
      "channel_att_sum = None accumulate", "torch.sigmoid(..).unsqueeze(2).unsqueeze(3).expand_as(x)",
      "torch.max(x, 1)[0].unsqueeze(1)", "torch.mean(x, 1)", "7x7 spatial gate")),
    ("darts_search_tiny", darts.darts_search_tiny, (3, 32, 32), "darts",
     ("nn.BatchNorm2d(C, affine=False)", "sum(w * op(x) for w, op in zip(weights, ops))",
      "F.softmax(alphas) on plain tensor attributes", "Zero x.mul(0.) / strided slice .mul(0.)",
      "FactorizedReduce cat with x[:, :, 1:, 1:]", "AvgPool2d count_include_pad=False",
      "sep/dilated depthwise convs", "torch.cat(states[-k:], dim=1)", "two-input cells")),
    ("resnet_fpn_tiny", fpn.resnet_fpn_tiny, (3, 64, 64), "fpn",
     ("IntermediateLayerGetter(nn.ModuleDict) -> OrderedDict",
      "F.interpolate(size=feat_shape, mode='nearest')", "inner_lateral + inner_top_down",
      "results.insert(0, ...)", "F.max_pool2d(kernel_size=1, stride=2)", "dict output",
      "backbone avgpool/fc dropped")),
    ("res8_narrow_kws", audio.res8_narrow_kws, (48, 40), "audio",
     ("x.unsqueeze(1) on a rank-2 input", "nn.BatchNorm2d(affine=False)",
      "non-square nn.AvgPool2d((4, 3))", "getattr(self, 'conv{}'.format(i))",
      "x.view(b, c, -1) then torch.mean(x, 2)", "residual every second layer")),
    ("res15_narrow_kws", audio.res15_narrow_kws, (48, 40), "audio",
     ("dilated 3x3 convs (dilation 2 ** (i // 3))", "nn.BatchNorm2d(affine=False)",
      "x.unsqueeze(1)", "torch.mean(x, 2)")),
    # ------------------------------------------------------------------ untraceable
    ("gated_cnn", untraceable.gated_cnn, (3, 32, 32), "untraceable",
     ("data-dependent if x.sum() > 0 (fx cannot trace)", "branch untaken on zero input",
      "torch.relu", "F.adaptive_avg_pool2d(y, 1).flatten(1)")),
    ("t5_encoder_tiny", untraceable.t5_encoder_tiny, (16, 32), "untraceable",
     ("Linear on (B, N, C) in an untraceable model", "if torch.isinf(h).any(): clamp",
      "if self.weight.dtype in [...]", "RMS norm pow(2).mean(-1) * torch.rsqrt",
      "torch.matmul(q, k.transpose(3, 2))", "relative-position nn.Embedding bias",
      "scores += position_bias", "F.softmax(scores.float()).type_as(scores)",
      "view/transpose/contiguous", "tuple outputs between layers")),
    ("mingpt_tiny", untraceable.mingpt_tiny, (16,), "untraceable",
     ("int64 token-id input", "nn.Embedding wte + wpe", "assert t <= block_size (fx cannot trace)",
      "NewGELU 0.5 * x * (1.0 + torch.tanh(...))", "c_attn(x).split(n_embd, dim=2)",
      "att.masked_fill(bias[:, :, :T, :T] == 0, -inf)", "1.0 / math.sqrt(k.size(-1))",
      "Linear on (B, N, C)", "lambda MLP", "returns (logits, None)")),
    # ------------------------------------------------------------------ misc
    ("stray_param_net", misc.stray_param_net, (3, 32, 32), "misc",
     ("parameter never used (temperature)", "module never used (old_fc)", "unused buffer",
      "bare x.squeeze() drops the batch axis at batch 1")),
]

_EXTRA = {
    "mingpt_tiny": dict(input_dtype="int64"),
    # Hand-computed multiply-adds (conv + linear + matmul) where a tool misses work.
    # tests/test_corpus_reference.py checks each against FlopCounterMode / 2 with attention
    # written out as explicit matmuls (measure.explicit_attention).
    "vit_timm_sdpa": dict(
        true_macs=1_835_648,
        true_macs_note=(
            "16 tokens (4x4 patches of 8), dim 64, 4 heads of 16, 2 blocks, mlp 256. "
            "patch conv 16*64*192 = 196,608; per block: qkv 16*64*192 = 196,608, "
            "q@k^T 4*16*16*16 = 16,384, attn@v 16,384, proj 16*64*64 = 65,536, "
            "mlp 2*16*64*256 = 524,288 -> 819,200; x2 = 1,638,400; head 64*10 = 640. "
            "Both tools miss the 2*32,768 = 65,536 SDPA MACs: fvcore reports "
            "aten::scaled_dot_product_attention unsupported, FlopCounterMode has no formula "
            "for the CPU kernel aten._scaled_dot_product_flash_attention_for_cpu "
            "(flop_counter / 2 = 1,770,112).")),
    "vit_torchvision_mha": dict(
        true_macs=1_385_344,
        true_macs_note=(
            "17 tokens (16 patches + class), hidden 64, 4 heads of 16, 2 layers, mlp 128. "
            "conv_proj 16*64*192 = 196,608; per layer: in_proj 17*64*192 = 208,896, "
            "q@k^T 4*17*17*16 = 18,496, attn@v 18,496, out_proj 17*64*64 = 69,632, "
            "mlp 2*17*64*128 = 278,528 -> 594,048; x2 = 1,188,096; head 640. "
            "FlopCounterMode (eval + no_grad) sees the MHA fast path "
            "aten._native_multi_head_attention, which it does not count: it misses "
            "2*315,520 = 631,040 MACs (flop_counter / 2 = 754,304). fvcore traces the slow "
            "path (grad enabled) and misses only the SDPA inside it: 2*36,992 = 73,984 MACs.")),
    "keras_port_cnn": dict(
        true_macs=2_589_312,
        true_macs_note=(
            "conv1 4x4 'same' 32*32*16*48 = 786,432; conv2a (1,5) 16*16*24*80 = 491,520; "
            "conv2b (5,1) 16*16*24*120 = 737,280; conv3 3x3 dil 2 8*8*32*216 = 442,368; "
            "dense1 2048*64 = 131,072; dense2 640. fvcore has no handle for "
            "aten::_convolution_mode (what padding='same' lowers to) and misses all four convs "
            "(2,457,600 MACs); FlopCounterMode is complete (flop_counter / 2).")),
    "darts_search_tiny": dict(
        true_macs=5_953_856,
        true_macs_note=(
            "fvcore cannot trace the model at all (its jit trace refuses the architecture "
            "weights, plain tensors with requires_grad, as constants); FlopCounterMode is "
            "complete here, so true MACs = flop_counter / 2.")),
}


def _load_reference():
    try:
        from .reference import REFERENCE
    except ImportError:  # not generated yet
        return {}
    return REFERENCE


def _build():
    ref = _load_reference()
    out = []
    for name, fn, shape, family, idioms in _SPECS:
        kw = dict(_EXTRA.get(name, {}))
        kw.update(ref.get(name, {}))
        out.append(Entry(name=name, factory=_eval(fn), input=shape, family=family,
                         idioms=tuple(idioms), **kw))
    return out


CORPUS = _build()
BY_NAME = {e.name: e for e in CORPUS}
