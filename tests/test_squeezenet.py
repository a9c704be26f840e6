"""SqueezeNet: torchvision equivalence, exact params and MACs recomputed independently
from lightnets_edu.cost, the Section 5 metaparameters, bypass variants and bad input."""

import math

import pytest
import torch
import torchvision
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from lightnets_edu import cost
from lightnets_edu.layers import Fire
from lightnets_edu.models import (SQUEEZENET_FIRES, SqueezeNet, get_model, list_models, squeezenet,
                                  squeezenet_cost, squeezenet_from_metaparams, squeezenet_map_sizes,
                                  squeezenet_metaparams_cost)
from lightnets_edu.profile import profile

# Table 1 of the paper, typed here independently of the package's config table:
# (s1x1, e1x1, e3x3) of fire2..fire9 and the printed parameter counts "before pruning".
TABLE_1 = [(16, 64, 64), (16, 64, 64), (32, 128, 128), (32, 128, 128),
           (48, 192, 192), (48, 192, 192), (64, 256, 256), (64, 256, 256)]
TABLE_1_PARAMS = {"conv1": 14_208, "fire2": 11_920, "fire3": 12_432, "fire4": 45_344, "fire5": 49_440,
                  "fire6": 104_880, "fire7": 111_024, "fire8": 188_992, "fire9": 197_184, "conv10": 513_000}
# stem filters, stem kernel, Fire modules followed by a max pool
MACRO = {"1_0": (96, 7, {4, 8}), "1_1": (64, 3, {3, 5})}


def pool(size):
    """3x3 / 2 max pool in ceil mode, as Caffe rounds."""
    return math.ceil((size - 3) / 2) + 1


def network_cost(version, resolution, num_classes=1000, fires=TABLE_1, bypass=None, stem=None, batchnorm=False):
    """The network walked layer by layer with cost.conv2d only (not cost.fire, not the package's walker).

    ``stem`` replaces the version's conv1 filter count. With ``batchnorm`` every
    convolution loses its bias and gains a batch norm's scale and shift (2 per channel)."""
    def conv(c_in, c_out, kernel, size):
        layer = cost.conv2d(c_in, c_out, kernel, size, bias=not batchnorm)
        return layer + cost.Cost(2 * c_out, 0) if batchnorm else layer

    default_stem, kernel, pools = MACRO[version]
    stem = default_stem if stem is None else stem
    size = (resolution - kernel) // 2 + 1
    total = conv(3, stem, kernel, size)
    size, c_in = pool(size), stem
    for number, (s, e1, e3) in enumerate(fires, start=2):
        total += conv(c_in, s, 1, size) + conv(s, e1, 1, size) + conv(s, e3, 3, size)
        if bypass == "complex" and c_in != e1 + e3:
            total += conv(c_in, e1 + e3, 1, size)
        c_in = e1 + e3
        if number in pools:
            size = pool(size)
    return total + conv(c_in, num_classes, 1, size)


def measured(model, resolution):
    report = profile(model.eval(), (1, 3, resolution, resolution))  # eval: batch norm on one image
    return cost.Cost(report.params, report.macs)


# ---------------------------------------------------------------- torchvision equivalence

@pytest.mark.parametrize("version", ["1_0", "1_1"])
def test_torchvision_state_dict_loads_strictly_and_outputs_are_identical(version):
    reference = getattr(torchvision.models, f"squeezenet{version}")(weights=None).eval()
    ours = squeezenet(version=version).eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(2, 3, 96, 96, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        # the same ops in the same order: bitwise equal, not merely close
        assert torch.equal(ours(x), reference(x))
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in reference.named_modules()]


