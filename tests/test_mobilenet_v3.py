"""MobileNet v3 (chapter 7): h-swish / h-sigmoid, squeeze-and-excitation, the networks against
torchvision, their exact params and MACs from lightnets_edu.cost, and NetAdapt's step."""

import math

import pytest
import torch
import torch.nn.functional as F
import torchvision
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from lightnets_edu import cost
from lightnets_edu.layers import HSigmoid, HSwish, InvertedResidualV3, SqueezeExcitation
from lightnets_edu.models import get_model, list_models
from lightnets_edu.models.mobilenet_v3 import (MOBILENET_V3_LARGE, MOBILENET_V3_SMALL, Bneck, MobileNetV3,
                                              mnasnet_reward, mobilenet_v3_config, mobilenet_v3_cost,
                                              mobilenet_v3_large, mobilenet_v3_small, netadapt, netadapt_seed,
                                              netadapt_step, shrink_layer, table_latency, latency_table,
                                              widths_of, NETADAPT_STOPS, NetAdaptResult)
from lightnets_edu.profile import profile

TORCHVISION = {"large": torchvision.models.mobilenet_v3_large, "small": torchvision.models.mobilenet_v3_small}
OURS = {"large": mobilenet_v3_large, "small": mobilenet_v3_small}


# ---------------------------------------------------------------- activations

def test_hard_activations_equal_torch_on_a_dense_grid():
    x = torch.linspace(-8, 8, 160_001)
    assert torch.equal(HSigmoid()(x), F.hardsigmoid(x))
    assert torch.equal(HSwish()(x), F.hardswish(x))
    assert torch.equal(HSwish()(x), x * F.relu6(x + 3) / 6)  # the fused ops compute the formula
    assert torch.equal(HSigmoid()(x), F.relu6(x + 3) / 6)
    x64 = x.double()
    assert torch.equal(HSwish()(x64), F.hardswish(x64))


def test_hard_activations_gap_to_the_smooth_ones():
    x = torch.linspace(-10, 10, 2_000_001, dtype=torch.float64)
    swish_gap = (HSwish()(x) - F.silu(x)).abs().max().item()
    assert math.isclose(swish_gap, 3 * torch.sigmoid(torch.tensor(-3.0, dtype=torch.float64)).item(), rel_tol=1e-9)
    sigmoid_gap = (HSigmoid()(x) - torch.sigmoid(x)).abs().max().item()
    assert 0.069 < sigmoid_gap < 0.0693


def test_hard_activations_count_as_one_op_per_element():
    report = profile(nn.Sequential(HSwish(), HSigmoid()), (1, 4, 5, 5))
    assert report.other_ops["activation"] == 2 * 100 and report.other_ops["elementwise"] == 0


# ---------------------------------------------------------------- squeeze-and-excitation

@given(channels=st.integers(1, 24), squeeze=st.integers(1, 12), h=st.integers(1, 9), w=st.integers(1, 9))
def test_squeeze_excitation_cost_equals_profile(channels, squeeze, h, w):
    report = profile(SqueezeExcitation(channels, squeeze), (1, channels, h, w))
    formula = cost.squeeze_excitation(channels, squeeze, (h, w))
    assert (report.params, report.macs) == (formula.params, formula.macs)
    assert report.other_ops == formula.other_ops


def test_squeeze_excitation_matches_torchvision_and_names():
    ours = SqueezeExcitation(16, 8)
    theirs = torchvision.ops.SqueezeExcitation(16, 8, scale_activation=nn.Hardsigmoid)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 16, 5, 5)
    assert torch.equal(ours(x), theirs(x))
    assert [n for n, _ in ours.named_children()] == ["avgpool", "fc1", "activation", "fc2", "scale_activation"]


@pytest.mark.parametrize("channels, expected", [(72, 24), (120, 32), (480, 120), (16, 8), (96, 24), (576, 144)])
def test_se_channels_is_a_rounded_quarter(channels, expected):
    assert cost.se_channels(channels) == expected


