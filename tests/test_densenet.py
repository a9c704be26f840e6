"""DenseNet: cost formulas against real modules, exact params/MACs of every configuration
recomputed independently from lightnets_edu.cost, torchvision equivalence, checkpointing."""

import functools

import pytest
import torch
import torchvision
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from lightnets_edu import cost
from lightnets_edu.layers import DenseBlock, DenseLayer, Transition
from lightnets_edu.models import get_model, list_models
from lightnets_edu.models.densenet import (DENSENET_IMAGENET, DenseNet, EarlyExitDenseNet, densenet_cifar,
                                          densenet_cifar_config, densenet_cost, densenet_cost_table,
                                          early_exit_macs, exit_at)
from lightnets_edu.profile import profile

TORCHVISION = ["densenet121", "densenet169", "densenet201", "densenet161"]
# Table 2 of the paper: (depth L, growth rate k, DenseNet-BC?)
TABLE_2 = [(40, 12, False), (100, 12, False), (100, 24, False), (100, 12, True), (250, 24, True), (190, 40, True)]


@functools.lru_cache(maxsize=None)
def built(name):
    """Each ImageNet model built once for the whole file (building the large ones takes seconds)."""
    return get_model(name)


def measured(module, shape):
    report = profile(module, input_size=shape)
    return cost.Cost(report.params, report.macs)


# ---------------------------------------------------------------- an independent count

def bn_conv(c_in, c_out, kernel, hw):
    """BN on the conv's input (pre-activation), then the conv: DenseNet's composite unit."""
    return cost.batchnorm(c_in) + cost.conv2d(c_in, c_out, kernel, hw)


def layer_by_hand(c, k, hw, bottleneck):
    if bottleneck:
        return bn_conv(c, 4 * k, 1, hw) + bn_conv(4 * k, k, 3, hw)
    return bn_conv(c, k, 3, hw)


def network_by_hand(k, blocks, c, bottleneck, theta, num_classes, size, imagenet):
    """The paper's recipe walked layer by layer with chapter 1's conv2d/batchnorm/linear."""
    if imagenet:  # 7x7/2 conv + BN, 3x3/2 max pool
        size = (size + 2 * 3 - 7) // 2 + 1
        total = cost.conv2d(3, c, 7, size) + cost.batchnorm(c)
        size = (size + 2 - 3) // 2 + 1
    else:
        total = cost.conv2d(3, c, 3, size)
    for b, n in enumerate(blocks):
        for i in range(n):
            total += layer_by_hand(c + i * k, k, size, bottleneck)
        c += n * k
        if b < len(blocks) - 1:
            total += bn_conv(c, int(theta * c), 1, size)
            c, size = int(theta * c), size // 2
    return total + cost.batchnorm(c) + cost.linear(c, num_classes)


# ---------------------------------------------------------------- cost against profile (hypothesis)

@given(c_in=st.integers(1, 12), k=st.integers(1, 6), bn_size=st.sampled_from([None, 1, 2, 4]),
       size=st.integers(1, 4))
def test_dense_layer_cost(c_in, k, bn_size, size):
    layer = DenseLayer(c_in, k, bn_size).eval()
    assert measured(layer, (1, c_in, size, size)) == cost.dense_layer(c_in, k, size, bn_size)
    assert layer(torch.zeros(1, c_in, size, size)).shape == (1, k, size, size)


@given(c0=st.integers(1, 8), k=st.integers(1, 4), layers=st.integers(1, 3), bn_size=st.sampled_from([None, 2, 4]),
       size=st.integers(1, 3))
def test_dense_block_cost_and_width(c0, k, layers, bn_size, size):
    block = DenseBlock(layers, c0, k, bn_size).eval()
    result = cost.dense_block(c0, k, layers, size, bn_size)
    assert measured(block, (1, c0, size, size)) == result.cost
    assert result.c_out == c0 + layers * k == block.c_out
    assert block(torch.zeros(1, c0, size, size)).shape == (1, result.c_out, size, size)
    cost_again, width = result  # unpacks
    assert (cost_again.params, cost_again.macs) == (result.params, result.macs) and width == result.c_out


@given(c0=st.integers(1, 10), k=st.integers(1, 5), layers=st.integers(1, 5),
       bn_size=st.sampled_from([None, 1, 2, 4]), h=st.integers(1, 3), w=st.integers(1, 3))
