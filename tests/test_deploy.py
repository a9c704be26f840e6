"""lightnets_edu.deploy: int8 quantization, ONNX export and onnxruntime, model size.

Freshly initialised deep networks output ~1e-9 in eval mode (BN's running
statistics still say mean 0, variance 1), so a comparison at 1e-4 would prove
nothing: :func:`realistic` first sets every BN's statistics from one batch.
Untrained networks also amplify int8 noise layer after layer (trained ones do
not), so quantization accuracy is checked on shallow networks and on the
course models whose error stays small; on every model it must run, fuse BN
and shrink the weights.
"""

import sys
import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from lightnets_edu import deploy
from lightnets_edu.bench import Timing
from lightnets_edu.layers import ConvBNAct
from lightnets_edu.layers.mobilenet_v3 import HSwish
from lightnets_edu.models import get_model, list_models


def realistic(model, x):
    """``model`` in eval mode with each BN's running statistics taken from the batch ``x``."""
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.momentum = None  # a cumulative average: after one batch, that batch's statistics
    model.train()
    with torch.no_grad():
        model(x)
    return model.eval()


def relative_error(approx, exact):
    return ((approx - exact).norm() / exact.norm()).item()


def side(name):
    """Small inputs keep the file fast; at 64 px the ImageNet networks still end on a 2x2 map, so
    one batch of 2 gives every BN 8 values to set its statistics from (a 1x1 map gives 2: noise)."""
    return 32 if "cifar" in name else 64


# ---------------------------------------------------------------- model size

@settings(max_examples=20, deadline=None)
@given(st.integers(1, 64), st.integers(1, 64))
def test_model_size_is_four_bytes_per_float_plus_a_small_header(n_in, n_out):
    linear = nn.Linear(n_in, n_out)
    overhead = deploy.model_size_bytes(linear) - 4 * (n_in * n_out + n_out)
    assert 0 < overhead < 2_000  # torch.save's zip archive: names, pickled keys, alignment


def test_model_size_equals_the_saved_file(tmp_path):
    model = get_model("squeezenet", version="1_1", num_classes=10)
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    assert deploy.model_size_bytes(model) == (tmp_path / "weights.pt").stat().st_size


# ---------------------------------------------------------------- int8 quantization

QUANTIZED = [("mobilenet_v2", {"width_mult": 0.5}), ("mobilenet_v3_small", {}),
             ("squeezenet", {"version": "1_1"}), ("densenet_cifar", {"depth": 13})]


@pytest.mark.parametrize("name, kwargs", QUANTIZED, ids=[q[0] for q in QUANTIZED])
def test_course_models_quantize_fused_smaller_and_untouched(name, kwargs):
    torch.manual_seed(0)
    x = torch.randn(8, 3, side(name), side(name))
    model = realistic(get_model(name, num_classes=10, **kwargs), x).train()  # a training model stays so
    before = {k: v.clone() for k, v in model.state_dict().items()}

    quantized = deploy.quantize_int8(model, [x[:4], (x[4:], torch.zeros(4))])  # tensors or (x, y) pairs

    assert model.training and all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not quantized.training
    # no float BN left: folded into the conv before it, or (DenseNet's BN -> ReLU -> conv) an int8 BNReLU2d
    assert not any(isinstance(m, nn.BatchNorm2d) for m in quantized.modules())
    assert any(type(m).__module__.startswith("torch.ao.nn.quantized") for m in quantized.modules())
    assert deploy.model_size_bytes(quantized) < 0.45 * deploy.model_size_bytes(model)
    with torch.no_grad():
        assert quantized(x).shape == (8, 10)
        if name in ("squeezenet", "densenet_cifar"):  # shallow enough for untrained weights
            assert relative_error(quantized(x), model.eval()(x)) < 0.15


@settings(max_examples=8, deadline=None)
@given(c_in=st.integers(1, 16), c_out=st.integers(1, 16), kernel=st.sampled_from([1, 3]),
       activation=st.sampled_from([nn.ReLU, nn.ReLU6, nn.Hardswish, None]), seed=st.integers(0, 99))
def test_one_quantized_layer_is_within_a_few_percent(c_in, c_out, kernel, activation, seed):
    torch.manual_seed(seed)
    x = torch.randn(4, c_in, 8, 8)
    layer = realistic(ConvBNAct(c_in, c_out, kernel, activation=activation), x)
    with torch.no_grad():
        assert relative_error(deploy.quantize_int8(layer, x)(x), layer(x)) < 0.05  # 8 bits: ~1/255 of the range


