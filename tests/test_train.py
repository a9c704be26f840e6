"""lightnets_edu.train: a seeded fit that repeats bitwise, restores global settings, and checks its input."""

import os
import random
import sys
import warnings

import pandas as pd
import pytest
import torch
from torch import nn

from lightnets_edu import data
from lightnets_edu.train import History, evaluate, fit


@pytest.fixture(scope="module")
def split():
    return data.digits(image_size=8, channels=1)  # the raw 8x8 digits: a tiny model learns them in seconds


def tiny_cnn(seed=0):
    torch.manual_seed(seed)  # fit seeds training, not the model's initial weights
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),  # (B, 8, 8, 8)
        nn.Flatten(), nn.Dropout(0.1), nn.Linear(8 * 8 * 8, 10),       # dropout: fit's seed must cover it
    )


def run(split, **kwargs):
    model = tiny_cnn()
    kwargs = {"epochs": 2, "threads": 1, "progress": False, **kwargs}
    return model, fit(model, split, **kwargs)


def test_same_seed_gives_identical_history(split):
    _, first = run(split)
    _, second = run(split)
    assert first == second  # every float bitwise equal
    assert first.to_frame().equals(second.to_frame())


def test_fresh_loaders_with_the_same_seed_give_identical_history(split):
    histories = [fit(tiny_cnn(), data.loaders(split, seed=3), epochs=1, threads=1, progress=False) for _ in range(2)]
    assert histories[0] == histories[1]


def test_another_seed_gives_another_history(split):
    _, first = run(split)
    _, other = run(split, seed=1)
    assert first != other


def test_training_learns(split):
    model, history = run(split)
    assert history.epochs == 2
    assert history.final["test_acc"] > 0.8  # chance is 0.1
    assert history.train_loss[1] < history.train_loss[0]
    assert evaluate(model, data.loaders(split).test) == (history.test_loss[-1], history.test_acc[-1])


def test_adam_learns_too(split):
    _, history = run(split, optimizer="adam", lr=1e-2, weight_decay=1e-4, batch_size=32)
    assert history.final["test_acc"] > 0.8


def test_model_is_left_in_eval_mode(split):
    model, _ = run(split, epochs=1)
    assert not model.training and not any(m.training for m in model.modules())


def test_global_settings_and_random_state_are_restored(split):
    model = tiny_cnn()
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    random.seed(123)
    torch_state, python_state = torch.get_rng_state(), random.getstate()
    assert not torch.are_deterministic_algorithms_enabled()

    fit(model, split, epochs=1, threads=threads + 1, progress=False)

    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()
    assert torch.equal(torch.get_rng_state(), torch_state) and random.getstate() == python_state


def test_settings_are_restored_after_an_error(split):
    threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        broken = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))  # 3 outputs for 10 classes: the loss fails
        with pytest.raises((IndexError, RuntimeError)):
            fit(broken, split, epochs=1, threads=threads + 1, progress=False)
        assert torch.get_num_threads() == threads
        assert torch.are_deterministic_algorithms_enabled() and torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.use_deterministic_algorithms(False)


def test_progress_bar_can_be_switched_off(split, capsys):
    run(split, epochs=1, progress=False)
    assert capsys.readouterr() == ("", "")
    run(split, epochs=1, progress=True)
    assert "23/23" in capsys.readouterr().err  # 1438 images in batches of 64


def test_history_views(split):
    _, history = run(split)
    frame = history.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["train_loss", "train_acc", "test_loss", "test_acc"]
    assert list(frame.index) == [1, 2] and frame.index.name == "epoch"
    assert frame.loc[2, "test_acc"] == history.test_acc[1] == history.final["test_acc"]
    assert history.final["epoch"] == 2
    assert repr(history).startswith("History(2 epochs; last: train loss ")
    assert all(0 <= a <= 1 for a in history.train_acc + history.test_acc)


def test_empty_history():
    assert repr(History()) == "History(0 epochs)"
    with pytest.raises(ValueError, match="empty"):
        History().final


def test_evaluate(split):
    model = tiny_cnn()
    model.train()
    result = evaluate(model, data.loaders(split, batch_size=100).test)
    loss, accuracy = result
    assert (loss, accuracy) == (result.loss, result.accuracy)
    assert loss > 0 and 0 <= accuracy <= 1
    assert not model.training


