"""--mode train proven on the modules the bridge builds: per layer, the bytes autograd saves
(``torch.autograd.graph.saved_tensors_hooks``, unique storages, parameters and buffers left
out) and the backward FLOPs PyTorch's ``FlopCounterMode`` counts around ``loss.backward()``
(torch 2.13.0), for the seed blocks, every op type and every zoo network, in training mode on
the meta device (shapes only: the autograd graph is the CPU one), batch 2 (batch norm refuses
one value per channel in training).

FlopCounterMode's ``convolution_backward`` formula (torch/utils/flop_counter.py:181) ignores
``groups`` in the weight gradient, so it counts a grouped convolution's weight gradient
``groups`` times: the ``torch`` convention reproduces that figure, and archcalc's own backward
MACs equal FlopCounterMode's FLOPs / 2 once the overcount, ``2·(groups − 1)·MACs`` per
convolution, is taken off explicitly.
"""

import pytest

import archcalc
from archcalc.api import DEFAULT_CANDIDATES, DEFAULT_INPUT
from archcalc.ops import Conv2d, ConvTranspose2d
from archcalc.zoo import zoo_names

from .test_registries import EVERY_OP

torch = pytest.importorskip("torch")
from archcalc.bridge.autograd_probe import probe  # noqa: E402


def groups_overcount(node, macs) -> int:
    """FlopCounterMode's extra FLOPs for ``node``'s weight gradient: (groups − 1) more
    weight gradients of ``macs`` multiply-accumulates, 2 FLOPs each."""
    if isinstance(node.op, (Conv2d, ConvTranspose2d)):
        return 2 * (node.op.groups - 1) * macs
    return 0


def proven(ref, batch=2, dtype="fp32", **options):
    """Both training analyses of ``ref`` against one probe of its module, layer by layer;
    returns how many layers were compared."""
    own = archcalc.analyze(ref, batch=batch, dtype=dtype, mode="train", **options)
    tool = archcalc.analyze(ref, batch=batch, dtype=dtype, mode="train", convention="torch",
                            **options)
    p = probe(own.network, batch=batch, dtype=dtype)
    for node, r, t in zip(own.network.nodes, own.layer_rows(), tool.layer_rows()):
        name = r["name"]
        assert r["saved_bytes"] == p.saved_by(name), (name, r["category"])
        assert t["backward_flops"] == p.backward_of(name), (name, r["category"])
        assert 2 * r["backward_macs"] == p.backward_of(name) - groups_overcount(node, r["macs"]), name
    assert own.training_totals()["saved_activation_bytes"] == p.saved_bytes
    assert sum(p.backward_flops.values()) == p.backward_total  # nothing left unattributed
    assert tool.training_totals()["backward_flops"] == p.backward_total
    assert p.saved_by(None) == 0  # every saved tensor was saved inside a layer
    return len(own.layer_rows())


@pytest.mark.parametrize("name", zoo_names())
def test_every_zoo_network(name):
    assert proven(f"zoo:{name}") > 0


@pytest.mark.parametrize("block", DEFAULT_CANDIDATES)
def test_the_seed_blocks(block):
    proven(block, input=DEFAULT_INPUT, act="relu6")
    proven(block, input=DEFAULT_INPUT, act="relu6", batch=1)


@pytest.mark.parametrize("which", sorted(EVERY_OP))
def test_every_op_type(which):
    text, hwc = EVERY_OP[which] if which == "image" else (EVERY_OP[which], (8, 8))
    for batch in (1, 2) if which == "tokens" else (2,):
        proven(text, batch=batch, input=hwc)


@pytest.mark.parametrize("text", ["unused(params=7), act(swish), conv(out=8,k=1)",
                                  "unused(params=7), pool(type=max,k=2), pw(out=8)"])
def test_parameters_the_forward_never_reads_need_no_gradient_downstream(text):
    """An ``unused`` layer has parameters, but nothing downstream depends on them: the swish
    saves nothing and the conv computes no input gradient (autograd agrees)."""
    proven(text, input=(4, 4, 3), norm="none")


@pytest.mark.parametrize("name, dtype", [("vit_b_16", "fp16"), ("swin_t", "bf16"),
                                         ("convnext_tiny", "fp16"), ("mobilenet_v2", "bf16"),
                                         ("regnet_y_400mf", "fp16")])
