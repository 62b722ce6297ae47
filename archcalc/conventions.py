"""The counting conventions as data: printed in report footers, JSON output and the README."""

from __future__ import annotations

SUMMARY = {
    "params": "every learned scalar, as sum(p.numel()) counts it: conv/linear weights and biases, "
              "norm weight and bias when affine (not running statistics), layer scale, class "
              "token, position embedding, relative-position bias tables",
    "macs": "multiply-accumulates of conv, linear and matrix products (squeeze-excite 1x1 convs "
            "and attention's QKᵀ and AV included): N·Cout·Hout·Wout·(Cin/groups)·kh·kw, "
            "N·positions·in·out, one head-dim dot product per attention score",
    "flops": "2 × MACs plus elementwise work (see per_op)",
    "bytes": "per op: input activations read + weights read + output written, times bytes per "
             "element of the dtype; 'fused' keeps a block's intermediates on chip",
    "peak_activation_bytes": "largest sum of tensors alive at once in the sequential schedule "
                             "(op input + output + tensors held for a later add or concat)",
    "batch": "MACs, FLOPs, bytes and activations scale with the batch N; params do not",
}

# (op, params, MACs, FLOPs) per primitive; one FLOP per output element unless stated.
PER_OP = (
    ("conv (kh×kw, any stride, padding, dilation, groups)", "Cout·(Cin/g)·kh·kw (+Cout bias)",
     "N·Cout·Hout·Wout·(Cin/g)·kh·kw", "2·MACs (+1 per output for bias)"),
    ("transposed conv", "Cin·(Cout/g)·kh·kw (+Cout bias)", "N·Cin·Hin·Win·(Cout/g)·kh·kw",
     "2·MACs (+1 per output for bias)"),
    ("linear (flattened image, or per token / position)", "in·out (+out bias)",
     "N·positions·in·out", "2·MACs (+1 per output for bias)"),
    ("matmul, batched matmul (h×k)·(k×c)", "0", "N·batch·h·k·c", "2·MACs"),
    ("attention scores QKᵀ/√d (heads, window)", "(2·window−1)²·heads for Swin's bias table",
     "N·heads·groups·T²·(D/heads)", "2·MACs + 1 per query element (scale) + 1 per score for "
     "the bias table and for the shift mask"),
    ("attention output AV", "0", "N·heads·groups·T²·(D/heads)", "2·MACs"),
    ("batch norm (affine or not)", "2·C or 0", "0", "2 per element (scale, shift)"),
    ("layer norm, group norm (affine or not)", "2·C or 0", "0",
     "5 per element (mean, centre, variance 2, scale) + 2 when affine"),
    ("activation (relu, relu6, hswish, hsigmoid, swish = SiLU, sigmoid, gelu, gelu_tanh, mish, "
     "leaky_relu, hardtanh, tanh)", "0", "0", "1 per element"),
    ("softmax", "0", "0", "3 per element (exp, sum, divide)"),
    ("residual add, squeeze-excite scale (mul)", "0", "0", "1 per output element"),
    ("layer scale", "C", "0", "1 per element"),
    ("position embedding", "T·D", "0", "1 per element"),
    ("class token", "D", "0", "0 (prepended)"),
    ("pool kh×kw (avg, max; ceil mode)", "0", "0", "kh·kw per output element"),
    ("adaptive pool (avg, max; global avg)", "0", "0", "1 per input read (global: 1 per input element)"),
    ("upsample nearest / bilinear", "0", "0", "0 / 7 per output element (4 mul, 3 add)"),
    ("concat (any number), channel split, shuffle, permute, window shift, patch merge, token "
     "select", "0", "0", "0 (data movement only; split and token select are views)"),
    ("dropout, stochastic depth", "0", "0", "0 (identity at inference)"),
)


def as_dict() -> dict:
    return {**SUMMARY, "per_op": [dict(zip(("op", "params", "macs", "flops"), row))
                                  for row in PER_OP]}


FOOTER = ("params: learned scalars incl. norm affine · MACs: conv + linear + matmul "
          "multiply-accumulates · FLOPs: 2·MACs + elementwise (BN 2/elt, act/add/mul 1/elt) · "
          "bytes: activations + weights moved")
