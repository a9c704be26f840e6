"""A small, seeded training and evaluation loop for the chapters' experiments.

:func:`fit` trains a classifier with cross-entropy and returns a
:class:`History` of per-epoch losses and accuracies. It is built to give the
*same numbers on every run*, so that a notebook's printed results can be
checked by nbval:

* the random number generators are seeded inside :func:`fit` (and the global
  ones restored afterwards: calling it changes no random state outside);
* ``torch.use_deterministic_algorithms(True)`` during training (in warn-only
  mode: an op without a deterministic kernel, which happens on GPUs, warns
  rather than stops the run), and a fixed number of CPU threads (a different
  thread count may sum in a different order and change the last bits); both
  settings are restored afterwards;
* the data are loaded in the main process, in an order drawn from a seeded
  generator (:func:`lightnets_edu.data.loaders`).

Two calls with the same seed, the same data and a model built the same way
(seed it too: ``torch.manual_seed(0)`` before building it) give bitwise equal
histories on one CPU. Progress bars are not reproducible output: pass
``progress=False`` in notebooks under nbval.

*On one CPU* is the catch: float rounding depends on the vector instructions
the CPU's kernels use (AVX2, AVX-512, ARM's NEON), and training amplifies the
last bits into whole points of accuracy. So a training experiment is a
*measurement*: run it for several seeds (:func:`fit_seeds`), summarize the
spread (:func:`seed_summary`) and call a difference a result only when it
exceeds that spread (:func:`compare`); the notebook cell carries the tag
``nbval-ignore-output`` and asserts only the conclusion.
"""

import random
import statistics
from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from . import _parallel
from ._checks import boolean, nonnegative_int, nonnegative_number, number, positive_int, positive_number
from .data import Split, loaders

__all__ = ["History", "Evaluation", "OPTIMIZERS", "fit", "evaluate", "fit_seeds", "seed_summary",
           "Comparison", "compare"]

# Default learning rates: SGD with momentum 0.9 and Adam need very different steps.
OPTIMIZERS = {"sgd": 0.05, "adam": 1e-3}


@dataclass
class History:
    """Per-epoch results of :func:`fit`; entry ``i`` is epoch ``i + 1``.

    Losses are mean cross-entropy per image, accuracies fractions in [0, 1].
    The train figures are averaged over the epoch's batches as the model
    learned (the usual running estimate); the test figures are measured after
    the epoch by :func:`evaluate`.
    """

    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)

    @property
    def epochs(self):
        """Number of epochs recorded."""
        return len(self.train_loss)

    @property
    def final(self):
        """The last epoch's results as a dict (``{"epoch": n, "train_loss": ..., ...}``)."""
        if not self.epochs:
            raise ValueError("the history is empty: no epoch was recorded")
        return {"epoch": self.epochs, **{name: values[-1] for name, values in self._columns().items()}}

    def to_frame(self):
        """A pandas DataFrame with one row per epoch, indexed by epoch number from 1."""
        return pd.DataFrame(self._columns(), index=pd.RangeIndex(1, self.epochs + 1, name="epoch"))

    def _columns(self):
        return {"train_loss": self.train_loss, "train_acc": self.train_acc,
                "test_loss": self.test_loss, "test_acc": self.test_acc}

    def __repr__(self):
        if not self.epochs:
            return "History(0 epochs)"
        f = self.final
        return (f"History({f['epoch']} epoch{'s' if f['epoch'] != 1 else ''}; last: train loss {f['train_loss']:.4f}, "
                f"train acc {f['train_acc']:.2%}, test loss {f['test_loss']:.4f}, test acc {f['test_acc']:.2%})")


Evaluation = namedtuple("Evaluation", ["loss", "accuracy"])
Evaluation.__doc__ = "Mean cross-entropy per image and fraction classified correctly."


def evaluate(model, loader):
    """Mean cross-entropy and accuracy of ``model`` on every batch of ``loader``.

    Puts the model in eval mode (batch norm uses its running statistics,
    dropout is off) and leaves it there. Returns ``Evaluation(loss, accuracy)``,
    which unpacks as ``loss, accuracy = evaluate(model, loader)``.

    Args:
        model: a classifier returning logits ``(B, num_classes)``.
        loader: a ``DataLoader`` of ``(images, labels)`` batches.
    """
    _check_model(model)
    _check_loader("loader", loader)
    device = _device(model)
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)  # (B, num_classes)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            seen += labels.numel()
    if seen == 0:
        raise ValueError("loader yielded no examples: cannot evaluate on an empty dataset")
    return Evaluation(loss=total_loss / seen, accuracy=correct / seen)


