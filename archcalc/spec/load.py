"""Validation of spec data into a :class:`Spec`, for files, zoo entries and inline blocks.

Every error names the source, the line where known and the field path, e.g.
``net.yaml:12: layers[3].ir.k: expected a positive integer, got 0``.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import unicodedata
from dataclasses import replace

from ..blocks import ACT_CHOICES, ALIASES, BLOCKS, NORMS, REQUIRED, block_fields
from ..errors import ArchcalcError
from ..limits import MAX_FLOAT, MAX_INT, MAX_MULTIPLIER, MAX_REPEAT
from .inline import SOURCE as INLINE, looks_inline, parse_inline
from .model import DTYPE_BYTES, FORMAT_VERSION, LayerSpec, Spec
from .source import field_path, read_spec_file

KEY_ALIASES = {
    "kernel": "k", "kernel_size": "k", "stride": "s", "dilation": "d", "groups": "g",
    "padding": "p", "expand": "t", "expansion": "t", "expand_ratio": "t", "expanded": "exp",
    "out_channels": "out", "channels": "out", "ratio": "r", "repeat": "n",
}
LAYER_KEYS = ("name", "n", "scale", "input", "train_only")
TOP_KEYS = ("archcalc", "name", "input", "defaults", "multipliers", "layers", "description",
            "references", "vars", "variants")
VARIANT_KEYS = ("description", "references", "input", "defaults", "multipliers", "vars",
                "layers")
DEFAULT_KEYS = {"norm": NORMS, "act": ACT_CHOICES, "dtype": tuple(DTYPE_BYTES)}
DEFAULT_INLINE_INPUT = (56, 56, 24)
SCALE_CHOICES = ("yes", "no", "up")
MULTIPLIER_KEYS = ("width", "resolution", "depth", "rounding", "fixed_width", "rule")
WIDTH_RULES = ("scale", "tfslim")


class _Ctx:
    """Where we are in the data, to locate errors."""

    def __init__(self, source: str, lines: dict[str, int]):
        self.source, self.lines = source, lines

    def line(self, path: str):
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rsplit(".", 1)[0] if "." in path else path.rsplit("[", 1)[0] if "[" in path else ""
        return None

    def error(self, path: str, message: str) -> ArchcalcError:
        return ArchcalcError(message, source=self.source, line=self.line(path), field=path or None)


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _suggest_key(word: str, fields) -> str:
    """A did-you-mean among a block's parameters and their long names (``kernal`` is close to
    ``kernel``, which means ``k``)."""
    names = list(fields) + [alias for alias, name in KEY_ALIASES.items() if name in fields]
    close = difflib.get_close_matches(word, names, n=1)
    return f" (did you mean {KEY_ALIASES.get(close[0], close[0])!r}?)" if close else ""


def _canonical_kind(kind, ctx: _Ctx, path: str) -> str:
    if not isinstance(kind, str):
        raise ctx.error(path, f"block name must be a string, got {kind!r}")
    kind = ALIASES.get(kind, kind)
    if kind not in BLOCKS:
        known = sorted(BLOCKS)
        raise ctx.error(path, f"unknown block {kind!r}{_suggest(kind, known + list(ALIASES))}; "
                              f"known: {', '.join(known)}")
    return kind


def _check_value(value, annotation: str, meta, ctx: _Ctx, path: str):
    kinds = [a.strip() for a in annotation.split("|")]
    if value is None and "None" in kinds:
        return None
    base = kinds[0]
    minimum = meta.get("minimum")
    if base in ("Size", "Pad"):
        return _size(value, base, minimum, ctx, path)
    if base == "Refs":
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return tuple(value)
        if not isinstance(value, str):
            raise ctx.error(path, f"expected a layer name or a list of names, got {_short(value)}")
        return value
    if base == "bool":
        if not isinstance(value, bool):
            raise ctx.error(path, f"expected true or false, got {_short(value)}")
        return value
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ctx.error(path, f"expected an integer, got {_short(value)}")
    elif base == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ctx.error(path, f"expected a number, got {_short(value)}")
        if not math.isfinite(value) or abs(value) > MAX_FLOAT:
            raise ctx.error(path, f"expected a finite number of at most {MAX_FLOAT:g}, "
                                  f"got {_short(value)}")
    if base == "int" and abs(value) > MAX_INT:
        raise ctx.error(path, f"at most {MAX_INT:,} (a documented limit), got {_short(value)}")
    elif base == "str":
        if not isinstance(value, str):
            raise ctx.error(path, f"expected a string, got {_short(value)}")
    if base != "str" and minimum is not None and value < minimum:
        word = "positive" if minimum == 1 and base == "int" else f">= {minimum}"
        raise ctx.error(path, f"must be {word}, got {_short(value)}")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ctx.error(path, f"expected one of {', '.join(map(str, choices))}, got {_short(value)}")
    return value


def _short(value) -> str:
    """``repr(value)``, cut to 60 characters (a 5,000-digit number is not worth printing)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _size(value, kind: str, minimum, ctx: _Ctx, path: str):
    """A kernel/stride/dilation (an int or [h, w]) or a padding (also [top, bottom, left,
    right]); lists become tuples."""
    lengths = (2, 4) if kind == "Pad" else (2,)
    items = value if isinstance(value, list) and len(value) in lengths else [value]
    for v in items:
        if (isinstance(v, bool) or not isinstance(v, int) or (minimum is not None and v < minimum)
                or abs(v) > MAX_INT):
            shape = "[h, w] or [top, bottom, left, right]" if kind == "Pad" else "[h, w]"
            raise ctx.error(path, f"expected an integer >= {minimum} (at most {MAX_INT:,}) or "
                                  f"{shape}, got {_short(value)}")
    return tuple(value) if isinstance(value, list) else value


