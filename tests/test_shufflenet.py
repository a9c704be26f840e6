"""ShuffleNet v1 and v2: the channel shuffle, the units' closed-form cost, whole-model params and
MACs recomputed independently from lightnets_edu.cost, and torchvision equivalence for v2."""

import math

import pytest
import torch
import torchvision
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from lightnets_edu import cost, widgets
from lightnets_edu.layers import ChannelShuffle, ShuffleUnit, ShuffleV2Block, channel_shuffle
from lightnets_edu.models import get_model, list_models
from lightnets_edu.models.shufflenet import (SHUFFLENET_V1_GROUPS, SHUFFLENET_V1_SCALES, SHUFFLENET_V2_CHANNELS,
                                             ShuffleNetV1, ShuffleNetV2, shufflenet_v1, shufflenet_v1_channels,
                                             shufflenet_v1_cost, shufflenet_v2_cost)
from lightnets_edu.profile import profile

V2_SIZES = list(SHUFFLENET_V2_CHANNELS)


def measured(model, size, channels=3):
    report = profile(model, (1, channels, size, size))
    return cost.Cost(report.params, report.macs)


def conv_bn(c_in, c_out, kernel, hw, groups=1):
    return cost.conv2d(c_in, c_out, kernel, hw, groups=groups) + cost.batchnorm(c_out)


# ---------------------------------------------------------------- channel shuffle

@given(batch=st.integers(1, 2), groups=st.integers(1, 6), per_group=st.integers(1, 6),
       h=st.integers(1, 3), w=st.integers(1, 3))
def test_channel_shuffle_is_a_permutation_undone_by_the_swapped_factor(batch, groups, per_group, h, w):
    channels = groups * per_group
    x = torch.randn(batch, channels, h, w)
    y = channel_shuffle(x, groups)
    order = channel_shuffle(torch.arange(channels).view(1, channels, 1, 1), groups).flatten()
    assert sorted(order.tolist()) == list(range(channels))         # a bijection of the channels
    assert torch.equal(y, x[:, order])                             # ... applied to every position
    for i in range(groups):                                        # output j g + i <- input i n + j
        for j in range(per_group):
            assert order[j * groups + i] == i * per_group + j
    assert torch.equal(channel_shuffle(y, per_group), x)           # the inverse
    assert torch.equal(order[channel_shuffle(torch.arange(channels).view(1, -1, 1, 1), per_group).flatten()],
                       torch.arange(channels))


def test_channel_shuffle_equals_torchvision_and_the_module():
    from torchvision.models.shufflenetv2 import channel_shuffle as tv_shuffle

    x = torch.randn(2, 12, 3, 3)
    assert torch.equal(channel_shuffle(x, 3), tv_shuffle(x, 3))
    assert torch.equal(ChannelShuffle(4)(x), channel_shuffle(x, 4))
    assert "groups=4" in repr(ChannelShuffle(4))


@pytest.mark.parametrize("args, exc, words", [
    ((torch.zeros(1, 6, 2, 2), 4), ValueError, ["groups=4", "6"]),
    ((torch.zeros(1, 6, 2, 2), 0), ValueError, ["groups", "0"]),
    ((torch.zeros(1, 6, 2, 2), 2.0), TypeError, ["groups", "2.0"]),
    ((torch.zeros(6, 2, 2), 2), ValueError, ["(B, C, H, W)", "(6, 2, 2)"]),
    (([1, 2, 3], 1), TypeError, ["x", "list"]),
])
def test_channel_shuffle_bad_input(args, exc, words):
    with pytest.raises(exc) as info:
        channel_shuffle(*args)
    assert all(w in str(info.value) for w in words), str(info.value)


# ---------------------------------------------------------------- v1 unit

@given(groups=st.integers(1, 4), per_group=st.integers(1, 3), stride=st.sampled_from([1, 2]),
       size=st.integers(2, 7), k_in=st.integers(1, 4), grouped=st.booleans())
def test_shuffle_unit_cost_equals_profile(groups, per_group, stride, size, k_in, grouped):
    c_out = 4 * groups * per_group * stride      # the bottleneck c_out / 4 splits into g groups
    c_in = c_out if stride == 1 else groups * k_in  # < c_out; c_out - c_in splits into g groups
    grouped = grouped or stride == 1
    unit = ShuffleUnit(c_in, c_out, groups, stride, group_first_pointwise=grouped).eval()
    expected = cost.shuffle_unit(c_in, c_out, groups, size, stride, group_first_pointwise=grouped)
    assert measured(unit, size, c_in) == expected
    out_size = cost.conv_out_size(size, 3, stride, 1)
    with torch.no_grad():
        assert unit(torch.randn(1, c_in, size, size)).shape == (1, c_out, out_size, out_size)