def test_metaparameter_model_loads_torchvision_1_0():
    reference = torchvision.models.squeezenet1_0(weights=None).eval()
    ours = squeezenet_from_metaparams().eval()
    ours.load_state_dict(reference.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(ours(x), reference(x))


# ---------------------------------------------------------------- exact params and MACs

@pytest.mark.parametrize("version", ["1_0", "1_1"])
@pytest.mark.parametrize("resolution", [224, 227, 96, 24])
def test_params_and_macs_equal_the_independent_count(version, resolution):
    expected = network_cost(version, resolution)
    assert measured(squeezenet(version=version), resolution) == expected
    assert squeezenet_cost(version, resolution) == expected


def test_table_1_parameter_column():
    model = squeezenet()
    names = {"conv1": model.features[0], "conv10": model.classifier[1]}
    fires = [m for m in model.features if isinstance(m, Fire)]
    names.update({f"fire{i}": m for i, m in enumerate(fires, start=2)})
    for name, module in names.items():
        assert sum(p.numel() for p in module.parameters()) == TABLE_1_PARAMS[name], name
    assert sum(TABLE_1_PARAMS.values()) == 1_248_424 == squeezenet_cost().params


def test_known_totals_and_the_1_1_saving():
    assert squeezenet_cost("1_0").params == sum(p.numel() for p in torchvision.models.squeezenet1_0().parameters())
    assert squeezenet_cost("1_1").params == sum(p.numel() for p in torchvision.models.squeezenet1_1().parameters())
    ratio = squeezenet_cost("1_0").macs / squeezenet_cost("1_1").macs
    assert 2.3 < ratio < 2.4  # the README's "2.4x less computation", at 224


def test_num_classes_changes_only_conv10():
    assert measured(squeezenet(num_classes=50), 96) == network_cost("1_0", 96, num_classes=50)
    assert squeezenet(num_classes=50).eval()(torch.zeros(2, 3, 96, 96)).shape == (2, 50)


# ---------------------------------------------------------------- the Fire module

@given(c_in=st.integers(1, 12), s1x1=st.integers(1, 8), e1x1=st.integers(1, 8), e3x3=st.integers(1, 8),
       size=st.integers(1, 9), bypass=st.sampled_from([None, "complex"]), batchnorm=st.booleans())
def test_fire_cost_equals_the_measured_module(c_in, s1x1, e1x1, e3x3, size, bypass, batchnorm):
    block = Fire(c_in, s1x1, e1x1, e3x3, bypass=bypass, batchnorm=batchnorm)
    expected = cost.fire(c_in, s1x1, e1x1, e3x3, size, batchnorm=batchnorm)
    if bypass == "complex":
        expected += (cost.conv2d(c_in, e1x1 + e3x3, 1, size) + cost.batchnorm(e1x1 + e3x3) if batchnorm
                     else cost.conv2d(c_in, e1x1 + e3x3, 1, size, bias=True))
    assert measured_block(block, c_in, size) == expected
    assert block(torch.zeros(1, c_in, size, size)).shape == (1, e1x1 + e3x3, size, size)


def measured_block(block, c_in, size):
    report = profile(block.eval(), (1, c_in, size, size))  # eval: batch norm on one image
    return cost.Cost(report.params, report.macs)


@given(c=st.integers(2, 12), s1x1=st.integers(1, 6), e1x1=st.integers(1, 11), size=st.integers(1, 6))
def test_simple_bypass_is_free_and_adds_the_input(c, s1x1, e1x1, size):
    e3x3 = c - e1x1
    if e3x3 < 1:
        return
    plain, bypassed = Fire(c, s1x1, e1x1, e3x3), Fire(c, s1x1, e1x1, e3x3, bypass="simple")
    bypassed.load_state_dict(plain.state_dict(), strict=True)  # no extra parameters
    x = torch.randn(1, c, size, size, generator=torch.Generator().manual_seed(c))
    with torch.no_grad():
        assert torch.equal(bypassed(x), plain(x) + x)
    report = profile(bypassed, (1, c, size, size))
    assert report.other_ops["elementwise"] == c * size * size  # one addition per output element


@given(c_in=st.integers(1, 64), s1x1=st.integers(1, 32), e1x1=st.integers(1, 64), e3x3=st.integers(1, 64),
       size=st.integers(1, 60))
def test_batchnorm_swaps_each_bias_for_a_scale_and_a_shift(c_in, s1x1, e1x1, e3x3, size):
    plain = cost.fire(c_in, s1x1, e1x1, e3x3, size)
    normed = cost.fire(c_in, s1x1, e1x1, e3x3, size, batchnorm=True)
    assert normed.macs == plain.macs  # batch norm is never counted in MACs
    assert normed.params == plain.params + s1x1 + e1x1 + e3x3  # bias c -> scale and shift 2c


def test_batchnorm_fire_normalises_before_each_relu():
    torch.manual_seed(0)
    x = torch.randn(4, 12, 5, 5)
    for bypass in (None, "complex"):
        block = Fire(12, 3, 8, 8, bypass=bypass, batchnorm=True).train()
        convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
        assert all(c.bias is None for c in convs)
        assert sum(isinstance(m, nn.BatchNorm2d) for m in block.modules()) == len(convs)
        with torch.no_grad():  # batch statistics make every layer blind to the input's scale
            assert torch.allclose(block(1000 * x), block(x), atol=1e-4)
    plain = Fire(12, 3, 8, 8)
    with torch.no_grad():
        assert not torch.allclose(plain(1000 * x), plain(x), atol=1e-4)


def test_batchnorm_is_opt_in_and_keeps_torchvision_names():
    plain = Fire(96, 16, 64, 64)
    assert plain.batchnorm is False
    assert [k for k in plain.state_dict()] == [f"{n}.{p}" for n in ("squeeze", "expand1x1", "expand3x3")
                                               for p in ("weight", "bias")]
    model = squeezenet_from_metaparams(base_e=8, incr_e=8, stem_channels=8, num_classes=5, batchnorm=True)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(convs) == len(norms) == 1 + 3 * 8 + 1 and all(c.bias is None for c in convs)
    assert isinstance(model.classifier[2], nn.BatchNorm2d)  # conv10 -> BN -> ReLU -> pool
    assert model.eval()(torch.zeros(2, 3, 32, 32)).shape == (2, 5)
    with pytest.raises(RuntimeError):  # torchvision's weights have biases and no BN: they do not fit
        squeezenet_from_metaparams(batchnorm=True).load_state_dict(
            torchvision.models.squeezenet1_0().state_dict(), strict=True)


def test_fire_formula_printed_in_the_docstring():
    c_in, s, e1, e3, hw = 128, 32, 128, 128, 55
    fire = cost.fire(c_in, s, e1, e3, hw)
    assert fire.params == (c_in * s + s) + (s * e1 + e1) + (9 * s * e3 + e3) == 45_344
    assert fire.macs == (c_in * s + s * e1 + 9 * s * e3) * hw * hw


# ---------------------------------------------------------------- the metaparameters of Section 5

def test_default_metaparameters_give_squeezenet_1_0():
    assert cost.fire_channels() == TABLE_1 == SQUEEZENET_FIRES
    assert squeezenet_metaparams_cost() == squeezenet_cost()


@given(base_e=st.integers(1, 64), incr_e=st.integers(0, 64), freq=st.integers(1, 4),
       pct3x3=st.floats(0, 1), squeeze_ratio=st.floats(0.001, 1), num_fire=st.integers(1, 10))
def test_fire_channels_follow_the_definitions(base_e, incr_e, freq, pct3x3, squeeze_ratio, num_fire):
    try:
        rows = cost.fire_channels(base_e, incr_e, freq, pct3x3, squeeze_ratio, num_fire)
    except ValueError as err:  # only when a layer would get no filter
        assert "at least one filter" in str(err)
        return
    assert len(rows) == num_fire
    for i, (s, e1, e3) in enumerate(rows):
        e_i = base_e + incr_e * (i // freq)
        assert e1 + e3 == e_i and min(s, e1, e3) >= 1
        assert abs(e3 - pct3x3 * e_i) <= 0.5 and abs(s - squeeze_ratio * e_i) <= 0.5  # nearest integer


@given(base_e=st.integers(2, 16), incr_e=st.integers(0, 12), freq=st.integers(1, 3),
       pct3x3=st.sampled_from([0.01, 0.25, 0.5, 0.75, 0.99]), squeeze_ratio=st.sampled_from([0.125, 0.25, 0.5, 1.0]),
       version=st.sampled_from(["1_0", "1_1"]), resolution=st.integers(40, 56),
       bypass=st.sampled_from([None, "simple", "complex"]), batchnorm=st.booleans())
def test_metaparameter_cost_equals_the_profiled_model(base_e, incr_e, freq, pct3x3, squeeze_ratio, version,
                                                      resolution, bypass, batchnorm):
    kwargs = dict(base_e=base_e, incr_e=incr_e, freq=freq, pct3x3=pct3x3, squeeze_ratio=squeeze_ratio,
                  version=version, stem_channels=8, num_classes=10, bypass=bypass, batchnorm=batchnorm)
    try:
        fires = cost.fire_channels(base_e, incr_e, freq, pct3x3, squeeze_ratio)
    except ValueError:
        return  # too few filters for this SR / pct3x3: rejected (tested below)
    model = squeezenet_from_metaparams(**kwargs)
    expected = squeezenet_metaparams_cost(resolution=resolution, **kwargs)
    assert measured(model, resolution) == expected
    # and the independent walker agrees (a simple bypass costs nothing)
    assert expected == network_cost(version, resolution, num_classes=10, fires=fires, bypass=bypass, stem=8,
                                    batchnorm=batchnorm)


def test_toy_squeeze_ratio_example_and_rounding_rule():
    # the chapter's toy case: SR = 0.75 with 4 expand filters gives 3 squeeze filters
    assert cost.fire_channels(base_e=4, incr_e=0, squeeze_ratio=0.75, num_fire=1) == [(3, 2, 2)]
    # non-integer products round to the nearest integer, halves up
    assert cost.fire_channels(base_e=128, incr_e=0, squeeze_ratio=0.3, num_fire=1)[0][0] == 38  # 38.4
    assert cost.fire_channels(base_e=4, incr_e=0, squeeze_ratio=0.625, num_fire=1)[0][0] == 3  # 2.5 -> 3
    assert cost.fire_channels(base_e=128, incr_e=0, pct3x3=0.01, num_fire=1) == [(16, 127, 1)]


# ---------------------------------------------------------------- bypass variants

def test_which_fire_modules_get_which_bypass():
    for bypass, expected in [("simple", {"simple": [3, 5, 7, 9]}),
                             ("complex", {"simple": [3, 5, 7, 9], "complex": [2, 4, 6, 8]})]:
        fires = [m for m in squeezenet(bypass=bypass).features if isinstance(m, Fire)]
        kinds = {}
        for number, fire in enumerate(fires, start=2):
            if fire.bypass_kind:
                kinds.setdefault(fire.bypass_kind, []).append(number)
        assert kinds == expected


def test_bypass_costs():
    assert measured(squeezenet(bypass="simple"), 224) == network_cost("1_0", 224) == squeezenet_cost(bypass="simple")
    complex_cost = network_cost("1_0", 224, bypass="complex")
    assert measured(squeezenet(bypass="complex"), 224) == complex_cost == squeezenet_cost(bypass="complex")
    added = complex_cost.params - network_cost("1_0", 224).params
    assert added == sum(a * b + b for a, b in [(96, 128), (128, 256), (256, 384), (384, 512)]) == 341_248


def test_registry_names_do_not_shadow_torchvision():
    assert {"squeezenet", "squeezenet_from_metaparams"} <= set(list_models())
    assert "squeezenet1_0" not in list_models() and "squeezenet1_1" not in list_models()
    assert isinstance(get_model("squeezenet", version="1_1", num_classes=10), SqueezeNet)


def test_output_shapes_for_every_variant():
    for kwargs in [dict(version="1_1"), dict(bypass="simple"), dict(bypass="complex")]:
        model = squeezenet(num_classes=7, **kwargs).eval()
        assert model(torch.zeros(1, 3, 64, 64)).shape == (1, 7)
    gradients = squeezenet_from_metaparams(base_e=8, incr_e=8, stem_channels=8, num_classes=3)
    x = torch.randn(2, 3, 48, 48, requires_grad=True)
    gradients(x).sum().backward()
    assert x.grad is not None


# ---------------------------------------------------------------- map sizes

@given(size=st.integers(3, 300), kernel=st.integers(1, 3), stride=st.integers(1, 3))
def test_ceil_pool_formula_equals_the_real_pool(size, kernel, stride):
    pooled = nn.MaxPool2d(kernel, stride, ceil_mode=True)(torch.zeros(1, 1, size, 1 if kernel == 1 else kernel))
    assert cost.ceil_pool_out_size(size, kernel, stride) == pooled.shape[2]
    if (kernel, stride) == (3, 2):  # SqueezeNet's pools: the plain ceil formula of the book
        assert pooled.shape[2] == math.ceil((size - 3) / 2) + 1


@given(version=st.sampled_from(["1_0", "1_1"]), resolution=st.integers(40, 260))
def test_map_sizes_equal_the_forward_pass(version, resolution):
    # the map sizes depend only on the macro-architecture: a narrow network of the same version has them
    net = squeezenet_from_metaparams(base_e=4, incr_e=0, stem_channels=4, version=version, num_classes=3).eval()
    seen = {}
    names, fire = ["conv1", None, "maxpool1"], 2
    for m in list(net.features)[3:]:
        if isinstance(m, Fire):
            names.append(f"fire{fire}")
            fire += 1
        else:
            names.append(f"maxpool{fire - 1}")
    hooks = [m.register_forward_hook(lambda mod, i, out, name=name: seen.__setitem__(name, out.shape[-1]))
             for name, m in zip(names, net.features) if name]
    with torch.no_grad():
        net(torch.zeros(1, 3, resolution, resolution))
    for h in hooks:
        h.remove()
    assert squeezenet_map_sizes(version, resolution) == seen


def test_map_sizes_of_both_versions():
    assert [squeezenet_map_sizes("1_1", 227)[f"fire{i}"] for i in range(2, 10)] == [56, 56, 28, 28, 14, 14, 14, 14]
    assert [squeezenet_map_sizes("1_0", 227)[f"fire{i}"] for i in range(2, 10)] == [55, 55, 55, 27, 27, 27, 27, 13]
    assert [squeezenet_map_sizes("1_1", 224)[f"fire{i}"] for i in range(2, 10)] == [55, 55, 27, 27, 13, 13, 13, 13]
    assert squeezenet_map_sizes("1_0", 224)["conv1"] == 109 and squeezenet_map_sizes("1_1", 224)["conv1"] == 111


# ---------------------------------------------------------------- model size

def test_model_sizes():
    assert cost.model_size_bytes(1_248_424) == 4 * 1_248_424
    assert round(cost.model_size_bytes(1_248_424) / cost.MIB, 1) == 4.8  # the paper's "4.8 MB"
    assert cost.model_size_bytes(10, bits=6) == 7.5


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, exc, words", [
    ((0, 16, 64, 64, 55), ValueError, ["c_in", "0"]),
    ((96, 0, 64, 64, 55), ValueError, ["s1x1", "0"]),
    ((96, 16, -1, 64, 55), ValueError, ["e1x1", "-1"]),
    ((96, 16, 64, 2.5, 55), TypeError, ["e3x3", "2.5"]),
    ((96, 16, 64, 64, 0), ValueError, ["out_hw", "0"]),
    ((96, 16, 64, 64, "55"), TypeError, ["out_hw", "'55'"]),
])
def test_fire_cost_rejects_bad_input(args, exc, words):
    with pytest.raises(exc) as info:
        cost.fire(*args)
    assert all(w in str(info.value) for w in words)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(squeeze_ratio=0), ValueError, ["squeeze_ratio", "(0, 1]", "0"]),
    (dict(squeeze_ratio=-0.1), ValueError, ["squeeze_ratio", "-0.1"]),
    (dict(squeeze_ratio=1.5), ValueError, ["squeeze_ratio", "1.5"]),
    (dict(squeeze_ratio="0.5"), TypeError, ["squeeze_ratio", "'0.5'"]),
    (dict(squeeze_ratio=float("nan")), ValueError, ["squeeze_ratio", "nan"]),
    (dict(pct3x3=-0.01), ValueError, ["pct3x3", "[0, 1]", "-0.01"]),
    (dict(pct3x3=1.01), ValueError, ["pct3x3", "1.01"]),
    (dict(pct3x3=None), TypeError, ["pct3x3", "None"]),
    (dict(pct3x3=0), ValueError, ["pct3x3=0.0", "e3x3=0", "at least one filter"]),
    (dict(pct3x3=1), ValueError, ["pct3x3=1.0", "e1x1=0", "at least one filter"]),
    (dict(squeeze_ratio=0.001), ValueError, ["squeeze_ratio=0.001", "s1x1=0"]),
    (dict(base_e=0), ValueError, ["base_e", "0"]),
    (dict(incr_e=-8), ValueError, ["incr_e", "-8"]),
    (dict(freq=0), ValueError, ["freq", "0"]),
    (dict(num_fire=2.0), TypeError, ["num_fire", "2.0"]),
])
def test_metaparameters_reject_bad_input(kwargs, exc, words):
    for function in (cost.fire_channels, squeezenet_from_metaparams, squeezenet_metaparams_cost):
        with pytest.raises(exc) as info:
            function(**kwargs)
        assert all(w in str(info.value) for w in words), (function.__name__, str(info.value))


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(version="1_2"), ValueError, ["version", "'1_2'", "1_0", "1_1"]),
    (dict(version=1.0), ValueError, ["version", "1.0"]),
    (dict(bypass="fancy"), ValueError, ["bypass", "'fancy'", "simple", "complex"]),
    (dict(num_classes=0), ValueError, ["num_classes", "0"]),
    (dict(dropout=1.5), ValueError, ["dropout", "1.5"]),
    (dict(dropout="x"), TypeError, ["dropout", "'x'"]),
])
def test_squeezenet_rejects_bad_input(kwargs, exc, words):
    with pytest.raises(exc) as info:
        squeezenet(**kwargs)
    assert all(w in str(info.value) for w in words)