def test_mobilenet_v1_runs_on_digits():
    """The course's real models train with the same call (a few batches, to stay fast)."""
    from lightnets_edu.models import mobilenet_v1

    small = data.digits(max_train=64, max_test=32)  # 3x32x32, like CIFAR-10
    torch.manual_seed(0)
    model = mobilenet_v1(width_mult=0.25, num_classes=small.num_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # on a CPU every op it uses has a deterministic kernel
        history = fit(model, small, epochs=1, batch_size=32, threads=1, progress=False)
    assert history.epochs == 1 and not model.training
    assert repr(history).startswith("History(1 epoch; last:")


# ---------------------------------------------------------------- bad input

BAD = [
    # (kwargs, exception, words the message must contain)
    ({"epochs": 0}, ValueError, ["epochs", "0", "positive"]),
    ({"epochs": 1.5}, TypeError, ["epochs", "1.5", "integer"]),
    ({"lr": 0}, ValueError, ["lr", "0", "> 0"]),
    ({"lr": -0.1}, ValueError, ["lr", "-0.1"]),
    ({"lr": float("nan")}, ValueError, ["lr", "nan", "finite"]),
    ({"lr": "0.1"}, TypeError, ["lr", "'0.1'", "number"]),
    ({"optimizer": "rmsprop"}, ValueError, ["optimizer='rmsprop'", "adam", "sgd"]),
    ({"optimizer": torch.optim.SGD}, TypeError, ["optimizer", "name"]),
    ({"momentum": 1.0}, ValueError, ["momentum", "1.0", "[0, 1)"]),
    ({"weight_decay": -1e-4}, ValueError, ["weight_decay", "-0.0001", ">= 0"]),
    ({"batch_size": 0}, ValueError, ["batch_size", "0"]),
    ({"seed": -1}, ValueError, ["seed", "-1"]),
    ({"threads": 0}, ValueError, ["threads", "0"]),
    ({"progress": "no"}, TypeError, ["progress", "'no'", "True or False"]),
]


@pytest.mark.parametrize("kwargs, exc, words", BAD, ids=[next(iter(c[0])) + f"-{i}" for i, c in enumerate(BAD)])
def test_bad_arguments_are_rejected_clearly(split, kwargs, exc, words):
    with pytest.raises(exc) as info:
        fit(tiny_cnn(), split, **{"progress": False, **kwargs})
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"


def test_bad_model_and_data(split):
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got str"):
        fit("resnet", split)
    with pytest.raises(TypeError, match="data must be a lightnets_edu.data.Split .* got TensorDataset"):
        fit(tiny_cnn(), split.train)
    with pytest.raises(ValueError, match="batch_size=32 applies only when data is a Split"):
        fit(tiny_cnn(), data.loaders(split), batch_size=32)
    with pytest.raises(ValueError, match="no trainable parameters"):
        fit(nn.Flatten(), split, progress=False)
    with pytest.raises(TypeError, match="loader must be a torch.utils.data.DataLoader, got list"):
        evaluate(tiny_cnn(), [split.test.tensors])


# ---------------------------------------------------------------- several seeds: summary and comparison

from lightnets_edu.train import compare, fit_seeds, seed_summary  # noqa: E402


def test_fit_seeds_gives_one_independent_run_per_seed(split):
    histories = fit_seeds(lambda: tiny_cnn(seed=99), split, seeds=(0, 1, 2), epochs=1, threads=1, progress=False)
    assert len(histories) == 3 and len({h.final["test_acc"] for h in histories} | {0}) >= 2
    # seed s builds under torch.manual_seed(s), whatever build seeds itself with... unless build reseeds:
    # tiny_cnn reseeds with 99, so only fit's seed differs; each run still equals a plain fit with that seed.
    assert histories[1] == fit(tiny_cnn(seed=99), split, seed=1, epochs=1, threads=1, progress=False)


def test_fit_seeds_seeds_the_build(split):
    def build():
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    first = fit_seeds(build, split, seeds=(3, 4, 5), epochs=1, threads=1, progress=False)
    again = fit_seeds(build, split, seeds=(3, 4, 5), epochs=1, threads=1, progress=False)
    assert first == again  # the initial weights come from the seed, not from the global RNG


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seeds go side by side only on Linux")


def trained_runs(split, workers):
    models = []

    def build():  # keeps the models fit_seeds trains, to compare their weights
        models.append(tiny_cnn(seed=99))
        return models[-1]
    histories = fit_seeds(build, split, seeds=(0, 1, 2), workers=workers, epochs=2, threads=1, progress=False)
    return histories, models


@linux_only
def test_seeds_side_by_side_give_bitwise_the_same_runs(split):
    alone, alone_models = trained_runs(split, workers=1)
    together, together_models = trained_runs(split, workers=3)
    assert together == alone  # every float of every history
    for a, b in zip(alone_models, together_models):
        sa, sb = a.state_dict(), b.state_dict()  # weights and batch-norm statistics
        assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
        assert not b.training  # left in eval mode, as fit leaves a model
    assert not torch.equal(together_models[0][0].weight, tiny_cnn(seed=99)[0].weight)  # they did train


def test_when_seeds_go_side_by_side(split):
    from lightnets_edu import _parallel
    from lightnets_edu.train import _side_by_side
    models, quiet = [tiny_cnn()], {"progress": False, "threads": 1}
    linux = sys.platform.startswith("linux")
    assert _side_by_side(models, split, 2, quiet) == linux
    assert not _side_by_side(models, split, 1, quiet)                       # asked for one at a time
    assert not _side_by_side(models, data.loaders(split), 2, quiet)         # loaders: one shuffle, in order
    assert not _side_by_side(models, split, 2, {"threads": 1})              # progress bars
    assert not _side_by_side(models, split, 2, {"progress": False, "threads": 2})  # a forked child runs one thread
    assert _side_by_side(models, split, None, quiet) == (linux and _parallel.cores() >= 2)


@linux_only
def test_an_error_in_a_side_by_side_run_is_raised_here(split):
    with pytest.raises(ValueError, match="no trainable parameters"):
        fit_seeds(nn.Flatten, split, workers=3, epochs=1, threads=1, progress=False)


class ExitsWhileTraining(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(64, 10)

    def forward(self, x):
        os._exit(3)  # as if the run's process were killed


@linux_only
def test_a_side_by_side_run_that_dies_is_named(split):
    with pytest.raises(RuntimeError, match=r"seed 0 ended without a result \(its process exited with code 3\)"):
        fit_seeds(ExitsWhileTraining, split, workers=3, epochs=1, threads=1, progress=False)


def test_fit_seeds_rejects_bad_workers(split):
    with pytest.raises(ValueError, match="workers"):
        fit_seeds(tiny_cnn, split, workers=0)


@pytest.mark.parametrize("seeds, error", [((0, 1), ValueError), ((0, 0, 1), ValueError), (3, TypeError),
                                          ("012", TypeError), ((0, -1, 2), ValueError)])
def test_fit_seeds_rejects_too_few_or_bad_seeds(split, seeds, error):
    with pytest.raises(error, match="seeds"):
        fit_seeds(tiny_cnn, split, seeds=seeds, epochs=1)


def test_fit_seeds_rejects_a_seed_argument_and_a_non_callable(split):
    with pytest.raises(TypeError, match="seed="):
        fit_seeds(tiny_cnn, split, seed=0)
    with pytest.raises(TypeError, match="build"):
        fit_seeds(tiny_cnn(), split)


def test_seed_summary_reports_mean_std_min_max_in_percent():
    table = seed_summary({"A": [0.90, 0.92, 0.94], "B": [0.5, 0.5, 0.8]})
    assert list(table.columns) == ["seeds", "mean", "std", "min", "max"]
    assert table.loc["A"].tolist() == [3, 92.0, 2.0, 90.0, 94.0]
    assert table.loc["B", "mean"] == 60.0 and table.loc["B", "std"] == 17.3


def test_compare_calls_a_win_only_beyond_the_spread():
    win = compare({"A": [0.90, 0.92, 0.94], "B": [0.80, 0.82, 0.84]}, "A", "B")
    assert win.winner == "A" and not win.within_noise and round(win.gap, 6) == 10.0
    assert win.sentence.startswith("A beats B by 10.0 points")
    assert compare({"A": [0.90, 0.92, 0.94], "B": [0.80, 0.82, 0.84]}, "B", "A").winner == "A"
    noisy = compare({"A": [0.70, 0.90, 0.95], "B": [0.80, 0.82, 0.84]}, "A", "B")  # gap 3 < std 13
    assert noisy.within_noise and "within the noise at this scale" in noisy.sentence
    # a gap larger than both stds but one seed of the better arm below the other's mean: no win
    outlier = compare({"A": [0.99, 0.99, 0.84], "B": [0.85, 0.85, 0.86]}, "A", "B")
    assert outlier.gap > outlier.spread and outlier.within_noise


def test_compare_and_summary_accept_histories(split):
    histories = fit_seeds(tiny_cnn, split, epochs=1, threads=1, progress=False)
    table = seed_summary({"tiny": histories, "copy": histories})
    assert table.loc["tiny", "seeds"] == 3
    assert compare({"tiny": histories, "copy": histories}, "tiny", "copy").within_noise


@pytest.mark.parametrize("runs, a, b, error, match", [
    ([0.1, 0.2], "A", "B", TypeError, "runs must be"),
    ({"A": [0.1, 0.2], "B": [0.3]}, "A", "B", ValueError, "at least 2"),
    ({"A": [0.1, 0.2], "B": "xy"}, "A", "B", TypeError, "list of values"),
    ({"A": [0.1, None], "B": [0.3, 0.4]}, "A", "B", TypeError, "number"),
    ({"A": [0.1, 0.2], "B": [0.3, 0.4]}, "A", "C", ValueError, "b='C'"),
    ({"A": [0.1, 0.2], "B": [0.3, 0.4]}, "A", "A", ValueError, "two different arms"),
])
def test_compare_rejects_bad_runs(runs, a, b, error, match):
    with pytest.raises(error, match=match):
        compare(runs, a, b)