def test_the_default_backend_is_the_machines_int8_engine():
    deploy.quantize_int8(nn.Sequential(nn.Conv2d(3, 4, 1)), [torch.randn(1, 3, 4, 4)])
    engines = torch.backends.quantized.supported_engines
    assert torch.backends.quantized.engine == ("x86" if "x86" in engines else "qnnpack")


def test_calibration_reads_a_dataloader_lazily():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    data = torch.utils.data.TensorDataset(torch.randn(6, 3, 8, 8), torch.zeros(6))
    quantized = deploy.quantize_int8(model, torch.utils.data.DataLoader(data, batch_size=2))
    assert quantized(torch.randn(1, 3, 8, 8)).shape == (1, 4, 6, 6)


class Branchy(nn.Module):
    """Python control flow on a tensor's value: torch.fx cannot trace it."""

    def forward(self, x):
        return x if x.sum() > 0 else -x


def test_an_untraceable_layer_is_named_in_one_line():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Sequential(nn.ReLU(), Branchy()))
    with pytest.raises(ValueError) as info:
        deploy.quantize_int8(model, [torch.randn(1, 3, 4, 4)])
    message = str(info.value)
    assert "\n" not in message
    assert "layer '1.1' (Branchy), in forward()" in message and "torch.fx cannot trace" in message


@pytest.mark.parametrize("name, kwargs", [("shufflenet_v2_x0_5", {}), ("shufflenet_v1", {"groups": 3})])
def test_shufflenet_quantizes_through_the_channel_shuffle(name, kwargs):
    # channel_shuffle lets torch.fx's proxy through, so the shuffle is traced as view/transpose/view
    torch.manual_seed(0)
    x = torch.randn(2, 3, 64, 64)
    model = realistic(get_model(name, num_classes=10, **kwargs), x)
    quantized = deploy.quantize_int8(model, [x])
    assert quantized(x).shape == (2, 10)
    assert deploy.model_size_bytes(quantized) < deploy.model_size_bytes(model) / 2.5  # per-channel scales, names


def test_channel_shuffle_traces_to_the_same_permutation():
    from lightnets_edu.layers import ChannelShuffle
    traced = torch.fx.symbolic_trace(ChannelShuffle(3))
    x = torch.randn(2, 12, 4, 5)
    assert torch.equal(traced(x), ChannelShuffle(3)(x))


def test_early_exit_densenet_names_the_layer_that_blocks_tracing():
    model = get_model("densenet_cifar_early_exit", num_classes=10)
    with pytest.raises(ValueError) as info:
        deploy.quantize_int8(model, [torch.randn(2, 3, 32, 32)])
    assert "torch.fx cannot trace" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("args, kwargs, error, words", [
    (("not a model", [torch.randn(1, 3, 8, 8)]), {}, TypeError, ["model", "str"]),
    ((nn.Conv2d(3, 4, 1), []), {}, ValueError, ["calibration_batches is empty"]),
    ((nn.Conv2d(3, 4, 1), 3), {}, TypeError, ["calibration_batches", "int"]),
    ((nn.Conv2d(3, 4, 1), [[1.0, 2.0]]), {}, TypeError, ["calibration batch 0", "float"]),
    ((nn.Conv2d(3, 4, 1), [torch.randn(1, 3, 8, 8), "x"]), {}, TypeError, ["calibration batch 1", "str"]),
    ((nn.Conv2d(3, 4, 1), [torch.randn(1, 3, 8, 8), torch.randn(1, 5, 8, 8)]), {}, ValueError,
     ["calibration batch 1", "(1, 5, 8, 8)", "does not fit"]),
    ((nn.Conv2d(3, 4, 1), [torch.randn(1, 3, 8, 8)]), {"backend": "tpu"}, ValueError, ["backend", "'tpu'"]),
])
def test_quantize_rejects_bad_input_clearly(args, kwargs, error, words):
    with pytest.raises(error) as info:
        deploy.quantize_int8(*args, **kwargs)
    assert all(word in str(info.value) for word in words), str(info.value)


def test_quantization_prints_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a notebook shows every warning on stderr (HSwish: torch 2.1 warns once)
        deploy.quantize_int8(nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), HSwish()),
                             [torch.randn(2, 3, 8, 8)])


# ---------------------------------------------------------------- batch norm folding

