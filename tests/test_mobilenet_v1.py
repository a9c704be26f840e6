"""MobileNet v1: exact params and MACs for every alpha (Table 6) and resolution (Table 7),
recomputed independently from lightnets_edu.cost."""

from fractions import Fraction

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from lightnets_edu import cost
from lightnets_edu.layers import ConvBNAct, DepthwiseSeparable
from lightnets_edu.models import get_model, list_models
from lightnets_edu.models.mobilenet_v1 import MOBILENET_V1_LAYERS, MobileNetV1, mobilenet_v1
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


# ---------------------------------------------------------------- the alpha / rho closed form

def macs_by_scaling(model, resolution):
    """Split a profiled MobileNetV1's MACs by how they scale with alpha: (quadratic, linear, classifier)."""
    report = profile(model, (1, 3, resolution, resolution))
    modules = dict(model.named_modules())
    terms = {"quadratic": 0, "linear": 0, "classifier": 0}
    for row in report.table[report.table["kind"].isin(["conv", "linear"])].itertuples():
        layer = modules[row.name]
        if isinstance(layer, nn.Linear):
            terms["classifier"] += row.macs
        elif layer.groups > 1 or layer.in_channels == 3:  # depthwise, or the stem's 3 fixed inputs
            terms["linear"] += row.macs
        else:
            terms["quadratic"] += row.macs
    assert sum(terms.values()) == report.macs
    return terms, report.macs


@given(rows=st.lists(st.tuples(st.integers(1, 2), st.sampled_from([32, 64, 96])), min_size=1, max_size=2),
       alpha=st.sampled_from([Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(1)]),
       base=st.integers(1, 2), scaled=st.integers(1, 3), num_classes=st.integers(1, 20))
def test_width_resolution_macs_equals_the_profiled_thin_model(rows, alpha, base, scaled, num_classes):
    """alpha^2 rho^2 (pointwise) + alpha rho^2 (depthwise + stem) + alpha (FC), against profile of a real network."""
    downsampling = 2 ** (1 + sum(stride == 2 for stride, _ in rows))  # every map is a whole rho multiple
    # the three sums at alpha = rho = 1, from the closed forms of chapter 1
    hw = cost.conv_out_size(downsampling * base, 3, 2, 1)
    quadratic, linear, c_in = 0, cost.conv2d(3, 32, 3, hw).macs, 32
    for stride, c_out in rows:
        hw = cost.conv_out_size(hw, 3, stride, 1)
        linear += cost.depthwise_conv(c_in, 3, hw).macs
        quadratic += cost.pointwise_conv(c_in, c_out, hw).macs
        c_in = c_out
    classifier = cost.linear(c_in, num_classes).macs
    # against the profiled thin network at the scaled resolution
    thin = MobileNetV1(width_mult=float(alpha), layers=rows, num_classes=num_classes)
    terms, measured = macs_by_scaling(thin, downsampling * scaled)
    rho = Fraction(scaled, base)
    assert cost.width_resolution_macs(quadratic, linear, classifier, alpha=alpha, rho=rho) == measured
    assert terms == {"quadratic": alpha ** 2 * rho ** 2 * quadratic, "linear": alpha * rho ** 2 * linear,
                     "classifier": alpha * classifier}  # term by term, not only in total


def test_width_resolution_macs_on_the_papers_grid():
    """Tables 6 and 7's grid: the closed form equals the row-by-row count, and the excess over alpha^2 is linear."""
    terms, full = macs_by_scaling(mobilenet_v1(), 224)
    for alpha in (0.25, 0.5, 0.75, 1.0):
        for resolution in (128, 160, 192, 224):
            exact = cost.width_resolution_macs(**terms, alpha=alpha, rho=Fraction(resolution, 224))
            assert exact == mobilenet_v1_cost(alpha, resolution).macs
        excess = Fraction(mobilenet_v1_cost(alpha, 224).macs) - Fraction(alpha) ** 2 * full
        assert excess == Fraction(alpha) * (1 - Fraction(alpha)) * (terms["linear"] + terms["classifier"])


@pytest.mark.parametrize("args, exc, words", [
    ((1, 1, 1, 0), ValueError, ["alpha", "0", "> 0"]),
    ((1, 1, 1, 0.5, -1), ValueError, ["rho", "-1"]),
    ((1, 1, 1, "0.5"), TypeError, ["alpha", "'0.5'"]),
    ((1, 1, 1, True), TypeError, ["alpha", "True"]),
    ((1, 1, 1, float("nan")), ValueError, ["alpha", "nan", "finite"]),
    ((-1, 1, 1, 1), ValueError, ["quadratic", "-1"]),
    ((1, 1.5, 1, 1), TypeError, ["linear", "1.5"]),
    ((9, 0, 0, 1, Fraction(1, 2)), ValueError, ["9/4", "whole number"]),
])
def test_width_resolution_macs_rejects_bad_input(args, exc, words):
    with pytest.raises(exc) as info:
        cost.width_resolution_macs(*args)
    assert all(w in str(info.value) for w in words)