def _block_params(kind: str, raw: dict, positional: list, ctx: _Ctx, path: str, defaults: dict):
    """Validate one block's parameters; returns canonical ``(key, value)`` pairs."""
    fields = {f.name: f for f in block_fields(kind)}
    order = list(fields)
    values: dict[str, object] = {}
    if len(positional) > len(order):
        raise ctx.error(path, f"too many positional values for {kind}")
    for name, value in zip(order, positional):
        values[name] = value
    for key, value in raw.items():
        canon = key if key in fields or not isinstance(key, str) else KEY_ALIASES.get(key, key)
        if canon not in fields:
            raise ctx.error(field_path(path, key),
                            f"unknown key {_short(key)} for block {kind}"
                            f"{_suggest_key(str(key), order)}; expected: {', '.join(order)}")
        if canon in values:
            raise ctx.error(field_path(path, key), "given twice")
        values[canon] = value
    params = []
    for name, f in fields.items():
        if name in values:
            value = _check_value(values[name], f.type, f.metadata, ctx, field_path(path, name))
        elif name in defaults:
            value = defaults[name]
        elif f.default is REQUIRED:
            raise ctx.error(path, f"missing required key {name!r} for block {kind}")
        else:
            continue
        params.append((name, value))
    return tuple(params)


def _layer(entry, index: int, ctx: _Ctx, defaults: dict) -> LayerSpec:
    path = f"layers[{index}]"
    if isinstance(entry, str):
        entry = {entry: None}
    if not isinstance(entry, dict) or not entry:
        raise ctx.error(path, f"a layer is a mapping like {{ir: {{out: 24}}}}, got {entry!r}")
    outer = {k: v for k, v in entry.items() if k in LAYER_KEYS or k == "repeat"}
    kinds = [k for k in entry if k not in outer]
    if len(kinds) != 1:
        raise ctx.error(path, f"a layer needs exactly one block key, got {kinds or 'none'}")
    kind = _canonical_kind(kinds[0], ctx, field_path(path, kinds[0]))
    bpath = field_path(path, kinds[0])
    body = entry[kinds[0]]
    positional = []
    if body is None:
        body = {}
    elif not isinstance(body, dict):
        body, positional = {}, [body]
    extras = {**outer, **{k: v for k, v in body.items() if k in LAYER_KEYS or k == "repeat"}}
    body = {k: v for k, v in body.items() if k not in extras}
    params = _block_params(kind, body, positional, ctx, bpath, defaults)
    return _layer_spec(kind, params, extras, ctx, bpath)


