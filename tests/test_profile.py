"""lightnets_edu.profile measures real modules, agrees with FlopCounterMode, and is fast."""

import statistics
import time

import pandas as pd
import pytest
import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from lightnets_edu.profile import COLUMNS, profile

TORCHVISION_MODELS = ["resnet18", "mobilenet_v2", "squeezenet1_0", "densenet121"]


def flop_counter_total(model, x):
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops()


@pytest.fixture(scope="module")
def torchvision_models():
    torch.manual_seed(0)
    return {name: torchvision.models.get_model(name, weights=None).eval() for name in TORCHVISION_MODELS}


@pytest.mark.parametrize("name", TORCHVISION_MODELS)
def test_macs_agree_with_flop_counter_mode(torchvision_models, name):
    model = torchvision_models[name]
    report = profile(model)
    assert report.macs * 2 == report.flops == flop_counter_total(model, torch.zeros(1, 3, 224, 224))
    assert report.params == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", TORCHVISION_MODELS)
def test_table_rows_add_up_to_totals(torchvision_models, name):
    report = profile(torchvision_models[name])
    assert list(report.table.columns) == COLUMNS
    assert report.table["params"].sum() == report.params
    assert report.table["macs"].sum() == report.macs
    for kind, ops in report.other_ops.items():
        assert report.table.loc[report.table["kind"] == kind, "ops"].sum() == ops


def test_other_ops_are_reported_apart_from_macs(torchvision_models):
    report = profile(torchvision_models["resnet18"])
    # resnet18: BN after every conv, ReLUs, max + average pool, 8 residual additions
    assert all(report.other_ops[k] > 0 for k in ("norm", "activation", "pooling", "elementwise"))
    bn_rows = report.table[report.table["type"] == "BatchNorm2d"]
    assert (bn_rows["macs"] == 0).all()
    additions = report.table[report.table["kind"] == "elementwise"]
    assert len(additions) == 8  # one per BasicBlock
    # the first block's addition produces 64 x 56 x 56 elements
    assert additions.iloc[0]["ops"] == 64 * 56 * 56


def test_module_called_twice_counts_macs_twice_and_params_once():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            return self.conv(self.conv(x))

    report = profile(Twice(), (1, 4, 8, 8))
    once = 3 * 3 * 4 * 4 * 8 * 8
    assert report.macs == 2 * once
    assert report.params == 3 * 3 * 4 * 4 + 4
    rows = report.table[report.table["name"] == "conv"]
    assert list(rows["call"]) == [1, 2]
    assert list(rows["params"]) == [report.params, 0]


def test_shared_weights_are_counted_once():
    shared = nn.Linear(8, 8)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    report = profile(model, (2, 8))
    assert report.params == 8 * 8 + 8
    assert report.macs == 2 * (2 * 8 * 8)


def test_functional_operations_are_seen():
    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(6, 3, 3, 3))

        def forward(self, x):
            y = nn.functional.conv2d(x, self.weight, padding=1)  # no Conv2d module
            return torch.relu(y) + y

    report = profile(Functional(), (1, 3, 10, 10))
    assert report.macs == 3 * 3 * 3 * 6 * 10 * 10
    assert report.params == 6 * 3 * 3 * 3
    assert report.other_ops["activation"] == report.other_ops["elementwise"] == 6 * 10 * 10


def test_strided_non_square_grouped_and_depthwise():
    model = nn.Sequential(
        nn.Conv2d(6, 12, (3, 5), stride=(2, 1), padding=(1, 2), groups=3),  # -> 12 x 8 x 9
        nn.Conv2d(12, 12, 3, padding=1, groups=12, bias=False),              # depthwise
    )
    report = profile(model, (1, 6, 15, 9))
    grouped = (6 // 3) * 3 * 5 * 12 * 8 * 9
    depthwise = 3 * 3 * 12 * 8 * 9
    assert report.macs == grouped + depthwise
    assert list(report.table["output_shape"]) == [(1, 12, 8, 9), (1, 12, 8, 9)]


def test_unused_parameters_still_count_and_appear_in_the_table():
    model = nn.ModuleDict({"used": nn.Linear(3, 3), "unused": nn.Linear(3, 100)})

    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.m = model

        def forward(self, x):
            return self.m["used"](x)

    report = profile(Wrapper(), (1, 3))
    assert report.params == 12 + 400
    assert report.table["params"].sum() == report.params


def test_training_flag_and_running_stats_are_left_alone():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    profile(model, (2, 3, 8, 8))
    assert model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_report_summary_and_table_types():
    report = profile(nn.Conv2d(3, 8, 3), (1, 3, 8, 8))
    assert isinstance(report.table, pd.DataFrame)
    text = report.summary()
    assert "params" in text and "MACs" in text and "not in MACs" in text
    assert str(report) == text


def test_profile_is_not_much_slower_than_flop_counter_mode(torchvision_models):
    """profile(densenet121) takes at most 1.5x a FlopCounterMode pass (medians, interleaved)."""
    model = torchvision_models["densenet121"]
    x = torch.zeros(1, 3, 224, 224)
    profile(model), flop_counter_total(model, x)  # warm-up
    ours, theirs = [], []
    for _ in range(5):
        start = time.perf_counter()
        profile(model, inputs=x)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        flop_counter_total(model, x)
        theirs.append(time.perf_counter() - start)
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"profile / FlopCounterMode on densenet121: {ratio:.2f}")
    assert ratio <= 1.5
