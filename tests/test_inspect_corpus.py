"""`archcalc inspect` on the corpus of models written as their repositories write them
(tests/corpus): each is imported exactly — params equal ``sum(p.numel())``, and under the
fvcore and FlopCounterMode conventions the totals equal those tools' own output — or refused
with a message naming the user's file, line, code and what is missing.  The hooks fallback
never returns a wrong total, and every imported model's emitted spec reproduces it."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("fvcore")

from archcalc import ArchcalcError, bridge_api  # noqa: E402
from archcalc.analysis import analyze_network  # noqa: E402
from archcalc.bridge import fx_import  # noqa: E402

from .corpus.manifest import CORPUS  # noqa: E402

# None: imported exactly; else a part of the refusal every user of that model must see
REFUSED = {
    "ghostnet_ratio3": "ghostnet.py:90 `return out[:, :self.oup, :, :]` (blocks.0.0.ghost1): "
                       "indexing [:, :8, :, :] is not supported",
    "convnext_tiny_scaled": "convnext.py:37 `u = x.mean(1, keepdim=True)` "
                            "(downsample_layers.0.1): mean over dims [1] is not supported",
    "convnextv2_atto_scaled": "convnext.py:37 `u = x.mean(1, keepdim=True)`",
    "mobilenetv3_small_kw": "mobilenet.py:275 `x = x.mean(3).mean(2)`: mean over dims [3]",
    "vit_timm_tiny": "(blocks.0.attn): permute(2, 0, 3, 1, 4) is not supported",
    "vit_timm_sdpa": "(blocks.0.attn): permute(2, 0, 3, 1, 4) is not supported",
    "vit_torchvision_mha": "(encoder.layers.encoder_layer_0.self_attention): "
                           "MultiheadAttention is not supported",
    "mlp_mixer_tiny": "(blocks.0): transpose(1, 2) of (64, 64) is not supported",
    "resmlp_tiny": "mlp_mixer.py:49 `return torch.addcmul(self.beta, self.alpha, x)` "
                   "(blocks.0.norm1): addcmul is not supported",
    "gmlp_tiny": "`u, v = x.chunk(2, dim=-1)` (blocks.0.mlp_channels.gate): chunk into 2 along "
                 "dim -1 is not supported",
    "unet_bilinear_tiny": "(up1): padding by (0, 1, 0, 1) outside a conv or pool",
    "unet_transpose_tiny": "(up2): padding by (0, 1, 0, 1) outside a conv or pool",
    "inception_v3_tiny": "inception.py:285 `x_ch0 = torch.unsqueeze(x[:, 0], 1)",
    "googlenet_tiny": "inception.py:446 `x_ch0 = torch.unsqueeze(x[:, 0], 1)",
    "lenet_blitz": "BlitzNet: computes max_pool2d_with_indices, relu outside its leaf modules",
    "keras_port_cnn": "classic.py:228 `x = F.relu(self.dense1(x))` (dense1): linear "
                      "in_features 2048 do not match",
    "resnet20_cifar_optionA": "(layer2.0.shortcut): indexing [:, :, ::2, ::2] is not supported",
    "res2net_tiny": "(layer1.0): split into parts of 6 along dim 1 is not supported",
    "skresnet_tiny": "`x = torch.stack(x_paths, dim=1)` (layers.0.0.conv1): stack is not "
                     "supported",
    "eca_resnet_tiny": "(layer1.0.eca.conv): Conv1d is not supported",
    "cbam_resnet_tiny": "(layer1.0.cbam.ChannelGate.mlp.1): a module with parameters called "
                        "more than once",
    "darts_search_tiny": "darts.py:99 `return x[:, :, ::self.stride, ::self.stride].mul(0.)`",
    "res8_narrow_kws": "(conv0): conv needs a chw tensor, got tokens 48×40",
    "res15_narrow_kws": "(conv0): conv needs a chw tensor, got tokens 48×40",
    "gated_cnn": "GatedCNN: computes mean, relu, sum outside its leaf modules",
    "t5_encoder_tiny": "torch.fx cannot trace this model (TraceError",
    "mingpt_tiny": "inputs are images H×W×C or token embeddings T×D, got 16",
}


def _hwc(entry):
    c = entry.input
    return (c[1], c[2], c[0]) if len(c) == 3 else tuple(c)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("entry", CORPUS, ids=lambda e: e.name)
def test_corpus_model_is_exact_or_refused_by_name(entry):
    if entry.name in REFUSED:
        with pytest.raises(ArchcalcError) as exc:
            bridge_api.inspect_module(entry.build(), _hwc(entry))
        assert REFUSED[entry.name] in str(exc.value)
        return
    model = entry.build()
    a, method, notes = bridge_api.inspect_module(model, _hwc(entry))
    assert a.totals.params == entry.params == sum(p.numel() for p in model.parameters())
    # the tools' own figures (tests/corpus/reference.py), reproduced under their conventions
    fv = analyze_network(a.network, convention="fvcore").totals.macs
    fc = analyze_network(a.network, convention="torch").totals.flops
    assert (fv, fc) == (entry.fvcore, entry.flop_counter)
    assert a.totals.macs * 2 == entry.flop_counter  # FlopCounterMode sees every matmul here
    if entry.params_used != entry.params:  # the rest is named, and counted as unused
        assert any("never used by the forward pass" in n for n in notes)


def test_import_rate():
    """The README states it: models imported exactly, out of the corpus."""
    assert len(CORPUS) == 50 and len(CORPUS) - len(REFUSED) == 23
    assert set(REFUSED) <= {e.name for e in CORPUS}


@pytest.mark.parametrize("entry", [e for e in CORPUS if len(e.input) == 3],
                         ids=lambda e: e.name)
def test_hooks_fallback_never_returns_a_wrong_total(entry):
    """Forced onto the fallback (as if fx could not trace), every model is refused or counted
    exactly as FlopCounterMode and numel count it."""
    model = entry.build().eval()
    hwc = _hwc(entry)
    x = torch.zeros(fx_import.BATCH, hwc[2], hwc[0], hwc[1])
    try:
        net = fx_import._hooked(model, x, entry.name, "forced")
    except ArchcalcError as exc:
        assert "module hooks cannot count it exactly" in str(exc)
        return
    a = analyze_network(net)
    assert analyze_network(net, convention="torch").totals.flops == entry.flop_counter
    assert a.totals.params <= entry.params  # unused parameters are added by the caller


@pytest.mark.parametrize("entry", [e for e in CORPUS if e.name not in REFUSED],
                         ids=lambda e: e.name)
def test_emitted_spec_reproduces_every_imported_model(entry, tmp_path):
    import archcalc

    a, _, _ = bridge_api.inspect_module(entry.build(), _hwc(entry))
    text = bridge_api.emit_checked(a)  # refuses unless the spec's module checks exactly
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    again = archcalc.analyze(path)
    assert again.totals == a.totals
    assert bridge_api.cross_check(again).ok