def test_folding_keeps_the_function_and_removes_every_batch_norm():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 64, 64)  # a 2x2 last map: every BN sets its statistics from 16+ values
    model = realistic(get_model("mobilenet_v2", width_mult=0.5, num_classes=10), x).train()
    folded = deploy.fold_batch_norm(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    assert model.training and any(isinstance(m, nn.BatchNorm2d) for m in model.modules())  # untouched
    with torch.no_grad():
        assert relative_error(folded(x), model.eval()(x)) < 1e-3  # float rounding, amplified layer by layer


def test_folding_prints_no_warning_and_names_an_untraceable_layer():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        deploy.fold_batch_norm(get_model("shufflenet_v2_x0_5", num_classes=10))
    with pytest.raises(ValueError, match=r"cannot fold its BNs: torch\.fx cannot trace layer '1\.1' \(Branchy\)"):
        deploy.fold_batch_norm(nn.Sequential(nn.Conv2d(3, 4, 1), nn.Sequential(nn.ReLU(), Branchy())))
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        deploy.fold_batch_norm("model")


# ---------------------------------------------------------------- activation memory

@settings(max_examples=25, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(3, 12), st.sampled_from([1, 2]))
def test_a_convolution_works_on_its_input_and_output(c_in, c_out, size, stride):
    conv = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1)
    out_size = (size - 1) // stride + 1
    expected = 4 * (c_in * size * size + c_out * out_size * out_size)
    stats = deploy.activation_profile(conv, (1, c_in, size, size))
    assert stats.peak_bytes == expected == deploy.peak_activation_bytes(conv, (1, c_in, size, size))


def test_in_place_and_views_count_once_and_weights_not_at_all():
    x_bytes = 4 * 2 * 8 * 5 * 5
    model = nn.Sequential(nn.ReLU(inplace=True), nn.Flatten())  # in place, then a view: one storage
    stats = deploy.activation_profile(model, (2, 8, 5, 5))
    assert stats.peak_bytes == x_bytes
    bn = nn.BatchNorm2d(8).eval()  # running statistics and affine weights are not activations
    assert deploy.activation_profile(bn, (2, 8, 5, 5)).peak_bytes == 2 * x_bytes


def test_traffic_is_the_sum_and_operators_are_counted():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Conv2d(4, 4, 1))
    stats = deploy.activation_profile(model, (1, 3, 6, 6))
    per_op = [4 * 36 * (3 + 4), 4 * 36 * (4 + 4)]
    zeros = 4 * 3 * 36  # the input, made by one operator
    assert stats.operators == 3
    assert stats.moved_bytes == sum(per_op) + zeros and stats.peak_bytes == max(per_op)


class Concatenate(nn.Module):
    """DenseNet's pattern: a new map computed from x, then x and it copied into one tensor."""

    def forward(self, x):
        return torch.cat([x, x * 2], dim=1)


def test_a_concatenation_holds_its_inputs_and_its_output():
    x_bytes = 4 * 1 * 6 * 7 * 7
    assert deploy.peak_activation_bytes(Concatenate(), (1, 6, 7, 7)) == x_bytes + x_bytes + 2 * x_bytes


