"""MobileNet v1: exact params and MACs for every alpha (Table 6) and resolution (Table 7),
recomputed independently from lightnets_edu.cost."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from lightnets_edu import cost
from lightnets_edu.layers import ConvBNAct, DepthwiseSeparable
from lightnets_edu.models import get_model, list_models
from lightnets_edu.models.mobilenet_v1 import MOBILENET_V1_LAYERS, mobilenet_v1
from lightnets_edu.profile import profile


def conv_bn(c_in, c_out, kernel, hw, groups=1):
    return cost.conv2d(c_in, c_out, kernel, hw, groups=groups) + cost.batchnorm(c_out)


def mobilenet_v1_cost(alpha, resolution, num_classes=1000, rows=MOBILENET_V1_LAYERS, separable=True):
    """Table 1 walked row by row with the closed forms of chapter 1."""
    width = lambda c: max(int(c * alpha), 8)  # noqa: E731
    hw = cost.conv_out_size(resolution, 3, 2, 1)
    c_in = width(32)
    total = conv_bn(3, c_in, 3, hw)
    for stride, c_out in rows:
        hw = cost.conv_out_size(hw, 3, stride, 1)
        c_out = width(c_out)
        if separable:
            total += conv_bn(c_in, c_in, 3, hw, groups=c_in) + conv_bn(c_in, c_out, 1, hw)
        else:
            total += conv_bn(c_in, c_out, 3, hw)
        c_in = c_out
    return total + cost.linear(c_in, num_classes)


@pytest.mark.parametrize("alpha", [1.0, 0.75, 0.5, 0.25])
def test_width_multipliers_of_table_6(alpha):
    report = profile(mobilenet_v1(width_mult=alpha))
    assert cost.Cost(report.params, report.macs) == mobilenet_v1_cost(alpha, 224)


@pytest.mark.parametrize("resolution", [224, 192, 160, 128])
def test_resolutions_of_table_7(resolution):
    report = profile(mobilenet_v1(), (1, 3, resolution, resolution))
    assert cost.Cost(report.params, report.macs) == mobilenet_v1_cost(1.0, resolution)


def test_conv_mobilenet_of_table_4():
    report = profile(get_model("mobilenet_v1_conv"))
    assert cost.Cost(report.params, report.macs) == mobilenet_v1_cost(1.0, 224, separable=False)


def test_shallow_mobilenet_of_table_5():
    report = profile(get_model("mobilenet_v1_shallow"))
    five_removed = MOBILENET_V1_LAYERS[:6] + MOBILENET_V1_LAYERS[11:]
    assert [row[1] for row in MOBILENET_V1_LAYERS[6:11]] == [512] * 5
    assert cost.Cost(report.params, report.macs) == mobilenet_v1_cost(1.0, 224, rows=five_removed)


def test_shape_registry_and_layer_count():
    model = get_model("mobilenet_v1", num_classes=50).eval()
    assert "mobilenet_v1" in list_models()
    assert model(torch.zeros(2, 3, 224, 224)).shape == (2, 50)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(convs) + len(linears) == 28  # the paper counts depthwise and pointwise separately
    assert model.features[-1].depthwise[0].stride == (1, 1)  # Table 1's erratum corrected


@given(c_in=st.integers(1, 16), c_out=st.integers(1, 16), stride=st.integers(1, 2), size=st.integers(4, 12))
def test_depthwise_separable_block_cost(c_in, c_out, stride, size):
    block = DepthwiseSeparable(c_in, c_out, stride)
    hw = cost.conv_out_size(size, 3, stride, 1)
    report = profile(block, (1, c_in, size, size))
    assert cost.Cost(report.params, report.macs) == conv_bn(c_in, c_in, 3, hw, c_in) + conv_bn(c_in, c_out, 1, hw)


def test_conv_bn_act_activations():
    assert isinstance(ConvBNAct(4, 8, activation=nn.ReLU6)[2], nn.ReLU6)
    assert len(ConvBNAct(4, 8, activation=None)) == 2
    assert ConvBNAct(4, 8, kernel=3, stride=2)(torch.zeros(1, 4, 9, 9)).shape == (1, 8, 5, 5)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(width_mult=0), ValueError, ["width_mult", "0", "> 0"]),
    (dict(width_mult=-0.5), ValueError, ["width_mult", "-0.5"]),
    (dict(width_mult="1.0"), TypeError, ["width_mult", "'1.0'"]),
    (dict(dropout=1.5), ValueError, ["dropout", "1.5"]),
])
def test_bad_arguments(kwargs, exc, words):
    with pytest.raises(exc) as info:
        mobilenet_v1(**kwargs)
    assert all(w in str(info.value) for w in words)


def test_conv_bn_act_rejects_bad_groups():
    with pytest.raises(ValueError, match="groups=3"):
        ConvBNAct(4, 8, groups=3)
