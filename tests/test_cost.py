"""Every closed form in lightnets_edu.cost equals the measured cost of a real module."""

from fractions import Fraction

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from torch import nn

from lightnets_edu import cost
from lightnets_edu.profile import profile

small = st.integers(1, 6)


def measured(module, input_size):
    report = profile(module, input_size)
    return cost.Cost(report.params, report.macs)


@st.composite
def conv_configs(draw):
    """A random, valid nn.Conv2d configuration with its input size."""
    groups = draw(st.integers(1, 4))
    c_in = groups * draw(small)
    c_out = groups * draw(small)
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    size = (draw(st.integers(1, 14)), draw(st.integers(1, 14)))
    for d in range(2):  # the dilated kernel must fit in the padded input
        assume(dilation[d] * (kernel[d] - 1) + 1 <= size[d] + 2 * padding[d])
    bias = draw(st.booleans())
    return dict(c_in=c_in, c_out=c_out, kernel=kernel, stride=stride, padding=padding,
                dilation=dilation, size=size, groups=groups, bias=bias)


@given(conv_configs())
def test_conv2d_equals_measured_module(cfg):
    conv = nn.Conv2d(cfg["c_in"], cfg["c_out"], cfg["kernel"], cfg["stride"], cfg["padding"],
                     cfg["dilation"], cfg["groups"], cfg["bias"])
    out_hw = tuple(
        cost.conv_out_size(cfg["size"][d], cfg["kernel"][d], cfg["stride"][d], cfg["padding"][d], cfg["dilation"][d])
        for d in range(2)
    )
    expected = cost.conv2d(cfg["c_in"], cfg["c_out"], cfg["kernel"], out_hw, cfg["groups"], cfg["bias"])
    assert measured(conv, (1, cfg["c_in"], *cfg["size"])) == expected


@given(conv_configs())
def test_conv_out_size_matches_torch(cfg):
    x = torch.zeros(1, cfg["c_in"], *cfg["size"])
    conv = nn.Conv2d(cfg["c_in"], cfg["c_out"], cfg["kernel"], cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
    h, w = conv(x).shape[-2:]
    assert (h, w) == tuple(
        cost.conv_out_size(cfg["size"][d], cfg["kernel"][d], cfg["stride"][d], cfg["padding"][d], cfg["dilation"][d])
        for d in range(2)
    )


@given(size=st.integers(1, 12), kernel=st.integers(1, 7), padding=st.integers(0, 3), dilation=st.integers(1, 3))
def test_conv_out_size_rejects_exactly_what_torch_rejects(size, kernel, padding, dilation):
    conv = nn.Conv2d(1, 1, kernel, padding=padding, dilation=dilation)
    try:
        torch_size = conv(torch.zeros(1, 1, size, size)).shape[-1]
    except RuntimeError:
        with pytest.raises(ValueError, match="kernel"):
            cost.conv_out_size(size, kernel, padding=padding, dilation=dilation)
    else:
        assert cost.conv_out_size(size, kernel, padding=padding, dilation=dilation) == torch_size


@given(channels=st.integers(1, 24), kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       hw=st.tuples(st.integers(1, 12), st.integers(1, 12)), bias=st.booleans())
def test_depthwise_conv_equals_measured_module(channels, kernel, hw, bias):
    pad = (kernel[0] // 2, kernel[1] // 2)
    conv = nn.Conv2d(channels, channels, kernel, padding=pad, groups=channels, bias=bias)
    out_hw = tuple(cost.conv_out_size(hw[d], kernel[d], padding=pad[d]) for d in range(2))
    assert measured(conv, (1, channels, *hw)) == cost.depthwise_conv(channels, kernel, out_hw, bias=bias)


@given(c_in=st.integers(1, 24), c_out=st.integers(1, 24),
       hw=st.tuples(st.integers(1, 12), st.integers(1, 12)), bias=st.booleans())
def test_pointwise_conv_equals_measured_module(c_in, c_out, hw, bias):
    conv = nn.Conv2d(c_in, c_out, 1, bias=bias)
    assert measured(conv, (1, c_in, *hw)) == cost.pointwise_conv(c_in, c_out, hw, bias=bias)


@given(c_in=st.integers(1, 24), c_out=st.integers(1, 24), kernel=st.sampled_from([1, 3, 5, 7]),
       stride=st.integers(1, 2), size=st.integers(7, 16))
def test_depthwise_separable_equals_measured_block(c_in, c_out, kernel, stride, size):
    block = nn.Sequential(
        nn.Conv2d(c_in, c_in, kernel, stride, kernel // 2, groups=c_in, bias=False),  # depthwise
        nn.Conv2d(c_in, c_out, 1, bias=False),  # pointwise
    )
    out = cost.conv_out_size(size, kernel, stride, kernel // 2)
    assert measured(block, (1, c_in, size, size)) == cost.depthwise_separable(c_in, c_out, kernel, out)


@given(in_features=st.integers(1, 40), out_features=st.integers(1, 40), bias=st.booleans(),
       leading=st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_linear_on_any_rank_equals_cost_per_vector(in_features, out_features, bias, leading):
    layer = nn.Linear(in_features, out_features, bias=bias)
    vectors = 1
    for n in leading:
        vectors *= n
    one = cost.linear(in_features, out_features, bias=bias)
    report = profile(layer, (*leading, in_features))
    assert report.params == one.params
    assert report.macs == vectors * one.macs


@given(channels=st.integers(1, 64), hw=st.integers(1, 8))
def test_batchnorm_params_are_scale_and_shift(channels, hw):
    bn = nn.BatchNorm2d(channels)
    report = profile(bn, (1, channels, hw, hw))
    assert cost.batchnorm(channels) == cost.Cost(report.params, report.macs)
    assert report.other_ops["norm"] == 2 * channels * hw * hw  # counted apart from MACs


@given(c_in=st.integers(1, 512), c_out=st.integers(1, 512), kernel=st.integers(1, 9), hw=st.integers(1, 64))
def test_separable_ratio_is_the_exact_cost_ratio(c_in, c_out, kernel, hw):
    standard = cost.conv2d(c_in, c_out, kernel, hw)
    separable = cost.depthwise_separable(c_in, c_out, kernel, hw)
    ratio = cost.separable_ratio(c_out, kernel)
    assert ratio == Fraction(1, c_out) + Fraction(1, kernel * kernel)
    assert Fraction(separable.macs, standard.macs) == ratio
    assert Fraction(separable.params, standard.params) == ratio


def test_cost_arithmetic():
    a, b = cost.Cost(10, 100), cost.Cost(1, 2)
    assert a + b == cost.Cost(11, 102)
    assert sum([a, b, b]) == cost.Cost(12, 104)
    assert 3 * b == b * 3 == cost.Cost(3, 6)
    assert a.flops == 200
    with pytest.raises(AttributeError):
        a.params = 5  # immutable


def test_worked_example_vgg_layer():
    # a 3x3, 64 -> 64 conv on a 224 x 224 map: 36,864 weights, each used 50,176 times
    c = cost.conv2d(64, 64, 3, 224)
    assert c.params == 3 * 3 * 64 * 64 == 36_864
    assert c.macs == 36_864 * 224 * 224