def test_activation_profile_leaves_the_model_as_it_was():
    model = get_model("mobilenet_v2", width_mult=0.5, num_classes=10).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    deploy.activation_profile(model, (1, 3, 32, 32))
    assert model.training and all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("call, error, words", [
    (lambda: deploy.activation_profile("model"), TypeError, ["model", "str"]),
    (lambda: deploy.activation_profile(nn.Conv2d(3, 4, 3), (1, 3, 0, 8)), ValueError, ["input_size[2]", "0"]),
    (lambda: deploy.activation_profile(get_model("squeezenet"), (1, 3, 8, 8)), ValueError,
     ["input_size=(1, 3, 8, 8) does not fit the model"]),
])
def test_activation_profile_rejects_bad_input_clearly(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert all(word in str(info.value) for word in words), str(info.value)


# ---------------------------------------------------------------- per-tensor weights, float layers

def spread_depthwise():
    """A depthwise layer whose channels' weight ranges span three orders of magnitude, as after BN folding."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1, groups=16))
    with torch.no_grad():
        model[2].weight.mul_(torch.logspace(-2, 1, 16).view(16, 1, 1, 1))
    return model.eval()


def test_per_tensor_weights_lose_the_small_depthwise_channels():
    model, x = spread_depthwise(), torch.randn(8, 3, 12, 12)
    exact = model[2].weight.detach()
    errors = {}
    for per_channel in (True, False):
        int8_weight = deploy.quantize_int8(model, [x], per_channel=per_channel).get_submodule("2").weight()
        norm = lambda t: torch.linalg.vector_norm(t, dim=(1, 2, 3))  # noqa: E731  (per output channel)
        errors[per_channel] = norm(int8_weight.dequantize() - exact) / norm(exact)
    assert (errors[True] < 0.01).all()  # 127 levels for every channel: under 1% error
    assert (errors[False][:4] > 0.5).all()  # one scale for all: the smallest channels round to (almost) 0


def test_keep_float_leaves_the_named_layer_in_float():
    model, x = spread_depthwise(), torch.randn(4, 3, 12, 12)
    quantized = deploy.quantize_int8(model, [x], keep_float=["2"])
    assert type(quantized.get_submodule("2")) is nn.Conv2d  # untouched float conv
    assert ".quantized." in type(quantized.get_submodule("0")).__module__  # an int8 kernel
    assert quantized(x).shape == model(x).shape


@pytest.mark.parametrize("kwargs, error, words", [
    ({"per_channel": "yes"}, TypeError, ["per_channel", "'yes'"]),
    ({"keep_float": "2"}, TypeError, ["keep_float", "list of layer names"]),
    ({"keep_float": ["7"]}, ValueError, ["keep_float", "'7'", "Sequential"]),
])
def test_quantization_options_reject_bad_input_clearly(kwargs, error, words):
    with pytest.raises(error) as info:
        deploy.quantize_int8(spread_depthwise(), [torch.randn(1, 3, 8, 8)], **kwargs)
    assert all(word in str(info.value) for word in words), str(info.value)


# ---------------------------------------------------------------- ONNX and onnxruntime

@pytest.fixture(scope="module")
def ort():
    return pytest.importorskip("onnxruntime")


@pytest.mark.parametrize("name", list_models())
def test_onnxruntime_equals_pytorch_on_every_course_model(name, ort, tmp_path):
    torch.manual_seed(0)
    shape = (2, 3, side(name), side(name))
    model = realistic(get_model(name, num_classes=10), torch.randn(shape))
    path = deploy.export_onnx(model.train(), tmp_path / "model.onnx", shape)
    assert model.training  # restored
    x = torch.randn(shape)
    with torch.no_grad():
        expected = model.eval()(x)
    got = deploy.run_onnx(path, x)
    pairs = zip(got, expected) if isinstance(got, tuple) else [(got, expected)]  # early exits: one per exit
    for out, ref in pairs:
        assert ref.abs().max() > 1e-2  # a real signal, not a vanishing one
        torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-4)


def test_export_folds_batch_norm_into_the_convolutions(tmp_path):
    onnx = pytest.importorskip("onnx")  # the dev environment's, to read the graph; deploy does not need it
    model = get_model("mobilenet_v2", width_mult=0.5, num_classes=10).eval()
    graph = onnx.load(str(deploy.export_onnx(model, tmp_path / "m.onnx", (1, 3, 64, 64)))).graph
    ops = [node.op_type for node in graph.node]
    assert "BatchNormalization" not in ops
    assert ops.count("Conv") == sum(isinstance(m, nn.Conv2d) for m in model.modules())


def test_onnx_latency_is_a_timing_with_pinned_threads(ort, tmp_path):
    threads = torch.get_num_threads()
    path = deploy.export_onnx(get_model("mobilenet_v1_shallow", width_mult=0.25, num_classes=10),
                              tmp_path / "m.onnx", (1, 3, 32, 32))
    timing = deploy.onnx_latency(path, (1, 3, 32, 32), threads=1, warmup=1, repeats=5)
    assert isinstance(timing, Timing) and timing.threads == 1 and timing.repeats == 5
    assert 0 < timing.q25_ms <= timing.median_ms <= timing.q75_ms
    assert torch.get_num_threads() == threads


def test_an_op_without_onnx_translation_is_named_with_its_layer(ort, tmp_path):
    class Cummax(nn.Module):
        def forward(self, x):
            return torch.cummax(x, 1)[0]
    model = nn.Sequential(nn.Conv2d(3, 3, 1), nn.Sequential(nn.ReLU(), Cummax()))
    with pytest.raises(ValueError, match=r"at layer '1\.1' \(Cummax\): .*'aten::cummax'") as info:
        deploy.export_onnx(model, tmp_path / "m.onnx", (1, 3, 4, 4))
    assert "\n" not in str(info.value)


def small_zoo():
    torch.manual_seed(0)
    return {"MobileNet v1 0.25": get_model("mobilenet_v1_shallow", width_mult=0.25, num_classes=10).eval(),
            "SqueezeNet/1.1": get_model("squeezenet", version="1_1", num_classes=10).eval(),
            "ShuffleNet v2": get_model("shufflenet_v2_x0_5", num_classes=10).eval()}


def test_many_exports_side_by_side_equal_one_at_a_time(ort, tmp_path):
    zoo, shape = small_zoo(), (1, 3, 64, 64)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    together = deploy.export_onnx_many(zoo, tmp_path / "a", shape)  # forked, one per core, on Linux
    alone = deploy.export_onnx_many(zoo, tmp_path / "b", shape, workers=1)
    assert list(together) == list(zoo) and together["SqueezeNet/1.1"].name == "SqueezeNet_1.1.onnx"
    x = torch.randn(shape)
    for name, model in zoo.items():
        with torch.no_grad():
            expected = model(x)
        for path in (together[name], alone[name]):
            torch.testing.assert_close(deploy.run_onnx(path, x), expected, rtol=1e-4, atol=1e-4)


def test_an_export_that_fails_side_by_side_is_raised_here(ort, tmp_path):
    class Cummax(nn.Module):
        def forward(self, x):
            return torch.cummax(x, 1)[0]
    models = {"fine": nn.Conv2d(3, 3, 1), "blocked": nn.Sequential(nn.Conv2d(3, 3, 1), Cummax())}
    with pytest.raises(ValueError, match=r"at layer '1' \(Cummax\)"):
        deploy.export_onnx_many(models, tmp_path, (1, 3, 4, 4), workers=2)


@pytest.mark.parametrize("call, error, words", [
    (lambda p: deploy.export_onnx_many([nn.Conv2d(3, 4, 1)], p), TypeError, ["models", "dict", "list"]),
    (lambda p: deploy.export_onnx_many({"a": nn.Conv2d(3, 4, 1)}, p / "missing"), ValueError,
     ["directory", "missing", "existing folder"]),
    (lambda p: deploy.export_onnx_many({"a b": nn.Conv2d(3, 4, 1), "a_b": nn.Conv2d(3, 4, 1)}, p), ValueError,
     ["same file name", "rename"]),
    (lambda p: deploy.export_onnx_many({"a": nn.Conv2d(3, 4, 1)}, p, workers=0), ValueError, ["workers", "0"]),
])
def test_many_exports_reject_bad_input_clearly(call, error, words, tmp_path):
    with pytest.raises(error) as info:
        call(tmp_path)
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"


@pytest.mark.parametrize("call, error, words", [
    (lambda p: deploy.export_onnx(3, p, (1, 3, 8, 8)), TypeError, ["model", "int"]),
    (lambda p: deploy.export_onnx(nn.Conv2d(3, 4, 3), p, 224), TypeError, ["input_size", "224"]),
    (lambda p: deploy.export_onnx(nn.Conv2d(3, 4, 3), p, (1, 3, 0, 8)), ValueError, ["input_size[2]", "0"]),
    (lambda p: deploy.export_onnx(get_model("squeezenet"), p, (1, 3, 8, 8)), ValueError,
     ["input_size=(1, 3, 8, 8) does not fit the model"]),
    (lambda p: deploy.export_onnx(nn.Conv2d(3, 4, 3), p, (1, 4, 8, 8)), ValueError, ["input_size=(1, 4, 8, 8)"]),
    (lambda p: deploy.onnx_latency(p.parent / "missing.onnx"), FileNotFoundError, ["missing.onnx", "export_onnx"]),
    (lambda p: deploy.onnx_latency(p, (1, 3, 16, 16)), ValueError, ["input_size=(1, 3, 16, 16)", "(1, 3, 8, 8)"]),
    (lambda p: deploy.onnx_latency(p, (1, 3, 8, 8), threads=0), ValueError, ["threads", "0"]),
    (lambda p: deploy.run_onnx(p, [1.0]), TypeError, ["inputs", "list"]),
    (lambda p: deploy.model_size_bytes({}), TypeError, ["model", "dict"]),
])
def test_onnx_functions_reject_bad_input_clearly(call, error, words, ort, tmp_path):
    path = deploy.export_onnx(nn.Conv2d(3, 4, 3), tmp_path / "conv.onnx", (1, 3, 8, 8))
    with pytest.raises(error) as info:
        call(path)
    assert all(word in str(info.value) for word in words), str(info.value)


def test_a_missing_runtime_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "lightnets-edu\[deploy\]"'):
        deploy.onnx_latency(tmp_path / "m.onnx")


def test_export_without_onnx_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)  # torch.onnx.export imports onnx to write the file
    with pytest.raises(ImportError, match=r'needs onnx.*pip install "lightnets-edu\[deploy\]"'):
        deploy.export_onnx(nn.Conv2d(3, 4, 1), tmp_path / "m.onnx", (1, 3, 4, 4))
