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


def symbol(name: str, integer: bool = True) -> sp.Symbol:
    """The symbol a freed name stands for: positive; a whole number unless the parameter is
    a real ratio (``t``, ``r``, ``se``…); a kernel side odd."""
    kind = {"odd": True} if name == "k" else {"integer": True} if integer else {"real": True}
    return sp.Symbol(SYMBOL_NAMES.get(name, name), positive=True, **kind)


def _numeric_fields(kind: str) -> dict[str, bool]:
    """Block ``kind``'s numeric parameters -> whether each is a whole number."""
    out = {}
    for f in block_fields(kind):
        base = f.type.split("|")[0].strip()
        if base in ("int", "float", "Size"):
            out[f.name] = base != "float"
    return out


def parse_free(text: str) -> tuple[str, ...]:
    """``"t,k,out"`` -> ``("t", "k", "out")``."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise ArchcalcError("expected names to free, e.g. t,k,out", field="--free")
    return names


def frees(spec: Spec, name: str) -> bool:
    """Whether freeing ``name`` changes ``spec``: an image input dim, or a numeric parameter
    of its blocks."""
    if name in INPUT_NAMES:
        return len(spec.input) == 3
    return any(name in _numeric_fields(layer.kind) for layer in spec.layers)


def freed(spec: Spec, names) -> Spec:
    """``spec`` with the named block parameters (in every layer whose block has them, set or
    defaulted) and input dims replaced by their symbols."""
    layers = []
    for layer in spec.layers:
        params = dict(layer.params)
        params.update({k: sp.Rational(str(v)) for k, v in params.items()  # 2.5 as 5/2
                       if isinstance(v, float)})
        params.update({name: symbol(name, whole) for name, whole
                       in _numeric_fields(layer.kind).items() if name in names})
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


SIMPLIFY_OPS = 400  # larger forms (whole networks' nested floors) are left as computed


def _simplest(expr):
    """A short form: polynomials factored; piecewise rounding steps (a channel count rounded
    to a multiple of 8) and very long forms kept as they are."""
    expr = _odd_halves(sp.sympify(expr))
    if expr.has(sp.Piecewise, sp.Max) or sp.count_ops(expr) > SIMPLIFY_OPS:
        return expr
    return sp.factor(sp.expand(expr))


def _ratio(num, den):
    if num is None or den in (None, 0):
        return None
    ratio = sp.sympify(num) / den
    if ratio.has(sp.Piecewise, sp.Max) or sp.count_ops(ratio) > SIMPLIFY_OPS:
        return ratio
    one = sp.cancel(ratio)  # one fraction, or its terms (1/N + 1/D_k², MobileNetV1 §3.1)
    return min((one, sp.expand(one)), key=sp.count_ops)


def default_free(specs) -> tuple[str, ...]:
    """What to free when the user does not say: MobileNetV1 §3.1's symbols (``in, out, k, t,
    res``, those the candidates have) for single blocks; the input side for networks."""
    if all(len(s.layers) == 1 and s.layers[0].repeat == 1 for s in specs):
        names = tuple(n for n in DEFAULT_FREE if any(frees(s, n) for s in specs))
    else:
        names = tuple(n for n in ("res",) if any(frees(s, n) for s in specs))
    if not names:
        raise ArchcalcError("nothing to free by default here: name the parameters, e.g. "
                            "--free heads,mlp", field="--free")
    return names


def closed_forms(specs, free, options: Options | None = None) -> list[ClosedForm]:
    """The closed forms of each spec (options applied) with the ``free`` names as symbols, and
    ratios to the first; ``options`` give the batch, dtype, memory policy and BN folding."""
    opts = options or Options()
    unused = [n for n in free if not any(frees(spec, n) for spec in specs)]
    if unused:
        raise ArchcalcError(f"no candidate has {', '.join(unused)} (free a numeric block "
                            f"parameter, or in, res, h, w of an image input)", field="--free")
    forms = []
    for spec in specs:
        try:
            with assuming_generic() as assumed:
                net = build(freed(spec, free), fold_bn=opts.fold_bn)
                a = analyze_network(net, dtype=spec.default("dtype", "fp32"), batch=opts.batch,
                                    memory=opts.memory, convention=opts.convention)
            whole = {c.lhs.args[0] for c in assumed if isinstance(c, sp.Eq)
                     and isinstance(c.lhs, sp.floor) and c.lhs.args[0] == c.rhs}
            exact = lambda e: sp.sympify(e).replace(  # noqa: E731 - floor of an assumed whole
                sp.floor, lambda x: x if x in whole else sp.floor(x))
            totals = {k: _simplest(exact(getattr(a.totals, k))) for k in METRICS}
            totals["peak_activation_bytes"] = _odd_halves(exact(a.totals.peak_activation_bytes))
            forms.append(ClosedForm(spec.name, totals, {}, tuple(assumed)))
        except ArchcalcError as exc:
            forms.append(ClosedForm(spec.name, {}, {}, (), exc.message))
    base = forms[0].totals if forms else {}
    return [replace(f, ratios={k: _ratio(v, base.get(k)) for k, v in f.totals.items()})
            for f in forms]


def meanings(free) -> dict[str, str]:
    """Symbol -> what it stands for, for the freed names."""
    return {str(symbol(n)): MEANINGS.get(n, f"block parameter {n}") for n in free}

