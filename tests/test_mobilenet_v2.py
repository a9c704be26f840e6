"""MobileNet v2: torchvision equivalence, exact params and MACs recomputed independently from
lightnets_edu.cost, the inverted residual block's closed forms, make_divisible, the split
(memory-efficient) evaluation, the Fig. 6 ablation switches, and bad input."""

import pytest
import torch
import torchvision
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torchvision.models._utils import _make_divisible as tv_make_divisible
from torchvision.models.mobilenetv2 import InvertedResidual as TVInvertedResidual

from lightnets_edu import cost
from lightnets_edu.layers import InvertedResidual, forward_in_splits
from lightnets_edu.models import MobileNetV2, MobileNetV2Ablation, get_model, list_models, mobilenet_v2
from lightnets_edu.models.mobilenet_v2 import mobilenet_v2_cost
from lightnets_edu.profile import profile

WIDTHS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4]


def measured(module, input_size):
    report = profile(module, input_size)
    return cost.Cost(report.params, report.macs)


def table2_cost(width, resolution, num_classes=1000):
    """Table 2 walked layer by layer with chapter 1's closed forms and torchvision's rounding rule."""
    rows = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def conv_bn(c_in, c_out, kernel, hw, groups=1):
        return cost.conv2d(c_in, c_out, kernel, hw, groups=groups) + cost.batchnorm(c_out)

    hw = (resolution + 2 - 3) // 2 + 1
    c_in = tv_make_divisible(32 * width, 8)
    total = conv_bn(3, c_in, 3, hw)
    for t, c, n, s in rows:
        c_out = tv_make_divisible(c * width, 8)
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = c_in * t
            if t != 1:
                total += conv_bn(c_in, hidden, 1, hw)
            hw = (hw + 2 - 3) // stride + 1
            total += conv_bn(hidden, hidden, 3, hw, groups=hidden) + conv_bn(hidden, c_out, 1, hw)
            c_in = c_out
    last = tv_make_divisible(1280 * max(1.0, width), 8)
    return total + conv_bn(c_in, last, 1, hw) + cost.linear(last, num_classes)


# ---------------------------------------------------------------- the network

def test_torchvision_state_dict_loads_strictly_and_outputs_are_identical():
    ours, theirs = mobilenet_v2().eval(), torchvision.models.mobilenet_v2(weights=None).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        # the same modules in the same order: the same kernels, so bitwise equal
        assert torch.equal(ours(x), theirs(x))


@pytest.mark.parametrize("width", WIDTHS)
def test_parameter_counts_match_torchvision(width):
    ours = mobilenet_v2(width_mult=width)
    theirs = torchvision.models.mobilenet_v2(weights=None, width_mult=width)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    ours.load_state_dict(theirs.state_dict(), strict=True)  # the same names and shapes too


@pytest.mark.parametrize("width, resolution", [(1.0, 224), (0.35, 96), (0.5, 128), (0.75, 160), (1.3, 192),
                                               (1.4, 224)])
def test_params_and_macs_equal_the_independent_count(width, resolution):
    expected = table2_cost(width, resolution)
    assert measured(mobilenet_v2(width_mult=width), (1, 3, resolution, resolution)) == expected
    assert mobilenet_v2_cost(width, resolution) == expected


def test_headline_numbers_and_registry():
    c = mobilenet_v2_cost()
    assert round(c.macs / 1e6) == 301 and round(c.params / 1e6, 1) == 3.5  # torchvision: 3,504,872 params
    assert mobilenet_v2_cost(batchnorm=False).params == c.params - sum(
        p.numel() for m in mobilenet_v2().modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters())
    assert "mobilenet_v2" in list_models()
    model = get_model("mobilenet_v2", num_classes=50).eval()
    assert model(torch.zeros(1, 3, 64, 64)).shape == (1, 50)
    blocks = [m for m in model.modules() if isinstance(m, InvertedResidual)]
    assert len(blocks) == 17 and sum(b.use_res_connect for b in blocks) == 10


def test_custom_setting_and_round_nearest():
    model = MobileNetV2(setting=[[1, 16, 1, 1], [6, 24, 2, 2]], num_classes=10, round_nearest=1)
    assert model(torch.zeros(1, 3, 32, 32)).shape == (1, 10)
    assert measured(model, (1, 3, 32, 32)) == mobilenet_v2_cost(
        1.0, 32, num_classes=10, round_nearest=1, setting=[[1, 16, 1, 1], [6, 24, 2, 2]])