def _printable(text, ctx: _Ctx, path: str) -> None:
    """Names reach terminals, spreadsheets and web pages: no control characters (escape
    sequences, NUL, ...) in them."""
    if isinstance(text, str) and any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ctx.error(path, f"control characters are not allowed, got {text!r}")


def _layer_spec(kind, params, extras: dict, ctx: _Ctx, path: str) -> LayerSpec:
    repeat = extras.get("n", extras.get("repeat", 1))
    repeat = _check_value(repeat, "int", {"minimum": 1}, ctx, field_path(path, "n"))
    if repeat > MAX_REPEAT:
        raise ctx.error(field_path(path, "n"), f"at most {MAX_REPEAT:,} repeats of one layer "
                                               f"(a documented limit), got {repeat:,}")
    name = extras.get("name")
    if name is not None and (not isinstance(name, str) or not name or "." in name
                             or name == "input"):
        raise ctx.error(field_path(path, "name"),
                        f"expected a name without dots (not 'input'), got {name!r}")
    _printable(name, ctx, field_path(path, "name"))
    scale = extras.get("scale", "no" if kind == "linear" else "yes")
    scale = {True: "yes", False: "no"}.get(scale, scale)
    _check_value(scale, "str", {"choices": SCALE_CHOICES}, ctx, field_path(path, "scale"))
    source = extras.get("input")
    if source is not None:
        _check_value(source, "str", {}, ctx, field_path(path, "input"))
    stage = "n" in extras or "repeat" in extras
    train_only = _check_value(extras.get("train_only", False), "bool", {}, ctx,
                              field_path(path, "train_only"))
    return LayerSpec(kind, params, repeat, name, scale, source, (ctx.source, ctx.line(path), path),
                     stage, train_only)


def _input(value, ctx: _Ctx, path: str = "input") -> tuple[int, ...]:
    """An image ``[H, W, C]`` / ``HxWxC``, or tokens ``{tokens: T, dim: D}`` / ``TxD``."""
    expected = "[H, W, C], {tokens: T, dim: D}, HxWxC or TxD"
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.lower().replace("×", "x").split("x")]
        except ValueError:
            raise ctx.error(path, f"expected {expected}, got {_short(value)}") from None
    if isinstance(value, dict):
        if set(value) != {"tokens", "dim"}:
            raise ctx.error(path, f"expected {expected}, got {_short(value)}")
        value = [value["tokens"], value["dim"]]
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3):
        raise ctx.error(path, f"expected {expected}, got {_short(value)}")
    for i, v in enumerate(value):
        _check_value(v, "int", {"minimum": 1}, ctx, f"{path}[{i}]")
    return tuple(value)


def parse_input(text: str) -> tuple[int, ...]:
    """``"224x224x3"`` -> ``(224, 224, 3)`` (H, W, C); ``"197x768"`` -> ``(197, 768)``."""
    return _input(text, _Ctx("--input", {}), "")


def check_param(kind: str, name: str, value, option: str):
    """One value for block ``kind``'s parameter ``name`` (``in``: an input dimension), checked
    as a spec's would be; a layer key (``n``, ``scale``, ``name``) or a text field is refused."""
    ctx = _Ctx(option, {})
    if name == "in":
        return _check_value(value, "int", {"minimum": 1}, ctx, "")
    field = next((f for f in block_fields(kind) if f.name == name), None)
    base = field.type.split("|")[0].strip() if field else ""
    if base not in ("int", "float", "Size", "Pad"):
        raise ctx.error("", f"{kind} has no numeric parameter {name!r} to sweep")
    return _check_value(value, field.type, field.metadata, ctx, "")


def check_input(value) -> tuple[int, ...]:
    """An input given to the Python API: ``(H, W, C)``, ``(T, D)``, their text forms or a
    ``{tokens, dim}`` mapping, checked like a spec's ``input``."""
    return _input(list(value) if isinstance(value, tuple) else value, _Ctx("--input", {}), "")


def _mapping(data, ctx: _Ctx, path: str) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ctx.error(path, f"expected a mapping, got {data!r}")
    return data


