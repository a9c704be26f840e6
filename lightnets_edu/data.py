"""The datasets the chapters train on, as in-memory tensors.

Two datasets, one shape of result:

* :func:`digits` (the default, used by CI): scikit-learn's 1,797 real 8x8
  handwritten digits. They ship inside scikit-learn, so they work offline. They
  are scaled to [0, 1], resized with bilinear interpolation to ``image_size``
  and repeated to ``channels`` channels, so a model built for 3x32x32 CIFAR
  images runs on them unchanged.
* :func:`cifar10`: CIFAR-10 through ``torchvision.datasets.CIFAR10``, downloaded
  once into a cache folder. When the download is impossible (no network) it
  prints one line saying so and returns :func:`digits` instead, so a notebook
  keeps running.

Both return a :class:`Split`: a train and a test ``TensorDataset`` of
``(image, label)`` pairs, the class names and the normalization used. The
images are normalized per channel with the mean and standard deviation of the
*train* split (the test split must not leak into training). Every random
choice (the train/test split, the optional subsets) comes from a
``torch.Generator`` seeded with ``seed``, so the same call returns the same
tensors on every machine.

:func:`load` picks a dataset by name; :func:`loaders` wraps a split in
``DataLoader``s with a seeded shuffle.

Under nbval, use ``load("digits")``: :func:`cifar10` may download (a progress
bar) or print a fallback line whose reason depends on the machine.
"""

import os
from collections import namedtuple
from dataclasses import dataclass
from numbers import Integral

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from ._checks import boolean, nonnegative_int, number, positive_int

__all__ = ["Split", "Loaders", "DATASETS", "digits", "cifar10", "load", "loaders", "default_root"]


@dataclass(frozen=True, repr=False)
class Split:
    """A dataset split into train and test, ready for a ``DataLoader``.

    Attributes:
        name: which dataset this is (``"digits"`` or ``"cifar10"``); after a
            CIFAR-10 fallback it says ``"digits"``.
        train: ``TensorDataset(images, labels)``; images are float32
            ``(N, C, H, W)``, labels int64 in ``0 .. num_classes - 1``.
        test: the same for the held-out images.
        classes: class names; label ``i`` is ``classes[i]``.
        mean, std: per-channel statistics of the train images before
            normalization (``x_normalized = (x - mean) / std``).
    """

    name: str
    train: TensorDataset
    test: TensorDataset
    classes: tuple
    mean: tuple
    std: tuple

    @property
    def num_classes(self):
        """Number of classes: the ``num_classes`` of a model trained on this split."""
        return len(self.classes)

    @property
    def image_shape(self):
        """``(C, H, W)`` of one image."""
        return tuple(self.train.tensors[0].shape[1:])

    def __repr__(self):
        return (
            f"Split(name={self.name!r}, train={len(self.train)}, test={len(self.test)}, "
            f"num_classes={self.num_classes}, image_shape={self.image_shape})"
        )


Loaders = namedtuple("Loaders", ["train", "test"])
Loaders.__doc__ = "The train and test ``DataLoader``s of a :class:`Split`."


# ---------------------------------------------------------------- digits