# ---------------------------------------------------------------- the block

blocks = st.fixed_dictionaries({
    "c_in": st.integers(1, 8), "c_out": st.integers(1, 8), "t": st.sampled_from([1, 2, 3, 6, 1.5, 4.0]),
    "stride": st.integers(1, 2), "kernel": st.sampled_from([1, 3, 5]), "size": st.integers(3, 9),
})


@given(blocks)
def test_inverted_residual_cost_equals_the_profiled_block(b):
    block = InvertedResidual(b["c_in"], b["c_out"], b["stride"], b["t"], kernel=b["kernel"])
    expected = cost.inverted_residual(b["c_in"], b["c_out"], b["t"], b["kernel"], b["stride"], b["size"])
    assert measured(block, (1, b["c_in"], b["size"], b["size"])) == expected
    no_bn = cost.inverted_residual(b["c_in"], b["c_out"], b["t"], b["kernel"], b["stride"], b["size"],
                                   batchnorm_params=False)
    assert no_bn.params == sum(p.numel() for p in block.parameters() if p.dim() > 1)


@given(blocks)
def test_block_matches_torchvision_block(b):
    if b["kernel"] != 3:
        return  # torchvision's block is 3x3 only
    ours = InvertedResidual(b["c_in"], b["c_out"], b["stride"], b["t"]).eval()
    theirs = TVInvertedResidual(b["c_in"], b["c_out"], b["stride"], b["t"]).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    assert ours.use_res_connect == theirs.use_res_connect
    x = torch.randn(1, b["c_in"], b["size"], b["size"])
    with torch.no_grad():
        assert torch.equal(ours(x), theirs(x))


@given(c_in=st.integers(1, 64), c_out=st.integers(1, 64), t=st.integers(2, 8), k=st.sampled_from([1, 3, 5, 7]),
       half=st.integers(2, 30))
def test_paper_closed_form(c_in, c_out, t, k, half):
    h = w = 2 * half
    # stride 1: h w d' t (d' + k^2 + d'')
    stride1 = cost.inverted_residual(c_in, c_out, t, k, 1, h).macs
    assert stride1 == h * w * c_in * t * (c_in + k * k + c_out)
    assert stride1 == cost.inverted_residual_paper_macs(c_in, c_out, t, k, 1, h)
    # stride 2 on an even map: h w d' t (d' + (k^2 + d'') / 4), exactly (times 4 to stay in integers)
    stride2 = cost.inverted_residual(c_in, c_out, t, k, 2, h).macs
    assert 4 * stride2 == h * w * c_in * t * (4 * c_in + k * k + c_out)
    assert stride2 == cost.inverted_residual_paper_macs(c_in, c_out, t, k, 2, h)


def test_paper_form_counts_an_expansion_even_when_t_is_1():
    with_t1 = cost.inverted_residual(32, 16, 1, 3, 1, 112).macs
    assert cost.inverted_residual_paper_macs(32, 16, 1, 3, 1, 112) == with_t1 + 32 * 32 * 112 * 112


# ---------------------------------------------------------------- make_divisible

@given(value=st.floats(0.01, 5000, allow_nan=False), divisor=st.integers(1, 16),
       min_value=st.one_of(st.none(), st.integers(1, 64)))
def test_make_divisible_is_torchvisions_rule(value, divisor, min_value):
    result = cost.make_divisible(value, divisor, min_value)
    assert result == tv_make_divisible(value, divisor, min_value)
    floor = divisor if min_value is None else min_value
    assert result >= floor and result >= 0.9 * value  # never down by more than 10%
    assert result <= max(floor, value + divisor)
    if result > floor:
        assert result % divisor == 0 or floor % divisor


def test_make_divisible_examples():
    assert cost.make_divisible(32 * 0.35) == 16  # nearest multiple would be 8: a 29% cut
    assert cost.make_divisible(24 * 0.75) == 24  # 16 would be an 11% cut
    assert cost.make_divisible(160 * 1.4) == 224 and cost.make_divisible(20) == 24
    assert cost.make_divisible(3, divisor=8) == 8
    assert cost.make_divisible(3, 8, min_value=4) == 4  # min_value need not be a multiple of divisor
    assert cost.make_divisible(7.5, divisor=1) == 8
    assert cost.make_divisible(0) == 8 == tv_make_divisible(0, 8)  # channels // 4 of a tiny layer