@given(c=st.integers(1, 6), groups=st.integers(1, 4), h=st.integers(1, 8), w=st.integers(1, 8))
def test_paper_form_of_the_unit(c, groups, h, w):
    c = 4 * groups * c
    m = c // 4
    assert cost.shuffle_unit(c, c, groups, (h, w)).macs == h * w * (2 * c * m // groups + 9 * m)


@given(c=st.integers(1, 6), m=st.integers(1, 4), groups=st.sampled_from([1, 2, 3]), h=st.integers(1, 6),
       w=st.integers(1, 6))
def test_resnet_and_resnext_bottlenecks_equal_profile_and_the_paper_form(c, m, groups, h, w):
    m = groups * m
    unit = nn.Sequential(nn.Conv2d(c, m, 1, bias=False), nn.BatchNorm2d(m), nn.ReLU(),
                         nn.Conv2d(m, m, 3, padding=1, groups=groups, bias=False), nn.BatchNorm2d(m), nn.ReLU(),
                         nn.Conv2d(m, c, 1, bias=False), nn.BatchNorm2d(c))
    report = profile(unit, (1, c, h, w))
    expected = cost.resnet_bottleneck(c, m, (h, w), groups)
    assert cost.Cost(report.params, report.macs) == expected
    assert expected.macs == h * w * (2 * c * m + 9 * m * m // groups)
    assert cost.resnet_bottleneck(c, m, (h, w), groups, batchnorm=False).params == c * m * 2 + 9 * m * m // groups


@given(groups=st.integers(1, 8), per_group=st.integers(1, 8))
def test_shuffle_index_map_is_the_module_and_its_inverse(groups, per_group):
    channels = groups * per_group
    order = channel_shuffle(torch.arange(channels).view(1, channels, 1, 1), groups).flatten().tolist()
    source = [cost.shuffle_source(p, channels, groups) for p in range(channels)]
    target = [cost.shuffle_target(q, channels, groups) for q in range(channels)]
    assert source == order                                                   # the formula is the module
    assert [target[source[p]] for p in range(channels)] == list(range(channels))  # target after source
    assert [source[target[q]] for q in range(channels)] == list(range(channels))  # source after target
    assert target == [cost.shuffle_source(q, channels, per_group) for q in range(channels)]  # n groups


def test_unit_structure_follows_the_paper():
    unit = ShuffleUnit(24, 240, 3, stride=2, group_first_pointwise=False)
    assert unit.gconv1[0].groups == 1 and unit.gconv1[0].out_channels == 60      # m = c_out / 4
    assert unit.gconv2[0].groups == 3 and unit.gconv2[0].out_channels == 216     # c_out - c_in
    assert len(unit.dwconv) == 2 and len(unit.gconv2) == 2                       # no ReLU after dw / gconv2
    assert isinstance(unit.shortcut, nn.AvgPool2d) and unit.shortcut.kernel_size == 3
    y = unit(torch.randn(2, 24, 8, 8))
    assert y.shape == (2, 240, 4, 4) and (y >= 0).all()
    same = ShuffleUnit(240, 240, 3)
    assert isinstance(same.shortcut, nn.Identity) and same(torch.randn(1, 240, 5, 5)).shape == (1, 240, 5, 5)


def test_no_shuffle_unit_has_the_same_cost():
    a, b = ShuffleUnit(48, 48, 3), ShuffleUnit(48, 48, 3, shuffle=False)
    assert isinstance(b.shuffle, nn.Identity)
    assert measured(a, 6, 48) == measured(b, 6, 48)


# ---------------------------------------------------------------- v1 network

def independent_v1_cost(groups, scale, resolution=224, num_classes=1000, repeats=(4, 8, 4)):
    """Table 1 walked with conv2d/batchnorm only (not cost.shuffle_unit, not the model's helper)."""
    conv1, *stages = shufflenet_v1_channels(groups, scale)
    hw = cost.conv_out_size(resolution, 3, 2, 1)
    total = conv_bn(3, conv1, 3, hw)
    hw = cost.conv_out_size(hw, 3, 2, 1)  # max pool
    c_in = conv1
    for stage, (c_out, n) in enumerate(zip(stages, repeats)):
        for i in range(n):
            stride = 2 if i == 0 else 1
            m = c_out // 4
            out = cost.conv_out_size(hw, 3, stride, 1)
            first_groups = 1 if (stage == 0 and i == 0) else groups
            residual = c_out - c_in if stride == 2 else c_out
            total += conv_bn(c_in, m, 1, hw, first_groups) + conv_bn(m, m, 3, out, m) + conv_bn(m, residual, 1, out, groups)
            hw, c_in = out, c_out
    return total + cost.linear(c_in, num_classes)


@pytest.mark.parametrize("groups", SHUFFLENET_V1_GROUPS)
def test_v1_complexity_for_each_g_equals_profile(groups):
    model = shufflenet_v1(groups=groups)
    expected = independent_v1_cost(groups, 1.0)
    assert measured(model, 224) == expected == shufflenet_v1_cost(groups)
    assert model(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


@pytest.mark.parametrize("groups", SHUFFLENET_V1_GROUPS)
@pytest.mark.parametrize("scale", [0.5, 0.25])
def test_v1_scaled_models_equal_profile(groups, scale):
    expected = independent_v1_cost(groups, scale, resolution=96, num_classes=10)
    assert measured(shufflenet_v1(groups=groups, scale=scale, num_classes=10), 96) == expected
    assert shufflenet_v1_cost(groups, scale, 96, 10) == expected


def test_table_1_channels_and_the_rounding_under_scaling():
    assert shufflenet_v1_channels(3, 1.0) == (24, 240, 480, 960)
    assert shufflenet_v1_channels(8, 1.0) == (24, 384, 768, 1536)
    for g in SHUFFLENET_V1_GROUPS:
        for s in SHUFFLENET_V1_SCALES + (0.75, 1.5, 2.0):
            conv1, *stages = shufflenet_v1_channels(g, s)
            assert conv1 % g == 0 and all(c % (4 * g) == 0 for c in stages)
            assert all(abs(c - s * c1) <= 2 * g for c, c1 in zip(stages, shufflenet_v1_channels(g, 1.0)[1:]))
    assert shufflenet_v1_channels(4, 0.5) == (12, 144, 272, 544)  # 136 is no multiple of 16: up to 144


def test_printed_table_1_matches_without_the_fc_layer():
    from lightnets_edu.models.shufflenet import PRINTED_V1_TABLE_1_MFLOPS

    for g, printed in PRINTED_V1_TABLE_1_MFLOPS.items():
        fc = cost.linear(shufflenet_v1_channels(g, 1.0)[-1], 1000).macs
        assert round((shufflenet_v1_cost(g).macs - fc) / 1e6) == printed


def test_v1_without_shuffle_same_cost_and_small_repeats():
    a = ShuffleNetV1(groups=8, scale=0.25, num_classes=10, repeats=(2, 2, 2))
    b = ShuffleNetV1(groups=8, scale=0.25, num_classes=10, repeats=(2, 2, 2), shuffle=False)
    assert measured(a, 32) == measured(b, 32) == independent_v1_cost(8, 0.25, 32, 10, (2, 2, 2))
    assert not any(isinstance(m, ChannelShuffle) for m in b.modules())
    assert shufflenet_v1_cost(8, 0.25, 32, 10, repeats=(2, 2, 2)) == measured(a, 32)
    assert len(a.stage2) == 2 and a.stage2[0].gconv1[0].groups == 1 and a.stage3[0].gconv1[0].groups == 8


# ---------------------------------------------------------------- v2

@given(c=st.integers(1, 6), stride=st.sampled_from([1, 2]), c_in=st.integers(1, 12), size=st.integers(2, 7))
def test_v2_block_cost_equals_profile(c, stride, c_in, size):
    c_out = 2 * c
    c_in = c_out if stride == 1 else c_in
    block = ShuffleV2Block(c_in, c_out, stride)
    assert measured(block, size, c_in) == cost.shuffle_v2_block(c_in, c_out, stride, size)


def independent_v2_cost(size, resolution=224, num_classes=1000):
    conv1, *stages, conv5 = SHUFFLENET_V2_CHANNELS[size]
    hw = cost.conv_out_size(resolution, 3, 2, 1)
    total = conv_bn(3, conv1, 3, hw)
    hw = cost.conv_out_size(hw, 3, 2, 1)
    c_in = conv1
    for c_out, n in zip(stages, (4, 8, 4)):
        b = c_out // 2
        out = cost.conv_out_size(hw, 3, 2, 1)
        total += conv_bn(c_in, c_in, 3, out, c_in) + conv_bn(c_in, b, 1, out)                         # branch1
        total += conv_bn(c_in, b, 1, hw) + conv_bn(b, b, 3, out, b) + conv_bn(b, b, 1, out)         # branch2
        total += (n - 1) * (conv_bn(b, b, 1, out) + conv_bn(b, b, 3, out, b) + conv_bn(b, b, 1, out))
        hw, c_in = out, c_out
    return total + conv_bn(c_in, conv5, 1, hw) + cost.linear(conv5, num_classes)


@pytest.mark.parametrize("size", V2_SIZES)
def test_v2_loads_torchvision_and_gives_identical_outputs(size):
    torch.manual_seed(0)
    theirs = getattr(torchvision.models, f"shufflenet_v2_{size}")(num_classes=50).eval()
    ours = get_model(f"shufflenet_v2_{size}", num_classes=50).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(ours(x), theirs(x))  # same modules, same op order: bitwise equal
    assert list(dict(ours.named_modules())) == list(dict(theirs.named_modules()))


@pytest.mark.parametrize("size", V2_SIZES)
def test_v2_params_and_macs(size):
    ours = get_model(f"shufflenet_v2_{size}")
    weights = torchvision.models.get_model_weights(f"shufflenet_v2_{size}").IMAGENET1K_V1
    expected = independent_v2_cost(size)
    assert measured(ours, 224) == expected == shufflenet_v2_cost(size)
    assert expected.params == weights.meta["num_params"]
    assert round(expected.macs / 1e9, 3) == round(weights.meta["_ops"], 3)  # torchvision's "GFLOPS" are MACs
    tv = profile(getattr(torchvision.models, f"shufflenet_v2_{size}")())
    assert (tv.params, tv.macs) == (expected.params, expected.macs)


def test_registry_names():
    for name in ["shufflenet_v1"] + [f"shufflenet_v2_{s}" for s in V2_SIZES]:
        assert name in list_models()


# ---------------------------------------------------------------- memory access cost

@given(c1=st.integers(1, 64), c2=st.integers(1, 64), h=st.integers(1, 16), w=st.integers(1, 16))
def test_memory_access_cost_counts_tensors_and_respects_the_bound(c1, c2, h, w):
    conv = nn.Conv2d(c1, c2, 1, bias=False)
    x = torch.zeros(1, c1, h, w)
    moved = x.numel() + conv.weight.numel() + conv(x).numel()
    assert cost.pointwise_memory_access_cost(c1, c2, (h, w)) == moved
    macs = cost.pointwise_conv(c1, c2, (h, w)).macs
    bound = cost.pointwise_memory_access_cost_bound(macs, (h, w))
    assert bound <= moved * (1 + 1e-12)
    if c1 == c2:
        assert math.isclose(bound, moved, rel_tol=1e-12)


# ---------------------------------------------------------------- bad input

BAD = [
    (cost.shuffle_unit, (24, 240, 3, 28), {"stride": 3}, ValueError, ["stride", "3"]),
    (cost.shuffle_unit, (24, 48, 3, 28), {"stride": 1}, ValueError, ["c_in=24", "c_out=48"]),
    (cost.shuffle_unit, (48, 24, 3, 28), {"stride": 2}, ValueError, ["c_out=24", "c_in=48"]),
    (cost.shuffle_unit, (240, 240, 7, 28), {}, ValueError, ["groups=7"]),
    (cost.shuffle_unit, (240, 240, 0, 28), {}, ValueError, ["groups", "0"]),
    (cost.shuffle_unit, (240, 240, 3, 28), {"batchnorm": 1}, TypeError, ["batchnorm", "1"]),
    (cost.shuffle_unit, (2, 2, 1, 28), {}, ValueError, ["c_out=2", "bottleneck"]),
    (cost.resnet_bottleneck, (240, 60, 28), {"groups": 7}, ValueError, ["groups=7", "m=60"]),
    (cost.resnet_bottleneck, (0, 60, 28), {}, ValueError, ["c", "0"]),
    (cost.resnet_bottleneck, (240, 60, 28), {"batchnorm": "no"}, TypeError, ["batchnorm", "'no'"]),
    (cost.shuffle_source, (12, 12, 3), {}, ValueError, ["position=12", "channels=12"]),
    (cost.shuffle_source, (-1, 12, 3), {}, ValueError, ["position", "-1"]),
    (cost.shuffle_source, (0, 12, 5), {}, ValueError, ["groups=5", "channels=12"]),
    (cost.shuffle_target, (1.5, 12, 3), {}, TypeError, ["channel", "1.5"]),
    (cost.shuffle_target, (0, 12, 0), {}, ValueError, ["groups", "0"]),
    (cost.shuffle_v2_block, (24, 117, 2, 28), {}, ValueError, ["c_out=117", "even"]),
    (cost.shuffle_v2_block, (24, 116, 1, 28), {}, ValueError, ["c_in=24", "c_out=116"]),
    (cost.shuffle_v2_block, (116, 116, 1, 0), {}, ValueError, ["in_hw", "0"]),
    (cost.pointwise_memory_access_cost, (0, 8, 7), {}, ValueError, ["c1", "0"]),
    (cost.pointwise_memory_access_cost, (8, 8, "7"), {}, TypeError, ["hw", "'7'"]),
    (cost.pointwise_memory_access_cost_bound, (-1, 7), {}, ValueError, ["macs", "-1"]),
    (ShuffleUnit, (20, 240, 3), {"stride": 2}, ValueError, ["groups=3", "c_in=20"]),
    (ShuffleUnit, (24, 240, 3), {"stride": 4}, ValueError, ["stride", "4"]),
    (ShuffleUnit, (240, 240, 3), {"shuffle": "yes"}, TypeError, ["shuffle", "'yes'"]),
    (ShuffleUnit, (240, 120, 3), {"stride": 1}, ValueError, ["c_in=240", "c_out=120"]),
    (ShuffleV2Block, (24, 116, 1), {}, ValueError, ["c_in=24", "c_out=116"]),
    (ShuffleV2Block, (24, 115, 2), {}, ValueError, ["c_out=115"]),
    (ShuffleV2Block, (24, 116, 3), {}, ValueError, ["stride", "3"]),
    (ChannelShuffle, (0,), {}, ValueError, ["groups", "0"]),
    (shufflenet_v1, (), {"groups": 5}, ValueError, ["groups", "5", "(1, 2, 3, 4, 8)"]),
    (shufflenet_v1, (), {"scale": 0}, ValueError, ["scale", "0"]),
    (shufflenet_v1, (), {"scale": "1x"}, TypeError, ["scale", "'1x'"]),
    (shufflenet_v1, (), {"num_classes": 0}, ValueError, ["num_classes", "0"]),
    (ShuffleNetV1, (), {"repeats": (4, 8)}, TypeError, ["repeats", "(4, 8)"]),
    (ShuffleNetV1, (), {"repeats": (4, 0, 4)}, ValueError, ["repeats[1]", "0"]),
    (shufflenet_v1_channels, (3, -1.0), {}, ValueError, ["scale", "-1.0"]),
    (shufflenet_v1_cost, (3, 1.0, 0), {}, ValueError, ["resolution", "0"]),
    (shufflenet_v2_cost, ("x3_0",), {}, ValueError, ["size", "'x3_0'", "x1_0"]),
    (ShuffleNetV2, ([4, 8], [24, 116, 232, 464, 1024]), {}, ValueError, ["stages_repeats", "[4, 8]"]),
    (ShuffleNetV2, ([4, 8, 4], [24, 116, 232, 464]), {}, ValueError, ["stages_out_channels"]),
    (ShuffleNetV2, ([4, 8, 4], 7), {}, TypeError, ["stages_out_channels", "7"]),
    (ShuffleUnit, (4, 2, 1), {"stride": 1}, ValueError, ["c_in=4", "c_out=2"]),
    (ShuffleUnit, (2, 2, 1), {}, ValueError, ["c_out=2", "bottleneck"]),
    (get_model, ("shufflenet_v2_x1_0",), {"num_classes": 0}, ValueError, ["num_classes", "0"]),
    (get_model, ("shufflenet_v2_x0_5",), {"num_classes": 2.5}, TypeError, ["num_classes", "2.5"]),
    (widgets.shufflenet_v1_table, (5, 1.0), {}, ValueError, ["groups", "5"]),
    (widgets.shufflenet_v1_sweep, ((3,), (0,)), {}, ValueError, ["scale", "0"]),
]


@pytest.mark.parametrize("func, args, kwargs, exc, words", BAD,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(BAD)])
def test_bad_input_is_rejected_clearly(func, args, kwargs, exc, words):
    with pytest.raises(exc) as info:
        func(*args, **kwargs)
    assert all(w in str(info.value) for w in words), str(info.value)
