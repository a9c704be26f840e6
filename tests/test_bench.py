"""lightnets_edu.bench's profiler-free measurements: per-layer times and saved activation memory."""

import pytest
import torch
from torch import nn

from lightnets_edu import bench
from lightnets_edu.layers.dense import DenseLayer


def small_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Sequential(nn.Conv2d(8, 8, 1), nn.ReLU()), nn.Flatten(), nn.Linear(8 * 8 * 8, 10))


def test_layer_times_times_every_leaf_in_call_order_and_removes_its_hooks():
    model = small_net()
    threads = torch.get_num_threads()
    times = bench.layer_times(model, torch.randn(2, 3, 8, 8), warmup=0, repeats=3)
    assert list(times.index) == ["0", "1", "2", "3.0", "3.1", "4", "5"]
    assert list(times["type"]) == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "ReLU", "Flatten", "Linear"]
    assert (times["ms"] > 0).all()
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    assert torch.get_num_threads() == threads


def test_layer_times_leaves_out_modules_the_forward_never_calls():
    class WithSpare(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.spare = nn.ReLU(), nn.Conv2d(1, 1, 1)

        def forward(self, x):
            return self.used(x)
    assert list(bench.layer_times(WithSpare(), torch.randn(1, 3, 8, 8), repeats=1).index) == ["used"]


def test_saved_activation_bytes_counts_each_saved_storage_once():
    x = torch.randn(4, 3, 8, 8)
    conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
    assert bench.saved_activation_bytes(conv, x) == x.numel() * 4  # the input; the weight is the model's own
    relu_after = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.ReLU())
    # conv saves its input; ReLU saves its output (4*8*8*8 floats)
    assert bench.saved_activation_bytes(relu_after, x) == (x.numel() + 4 * 8 * 8 * 8) * 4


def test_checkpointing_saves_less_activation_memory():
    x = torch.randn(2, 16, 8, 8, requires_grad=True)  # as inside a network: checkpointing needs a graph
    plain = bench.saved_activation_bytes(DenseLayer(16, 12, bn_size=4), x)
    efficient = bench.saved_activation_bytes(DenseLayer(16, 12, bn_size=4, memory_efficient=True), x)
    assert 0 < efficient < plain


@pytest.mark.parametrize("call, match", [
    (lambda: bench.layer_times("net", torch.randn(1)), "model"),
    (lambda: bench.layer_times(nn.ReLU(), [1.0]), "x must be"),
    (lambda: bench.layer_times(nn.ReLU(), torch.randn(1), repeats=0), "repeats"),
    (lambda: bench.saved_activation_bytes(3, torch.randn(1)), "model"),
    (lambda: bench.saved_activation_bytes(nn.ReLU()), "inputs"),
    (lambda: bench.saved_activation_bytes(nn.ReLU(), "x"), "inputs"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def _bench_script():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parent.parent / "scripts" / "bench_vs_torchvision.py"
    spec = importlib.util.spec_from_file_location("bench_vs_torchvision", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_against_torchvision_runs_on_a_small_input(capsys):
    script = _bench_script()
    assert script.main(["--models", "mobilenet_v3_small,squeezenet1_1", "--size", "64",
                        "--rounds", "2", "--repeats", "1"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["mobilenet_v3_small", "squeezenet1_1"]
    assert all(float(row.split()[-1]) > 0 for row in rows)


def test_benchmark_names_an_unknown_architecture(capsys):
    with pytest.raises(SystemExit):
        _bench_script().main(["--models", "mobilenet_v4"])
    assert "unknown architecture(s) mobilenet_v4; known: mobilenet_v2" in capsys.readouterr().err