# ---------------------------------------------------------------- memory-efficient inference

def random_bn_(module, generator):
    """Non-trivial running statistics and affine parameters, so slicing mistakes would show."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=generator) - 0.5)
            m.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            m.bias.data.copy_(torch.rand(n, generator=generator) - 0.5)


@given(blocks, st.integers(1, 64), st.booleans())
def test_split_evaluation_equals_the_whole_block(b, splits, relu6_projection):
    block = InvertedResidual(b["c_in"], b["c_out"], b["stride"], b["t"], kernel=b["kernel"],
                             project_activation=nn.ReLU6 if relu6_projection else None)
    splits = min(splits, block.hidden)
    g = torch.Generator().manual_seed(b["c_in"] * 100 + splits)
    random_bn_(block, g)
    block.eval()
    x = torch.randn(1, b["c_in"], b["size"], b["size"], generator=g)
    y, peak = forward_in_splits(block, x, splits)
    with torch.no_grad():
        # the projection sums the same products in another order: equal up to float rounding
        torch.testing.assert_close(y, block(x), rtol=1e-5, atol=1e-5)
    assert peak == cost.inverted_residual_memory(b["c_in"], b["c_out"], b["t"], b["kernel"], b["stride"], b["size"],
                                                 splits=splits)


def test_memory_whole_versus_splits():
    # MobileNet v2's 14 x 14 block 64 -> 64 (t = 6): E and D have 384 channels
    x, e = 64 * 14 * 14, 384 * 14 * 14
    whole = cost.inverted_residual_memory(64, 64, 6, 3, 1, 14)
    assert whole == x + 2 * e
    assert cost.inverted_residual_memory(64, 64, 6, 3, 1, 14, splits=6) == 2 * x + 2 * e // 6
    assert cost.inverted_residual_memory(64, 64, 6, 3, 1, 14, splits=384) == 2 * x + 2 * 14 * 14


# ---------------------------------------------------------------- the Fig. 6 ablations

SMALL = dict(setting=[[4, 8, 2, 1], [4, 16, 2, 2]], stem_channels=8, last_channel=32, stem_stride=1, num_classes=10)


def test_ablation_variants():
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    outputs, params = {}, {}
    for projection in ("linear", "relu6"):
        for shortcut in ("bottleneck", "expansion", "none"):
            torch.manual_seed(0)
            model = MobileNetV2Ablation(projection=projection, shortcut=shortcut, **SMALL).eval()
            with torch.no_grad():
                outputs[projection, shortcut] = model(x)
            params[projection, shortcut] = measured(model, (1, 3, 8, 8))
            has_relu6 = any(isinstance(b.conv[-1], nn.ReLU6) for b in model.features[1:-1])
            assert has_relu6 == (projection == "relu6")
    assert len(set(params.values())) == 1  # the switches change no weight and no MAC
    keys = list(outputs)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert not torch.equal(outputs[a], outputs[b]), (a, b)
    torch.manual_seed(0)
    paper = MobileNetV2(**SMALL).eval()
    with torch.no_grad():
        assert torch.equal(paper(x), outputs["linear", "bottleneck"])


def test_expansion_shortcut_adds_the_wide_tensors():
    torch.manual_seed(0)
    model = MobileNetV2Ablation(shortcut="expansion", **SMALL).eval()
    seen = []
    model.features[2].conv[1].register_forward_pre_hook(lambda m, inp: seen.append(inp[0]))
    x = torch.randn(1, 3, 8, 8)
    with torch.no_grad():
        model(x)
        e1 = model.features[1].conv[0](model.features[0](x))
        b1 = model.features[1].conv[1:](e1)
        assert torch.equal(seen[0], model.features[2].conv[0](b1) + e1)


# ---------------------------------------------------------------- bad input

BAD = [
    (cost.make_divisible, (-1,), {}, ValueError, ["value", "-1"]),
    (cost.make_divisible, ("8",), {}, TypeError, ["value", "'8'"]),
    (cost.make_divisible, (8, 0), {}, ValueError, ["divisor", "0"]),
    (cost.make_divisible, (8, 8, 0), {}, ValueError, ["min_value", "0"]),
    (cost.make_divisible, (8, 2.5), {}, TypeError, ["divisor", "2.5"]),
    (cost.expanded_channels, (4, 0), {}, ValueError, ["expand_ratio", "0"]),
    (cost.expanded_channels, (4, 0.1), {}, ValueError, ["expand_ratio=0.1", "c_in=4"]),
    (cost.inverted_residual, (0, 8, 6, 3, 1, 14), {}, ValueError, ["c_in", "0"]),
    (cost.inverted_residual, (8, 8, 6, 4, 1, 14), {}, ValueError, ["kernel", "odd", "4"]),
    (cost.inverted_residual, (8, 8, 6, 3, 0, 14), {}, ValueError, ["stride", "0"]),
    (cost.inverted_residual, (8, 8, 6, 3, 1, (14, 0)), {}, ValueError, ["in_hw[1]", "0"]),
    (cost.inverted_residual, (8, 8, 6, 3, 1, 14), {"batchnorm_params": 1}, TypeError, ["batchnorm_params", "1"]),
    (cost.inverted_residual_paper_macs, (8, 8, 1.5, 3, 1, 14), {}, TypeError, ["expand_ratio", "1.5", "integer"]),
    (cost.inverted_residual_memory, (8, 8, 6, 3, 1, 14), {"splits": 0}, ValueError, ["splits", "0"]),
    (cost.inverted_residual_memory, (8, 8, 6, 3, 1, 14), {"splits": 49}, ValueError, ["splits=49", "48"]),
    (InvertedResidual, (8, 8, 3, 6), {}, ValueError, ["stride", "1 or 2", "3"]),
    (InvertedResidual, (8, 8, 1, -1), {}, ValueError, ["expand_ratio", "-1"]),
    (InvertedResidual, (8, 8, 1, 6), {"kernel": 2}, ValueError, ["kernel", "odd", "2"]),
    (InvertedResidual, (8, 8, 1, 6), {"residual": "yes"}, TypeError, ["residual", "'yes'"]),
    (InvertedResidual, (8, 8, 1, 6), {"project_activation": 3}, TypeError, ["project_activation", "3"]),
    (mobilenet_v2, (), {"width_mult": 0}, ValueError, ["width_mult", "0"]),
    (mobilenet_v2, (), {"width_mult": "1"}, TypeError, ["width_mult", "'1'"]),
    (mobilenet_v2, (), {"dropout": 1.0}, ValueError, ["dropout", "1.0"]),
    (mobilenet_v2, (), {"round_nearest": 0}, ValueError, ["round_nearest", "0"]),
    (mobilenet_v2, (), {"num_classes": 0}, ValueError, ["num_classes", "0"]),
    (MobileNetV2, (), {"setting": []}, ValueError, ["setting", "[]"]),
    (MobileNetV2, (), {"setting": [[6, 24, 2]]}, ValueError, ["[t, c, n, s]", "[6, 24, 2]"]),
    (MobileNetV2, (), {"setting": [[6, 24, 0, 2]]}, ValueError, ["n", "0"]),
    (mobilenet_v2_cost, (1.0, 0), {}, ValueError, ["resolution", "0"]),
    (mobilenet_v2_cost, (-1.0,), {}, ValueError, ["width_mult", "-1.0"]),
    (MobileNetV2Ablation, (), {"projection": "relu"}, ValueError, ["projection", "'relu'"]),
    (MobileNetV2Ablation, (), {"shortcut": "dense"}, ValueError, ["shortcut", "'dense'"]),
    (MobileNetV2Ablation, (), {"shortcut": "expansion"}, ValueError, ["expansion", "t != 1"]),
]


@pytest.mark.parametrize("fn, args, kwargs, exc, words", BAD, ids=lambda v: getattr(v, "__name__", None))
def test_bad_input(fn, args, kwargs, exc, words):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_split_evaluation_rejects_bad_input():
    block = InvertedResidual(4, 4, 1, 2)
    with pytest.raises(ValueError, match="eval mode"):
        forward_in_splits(block, torch.zeros(1, 4, 5, 5), 2)
    block.eval()
    with pytest.raises(ValueError, match="splits=9 is more than the 8"):
        forward_in_splits(block, torch.zeros(1, 4, 5, 5), 9)
    with pytest.raises(ValueError, match=r"\(batch, 4, h, w\)"):
        forward_in_splits(block, torch.zeros(1, 3, 5, 5), 2)
    with pytest.raises(TypeError, match="InvertedResidual"):
        forward_in_splits(nn.Conv2d(4, 4, 1), torch.zeros(1, 4, 5, 5), 2)
    with pytest.raises(TypeError, match="splits"):
        forward_in_splits(block, torch.zeros(1, 4, 5, 5), 2.0)