def test_dense_block_closed_form_equals_profile_and_the_sum(c0, k, layers, bn_size, h, w):
    # the closed forms of the book's block params and MACs, against a real block and the layer-by-layer sum
    block = DenseBlock(layers, c0, k, bn_size).eval()
    closed = cost.dense_block_closed_form(c0, k, layers, (h, w), bn_size)
    assert closed.cost == measured(block, (1, c0, h, w))
    assert closed == cost.dense_block(c0, k, layers, (h, w), bn_size)
    assert closed.c_out == block.c_out


def test_dense_block_closed_form_rejects_bad_input():
    with pytest.raises(ValueError, match="num_layers"):
        cost.dense_block_closed_form(16, 12, 0, 8)
    with pytest.raises(TypeError, match="bn_size"):
        cost.dense_block_closed_form(16, 12, 4, 8, bn_size=2.5)


@given(c_in=st.integers(1, 24), theta=st.sampled_from([1.0, 0.5, 0.25, 0.29, 0.7, 0.9]), size=st.integers(2, 5))
def test_transition_cost_and_width(c_in, theta, size):
    expected_width = c_in * round(theta * 100) // 100  # floor(theta c) in exact integers
    if expected_width < 1:
        with pytest.raises(ValueError, match="compression"):
            cost.transition(c_in, theta, size)
        return
    trans = Transition(c_in, theta).eval()
    result = cost.transition(c_in, theta, size)
    assert measured(trans, (1, c_in, size, size)) == result.cost
    assert result.c_out == expected_width == trans.c_out
    assert trans(torch.zeros(1, c_in, size, size)).shape == (1, expected_width, size // 2, size // 2)


def test_block_params_are_quadratic_in_depth():
    # second differences of params over the number of layers are constant: 9 k^2 + 2 k (basic layers)
    params = [cost.dense_block(16, 12, n, 8, bn_size=None).params for n in range(1, 8)]
    second = {params[i + 2] - 2 * params[i + 1] + params[i] for i in range(len(params) - 2)}
    assert second == {9 * 12 * 12 + 2 * 12}


# ---------------------------------------------------------------- whole networks

@pytest.mark.parametrize("depth, k, bc", TABLE_2)
def test_cifar_table_2_params_and_macs(depth, k, bc):
    theta = 0.5 if bc else 1.0
    model = densenet_cifar(depth, k, bottleneck=bc, compression=theta)
    n = (depth - 4) // (6 if bc else 3)
    by_hand = network_by_hand(k, (n,) * 3, 2 * k if bc else 16, bc, theta, 10, 8, imagenet=False)
    assert measured(model, (1, 3, 8, 8)) == by_hand  # small input: same params, cheap MACs
    blocks, init, bn_size = densenet_cifar_config(depth, k, bc, theta)
    assert densenet_cost(k, blocks, init, bn_size, theta, 10, 32, small_inputs=True) == \
        network_by_hand(k, (n,) * 3, init, bc, theta, 10, 32, imagenet=False)


@pytest.mark.parametrize("name", list(DENSENET_IMAGENET))
def test_imagenet_models_cost(name):
    k, blocks, init = DENSENET_IMAGENET[name]
    model = built(name)
    assert measured(model, (1, 3, 64, 64)) == network_by_hand(k, blocks, init, True, 0.5, 1000, 64, imagenet=True)
    assert densenet_cost(k, blocks, init, resolution=224) == \
        network_by_hand(k, blocks, init, True, 0.5, 1000, 224, imagenet=True)


def test_densenet121_at_224_matches_torchvision_metadata():
    report = profile(built("densenet121"))
    meta = torchvision.models.DenseNet121_Weights.IMAGENET1K_V1.meta
    assert report.params == meta["num_params"] and round(report.macs / 1e9, 3) == meta["_ops"]
    rows = densenet_cost_table(*DENSENET_IMAGENET["densenet121"])
    assert [r["output size"] for r in rows] == [(56, 56), (56, 56), (28, 28), (28, 28), (14, 14), (14, 14),
                                                 (7, 7), (7, 7), (1, 1)]  # Table 1's "Output Size"


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_closed_form_metadata(name):
    k, blocks, init = DENSENET_IMAGENET[name]
    meta = getattr(torchvision.models, f"DenseNet{name[8:]}_Weights").IMAGENET1K_V1.meta
    ours = densenet_cost(k, blocks, init)
    assert ours.params == meta["num_params"] and round(ours.macs / 1e9, 3) == meta["_ops"]


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_state_dict_loads_and_outputs_are_identical(name):
    torch.manual_seed(0)
    reference = getattr(torchvision.models, name)(weights=None).eval()
    ours = built(name).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        # the same operations in the same order: bitwise equal
        assert torch.equal(ours(x), reference(x))


@pytest.mark.parametrize("build", [lambda me: densenet_cifar(16, 6, bottleneck=True, compression=0.5,
                                                             memory_efficient=me),
                                   lambda me: densenet_cifar(13, 4, memory_efficient=me),
                                   lambda me: DenseNet(8, (2, 3), 16, memory_efficient=me)])  # ImageNet stem
def test_memory_efficient_gives_identical_outputs_gradients_and_statistics(build):
    torch.manual_seed(0)
    plain, efficient = build(False), build(True)
    efficient.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    outputs = []
    for model in (plain, efficient):
        model.train()
        out = model(x)
        out.square().mean().backward()
        outputs.append(out)
    assert torch.equal(*outputs)
    for p, q in zip(plain.parameters(), efficient.parameters()):
        assert torch.equal(p.grad, q.grad)
    # unlike torchvision's, the recomputation does not update BN's running statistics a second time
    for a, b in zip(plain.state_dict().values(), efficient.state_dict().values()):
        assert torch.equal(a, b)
    efficient.eval()
    with torch.no_grad():
        assert torch.equal(plain.eval()(x), efficient(x))


def test_registry_and_shapes():
    for name in ["densenet121", "densenet169", "densenet201", "densenet161", "densenet264", "densenet_cifar",
                 "densenet_cifar_early_exit"]:
        assert name in list_models()
    model = get_model("densenet_cifar", num_classes=50).eval()
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 50)
    assert built("densenet264").classifier.in_features == 2688  # 64 + 6 x 32 = 256 -> 128 -> ... -> 2688
    assert isinstance(built("densenet121").features.denseblock1.denselayer1.conv1, nn.Conv2d)