def _defaults(raw, ctx: _Ctx) -> dict:
    raw = _mapping(raw, ctx, "defaults")
    block_keys = {f.name: f for kind in BLOCKS for f in block_fields(kind)}
    out = {}
    for key, value in raw.items():
        path = field_path("defaults", key)
        if key in DEFAULT_KEYS:
            out[key] = _check_value(value, "str", {"choices": DEFAULT_KEYS[key]}, ctx, path)
        elif key in block_keys:
            f = block_keys[key]
            out[key] = _check_value(value, f.type, f.metadata, ctx, path)
        else:
            raise ctx.error(path, f"unknown default {key!r}; expected norm, act, dtype or a "
                                  f"block parameter")
    return out


def _check_keys(data: dict, allowed, ctx: _Ctx, path: str = "") -> None:
    for key in data:
        if key not in allowed:
            raise ctx.error(field_path(path, str(key)),
                            f"unknown key {key!r}{_suggest(str(key), allowed)}; "
                            f"expected: {', '.join(allowed)}")


def variant_names(data) -> list[str]:
    """The names a spec file's ``variants:`` declares (none when it declares none)."""
    variants = data.get("variants") if isinstance(data, dict) else None
    return [str(name) for name in variants] if isinstance(variants, dict) else []


def _block_key(entry: dict):
    return next((k for k in entry if k not in LAYER_KEYS and k != "repeat"), None)


def _layer_index(layers) -> dict[str, int]:
    """Name -> index of the raw ``layers`` entries written as mappings with a name (beside or
    inside the block key): the layers a variant can change."""
    index = {}
    for i, entry in enumerate(layers if isinstance(layers, list) else []):
        body = entry.get(_block_key(entry)) if isinstance(entry, dict) else None
        if isinstance(body, dict):
            name = entry.get("name", body.get("name"))
            if isinstance(name, str):
                index[name] = i
    return index


def _variants(data: dict, ctx: _Ctx) -> dict:
    """Check every variant's keys and layer names (so a typo fails whichever entry loads)."""
    variants = _mapping(data.get("variants"), ctx, "variants")
    names = _layer_index(data.get("layers"))
    for vname, variant in variants.items():
        vpath = field_path("variants", vname)
        variant = _mapping(variant, ctx, vpath)
        _check_keys(variant, VARIANT_KEYS, ctx, vpath)
        changes = _mapping(variant.get("layers"), ctx, field_path(vpath, "layers"))
        for lname, params in changes.items():
            lpath = field_path(field_path(vpath, "layers"), lname)
            if lname not in names:
                raise ctx.error(lpath, f"no named layer {lname!r} written as a mapping"
                                       f"{_suggest(str(lname), names)}")
            _mapping(params, ctx, lpath)
    return variants


def _apply_variant(data: dict, lines: dict[str, int], name: str, ctx: _Ctx):
    """Variant ``name`` of a spec: its ``input``, ``description`` and ``references`` replace
    the base's, its ``defaults``, ``multipliers`` and ``vars`` update them, and its ``layers:``
    (``{layer name: {key: value}}``) change parameters of named layers.  Returns the merged
    data and a line map in which the variant's fields point at the variant's lines."""
    variants = _variants(data, ctx)
    if name not in variants:
        raise ctx.error("variants", f"no variant {name!r}; variants: {', '.join(variants)}")
    variant, prefix = variants[name] or {}, f"variants.{name}."
    merged = {k: v for k, v in data.items() if k != "variants"}
    merged["name"] = name
    moved = {k[len(prefix):]: v for k, v in lines.items() if k.startswith(prefix)}
    for key in ("input", "description", "references"):
        if key in variant:
            merged[key] = variant[key]
    for key in ("defaults", "multipliers", "vars"):
        if key in variant:
            merged[key] = {**_mapping(data.get(key), ctx, key),
                           **_mapping(variant[key], ctx, prefix + key)}
    layers = list(merged["layers"])
    index = _layer_index(layers)
    for lname, params in (variant.get("layers") or {}).items():
        i = index[lname]
        kind = _block_key(layers[i])
        layers[i] = {**layers[i], kind: {**layers[i][kind], **params}}
        for key in params:
            moved[f"layers[{i}].{kind}.{key}"] = moved.pop(f"layers.{lname}.{key}", None)
    merged["layers"] = layers
    return merged, {**lines, **{k: v for k, v in moved.items() if v is not None}}