def test_mixed_precision(name, dtype):
    """fp16/bf16 activations; batch and layer norm statistics fp32, group norm's not."""
    proven(f"zoo:{name}", dtype=dtype)


@pytest.mark.parametrize("name", ["vit_b_16", "swin_t"])
def test_attention_at_batch_1(name):
    """One sample: torch's matmul reshapes keys and values of one window as views of qkv."""
    proven(f"zoo:{name}", batch=1)


def test_depthwise_backward_overcount_of_flopcountermode():
    """The 144-channel 3×3 depthwise conv on 56×56 (MobileNetV2's expanded 24-channel
    bottleneck), batch 1, its input gradient needed: 56·56·144·9 = 4,064,256 MACs forward;
    backward: input and weight gradients, 2 · 2 · 4,064,256 = 16,257,024 FLOPs; FlopCounterMode
    counts the weight gradient 144 times: 8,128,512 + 144 · 8,128,512 = 1,178,634,240."""
    spec = "pw(out=144), dw(k=3)"
    p = probe(archcalc.analyze(spec, input=(56, 56, 24)).network, batch=1)
    assert p.backward_of("dw1.conv") == 1_178_634_240
    own = {r["name"]: r for r in archcalc.analyze(spec, input=(56, 56, 24),
                                                   mode="train").layer_rows()}
    assert own["dw1.conv"]["macs"] == 4_064_256
    assert 2 * own["dw1.conv"]["backward_macs"] == 16_257_024 == 1_178_634_240 - 2 * 143 * 4_064_256
    tool = {r["name"]: r for r in archcalc.analyze(spec, input=(56, 56, 24), mode="train",
                                                    convention="torch").layer_rows()}
    assert tool["dw1.conv"]["backward_flops"] == 1_178_634_240


def test_checkpointed_forward_holds_the_block_inputs():
    """torch.utils.checkpoint (reentrant: it saves each block's inputs for backward and runs
    the block without a graph; it needs an input that requires a gradient, so the network
    input does here) around each block of the built module: what autograd holds after the
    forward is the blocks' inputs, as ``saved_activation_bytes`` says."""
    from torch.utils.checkpoint import checkpoint

    from archcalc.bridge.modules import build_module, zero_input

    a = archcalc.analyze("conv(out=8,k=1), ir(t=4,out=8), ir(t=4,out=16,s=2), pool(global)",
                         input=(8, 8, 3), batch=2, mode="train", checkpoint="blocks")
    net = a.network
    model = build_module(net, "meta").train()
    env, held = {"input": zero_input(net, 2, "meta").requires_grad_()}, {}

    def run(nodes, names, *xs):
        local = dict(zip(names, xs))
        for n in nodes:
            local[n.name] = model.get_submodule(n.name)(*(local[t] for t in n.inputs))
        return local[nodes[-1].name]

    def pack(t):
        held.setdefault(t.untyped_storage()._cdata, t.untyped_storage().nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        for block in net.blocks:
            nodes = [n for n in net.nodes if n.block == block.name]
            names = sorted({t for n in nodes for t in n.inputs} - {n.name for n in nodes})
            env[nodes[-1].name] = checkpoint(run, nodes, names, *(env[t] for t in names),
                                             use_reentrant=True)
    assert sum(held.values()) == a.training_totals()["saved_activation_bytes"] == 2 * 4 * (
        8 * 8 * 3 + 8 * 8 * 8 + 8 * 8 * 8 + 4 * 4 * 16)


def test_an_inspected_model_trains_like_its_spec():
    """A module imported by ``inspect`` (torch.fx) counts the same training step as the spec
    it was built from."""
    from archcalc import bridge_api

    a = archcalc.analyze("ir(t=6,out=24,se=0.25), pool(global), linear(out=10)",
                         input=(16, 16, 24), batch=4, mode="train", optimizer="momentum")
    inspected = bridge_api.inspect_module(bridge_api.build_module(a.network), (16, 16, 24),
                                          batch=4, mode="train", optimizer="momentum")
    assert inspected.analysis.training_totals() == a.training_totals()