def digits(image_size=32, channels=3, test_fraction=0.2, seed=0, max_train=None, max_test=None):
    """scikit-learn's handwritten digits (1,797 real 8x8 grayscale images, 10 classes).

    Args:
        image_size: side of the returned square images (>= 8); the 8x8 digits
            are resized with bilinear interpolation (``align_corners=False``).
        channels: 1 (grayscale) or 3 (the gray image repeated, for models
            built for RGB input).
        test_fraction: share of each class held out for the test split, in
            (0, 1). Every class keeps at least one image in each split.
        seed: seeds the stratified train/test split and the optional subsets.
        max_train, max_test: if given, keep a seeded random subset of at most
            this many images in each split.

    Returns:
        A :class:`Split` with ``classes == ("0", ..., "9")``.
    """
    image_size = positive_int("image_size", image_size)
    if image_size < 8:
        raise ValueError(f"image_size must be an integer >= 8 (the digits are 8x8 pixels), got {image_size!r}")
    channels = _channels(channels)
    test_fraction = _fraction("test_fraction", test_fraction)
    seed = nonnegative_int("seed", seed)
    max_train, max_test = _optional_size("max_train", max_train), _optional_size("max_test", max_test)

    from sklearn.datasets import load_digits  # imported here: only this dataset needs scikit-learn

    raw = load_digits()
    images = torch.tensor(raw.images, dtype=torch.float32).unsqueeze(1) / 16.0  # (N, 1, 8, 8), pixels 0..16
    images = F.interpolate(images, size=(image_size, image_size), mode="bilinear", align_corners=False)
    images = images.repeat(1, channels, 1, 1)  # (N, C, S, S); bilinear keeps pixels in [0, 1]
    labels = torch.tensor(raw.target, dtype=torch.int64)

    generator = torch.Generator().manual_seed(seed)
    train_idx, test_idx = _stratified_split(labels, test_fraction, generator)
    return _make_split(
        "digits", tuple(str(c) for c in range(10)),
        (images[train_idx], labels[train_idx]), (images[test_idx], labels[test_idx]),
        max_train, max_test, generator,
    )


def _stratified_split(labels, test_fraction, generator):
    """Indices of a train/test split holding ``test_fraction`` of every class out."""
    train, test = [], []
    for c in labels.unique():
        idx = (labels == c).nonzero().flatten()
        idx = idx[torch.randperm(len(idx), generator=generator)]
        n_test = min(max(round(len(idx) * test_fraction), 1), len(idx) - 1)  # >= 1 image each side
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    # sorted: the order inside a split says nothing; the loaders shuffle
    return torch.cat(train).sort().values, torch.cat(test).sort().values


# ---------------------------------------------------------------- CIFAR-10


def default_root():
    """Where downloaded datasets live: ``$LIGHTNETS_DATA`` or ``~/.cache/lightnets_edu``."""
    return os.environ.get("LIGHTNETS_DATA") or os.path.join(os.path.expanduser("~"), ".cache", "lightnets_edu")


def cifar10(root=None, download=True, max_train=None, max_test=None, seed=0):
    """CIFAR-10 (50,000 train and 10,000 test 3x32x32 images, 10 classes).

    The images are converted exactly as ``transforms.ToTensor()`` does
    (HWC uint8 to CHW float in [0, 1]) in one tensor operation, then
    normalized with the train split's per-channel mean and std.

    When CIFAR-10 cannot be had (no network, a corrupted download, or
    ``download=False`` with nothing on disk) this prints one line and returns
    ``digits(image_size=32, channels=3, seed=seed, ...)``: same image shape,
    same number of classes, and ``split.name == "digits"`` says what happened.

    Args:
        root: folder holding (or receiving) ``cifar-10-batches-py``; by default
            ``<default_root()>/cifar10``, i.e. ``~/.cache/lightnets_edu/cifar10``
            or ``$LIGHTNETS_DATA/cifar10``.
        download: let torchvision download the archive (about 170 MB) if it is
            not in ``root`` yet.
        max_train, max_test: if given, keep a seeded random subset of at most
            this many images in each split (full CIFAR-10 is slow on a CPU).
        seed: seeds the subsets (and the split of the digits fallback).
    """
    if root is None:
        root = os.path.join(default_root(), "cifar10")
    elif not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a folder path (str or os.PathLike) or None, got {root!r}")
    download = boolean("download", download)
    max_train, max_test = _optional_size("max_train", max_train), _optional_size("max_test", max_test)
    seed = nonnegative_int("seed", seed)

    from torchvision.datasets import CIFAR10  # imported here: the digits need no torchvision

    try:
        train_set = CIFAR10(root, train=True, download=download)
        test_set = CIFAR10(root, train=False, download=False)  # the download above fetched both
    except (OSError, RuntimeError) as error:  # URLError is an OSError
        print(f"CIFAR-10 is not available ({_one_line(error)}); using the offline digits dataset instead.")
        return digits(image_size=32, channels=3, seed=seed, max_train=max_train, max_test=max_test)

    def as_tensors(dataset):
        images = torch.from_numpy(dataset.data).permute(0, 3, 1, 2)  # (N, 32, 32, 3) -> (N, 3, 32, 32)
        return images, torch.tensor(dataset.targets, dtype=torch.int64)

    generator = torch.Generator().manual_seed(seed)
    return _make_split(
        "cifar10", tuple(train_set.classes), as_tensors(train_set), as_tensors(test_set),
        max_train, max_test, generator, scale=255.0,
    )


