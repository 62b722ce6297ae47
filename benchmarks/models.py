"""Module factories for `archcalc inspect` in the benchmarks (plain ``nn.Module``s built from
zoo specs; `inspect` sees only torch code)."""


def mobilenet_v2():
    from archcalc.bridge_api import to_module

    return to_module("zoo:mobilenet_v2")


def tiny():
    from archcalc.bridge_api import to_module

    return to_module("conv(out=8,k=3), ir(t=2,out=8)", input=(16, 16, 8))