VAR_REF = re.compile(r"\$([A-Za-z_]\w*)(?:\.(\d+))?")


def _substituted(value, variables: dict, ctx: _Ctx, path: str):
    """``value`` with every string ``$NAME`` replaced by that variable's value, and ``$NAME.i``
    by item ``i`` of a list, counted from 1 as papers number their stages."""
    if isinstance(value, dict):
        return {k: _substituted(v, variables, ctx, field_path(path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_substituted(v, variables, ctx, field_path(path, i)) for i, v in enumerate(value)]
    match = VAR_REF.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return value
    name, index = match.group(1), match.group(2)
    if name not in variables:
        raise ctx.error(path, f"unknown variable ${name}{_suggest(name, variables)}; "
                              f"vars: {', '.join(variables) or 'none'}")
    found = variables[name]
    if index is None:
        return found
    if not isinstance(found, list) or not 1 <= int(index) <= len(found):
        raise ctx.error(path, f"${name} has no item {index} (its value: {found!r})")
    return found[int(index) - 1]


def spec_from_data(data, source: str, lines: dict[str, int], variant: str | None = None) -> Spec:
    """Validate parsed file data into a :class:`Spec`: the file's own network, or the one of
    its ``variants:`` named ``variant``, with its ``vars`` substituted."""
    ctx = _Ctx(source, lines)
    if not isinstance(data, dict) or (data and not any(k in TOP_KEYS for k in data)):
        raise ctx.error("", "not a spec: expected a mapping with input and layers (and maybe "
                            "name, defaults, multipliers, vars, variants)")  # never echoes it
    _check_keys(data, TOP_KEYS, ctx)
    if variant is None:
        _variants(data, ctx)
    else:
        data, lines = _apply_variant(data, lines, variant, ctx)
        ctx = _Ctx(source, lines)
    variables = _mapping(data.get("vars"), ctx, "vars")
    data = {k: v if k in ("vars", "variants") else _substituted(v, variables, ctx, k)
            for k, v in data.items()}
    version = data.get("archcalc", FORMAT_VERSION)
    if type(version) is not int or version != FORMAT_VERSION:  # not True, not 1.0
        raise ctx.error("archcalc", f"unsupported format version {version!r} "
                                    f"(this archcalc reads version {FORMAT_VERSION})")
    if "input" not in data:
        raise ctx.error("", "missing required key 'input' ([H, W, C] or {tokens: T, dim: D})")
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ctx.error("layers", "expected a non-empty list of layers")
    defaults = _defaults(data.get("defaults"), ctx)
    block_defaults = {k: v for k, v in defaults.items() if k not in DEFAULT_KEYS}
    mult = _mapping(data.get("multipliers"), ctx, "multipliers")
    for key in mult:
        if key not in MULTIPLIER_KEYS:
            raise ctx.error(field_path("multipliers", key),
                            f"unknown key {key!r}; expected {', '.join(MULTIPLIER_KEYS)}")
    width = _check_value(mult.get("width", 1.0), "float", {"minimum": 0}, ctx, "multipliers.width")
    if width > MAX_MULTIPLIER:
        raise ctx.error("multipliers.width", f"at most {MAX_MULTIPLIER:g}, got {width!r}")
    res = _check_value(mult.get("resolution", 1.0), "float", {"minimum": 0}, ctx,
                       "multipliers.resolution")
    if res > MAX_MULTIPLIER:
        raise ctx.error("multipliers.resolution", f"at most {MAX_MULTIPLIER:g}, got {res!r}")
    rounding = _check_value(mult.get("rounding", 8), "int", {"minimum": 1}, ctx,
                            "multipliers.rounding")
    depth = _check_value(mult.get("depth", 1.0), "float", {"minimum": 0}, ctx, "multipliers.depth")
    if depth > MAX_MULTIPLIER:
        raise ctx.error("multipliers.depth", f"at most {MAX_MULTIPLIER:g}, got {depth!r}")
    fixed = _check_value(mult.get("fixed_width", ""), "str", {}, ctx, "multipliers.fixed_width")
    rule = _check_value(mult.get("rule", "scale"), "str", {"choices": WIDTH_RULES}, ctx,
                        "multipliers.rule")
    if not width or not res or not depth:
        raise ctx.error("multipliers", "multipliers must be positive")
    name = str(data.get("name", os.path.splitext(os.path.basename(source))[0]))
    description = str(data.get("description", ""))
    _printable(name, ctx, "name")
    _printable(description, ctx, "description")
    refs = data.get("references", [])
    return Spec(name=name, input=_input(data["input"], ctx),
                layers=tuple(_layer(e, i, ctx, block_defaults) for i, e in enumerate(layers)),
                defaults=tuple(defaults.items()), width=float(width), resolution=float(res),
                depth=float(depth), fixed_width=fixed, rounding=rounding, width_rule=rule,
                source=source, description=description,
                references=tuple(refs) if isinstance(refs, list) else (str(refs),))


def spec_from_inline(text: str, input_hwc=None) -> Spec:
    """An inline block string as a one-block (or few-block) spec."""
    ctx = _Ctx(INLINE, {})
    layers = []
    for i, (kind, kwargs, positional) in enumerate(parse_inline(text)):
        kind = _canonical_kind(kind, ctx, kind)
        extras = {k: kwargs.pop(k) for k in list(kwargs) if k in LAYER_KEYS or k == "repeat"}
        params = _block_params(kind, kwargs, positional, ctx, kind, {})
        layers.append(_layer_spec(kind, params, extras, ctx, kind))
    return Spec(name=text.strip(), input=tuple(input_hwc or DEFAULT_INLINE_INPUT),
                layers=tuple(layers), source=INLINE)


def _exists(path: str) -> bool:
    try:
        return os.path.exists(path)
    except ValueError:  # a NUL byte: no file has that name
        return False


def load_spec(ref: "str | os.PathLike | Spec", input_hwc=None) -> Spec:
    """Load a spec from a path, ``zoo:NAME``, an inline block string, or pass a Spec through."""
    if isinstance(ref, Spec):
        return ref
    ref = os.fspath(ref)
    if ref.startswith("zoo:"):
        from ..zoo import zoo_entry

        path, variant = zoo_entry(ref[4:])
        data, lines = read_spec_file(str(path))
        return spec_from_data(data, ref, lines, variant)
    if not _exists(ref) and looks_inline(ref):
        return spec_from_inline(ref, input_hwc)
    data, lines = read_spec_file(ref)
    return spec_from_data(data, ref, lines)


def replace_blocks(spec: Spec, pairs) -> Spec:
    """Swap block kinds, e.g. ``[("dwsep", "conv")]`` gives MobileNetV1 Table 4's "Conv
    MobileNet".  Parameters the new block lacks are dropped; the new block validates the rest."""
    ctx = _Ctx("--replace", {})
    mapping = {_canonical_kind(a, ctx, ""): _canonical_kind(b, ctx, "") for a, b in pairs}
    layers = []
    for layer in spec.layers:
        target = mapping.get(layer.kind)
        if target is None:
            layers.append(layer)
            continue
        names = {f.name for f in block_fields(target)}
        kept = {k: v for k, v in layer.params if k in names}
        lctx = _Ctx(layer.where[0] or spec.source, {layer.where[2]: layer.where[1]} if layer.where[2] else {})
        params = _block_params(target, kept, [], lctx, layer.where[2] or target, {})
        layers.append(replace(layer, kind=target, params=params))
    return replace(spec, layers=tuple(layers))


def parse_replace(text: str) -> tuple[str, str]:
    """``"dwsep=conv"`` -> ``("dwsep", "conv")``."""
    old, sep, new = text.partition("=")
    if not sep or not old.strip() or not new.strip():
        raise ArchcalcError(f"expected OLD=NEW block names, got {text!r}", field="--replace")
    return old.strip(), new.strip()
