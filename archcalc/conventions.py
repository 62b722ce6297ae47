"""The counting conventions as data: printed in report footers, JSON output and the README."""

from __future__ import annotations

SUMMARY = {
    "params": "every learned scalar, as sum(p.numel()) counts it: conv/linear weights and biases, "
              "batch-norm weight and bias (not running statistics)",
    "macs": "multiply-accumulates of conv and linear layers (squeeze-excite 1x1 convs included): "
            "N·Cout·Hout·Wout·(Cin/groups)·k·k and N·in·out",
    "flops": "2 × MACs plus elementwise work (see per_op)",
    "bytes": "per op: input activations read + weights read + output written, times bytes per "
             "element of the dtype; 'fused' keeps a block's intermediates on chip",
    "peak_activation_bytes": "largest sum of tensors alive at once in the sequential schedule "
                             "(op input + output + tensors held for a later add or concat)",
    "batch": "MACs, FLOPs, bytes and activations scale with the batch N; params do not",
}

# (op, params, MACs, FLOPs) per primitive; one FLOP per output element unless stated.
PER_OP = (
    ("conv", "Cout·(Cin/g)·k² (+Cout bias)", "N·Cout·Hout·Wout·(Cin/g)·k²", "2·MACs (+1 per output for bias)"),
    ("linear", "in·out (+out bias)", "N·in·out", "2·MACs (+1 per output for bias)"),
    ("batch norm", "2·C", "0", "2 per element (scale, shift)"),
    ("activation (relu, relu6, hswish, hsigmoid, swish, sigmoid)", "0", "0", "1 per element"),
    ("residual add", "0", "0", "1 per output element"),
    ("squeeze-excite scale (mul)", "0", "0", "1 per output element"),
    ("pool k×k (avg, max)", "0", "0", "k² per output element"),
    ("global avg pool", "0", "0", "1 per input element"),
    ("concat, channel split, shuffle", "0", "0", "0 (data movement only; split is a view)"),
)


def as_dict() -> dict:
    return {**SUMMARY, "per_op": [dict(zip(("op", "params", "macs", "flops"), row))
                                  for row in PER_OP]}


FOOTER = ("params: learned scalars incl. BN affine · MACs: conv + linear multiply-accumulates · "
          "FLOPs: 2·MACs + elementwise (BN 2/elt, act/add/mul 1/elt) · bytes: activations + "
          "weights moved")