def fit(model, data, epochs=5, lr=None, optimizer="sgd", momentum=0.9, weight_decay=0.0,
        batch_size=None, seed=0, threads=2, progress=True):
    """Train ``model`` with cross-entropy on ``data``; return its :class:`History`.

    The model is trained in place and left in eval mode.

    Args:
        model: a classifier returning logits ``(B, num_classes)``; its
            parameters' device is where the batches are sent.
        data: a :class:`lightnets_edu.data.Split` (loaders are made with
            ``batch_size`` and ``seed``), or a ``(train_loader, test_loader)``
            pair such as :func:`lightnets_edu.data.loaders` returns.
        epochs: passes over the train split.
        lr: learning rate; by default 0.05 for ``"sgd"``, 0.001 for ``"adam"``.
        optimizer: ``"sgd"`` (with ``momentum``) or ``"adam"``.
        momentum: SGD momentum in [0, 1); ignored by Adam.
        weight_decay: L2 penalty (>= 0) added by the optimizer.
        batch_size: images per batch when ``data`` is a Split (default 64);
            loaders already have theirs, so it must stay None with loaders.
        seed: seeds torch and Python's ``random`` for the run, and the shuffle
            when ``data`` is a Split.
        threads: CPU threads during training (``torch.set_num_threads``);
            keep it fixed to get the same numbers on another run.
        progress: show a tqdm progress bar (False under nbval).
    """
    _check_model(model)
    epochs = positive_int("epochs", epochs)
    optimizer = _optimizer_name(optimizer)
    lr = OPTIMIZERS[optimizer] if lr is None else positive_number("lr", lr)
    momentum = _momentum(momentum)
    weight_decay = nonnegative_number("weight_decay", weight_decay)
    seed = nonnegative_int("seed", seed)
    threads = positive_int("threads", threads)
    progress = boolean("progress", progress)
    train_loader, test_loader = _data_loaders(data, batch_size, seed)

    with _reproducible(seed, threads):
        opt = _make_optimizer(model, optimizer, lr, momentum, weight_decay)
        history = History()
        bar = tqdm(total=epochs * len(train_loader), disable=not progress, unit="batch", desc="train")
        try:
            for epoch in range(1, epochs + 1):
                loss, acc = _train_one_epoch(model, train_loader, opt, bar)
                test_loss, test_acc = evaluate(model, test_loader)
                history.train_loss.append(loss)
                history.train_acc.append(acc)
                history.test_loss.append(test_loss)
                history.test_acc.append(test_acc)
                bar.set_postfix(epoch=f"{epoch}/{epochs}", loss=f"{loss:.3f}", test_acc=f"{test_acc:.1%}")
        finally:
            bar.close()
    model.eval()
    return history


def _train_one_epoch(model, loader, optimizer, bar):
    """One pass over ``loader``; returns the running mean loss and accuracy."""
    device = _device(model)
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        logits = model(images)  # (B, num_classes)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        # weight by batch size: the last batch may be smaller
        total_loss += loss.item() * labels.numel()
        correct += (logits.argmax(dim=1) == labels).sum().item()
        seen += labels.numel()
        bar.update(1)
    if seen == 0:
        raise ValueError("the train loader yielded no examples: cannot train on an empty dataset")
    return total_loss / seen, correct / seen


