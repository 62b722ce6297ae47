"""A counting convention: per op type, what one tool counts (DESIGN.md "Seams").

A :class:`Convention` is a rule set keyed by op type, like fvcore's handle table or
FlopCounterMode's formula registry.  archcalc's own rules return a full :class:`Cost`;
a tool's rules (:class:`ToolConvention`) return the one number the tool prints for that op,
in the tool's unit, and cite the source line that counts it.  Rules are evaluated on
archcalc's IR (op, input shapes, output shape), never on another convention's numbers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from ..cost.record import Cost
from ..errors import ArchcalcError


COLUMN_NAMES = {"macs": "MACs", "flops": "FLOPs"}


@dataclass(frozen=True)
class Rule:
    """One rule: ``fn(op, in_shapes, out)``, what it counts in words (``says``, the
    function's docstring) and where the tool counts it (``source``: file, line, version)."""

    fn: Callable
    says: str
    source: str = ""
    label: str = ""
    detail: tuple[str, ...] = ()


def explain_key(op) -> str:
    """The op kind a reconciliation groups by: the op's category, with convolutions grouped
    as depthwise or not whatever their kernel."""
    kind = type(op).__name__
    if kind == "Conv2d":
        return "conv depthwise" if op.depthwise else "conv"
    if kind == "ConvTranspose2d":
        return "conv transposed"
    return op.category


class Convention:
    """A named rule set whose rules return a :class:`Cost` per sample (archcalc's own; see
    :class:`ToolConvention` for another tool's)."""

    headline = "flops"
    per_mac = 2
    per_sample = False
    params_of_train_only = True  # False: a training-only layer's params are not counted

    def __init__(self, name: str, title: str, tool: str, summary: str, fallback=None):
        self.name, self.title, self.tool, self.summary = name, title, tool, summary
        self.fallback: Rule | None = fallback
        self.rules: dict[type, Rule] = {}
        self.backward: dict[type, Rule] = {}  # the backward pass, per op type (training)
        self.backward_fallback: Rule | None = None
        self.training_forward: dict[type, Rule] = {}  # forward rules that differ in training
        self.measure: Callable | None = None

    def _register(self, table: dict, what: str, op_types, source, label, detail) -> Callable:
        def add(fn: Callable) -> Callable:
            r = Rule(fn, " ".join((fn.__doc__ or "").split()), source, label, detail)
            for t in op_types:
                if t in table:
                    raise RuntimeError(f"{self.name} {what} for {t.__name__} registered twice")
                table[t] = r
            return fn

        return add

    def rule(self, *op_types: type, source: str = "", label: str = "",
             detail: tuple[str, ...] = ()) -> Callable[[Callable], Callable]:
        """Register the decorated function for ``op_types``; its docstring says what it
        counts.  Registering a type twice is a bug and raises."""
        return self._register(self.rules, "rule", op_types, source, label, detail)

    def backward_rule(self, *op_types: type, source: str = "", label: str = "",
                      detail: tuple[str, ...] = ()) -> Callable[[Callable], Callable]:
        """Register ``fn(op, ins, out, grads)``: the backward pass of ``op_types`` for one
        sample, where ``grads[i]`` is 1 if input ``i`` needs a gradient, else 0 (parameters
        always do); its docstring says what it counts."""
        return self._register(self.backward, "backward rule", op_types, source, label, detail)

    def training_rule(self, *op_types: type, source: str = "") -> Callable[[Callable], Callable]:
        """Register a forward rule that replaces the inference one in training."""
        return self._register(self.training_forward, "training rule", op_types, source, "", ())

    @property
    def trains(self) -> bool:
        """Whether this convention counts a backward pass (``--mode train``)."""
        return bool(self.backward)

    def in_training(self) -> "Convention":
        """This convention with its training forward rules in place of the inference ones."""
        if not self.training_forward:
            return self
        trained = copy.copy(self)
        trained.rules = {**self.rules, **self.training_forward}
        return trained

    def backward_rule_for(self, op_type: type) -> Rule:
        r = self.backward.get(op_type, self.backward_fallback)
        if r is None:
            raise ArchcalcError(f"no {self.name} backward rule for op {op_type.__name__}")
        return r

    def per_op_backward(self, op, ins, out, grads) -> Cost:
        """The backward pass of ``op`` for one sample (``params`` is 0)."""
        return self.backward_rule_for(type(op)).fn(op, ins, out, grads)

    def backward_cost(self, op, ins, out, grads, batch=1) -> Cost:
        """The backward pass of ``op`` for ``batch`` samples."""
        base = self.per_op_backward(op, ins, out, grads)
        if batch == 1 or self.per_sample:
            return base
        return Cost(0, batch * base.macs, batch * base.flops)

    def measured_by(self, fn: Callable) -> Callable:
        """Register ``fn(model, x) -> Measured``: the tool itself run on a torch module."""
        self.measure = fn
        return fn

    def rule_for(self, op_type: type) -> Rule:
        r = self.rules.get(op_type, self.fallback)
        if r is None:
            raise ArchcalcError(f"no {self.name} convention rule for op {op_type.__name__}")
        return r

    def __contains__(self, op_type: type) -> bool:
        return op_type in self.rules or self.fallback is not None

    def per_op(self, op, ins, out) -> Cost:
        """The cost of ``op`` for one sample."""
        return self.rule_for(type(op)).fn(op, ins, out)

    def cost(self, op, ins, out, batch=1) -> Cost:
        """The cost of ``op`` for ``batch`` samples."""
        base = self.per_op(op, ins, out)
        if batch == 1 or self.per_sample:
            return base
        return Cost(base.params, batch * base.macs, batch * base.flops)

    def count(self, op, ins, out, batch=1):
        """The number this convention prints for ``op`` (its ``headline`` column)."""
        return getattr(self.cost(op, ins, out, batch), self.headline)

    @property
    def unit(self) -> str:
        return "FLOPs"

    def unique_rules(self, table: dict | None = None) -> list[tuple[tuple[type, ...], Rule]]:
        """Each rule of ``table`` (the forward rules by default, or :attr:`backward`) once with
        the op types it is registered for, in registration order; the fallback last (with no
        types)."""
        groups: dict[int, tuple[list, Rule]] = {}
        for t, r in (self.rules if table is None else table).items():
            groups.setdefault(id(r), ([], r))[0].append(t)
        out = [(tuple(types), r) for types, r in groups.values()]
        fallback = (self.fallback if table is None else
                    self.backward_fallback if table is self.backward else None)
        return out + ([((), fallback)] if fallback else [])

    def training_dict(self) -> dict:
        """What ``--mode train`` counts besides the inference rules: the forward rules that
        differ in training and each backward rule, with the op types and sources."""
        def rows(table):
            return [{"op": ", ".join(t.__name__ for t in types) or "every other op",
                     "counts": r.says, "source": r.source}
                    for types, r in self.unique_rules(table)]

        return {"forward_in_training": rows(self.training_forward),
                "backward": rows(self.backward)}


class ToolConvention(Convention):
    """Another tool's convention: each rule returns the tool's count for one sample, in its
    ``unit`` (``per_mac`` units per multiply-accumulate: 1 for a MAC counter, 2 for a FLOP
    counter).  As a :class:`Cost`, a MAC counter's count is the MACs and twice it the FLOPs;
    a FLOP counter's count is the FLOPs and half it the MACs.  Params are ``sum(numel)``
    (archcalc's) except for op types in ``uncounted_params``."""

    def __init__(self, name: str, title: str, tool: str, summary: str, unit: str,
                 per_mac: int = 1, per_sample: bool = False,
                 uncounted_params: tuple[type, ...] = (), fallback=None, params_note: str = ""):
        super().__init__(name, title, tool, summary, fallback)
        self._unit, self.per_mac, self.per_sample = unit, per_mac, per_sample
        self.headline = "macs" if per_mac == 1 else "flops"
        self.uncounted_params = uncounted_params
        self.params_note = params_note or "sum(p.numel()) of the module"

    @property
    def unit(self) -> str:
        return self._unit

    def fallback_rule(self, source: str = "") -> Callable[[Callable], Callable]:
        """Register the decorated function for every op type without a rule of its own."""
        def add(fn: Callable) -> Callable:
            self.fallback = Rule(fn, " ".join((fn.__doc__ or "").split()), source)
            return fn

        return add

    @property
    def footer(self) -> str:
        """The one-line statement printed under every report made under this convention."""
        other = "FLOPs = 2 × MACs" if self.per_mac == 1 else "MACs = FLOPs / 2"
        return (f"convention {self.name}: as {self.tool} counts ({self.title}): {self.summary} "
                f"· its printed figure ({self.unit}) is the {COLUMN_NAMES[self.headline]} "
                f"column; {other} · params: {self.params_note}")

    def as_dict(self) -> dict:
        """The convention as data: what it counts, how it is printed, and each rule with the
        op types it covers and its source."""
        return {"convention": self.name, "tool": f"{self.tool} ({self.title})",
                "counts": self.summary, "unit": self.unit, "printed_as": self.headline,
                "per_sample": self.per_sample, "params": self.params_note,
                "per_op": [{"op": ", ".join(t.__name__ for t in types) or "every other op",
                            "counts": r.says, "source": r.source}
                           for types, r in self.unique_rules()]}

    def _as_cost(self, params, n) -> Cost:
        """The tool's count ``n`` as MACs and FLOPs."""
        if self.per_mac == 1:
            return Cost(params, n, 2 * n)
        return Cost(params, n // self.per_mac, n)

    def per_op(self, op, ins, out) -> Cost:
        from .archcalc import ARCHCALC

        n = self.rule_for(type(op)).fn(op, ins, out)
        params = 0 if type(op) in self.uncounted_params else ARCHCALC.per_op(op, ins, out).params
        return self._as_cost(params, n)

    def backward_fallback_rule(self, source: str = "") -> Callable[[Callable], Callable]:
        """Register the decorated function for the backward pass of every op type without a
        backward rule of its own."""
        def add(fn: Callable) -> Callable:
            self.backward_fallback = Rule(fn, " ".join((fn.__doc__ or "").split()), source)
            return fn

        return add

    def per_op_backward(self, op, ins, out, grads) -> Cost:
        return self._as_cost(0, self.backward_rule_for(type(op)).fn(op, ins, out, grads))


@dataclass(frozen=True)
class Measured:
    """A tool's own figures for a torch module: ``params`` and ``count`` (in the tool's
    unit) for the whole model, and ``by_module`` (module path → count) where the tool
    reports it; ``unsupported`` the ops it saw and did not count, with how often."""

    params: int | None
    count: int
    by_module: dict | None = None
    unsupported: tuple[tuple[str, int], ...] = ()
