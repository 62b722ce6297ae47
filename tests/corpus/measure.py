"""Regenerate (or check) the corpus reference figures with the real tools.

    PYTHONPATH=. python -m tests.corpus.measure            # print the table, diff vs reference.py
    PYTHONPATH=. python -m tests.corpus.measure --write    # rewrite tests/corpus/reference.py

Every figure is taken on a batch-1 all-zero input of the entry's shape and dtype, on CPU, in
eval mode (see manifest.py for what each figure means).
"""

import argparse
import contextlib
import io
import logging
import sys
import time
import warnings
from pathlib import Path

import torch
import torch.fx

MEASURED = ("params", "params_used", "fvcore", "fvcore_unsupported", "fvcore_error",
            "flop_counter", "flop_counter_error", "fx_traceable", "fx_error", "output")


def _tensors(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors(o)]
    return []


def _shape(out):
    if isinstance(out, torch.Tensor):
        return tuple(out.shape)
    if isinstance(out, dict):
        return {k: _shape(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return [_shape(o) for o in out]
    return out


def _first_line(exc):
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    return text[:160]


def params_used(model, x):
    """Parameters reached by autograd from the eval forward's tensor outputs."""
    model.zero_grad(set_to_none=True)
    with torch.enable_grad():
        outs = [t for t in _tensors(model(x)) if t.requires_grad]
        if outs:
            torch.autograd.backward(outs, [torch.ones_like(t) for t in outs])
    used = sum(p.numel() for p in model.parameters() if p.grad is not None)
    model.zero_grad(set_to_none=True)
    return used


def fvcore_count(model, x):
    from fvcore.nn import FlopCountAnalysis
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    fca = FlopCountAnalysis(model, x)
    fca.unsupported_ops_warnings(False)
    fca.uncalled_modules_warnings(False)
    fca.tracer_warnings("none")
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        total = fca.total()
        unsupported = dict(sorted(fca.unsupported_ops().items()))
    return int(total), unsupported


def flop_counter_count(model, x):
    from torch.utils.flop_counter import FlopCounterMode
    with torch.no_grad(), FlopCounterMode(display=False) as fcm:
        model(x)
    return int(fcm.get_total_flops())


def _explicit_sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                   scale=None, enable_gqa=False):
    """F.scaled_dot_product_attention written out (q @ k^T, softmax, @ v), so that every
    multiply-add goes through aten.matmul where FlopCounterMode sees it."""
    scale = query.size(-1) ** -0.5 if scale is None else scale
    attn = (query @ key.transpose(-2, -1)) * scale
    if is_causal:
        L, S = query.size(-2), key.size(-2)
        causal = torch.ones(L, S, dtype=torch.bool, device=query.device).tril()
        attn = attn.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn = attn.masked_fill(~attn_mask, float("-inf"))
        else:
            attn = attn + attn_mask
    return attn.softmax(dim=-1) @ value


@contextlib.contextmanager
def explicit_attention():
    """Route attention through counted ops: nn.MultiheadAttention's fused fast path
    (aten._native_multi_head_attention) off, F.scaled_dot_product_attention (CPU kernel
    aten._scaled_dot_product_flash_attention_for_cpu) replaced by explicit matmuls."""
    import torch.nn.functional as F
    saved_sdpa, saved_fast = F.scaled_dot_product_attention, torch.backends.mha.get_fastpath_enabled()
    F.scaled_dot_product_attention = _explicit_sdpa
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        yield
    finally:
        F.scaled_dot_product_attention = saved_sdpa
        torch.backends.mha.set_fastpath_enabled(saved_fast)


def explicit_attention_macs(entry):
    """Multiply-adds of every conv/linear/matmul, attention included: FlopCounterMode / 2 with
    attention written out.  Cross-checks the hand-computed `true_macs`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = entry.build()
        with explicit_attention():
            flops = flop_counter_count(model, entry.make_input())
    assert flops % 2 == 0
    return flops // 2


def fx_check(model):
    try:
        torch.fx.symbolic_trace(model)
    except Exception as exc:  # noqa: BLE001 - any failure means "not traceable"
        return False, _first_line(exc)
    return True, None


def measure(entry):
    """All reference figures of one corpus entry, as a dict keyed like MEASURED."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = entry.build()
        x = entry.make_input()
        out["params"] = sum(p.numel() for p in model.parameters())
        out["params_used"] = params_used(model, x)
        with torch.no_grad():
            out["output"] = _shape(model(x))
        try:
            out["fvcore"], out["fvcore_unsupported"] = fvcore_count(model, x)
            out["fvcore_error"] = None
        except Exception as exc:  # noqa: BLE001
            out["fvcore"], out["fvcore_unsupported"] = None, {}
            out["fvcore_error"] = _first_line(exc)
        try:
            out["flop_counter"] = flop_counter_count(model, x)
            out["flop_counter_error"] = None
        except Exception as exc:  # noqa: BLE001
            out["flop_counter"], out["flop_counter_error"] = None, _first_line(exc)
        out["fx_traceable"], out["fx_error"] = fx_check(entry.build())
    return out


def stored(entry):
    return {k: getattr(entry, k) for k in MEASURED}


HEADER = '''"""Reference figures of the corpus, GENERATED by `python -m tests.corpus.measure --write`.

Do not edit by hand: tests/test_corpus_reference.py recomputes every figure and compares.
Produced with torch {torch}, fvcore {fvcore}, batch-1 all-zero input, CPU, eval mode.
"""

REFERENCE = '''


def write(figures, path):
    import fvcore
    text = HEADER.format(torch=torch.__version__, fvcore=getattr(fvcore, "__version__", "?"))
    text += "{\n"
    for name, fig in figures.items():
        text += f"    {name!r}: {{\n"
        for key in MEASURED:
            text += f"        {key!r}: {fig[key]!r},\n"
        text += "    },\n"
    text += "}\n"
    Path(path).write_text(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--write", action="store_true", help="rewrite reference.py")
    ap.add_argument("names", nargs="*", help="only these entries")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    from .manifest import CORPUS
    entries = [e for e in CORPUS if not args.names or e.name in args.names]
    figures, drift = {}, []
    print(f"{'model':24} {'params':>9} {'used':>9} {'fvcore':>11} {'FlopCounter':>12} fx  s")
    for e in entries:
        t = time.perf_counter()
        fig = measure(e)
        dt = time.perf_counter() - t
        figures[e.name] = fig
        print(f"{e.name:24} {fig['params']:>9} {fig['params_used']:>9} {str(fig['fvcore']):>11} "
              f"{str(fig['flop_counter']):>12} {'y' if fig['fx_traceable'] else 'n'} {dt:5.2f}")
        if fig != stored(e):
            drift.append(e.name)
        if e.true_macs is not None:
            explicit = explicit_attention_macs(e)
            print(f"{'':24} true_macs {e.true_macs} (hand), {explicit} (FlopCounterMode/2 with "
                  f"attention written out){'' if explicit == e.true_macs else '  MISMATCH'}")
            if explicit != e.true_macs:
                drift.append(e.name + " (true_macs)")
    if args.write:
        if args.names:
            sys.exit("--write regenerates the whole corpus; do not pass names")
        write(figures, Path(__file__).with_name("reference.py"))
        print("wrote reference.py")
    elif drift:
        print("differs from reference.py:", ", ".join(drift))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