def fit_seeds(build, data, seeds=(0, 1, 2), workers=None, **fit_kwargs):
    """Build and train one model per seed; return the list of :class:`History`.

    For seed ``s`` the model is built right after ``torch.manual_seed(s)`` (its
    initial weights) and trained with ``fit(model, data, seed=s, ...)`` (its
    batches and dropout), so each seed is a whole independent run.

    Independent runs can go side by side: on Linux, with ``data`` a Split, a
    CPU model, ``threads=1`` and no progress bar, the seeds train in forked
    child processes, each on its own core, and their weights and histories come
    back to the models ``build`` returned. Each child runs exactly the code a
    run in this process would, so the histories and weights are bitwise the
    same as with ``workers=1``; only the wall-clock time changes.

    Args:
        build: a callable taking no argument that returns a fresh model.
        data: as for :func:`fit`.
        seeds: at least 3 distinct non-negative integers: one or two runs say
            nothing about the spread.
        workers: how many seeds train at once. ``None`` (the default) trains
            all of them at once when the machine has two cores or more, else
            one at a time; 1 always trains in this process, one seed after
            another.
        **fit_kwargs: passed to :func:`fit` (``epochs``, ``lr``, ...; not ``seed``).
    """
    if not callable(build) or isinstance(build, nn.Module):  # a Module is callable, but one model can't be 3 runs
        raise TypeError(f"build must be a function returning a fresh model, got {type(build).__name__}")
    seeds = _seeds(seeds)
    if "seed" in fit_kwargs:
        raise TypeError("fit_seeds sets each run's seed from seeds; do not pass seed=")
    workers = None if workers is None else positive_int("workers", workers)
    models = []
    for seed in seeds:
        with _reproducible(seed, torch.get_num_threads()):
            models.append(build())
    if not _side_by_side(models, data, workers, fit_kwargs):
        workers = 1  # here, one seed after another

    def train_one(i):  # in a child: the history, and the trained weights to copy back
        history = fit(models[i], data, seed=seeds[i], **fit_kwargs)
        return history, models[i].state_dict()
    results = _parallel.side_by_side(train_one, range(len(models)), workers or len(models),
                                     describe=lambda i: f"the training run for seed {seeds[i]}")
    for model, (_, state) in zip(models, results):
        model.load_state_dict(state)  # from a child: the trained weights and batch-norm statistics, bit for bit
        model.eval()                  # as fit leaves it
    return [history for history, _ in results]


# ---------------------------------------------------------------- seeds side by side


def _side_by_side(models, data, workers, fit_kwargs):
    """Whether fit_seeds may train its seeds in forked children (see fit_seeds)."""
    if workers == 1 or not _parallel.can_fork():
        return False
    if not isinstance(data, Split):  # shared loaders continue one shuffle from run to run: keep the order
        return False
    if fit_kwargs.get("progress", True):  # bars from several processes would interleave
        return False
    if any(_device(m).type != "cpu" for m in models if isinstance(m, nn.Module)):
        return False
    if fit_kwargs.get("threads", 2) != 1:  # a forked child runs on one thread (see _parallel)
        return False
    return workers is not None or _parallel.cores() >= 2


