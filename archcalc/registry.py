"""Registries keyed by op type: one function per op type and concern (cost rule, torch builder,
spec emitter, a tool's counting convention), like torch's ``register_flop_formula``."""

from __future__ import annotations

from typing import Callable

from .errors import ArchcalcError


class Registry:
    """``op type -> function``; registering a type twice is a bug and raises."""

    def __init__(self, what: str):
        self.what = what
        self._fns: dict[type, Callable] = {}

    def register(self, *op_types: type) -> Callable[[Callable], Callable]:
        def add(fn: Callable) -> Callable:
            for t in op_types:
                if t in self._fns:
                    raise RuntimeError(f"{self.what} for {t.__name__} registered twice")
                self._fns[t] = fn
            return fn

        return add

    def __call__(self, op, *args, **kwargs):
        """Apply the function registered for ``type(op)`` to ``op`` and the arguments."""
        try:
            fn = self._fns[type(op)]
        except KeyError:
            raise ArchcalcError(f"no {self.what} for op {type(op).__name__}") from None
        return fn(op, *args, **kwargs)

    def __contains__(self, op_type: type) -> bool:
        return op_type in self._fns

    def __getitem__(self, op_type: type) -> Callable:
        return self._fns[op_type]