def _one_line(error):
    """An exception as one short line, for the fallback message."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# ---------------------------------------------------------------- shared


def _make_split(name, classes, train, test, max_train, max_test, generator, scale=1.0):
    """Subset, convert to float in [0, 1], normalize with the train statistics, wrap."""
    (x_train, y_train), (x_test, y_test) = (_subset(*train, max_train, generator), _subset(*test, max_test, generator))
    x_train, x_test = x_train.float() / scale, x_test.float() / scale
    mean = x_train.mean(dim=(0, 2, 3))  # one value per channel
    std = x_train.std(dim=(0, 2, 3), correction=0)
    x_train = (x_train - mean[:, None, None]) / std[:, None, None]
    x_test = (x_test - mean[:, None, None]) / std[:, None, None]
    return Split(
        name=name,
        train=TensorDataset(x_train, y_train),
        test=TensorDataset(x_test, y_test),
        classes=classes,
        mean=tuple(mean.tolist()),
        std=tuple(std.tolist()),
    )


def _subset(images, labels, size, generator):
    """A seeded random subset of at most ``size`` examples (all of them if ``size`` is None)."""
    if size is None or size >= len(labels):
        return images, labels
    keep = torch.randperm(len(labels), generator=generator)[:size].sort().values
    return images[keep], labels[keep]


DATASETS = {"digits": digits, "cifar10": cifar10}


def load(name="digits", **kwargs):
    """The dataset called ``name`` (a key of :data:`DATASETS`), built with ``kwargs``.

    ``load("digits", image_size=32)`` is ``digits(image_size=32)``.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a dataset name (str), got {name!r} ({type(name).__name__})")
    if name not in DATASETS:
        raise ValueError(f"name={name!r} is not a known dataset; expected one of {sorted(DATASETS)}")
    return DATASETS[name](**kwargs)


def loaders(split, batch_size=64, seed=0):
    """Train and test ``DataLoader``s of a :class:`Split`, as ``Loaders(train, test)``.

    The train loader reshuffles every epoch, drawing its order from its own
    ``torch.Generator`` seeded with ``seed``: fresh loaders with the same seed
    give the same sequence of batches, while reusing one pair of loaders
    continues that sequence. The test loader keeps a fixed order. Both load in
    the main process (``num_workers=0``) so the order never depends on timing.

    Args:
        split: a :class:`Split` from :func:`digits`, :func:`cifar10` or :func:`load`.
        batch_size: images per batch (the last batch may be smaller).
        seed: seeds the train shuffle.
    """
    if not isinstance(split, Split):
        raise TypeError(f"split must be a lightnets_edu.data.Split (from data.load), got {type(split).__name__}")
    batch_size = positive_int("batch_size", batch_size)
    seed = nonnegative_int("seed", seed)
    generator = torch.Generator().manual_seed(seed)
    return Loaders(
        train=DataLoader(split.train, batch_size=batch_size, shuffle=True, generator=generator, num_workers=0),
        test=DataLoader(split.test, batch_size=batch_size, shuffle=False, num_workers=0),
    )


# ---------------------------------------------------------------- argument checks


def _channels(value):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"channels must be 1 or 3 (an integer), got {value!r} ({type(value).__name__})")
    if value not in (1, 3):
        raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {value!r}")
    return int(value)


def _fraction(name, value):
    """``value`` as a float strictly between 0 and 1."""
    value = number(name, value, "between 0 and 1")
    if not 0 < value < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return float(value)


def _optional_size(name, value):
    """None (no limit) or a positive int."""
    return None if value is None else positive_int(name, value)
