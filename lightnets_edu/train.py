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
``progress=False`` in notebooks under nbval, or mark the cell
``# NBVAL_IGNORE_OUTPUT``.
"""

import random
from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from ._checks import boolean, nonnegative_int, nonnegative_number, number, positive_int, positive_number
from .data import Split, loaders

__all__ = ["History", "Evaluation", "OPTIMIZERS", "fit", "evaluate"]

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