@given(c_in=st.integers(1, 12), exp=st.integers(1, 24), c_out=st.integers(1, 12), kernel=st.sampled_from([3, 5]),
       stride=st.integers(1, 2), use_se=st.booleans(), nl=st.sampled_from(["RE", "HS"]), size=st.integers(5, 11))
def test_bneck_cost_equals_profile(c_in, exp, c_out, kernel, stride, use_se, nl, size):
    if use_se and exp < 4:
        exp += 4
    block = InvertedResidualV3(c_in, exp, c_out, kernel, stride, use_se, nl)
    out = cost.conv_out_size(size, kernel, stride, kernel // 2)
    expected = cost.Cost(0, 0)
    if exp != c_in:
        expected += cost.pointwise_conv(c_in, exp, size) + cost.batchnorm(exp)
    expected += cost.depthwise_conv(exp, kernel, out) + cost.batchnorm(exp)
    if use_se:
        expected += cost.squeeze_excitation(exp, cost.se_channels(exp), out).cost
    expected += cost.pointwise_conv(exp, c_out, out) + cost.batchnorm(c_out)
    report = profile(block, (1, c_in, size, size))
    assert cost.Cost(report.params, report.macs) == expected
    assert report.other_ops["elementwise"] == (c_out * out * out if block.use_res_connect else 0) + \
        (exp * out * out if use_se else 0)


# ---------------------------------------------------------------- the networks

def _randomize_bn(model):
    gen = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)


@pytest.mark.parametrize("arch", ["large", "small"])
@pytest.mark.parametrize("width_mult", [1.0, 0.75])
def test_torchvision_state_dict_loads_and_gives_identical_outputs(arch, width_mult):
    torch.manual_seed(0)
    theirs = TORCHVISION[arch](width_mult=width_mult, num_classes=50).eval()
    _randomize_bn(theirs)
    ours = OURS[arch](width_mult=width_mult, num_classes=50).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3, 96, 96, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(ours(x), theirs(x))  # same ops in the same order: bit for bit


@pytest.mark.parametrize("arch", ["large", "small"])
@pytest.mark.parametrize("width_mult", [1.0, 0.75, 0.5])
def test_params_and_macs_equal_the_closed_form_and_torchvision(arch, width_mult):
    ours = profile(OURS[arch](width_mult=width_mult))
    theirs = profile(TORCHVISION[arch](width_mult=width_mult))
    assert cost.Cost(ours.params, ours.macs) == mobilenet_v3_cost(arch, width_mult)
    assert (ours.params, ours.macs, ours.other_ops) == (theirs.params, theirs.macs, theirs.other_ops)


def test_headline_numbers():
    assert mobilenet_v3_cost("large") == cost.Cost(5_483_032, 216_589_760)
    assert mobilenet_v3_cost("small") == cost.Cost(2_542_856, 56_510_400)
    # torchvision's metadata: num_params
    assert mobilenet_v3_cost("large").params == torchvision.models.MobileNet_V3_Large_Weights.DEFAULT.meta["num_params"]
    assert mobilenet_v3_cost("small").params == torchvision.models.MobileNet_V3_Small_Weights.DEFAULT.meta["num_params"]
    # Table 3's 0.75 rows need the TF width rule: 155M MAdds and 4.0M params for Large, 2.0M params for Small
    large, small = mobilenet_v3_cost("large", 0.75, reference="tf"), mobilenet_v3_cost("small", 0.75, reference="tf")
    assert (round(large.macs / 1e6), round(large.params / 1e6, 1), round(small.params / 1e6, 1)) == (155, 4.0, 2.0)
    assert round(mobilenet_v3_cost("large", 0.75).macs / 1e6) == 140  # torchvision's rule: another network


@pytest.mark.parametrize("arch", ["large", "small"])
def test_tf_width_rule_builds_and_costs_agree(arch):
    model = MobileNetV3(*mobilenet_v3_config(arch, 0.75, reference="tf"))
    report = profile(model)
    assert cost.Cost(report.params, report.macs) == mobilenet_v3_cost(arch, 0.75, reference="tf")
    assert mobilenet_v3_cost(arch, 1.0, reference="tf") == mobilenet_v3_cost(arch, 1.0)
    rows, last_conv, last_channel = mobilenet_v3_config(arch, 0.75, reference="tf")
    assert last_channel == {"large": 1280, "small": 1024}[arch] and last_conv == 6 * rows[-1].out


