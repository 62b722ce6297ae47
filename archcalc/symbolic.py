"""Closed forms: a spec's totals as polynomials in the values the user frees, computed by the
one analysis driver (the production blocks, cost rules and memory passes, on SymPy values).

Freed names are block parameters (``t``, ``k``, ``out``, ``s``, ``r`` …: every layer that has
the parameter takes the symbol) and the input: ``in`` (channels), ``res`` (side, H = W), ``h``
and ``w``.  Symbols follow MobileNetV1 §3.1 where it names them (``M`` input and ``N`` output
channels, a ``D_k×D_k`` kernel, a ``D_f×D_f`` feature map); all are positive integers and a
kernel side is odd.  Where a freed symbol decides the structure (a residual add when in = out),
the generic case is taken and stated (:func:`archcalc.num.assuming_generic`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from .analysis import TOTAL_FIELDS, analyze_network
from .api import Options
from .blocks import block_fields
from .build import build
from .errors import ArchcalcError
from .num import assuming_generic
from .spec import Spec

INPUT_NAMES = ("in", "res", "h", "w")
SYMBOL_NAMES = {"in": "M", "out": "N", "k": "D_k", "res": "D_f", "h": "H", "w": "W"}
MEANINGS = {
    "in": "input channels", "out": "output channels", "k": "kernel side (odd)",
    "res": "input side (H = W)", "h": "input height", "w": "input width", "t": "expansion ratio",
    "s": "stride", "exp": "expanded channels", "se": "squeeze-excite ratio",
    "r": "squeeze-excite ratio", "g": "groups", "d": "dilation", "mid": "bottleneck width",
    "heads": "attention heads", "dim": "token features", "mlp_ratio": "MLP expansion ratio",
    "ratio": "MLP expansion ratio", "gw": "group width", "b": "bottleneck ratio",
}
METRICS = tuple(k for k in TOTAL_FIELDS if k != "peak_activation_bytes")
DEFAULT_FREE = ("in", "out", "k", "t", "res")


def symbol(name: str) -> sp.Symbol:
    """The symbol a freed name stands for (a kernel side is odd, everything positive)."""
    odd = {"odd": True} if name == "k" else {"integer": True}
    return sp.Symbol(SYMBOL_NAMES.get(name, name), positive=True, **odd)


def parse_free(text: str) -> tuple[str, ...]:
    """``"t,k,out"`` -> ``("t", "k", "out")``."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise ArchcalcError("expected names to free, e.g. t,k,out", field="--free")
    return names


def frees(spec: Spec, name: str) -> bool:
    """Whether freeing ``name`` changes ``spec``: an input dim, or a parameter of its blocks."""
    return name in INPUT_NAMES or any(name in {f.name for f in block_fields(layer.kind)}
                                      for layer in spec.layers)


def freed(spec: Spec, names) -> Spec:
    """``spec`` with the named block parameters (in every layer whose block has them, set or
    defaulted) and input dims replaced by their symbols."""
    layers = []
    for layer in spec.layers:
        params = dict(layer.params)
        params.update({f.name: symbol(f.name) for f in block_fields(layer.kind)
                       if f.name in names})
        layers.append(replace(layer, params=tuple(params.items())))
    if len(spec.input) != 3 and set(names) & set(INPUT_NAMES):
        raise ArchcalcError("in, res, h and w free an image input", field="--free")
    shape = list(spec.input)
    for i, key in enumerate(("h", "w", "in")):
        if key in names:
            shape[i] = symbol(key)
    if "res" in names:
        shape[0] = shape[1] = symbol("res")
    return replace(spec, layers=tuple(layers), input=tuple(shape))


@dataclass(frozen=True)
class ClosedForm:
    """One candidate's totals (SymPy expressions, ``None`` where it failed), their ratios to
    the first candidate's, the generic-case assumptions taken, or why it has no closed form."""

    name: str
    totals: dict
    ratios: dict
    assumptions: tuple = ()
    error: str = ""


def _odd_halves(expr):
    """``floor(a)`` replaced by ``a`` where ``2a + 1`` is odd (same padding ``(k − 1)//2`` of
    an odd kernel side ``k``)."""
    return expr.replace(sp.floor, lambda a: a if (2 * a + 1).is_odd else sp.floor(a))


def _simplest(expr):
    """A short form: polynomials factored; piecewise rounding steps (a channel count rounded
    to a multiple of 8) kept as they are."""
    expr = _odd_halves(sp.sympify(expr))
    return expr if expr.has(sp.Piecewise, sp.Max) else sp.factor(sp.expand(expr))


def _ratio(num, den):
    if num is None or den in (None, 0):
        return None
    ratio = num / den
    if ratio.has(sp.Piecewise, sp.Max):
        return ratio
    one = sp.cancel(ratio)  # one fraction, or its terms (1/N + 1/D_k², MobileNetV1 §3.1)
    return min((one, sp.expand(one)), key=sp.count_ops)


def default_free(specs) -> tuple[str, ...]:
    """What to free when the user does not say: MobileNetV1 §3.1's symbols (``in, out, k, t,
    res``, those the candidates have) for single blocks; the input side for networks."""
    if all(len(s.layers) == 1 and s.layers[0].repeat == 1 for s in specs):
        return tuple(n for n in DEFAULT_FREE if any(frees(s, n) for s in specs))
    return ("res",)


def closed_forms(specs, free, options: Options | None = None) -> list[ClosedForm]:
    """The closed forms of each spec (options applied) with the ``free`` names as symbols, and
    ratios to the first; ``options`` give the batch, dtype, memory policy and BN folding."""
    opts = options or Options()
    unused = [n for n in free if not any(frees(spec, n) for spec in specs)]
    if unused:
        raise ArchcalcError(f"no candidate has {', '.join(unused)} (free a block parameter, or "
                            f"in, res, h, w)", field="--free")
    forms = []
    for spec in specs:
        try:
            with assuming_generic() as assumed:
                net = build(freed(spec, free), fold_bn=opts.fold_bn)
                a = analyze_network(net, dtype=spec.default("dtype", "fp32"), batch=opts.batch,
                                    memory=opts.memory)
            totals = {k: _simplest(getattr(a.totals, k)) for k in METRICS}
            totals["peak_activation_bytes"] = _odd_halves(a.totals.peak_activation_bytes)
            forms.append(ClosedForm(spec.name, totals, {}, tuple(assumed)))
        except ArchcalcError as exc:
            forms.append(ClosedForm(spec.name, {}, {}, (), exc.message))
    base = forms[0].totals if forms else {}
    return [replace(f, ratios={k: _ratio(v, base.get(k)) for k, v in f.totals.items()})
            for f in forms]


def meanings(free) -> dict[str, str]:
    """Symbol -> what it stands for, for the freed names."""
    return {str(symbol(n)): MEANINGS.get(n, f"block parameter {n}") for n in free}