@pytest.mark.parametrize("kwargs, words", [
    (dict(pool_after=(1, 8)), ["pool_after", "between 2 and 9", "(1, 8)"]),
    (dict(pool_after=4), ["pool_after", "4"]),
    (dict(stem_channels=0), ["stem_channels", "0"]),
])
def test_macro_architecture_rejects_bad_input(kwargs, words):
    with pytest.raises(ValueError) as info:
        squeezenet_from_metaparams(**kwargs)
    assert all(w in str(info.value) for w in words)


def test_cost_rejects_too_small_or_bad_resolution():
    with pytest.raises(ValueError, match="too small"):
        squeezenet_cost(resolution=16)
    with pytest.raises(ValueError, match="kernel=7"):
        squeezenet_cost(resolution=5)
    with pytest.raises(TypeError, match="resolution"):
        squeezenet_cost(resolution=224.0)
    with pytest.raises(ValueError, match="version"):
        squeezenet_cost("2_0")


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(bypass="simple"), ValueError, ["bypass='simple'", "c_in=96", "128", "complex"]),
    (dict(bypass="identity"), ValueError, ["bypass", "'identity'"]),
    (dict(s1x1=0), ValueError, ["s1x1", "0"]),
])
def test_fire_module_rejects_bad_input(kwargs, exc, words):
    args = dict(c_in=96, s1x1=16, e1x1=64, e3x3=64) | kwargs
    with pytest.raises(exc) as info:
        Fire(**args)
    assert all(w in str(info.value) for w in words)