def seed_summary(runs, scale=100.0, decimals=1):
    """One row per arm: the number of seeds, mean, std, min and max.

    Args:
        runs: ``{arm name: [value per seed, ...]}``, e.g. final test
            accuracies, or ``{arm: [History, ...]}`` (their final test accuracy
            is used).
        scale: multiplies every value (100 turns fractions into percent).
        decimals: rounding of the returned table (the book's fixed format).

    The std is the sample standard deviation (``ddof=1``) over the seeds.
    """
    values = _arm_values(runs)
    rows = {}
    for arm, xs in values.items():
        xs = [scale * x for x in xs]
        rows[arm] = {"seeds": len(xs), "mean": statistics.fmean(xs), "std": statistics.stdev(xs),
                     "min": min(xs), "max": max(xs)}
    table = pd.DataFrame.from_dict(rows, orient="index").round(decimals)
    table["seeds"] = table["seeds"].astype(int)
    return table


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`: who wins, by how much, and is it beyond the noise.

    ``winner`` is the arm with the higher mean when the gap exceeds the spread,
    else None. ``sentence`` says it in words, for the page to print.
    """

    a: str
    b: str
    gap: float        # mean(a) - mean(b), in the units of the values (times scale)
    spread: float     # the larger of the two arms' standard deviations
    winner: object    # a, b or None ("within the noise")
    sentence: str

    @property
    def within_noise(self):
        return self.winner is None


def compare(runs, a, b, scale=100.0, unit="points"):
    """Is arm ``a`` better than arm ``b``, beyond the seed-to-seed spread?

    A difference counts as a win only when the means differ by more than the
    larger of the two standard deviations *and* every seed of the better arm
    beats the other arm's mean; otherwise the two are "within the noise at this
    scale". With 3 seeds this is a deliberately modest bar: it separates a
    result from a coin flip, not a publishable effect.

    Args:
        runs: as for :func:`seed_summary`.
        a, b: two arm names of ``runs``.
        scale: multiplies the values (100: fractions to percentage points).
        unit: the word after the gap in the sentence.
    """
    values = _arm_values(runs)
    for name, arm in (("a", a), ("b", b)):
        if arm not in values:
            raise ValueError(f"{name}={arm!r} is not an arm of runs; expected one of {list(values)}")
    if a == b:
        raise ValueError(f"a and b must be two different arms, got {a!r} twice")
    xa, xb = ([scale * x for x in values[arm]] for arm in (a, b))
    mean_a, mean_b = statistics.fmean(xa), statistics.fmean(xb)
    gap = mean_a - mean_b
    spread = max(statistics.stdev(xa), statistics.stdev(xb))
    better, worse, best_runs, other_mean = (a, b, xa, mean_b) if gap > 0 else (b, a, xb, mean_a)
    winner = better if abs(gap) > spread and min(best_runs) > other_mean else None
    if winner is None:
        sentence = (f"{a} and {b} differ by {abs(gap):.1f} {unit}, not more than the seed-to-seed spread "
                    f"(std up to {spread:.1f}): within the noise at this scale.")
    else:
        sentence = (f"{better} beats {worse} by {abs(gap):.1f} {unit}, more than the seed-to-seed spread "
                    f"(std up to {spread:.1f}), and every seed of {better} beats {worse}'s mean.")
    return Comparison(a=a, b=b, gap=gap, spread=spread, winner=winner, sentence=sentence)


def _seeds(seeds):
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a sequence of integers, got {seeds!r}")
    seeds = [nonnegative_int("seeds", s) for s in seeds]
    if len(seeds) < 3 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must hold at least 3 distinct integers (a spread needs them), got {seeds!r}")
    return seeds


def _arm_values(runs):
    """``{arm: [float, ...]}`` from a dict of values or of Histories, each arm with >= 2 values."""
    if not isinstance(runs, dict) or not runs:
        raise TypeError(f"runs must be a non-empty dict {{arm: [value per seed, ...]}}, got {type(runs).__name__}")
    values = {}
    for arm, xs in runs.items():
        if isinstance(xs, (str, bytes)) or not hasattr(xs, "__iter__"):
            raise TypeError(f"runs[{arm!r}] must be a list of values per seed, got {xs!r}")
        xs = [x.final["test_acc"] if isinstance(x, History) else number(f"runs[{arm!r}]", x, "a number") for x in xs]
        if len(xs) < 2:
            raise ValueError(f"runs[{arm!r}] has {len(xs)} value(s); a spread needs at least 2 seeds")
        values[arm] = [float(x) for x in xs]
    return values


@contextmanager
def _reproducible(seed, threads):
    """Seed the RNGs, turn on deterministic algorithms and pin the thread count;
    put back the previous RNG states and settings on exit, even after an error."""
    saved = (random.getstate(), torch.get_rng_state(), torch.get_num_threads(),
             torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
    random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA generators, if any
    # warn_only: on a GPU a few ops (e.g. adaptive average pooling's backward) have no
    # deterministic kernel; they warn instead of stopping the run. On a CPU none of ours do.
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        python_state, torch_state, old_threads, deterministic, warn_only = saved
        random.setstate(python_state)
        torch.set_rng_state(torch_state)
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)


def _make_optimizer(model, name, lr, momentum, weight_decay):
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters (requires_grad=True): nothing to fit")
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def _data_loaders(data, batch_size, seed):
    """``(train_loader, test_loader)`` from a Split or a pair of loaders."""
    if isinstance(data, Split):
        return loaders(data, batch_size=64 if batch_size is None else batch_size, seed=seed)
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(d, DataLoader) for d in data):
        if batch_size is not None:
            raise ValueError(f"batch_size={batch_size!r} applies only when data is a Split; "
                             "the given loaders already have a batch size (leave batch_size=None)")
        return data
    raise TypeError("data must be a lightnets_edu.data.Split or a (train_loader, test_loader) pair "
                    f"of DataLoaders, got {type(data).__name__}")


def _device(model):
    return next(model.parameters(), torch.empty(0)).device


# ---------------------------------------------------------------- argument checks


def _check_model(model):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _check_loader(name, loader):
    if not isinstance(loader, DataLoader):
        raise TypeError(f"{name} must be a torch.utils.data.DataLoader, got {type(loader).__name__}")


def _optimizer_name(name):
    if not isinstance(name, str):
        raise TypeError(f"optimizer must be a name (str), got {name!r} ({type(name).__name__})")
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer={name!r} is not supported; expected one of {sorted(OPTIMIZERS)}")
    return name


def _momentum(value):
    value = number("momentum", value, "in [0, 1)")
    if not 0 <= value < 1:
        raise ValueError(f"momentum must be in [0, 1), got {value!r}")
    return value
