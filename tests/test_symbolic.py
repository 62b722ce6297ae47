"""Closed forms through the production block expansions and cost rules (MobileNetV1 §3.1)."""

import sympy as sp

from archcalc.symbolic import Df, Dk, M, N, closed_forms, t


def forms():
    return {f.name: f for f in closed_forms()}


def test_standard_conv_is_dk2_m_n_df2():
    assert sp.simplify(forms()["conv"].macs - Dk**2 * M * N * Df**2) == 0


def test_depthwise_separable_ratio_is_one_over_n_plus_one_over_dk2():
    f = forms()["dwsep"]
    assert sp.simplify(f.macs - (Dk**2 * M * Df**2 + M * N * Df**2)) == 0
    assert sp.simplify(f.macs_ratio - (1 / N + 1 / Dk**2)) == 0


def test_inverted_residual_shape():
    # MobileNetV2 §3.3: h·w·d'·t·(d' + k² + d'')
    f = forms()["ir"]
    assert sp.simplify(f.macs - Df**2 * M * t * (M + Dk**2 + N)) == 0
