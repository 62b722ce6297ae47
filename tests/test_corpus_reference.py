"""The real-world module corpus (tests/corpus) and its reference figures.

Every figure stored in tests/corpus/reference.py is recomputed here with the real tools (param
count, autograd-reached params, fvcore FlopCountAnalysis, torch FlopCounterMode, torch.fx
traceability, output shape), so the reference never drifts from what the tools say; the
hand-computed `true_macs` are checked against FlopCounterMode with attention written out.
Regenerate with `PYTHONPATH=. python -m tests.corpus.measure --write`.
"""

import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from .corpus import measure  # noqa: E402
from .corpus.manifest import CORPUS  # noqa: E402

CORPUS_DIR = Path(__file__).parent / "corpus"


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # tiny models on a shared machine: intra-op threads only add contention
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def test_corpus_is_complete():
    names = [e.name for e in CORPUS]
    assert len(names) >= 28
    assert len(set(names)) == len(names)
    for e in CORPUS:
        assert e.params is not None, f"{e.name}: no reference figures, run measure --write"
        assert e.idioms and e.family
        assert 0 < e.params_used <= e.params
    from .corpus.reference import REFERENCE
    assert set(REFERENCE) == set(names)


@pytest.mark.parametrize("entry", CORPUS, ids=lambda e: e.name)
def test_reference_figures_are_what_the_tools_say(entry):
    assert measure.measure(entry) == measure.stored(entry)


@pytest.mark.parametrize("entry", [e for e in CORPUS if e.true_macs is not None],
                         ids=lambda e: e.name)
def test_hand_computed_true_macs(entry):
    assert measure.explicit_attention_macs(entry) == entry.true_macs
    assert entry.true_macs_note
    # the entry is there because a tool misses work
    assert entry.fvcore is None or entry.flop_counter // 2 < entry.true_macs \
        or entry.fvcore < entry.true_macs


def test_factories_give_eval_models():
    for e in CORPUS:
        assert not any(m.training for m in e.build().modules()), e.name


def test_readme_has_a_line_per_model():
    readme = (CORPUS_DIR / "README.md").read_text()
    for e in CORPUS:
        assert re.search(rf"^\| `{e.name}` \|", readme, re.M), e.name


# Idioms the corpus promises to contain, verbatim, in its sources.
REQUIRED = {
    "ghostnet.py": ["torch.cat([x1, x2], dim=1)", "out[:, :self.oup, :, :]",
                    "F.relu6(x + 3.) / 6."],
    "repvgg.py": ["id_out = 0", "+ id_out", "self.nonlinearity("],
    "mobileone.py": ["identity_out = 0", "out += self.rbr_conv[ix](x)"],
    "convnext.py": ["x.permute(0, 2, 3, 1)", "x.permute(0, 3, 1, 2)", "self.gamma * x",
                    "input + self.drop_path(x)", "nn.LayerNorm(dim", "F.layer_norm"],
    "efficientnet.py": ["F.adaptive_avg_pool2d(x, 1)", "x * self.se(x)", "nn.SiLU",
                        "self.drop_path(x) + shortcut"],
    "vit.py": ["x.flatten(2).transpose(1, 2)", "self.cls_token.expand(x.shape[0], -1, -1)",
               "x + self.pos_embed",
               "reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)",
               "q, k, v = qkv.unbind(0)", "(q @ k.transpose(-2, -1)) * self.scale",
               "attn.softmax(dim=-1)", "F.scaled_dot_product_attention",
               "nn.MultiheadAttention"],
    "unet.py": ["nn.ConvTranspose2d", "F.interpolate(x1, scale_factor=2, mode='bilinear'",
                "F.pad(", "torch.cat([x2, x1], dim=1)"],
    "inception.py": ["kernel_size=(1, 7)", "kernel_size=(7, 1)",
                     "F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)",
                     "nn.MaxPool2d(3, stride=2, ceil_mode=True)"],
    "mlp_mixer.py": ["self.norm1(x).transpose(1, 2)", "x.chunk(2, dim=-1)"],
    "classic.py": ["x.view(x.size(0), -1)", "out.reshape(out.shape[0], -1)",
                   "torch.flatten(x, 1)", "padding='same'"],
    "mobilenet.py": ["x * F.relu6(x + 3., inplace=self.inplace) / 6.", "F.hardsigmoid",
                     "F.hardswish"],
    "resnet.py": ["out += identity", "out.add_(shortcut)", ".relu_()", "out.add(shortcut)",
                  "torch.relu(", "torch.add("],
    "shufflenet.py": ["x.chunk(2, dim=1)", ".contiguous()"],
    "multibranch.py": ["torch.split(", "torch.stack("],
    "attention_cnn.py": [".squeeze(-1)", ".unsqueeze(-1)"],
    "darts.py": ["nn.BatchNorm2d(C_out, affine=affine)", "OPS[primitive](C, stride, False)"],
    "audio.py": ["nn.BatchNorm2d(n_maps, affine=False)"],
    "untraceable.py": ["if x.sum() > 0:", "if torch.isinf(hidden_states).any():"],
}


@pytest.mark.parametrize("filename", sorted(REQUIRED))
def test_required_idioms_are_present(filename):
    source = (CORPUS_DIR / filename).read_text()
    for snippet in REQUIRED[filename]:
        assert snippet in source, f"{filename}: {snippet!r}"


def test_corpus_modules_do_not_import_archcalc():
    for path in CORPUS_DIR.glob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+archcalc", path.read_text(), re.M), path.name