def test_basic_layer_names_and_no_bottleneck():
    layer = DenseLayer(8, 4, bn_size=None)
    assert [n for n, _ in layer.named_children()] == ["norm1", "relu1", "conv1"]
    assert layer.conv1.kernel_size == (3, 3)
    assert layer([torch.zeros(1, 5, 4, 4), torch.zeros(1, 3, 4, 4)]).shape == (1, 4, 4, 4)


def test_concatenation_keeps_every_earlier_map_unchanged():
    block = DenseBlock(3, 5, 4).eval()
    x = torch.randn(1, 5, 6, 6)
    with torch.no_grad():
        out = block(x)
        first = block.denselayer1(x)
    assert torch.equal(out[:, :5], x) and torch.equal(out[:, 5:9], first)


# ---------------------------------------------------------------- early exits

@pytest.mark.parametrize("depth, k, bc", [(16, 6, False), (16, 6, True)])
def test_early_exit_macs_match_the_profiled_prefixes(depth, k, bc):
    theta = 0.5 if bc else 1.0
    model = EarlyExitDenseNet(depth, k, bc, theta)

    class UpTo(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.model, self.n = model, n

        def forward(self, x):
            return self.model(x, self.n)

    expected = [profile(UpTo(n), (1, 3, 16, 16)).macs for n in (1, 2, 3)]
    assert early_exit_macs(depth, k, bc, theta, resolution=16) == expected
    # the last exit is the whole network (densenet_cifar) plus the two earlier heads' FC layers
    early_heads = sum(cost.linear(head.fc.in_features, 10).macs for head in model.exits[:2])
    assert expected[-1] == profile(densenet_cifar(depth, k, bc, theta), (1, 3, 16, 16)).macs + early_heads
    assert expected[-1] == profile(model, (1, 3, 16, 16)).macs
    assert len(model(torch.zeros(2, 3, 16, 16))) == 3


def test_exit_at_takes_the_first_confident_exit():
    sure, unsure = torch.tensor([[10.0, 0.0]]), torch.tensor([[0.1, 0.0]])
    logits = [torch.cat([sure, unsure, unsure]), torch.cat([unsure, sure, unsure])]
    assert exit_at(logits, 0.9).tolist() == [0, 1, 1]  # the last exit always answers
    assert exit_at(logits, 0.0).tolist() == [0, 0, 0]
    assert exit_at(logits, 1.0).tolist() == [1, 1, 1]


# ---------------------------------------------------------------- bad input

BAD = [
    (cost.dense_layer, (0, 12, 8), {}, ValueError, ["c_in", "0"]),
    (cost.dense_layer, (16, 12, 8), {"bn_size": 0}, ValueError, ["bn_size", "0"]),
    (cost.dense_layer, (16, 12, 8), {"bn_size": 4.0}, TypeError, ["bn_size", "4.0", "None"]),
    (cost.dense_layer, (16, "12", 8), {}, TypeError, ["growth_rate", "'12'"]),
    (cost.dense_block, (16, 12, 0, 8), {}, ValueError, ["num_layers", "0"]),
    (cost.dense_block, (16, 12, 3, (8, 0)), {}, ValueError, ["out_hw[1]", "0"]),
    (cost.transition, (16, 0, 8), {}, ValueError, ["compression", "0", "(0, 1]"]),
    (cost.transition, (16, 1.5, 8), {}, ValueError, ["compression", "1.5"]),
    (cost.transition, (16, "half", 8), {}, TypeError, ["compression", "'half'"]),
    (cost.transition, (3, 0.25, 8), {}, ValueError, ["compression=0.25", "0 channels", "c_in=3"]),
    (cost.compressed_channels, (-4, 0.5), {}, ValueError, ["c_in", "-4"]),
    (DenseLayer, (16, 0), {}, ValueError, ["growth_rate", "0"]),
    (DenseLayer, (16, 12), {"drop_rate": 1.0}, ValueError, ["drop_rate", "1.0"]),
    (DenseLayer, (16, 12), {"drop_rate": "0.2"}, TypeError, ["drop_rate", "'0.2'"]),
    (DenseLayer, (16, 12), {"memory_efficient": 1}, TypeError, ["memory_efficient", "1"]),
    (DenseBlock, (0, 16, 12), {}, ValueError, ["num_layers", "0"]),
    (Transition, (16, 1.2), {}, ValueError, ["compression", "1.2"]),
    (DenseNet, (), {"block_config": ()}, TypeError, ["block_config", "()"]),
    (DenseNet, (), {"block_config": (6, 0)}, ValueError, ["block_config[1]", "0"]),
    (DenseNet, (), {"compression": 0.0}, ValueError, ["compression", "0.0"]),
    (densenet_cifar, (41, 12), {}, ValueError, ["depth=41", "3n + 4"]),
    (densenet_cifar, (44, 12), {"bottleneck": True}, ValueError, ["depth=44", "6n + 4", "bottleneck"]),
    (densenet_cifar, (4, 12), {}, ValueError, ["depth=4", "n >= 1"]),
    (densenet_cifar, (40, 12), {"compression": 1.5}, ValueError, ["compression", "1.5"]),
    (densenet_cifar, (40, 12), {"bottleneck": "yes"}, TypeError, ["bottleneck", "'yes'"]),
    (densenet_cifar_config, (0, 12), {}, ValueError, ["depth", "0"]),
    (densenet_cost, (32, (6, 12), 64), {"resolution": 0}, ValueError, ["resolution", "0"]),
    (densenet_cost, (32, (6, 12, 24, 16), 64), {"resolution": 16}, ValueError, ["kernel=2", "larger"]),
    (early_exit_macs, (17, 12), {}, ValueError, ["depth=17"]),
    (exit_at, ([torch.zeros(1, 2)], 1.5), {}, ValueError, ["threshold", "1.5"]),
    (exit_at, (torch.zeros(1, 2), 0.5), {}, TypeError, ["logits", "Tensor"]),
    (EarlyExitDenseNet(10, 4), (torch.zeros(1, 3, 8, 8), 4), {}, ValueError, ["num_exits", "4"]),
    (get_model, ("densenet_cifar",), {"depth": 45}, ValueError, ["depth=45"]),
]


@pytest.mark.parametrize("func, args, kwargs, exc, words", BAD, ids=[f"{getattr(b[0], '__name__', 'model')}-{i}"
                                                                     for i, b in enumerate(BAD)])
def test_bad_input_is_rejected_clearly(func, args, kwargs, exc, words):
    with pytest.raises(exc) as info:
        func(*args, **kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"
