"""The validated spec: what the user wrote, with canonical keys, before any shape is known."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

DTYPE_BYTES = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}
FORMAT_VERSION = 1


@dataclass(frozen=True)
class LayerSpec:
    """One spec layer: block ``kind`` with canonical ``params``, repeated ``repeat`` times.

    ``scale`` says how the width multiplier applies to its channel fields: ``yes``, ``no``
    (fixed, e.g. a classifier) or ``up`` (only when α > 1, MobileNetV2's last conv).
    ``stage`` is true when the spec wrote ``n:``: the depth multiplier scales its repeats.
    ``input`` names an earlier layer whose output this layer reads instead of the previous
    layer's (``input`` itself: the network input).  ``train_only`` marks a branch that runs in
    training only (an auxiliary classifier): its parameters count, its inference cost is zero.
    ``where`` is ``(source, line, field path)`` for error messages.
    """

    kind: str
    params: tuple[tuple[str, object], ...]
    repeat: int = 1
    name: str | None = None
    scale: str = "yes"
    input: str | None = None
    where: tuple = (None, None, None)
    stage: bool = False
    train_only: bool = False

    def text(self, params: dict | None = None) -> str:
        """The layer as inline text; with ``params``, one repeat of it with those values (a
        swept array of values shows as ``…``)."""
        args = ",".join(f"{k}={'…' if getattr(v, 'ndim', 0) else v}"
                        for k, v in (self.params if params is None else params.items()))
        repeat = self.repeat if params is None else 1
        return (f"{self.kind}({args})" + (f"×{repeat}" if repeat != 1 else "")
                + (" train_only" if self.train_only else ""))


@dataclass(frozen=True)
class Spec:
    """A whole network spec.  ``input`` is ``(H, W, C)`` as the papers write it, or
    ``(tokens, dim)``.  ``fixed_width``, when set, says why the network has no continuous
    width rule (and width multipliers are refused).  ``width_rule`` says how α applies:
    ``scale`` (every channel field times α, rounded: torchvision's rule) or ``tfslim`` (the
    TF-slim reference's: an ``exp`` follows the scaled input, ``make_divisible(in'·exp/in)``,
    and the layers after pooling keep their width below α = 1)."""

    name: str
    input: tuple[int, ...]
    layers: tuple[LayerSpec, ...]
    defaults: tuple[tuple[str, object], ...] = ()
    width: float = 1.0
    resolution: float = 1.0
    depth: float = 1.0
    fixed_width: str = ""
    rounding: int = 8
    width_rule: str = "scale"
    source: str = "<spec>"
    description: str = ""
    references: tuple[str, ...] = field(default=())

    def default(self, key: str, fallback=None):
        return dict(self.defaults).get(key, fallback)

    def with_defaults(self, **overrides) -> "Spec":
        """A copy with some defaults replaced (``None`` values are ignored)."""
        merged = dict(self.defaults)
        merged.update({k: v for k, v in overrides.items() if v is not None})
        return replace(self, defaults=tuple(merged.items()))