@pytest.mark.parametrize("value", ["yes", 1, None, 0.0])
def test_batchnorm_flag_rejects_non_booleans(value):
    calls = [lambda: cost.fire(96, 16, 64, 64, 55, batchnorm=value),
             lambda: Fire(96, 16, 64, 64, batchnorm=value),
             lambda: SqueezeNet(batchnorm=value),
             lambda: squeezenet_from_metaparams(batchnorm=value),
             lambda: squeezenet_metaparams_cost(batchnorm=value)]
    for call in calls:
        with pytest.raises(TypeError) as info:
            call()
        assert "batchnorm" in str(info.value) and repr(value) in str(info.value) and "True or False" in str(info.value)


@pytest.mark.parametrize("args, exc", [((-1,), ValueError), ((1.5,), TypeError), ((10, 0), ValueError),
                                       ((10, "8"), TypeError)])
def test_model_size_rejects_bad_input(args, exc):
    with pytest.raises(exc):
        cost.model_size_bytes(*args)


def test_fire_repr_names_the_paper_symbols():
    assert "s1x1=16, e1x1=64, e3x3=64" in repr(Fire(96, 16, 64, 64))
    assert "bypass='complex'" in repr(Fire(96, 16, 64, 64, bypass="complex"))
    assert isinstance(Fire(96, 16, 64, 64, bypass="complex").bypass, nn.Conv2d)


@pytest.mark.parametrize("call, exc, words", [
    (lambda: cost.ceil_pool_out_size(0), ValueError, ["size", "0"]),
    (lambda: cost.ceil_pool_out_size(10, kernel=0), ValueError, ["kernel", "0"]),
    (lambda: cost.ceil_pool_out_size(10, stride=1.5), TypeError, ["stride", "1.5"]),
    (lambda: squeezenet_map_sizes("2_0", 224), ValueError, ["version", "2_0"]),
    (lambda: squeezenet_map_sizes("1_0", -1), ValueError, ["resolution", "-1"]),
    (lambda: squeezenet_map_sizes("1_0", 9), ValueError, ["too small"]),
])
def test_map_size_functions_reject_bad_input(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    assert all(word in str(info.value) for word in words)