def test_tables_input_column_is_consistent():
    for rows, stem in ((MOBILENET_V3_LARGE, 16), (MOBILENET_V3_SMALL, 16)):
        size, channels = 112, stem
        for r in rows:
            assert r.input == (size, channels)
            size, channels = size // r.stride, r.out
        assert size == 7


def test_registry_shapes_and_structure():
    assert {"mobilenet_v3_large", "mobilenet_v3_small"} <= set(list_models())
    model = get_model("mobilenet_v3_small", num_classes=7).eval()
    assert model(torch.zeros(1, 3, 64, 64)).shape == (1, 7)
    large = mobilenet_v3_large()
    assert len(large.features) == 17 and isinstance(large.features[4].block[2], SqueezeExcitation)
    assert len(large.features[1].block) == 2  # exp size == input: no expansion conv
    assert large.features[2].block[0][1].eps == 1e-3


def test_efficient_last_stage_formulas_equal_profile():
    efficient = nn.Sequential(nn.Conv2d(16, 48, 1, bias=False), nn.BatchNorm2d(48), nn.AdaptiveAvgPool2d(1),
                              nn.Flatten(), nn.Linear(48, 64), nn.Linear(64, 10))
    report = profile(efficient, (1, 16, 5, 5))
    assert cost.Cost(report.params, report.macs) == cost.efficient_last_stage(16, 48, 64, 10, 5)
    original = nn.Sequential(nn.Conv2d(16, 48, 1, bias=False), nn.BatchNorm2d(48),
                             nn.Conv2d(48, 48, 3, padding=1, groups=48, bias=False), nn.BatchNorm2d(48),
                             nn.Conv2d(48, 24, 1, bias=False), nn.BatchNorm2d(24),
                             nn.Conv2d(24, 64, 1, bias=False), nn.BatchNorm2d(64),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    report = profile(original, (1, 16, 5, 5))
    assert cost.Cost(report.params, report.macs) == cost.original_last_stage(16, 48, 24, 64, 10, 5)


# ---------------------------------------------------------------- the search

def test_mnasnet_reward():
    assert mnasnet_reward(0.75, 80, 80) == 0.75
    assert math.isclose(mnasnet_reward(0.75, 160, 80, -0.07), 0.75 * 2 ** -0.07)
    assert mnasnet_reward(0.75, 40, 80, alpha=0.0, beta=-1.0) == 0.75  # hard constraint: no bonus below target


def test_shrink_layer_keeps_the_strongest_filters():
    torch.manual_seed(0)
    model = netadapt_seed().eval()
    smaller = shrink_layer(model, "block2", 40).eval()
    assert widths_of(smaller)["block2"] == 40 and profile(smaller, (1, 3, 16, 16)).macs < \
        profile(model, (1, 3, 16, 16)).macs
    expand = model.features[3].block[0][0].weight
    norms = expand.flatten(1).norm(dim=1)
    kept = smaller.features[3].block[0][0].weight
    assert torch.equal(kept, expand[norms.argsort(descending=True)[:40].sort().values])
    smaller_head = shrink_layer(model, "last_conv", 64)
    assert smaller_head.classifier[0].in_features == 64


def _mac_latency(model):
    table = latency_table(model, (1, 3, 16, 16), lambda m, x: profile(m, inputs=x).macs)
    return lambda widths: table_latency(table, widths)


def test_latency_table_of_macs_adds_up_to_the_model():
    model = netadapt_seed()
    latency = _mac_latency(model)
    assert latency(widths_of(model)) == profile(model, (1, 3, 16, 16)).macs
    smaller = shrink_layer(model, "block0", 32)
    assert latency(widths_of(smaller)) == profile(smaller, (1, 3, 16, 16)).macs


def test_netadapt_step_returns_a_strictly_cheaper_network():
    torch.manual_seed(0)
    model = netadapt_seed()
    latency = _mac_latency(model)
    before = latency(widths_of(model))
    best, proposals = netadapt_step(model, 0.5, latency, delta=0.05 * before, fine_tune=lambda m: None,
                                    evaluate=lambda m: 0.5 - 1e-7 * sum(widths_of(m).values()))
    assert latency(widths_of(best.model)) <= before - 0.05 * before < before
    assert profile(best.model, (1, 3, 16, 16)).macs < profile(model, (1, 3, 16, 16)).macs
    assert len(proposals) == len(widths_of(model)) and all(p.latency <= 0.95 * before for p in proposals)
    result = netadapt(model, latency, 0.1 * before, 0.7 * before, fine_tune=lambda m: None,
                      evaluate=lambda m: 0.5, max_steps=6)
    assert isinstance(result, NetAdaptResult) and result.stopped == "target" and "reached the target" in result.reason
    latencies = [t["latency"] for t in result.trajectory]
    assert all(b < a for a, b in zip(latencies, latencies[1:])) and latencies[-1] <= 0.7 * before
    assert widths_of(result.model) == result.trajectory[-1]["widths"]


def test_netadapt_keeps_the_steps_it_took_when_no_layer_can_save_delta():
    # a latency model under which only the first cut saves delta: after one step, no proposal is left
    torch.manual_seed(0)
    model = netadapt_seed()
    seed_widths = widths_of(model)

    def latency(widths):  # 10 for the seed; 5 once last_conv is cut; no other cut saves anything
        return 5.0 if widths["last_conv"] < seed_widths["last_conv"] else 10.0

    result = netadapt(model, latency, delta=1.0, target=1.0, fine_tune=lambda m: None, evaluate=lambda m: 0.5,
                      max_steps=5)
    assert result.stopped == "no_proposal" and result.stopped in NETADAPT_STOPS
    assert [t["step"] for t in result.trajectory] == [0, 1] and result.trajectory[1]["layer"] == "last_conv"
    assert result.trajectory[-1]["latency"] == 5.0 and widths_of(result.model)["last_conv"] < seed_widths["last_conv"]
    assert "after 1 step(s)" in result.reason and "delta=1" in result.reason
    # a search that cannot take even one step returns the seed, unchanged, with zero steps
    stuck = netadapt(model, lambda w: 10.0, delta=1.0, target=1.0, fine_tune=lambda m: None, evaluate=lambda m: 0.5)
    assert stuck.stopped == "no_proposal" and len(stuck.trajectory) == 1 and stuck.model is model


def test_netadapt_stops_at_max_steps_or_at_once_on_target():
    torch.manual_seed(0)
    model = netadapt_seed()
    latency = _mac_latency(model)
    before = latency(widths_of(model))
    capped = netadapt(model, latency, 0.05 * before, 0.1 * before, fine_tune=lambda m: None,
                      evaluate=lambda m: 0.5, max_steps=2)
    assert capped.stopped == "max_steps" and len(capped.trajectory) == 3
    assert capped.trajectory[-1]["latency"] > 0.1 * before
    done = netadapt(model, latency, 0.05 * before, 2 * before, fine_tune=lambda m: None, evaluate=lambda m: 0.5)
    assert done.stopped == "target" and len(done.trajectory) == 1 and done.model is model


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, exc, words", [
    (lambda: cost.squeeze_excitation(0, 4, 7), ValueError, ["channels", "0"]),
    (lambda: cost.squeeze_excitation(8, 2.5, 7), TypeError, ["squeeze_channels", "2.5"]),
    (lambda: cost.squeeze_excitation(8, 2, (7, 0)), ValueError, ["in_hw"]),
    (lambda: cost.se_channels(2), ValueError, ["channels=2"]),
    (lambda: cost.efficient_last_stage(160, 960, 1280, 1000, -7), ValueError, ["in_hw"]),
    (lambda: cost.original_last_stage(160, 0, 320, 1280, 1000, 7), ValueError, ["c_expand"]),
    (lambda: SqueezeExcitation(16, 0), ValueError, ["squeeze_channels", "0"]),
    (lambda: SqueezeExcitation(16, 4, activation="relu"), TypeError, ["activation", "'relu'"]),
    (lambda: InvertedResidualV3(16, 64, 24, stride=3), ValueError, ["stride", "3"]),
    (lambda: InvertedResidualV3(16, 64, 24, kernel=4), ValueError, ["kernel", "4"]),
    (lambda: InvertedResidualV3(16, 64, 24, activation="swish"), ValueError, ["activation", "'swish'"]),
    (lambda: InvertedResidualV3(16, 64, 24, use_se=1), TypeError, ["use_se"]),
    (lambda: mobilenet_v3_large(width_mult=0), ValueError, ["width_mult", "0"]),
    (lambda: mobilenet_v3_small(width_mult="1"), TypeError, ["width_mult", "'1'"]),
    (lambda: mobilenet_v3_large(dropout=1.0), ValueError, ["dropout", "1.0"]),
    (lambda: mobilenet_v3_small(num_classes=0), ValueError, ["num_classes", "0"]),
    (lambda: mobilenet_v3_config("medium"), ValueError, ["arch", "'medium'"]),
    (lambda: mobilenet_v3_config("large", reference="keras"), ValueError, ["reference", "'keras'"]),
    (lambda: mobilenet_v3_cost("large", resolution=0), ValueError, ["resolution", "0"]),
    (lambda: MobileNetV3([], 960, 1280), ValueError, ["rows"]),
    (lambda: MobileNetV3([(1, 2)], 960, 1280), TypeError, ["Bneck"]),
    (lambda: MobileNetV3([Bneck((112, 16), 3, 16, 16, False, "RE", 1), Bneck((112, 24), 3, 16, 16, False, "RE", 1)],
                         96, 128), ValueError, ["row 1", "24", "16"]),
    (lambda: mnasnet_reward(0.7, 0, 80), ValueError, ["latency", "0"]),
    (lambda: mnasnet_reward(0.7, 50, 80, alpha="a"), TypeError, ["alpha"]),
    (lambda: shrink_layer(netadapt_seed(), "block9", 8), ValueError, ["layer", "'block9'"]),
    (lambda: shrink_layer(netadapt_seed(), "block0", 64), ValueError, ["width=64"]),
    (lambda: shrink_layer(netadapt_seed(), "block0", 16), ValueError, ["width=16", "input width"]),
    (lambda: shrink_layer(nn.Linear(2, 2), "block0", 8), TypeError, ["MobileNetV3", "Linear"]),
    (lambda: latency_table(netadapt_seed(), (1, 3, 16, 16), measure=3), TypeError, ["measure"]),
    (lambda: table_latency({"fixed": 0, "block0": {}}, {"block0": 8}), ValueError, ["block0=8"]),
    (lambda: netadapt_step(netadapt_seed(), 0.5, lambda w: 1.0, 0, lambda m: None, lambda m: 0.5), ValueError,
     ["delta", "0"]),
    (lambda: netadapt_step(netadapt_seed(), 0.5, lambda w: 1.0, 0.5, None, lambda m: 0.5), TypeError,
     ["fine_tune"]),
    (lambda: netadapt_step(netadapt_seed(), 0.5, lambda w: 1.0, 0.5, lambda m: None, lambda m: 0.5), ValueError,
     ["no layer", "delta=0.5"]),
    (lambda: netadapt(netadapt_seed(), lambda w: 1.0, 0, 0.5, lambda m: None, lambda m: 0.5), ValueError,
     ["delta", "0"]),
    (lambda: netadapt(netadapt_seed(), lambda w: 1.0, 0.5, 0.5, lambda m: None, "acc"), TypeError, ["evaluate"]),
    (lambda: netadapt(netadapt_seed(), lambda w: 1.0, 0.5, -1, lambda m: None, lambda m: 0.5), ValueError,
     ["target", "-1"]),
])
def test_bad_input_names_the_argument(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert all(w in str(info.value) for w in words), str(info.value)
