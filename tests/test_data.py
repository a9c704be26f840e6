"""lightnets_edu.data: the offline digits, CIFAR-10 with its offline fallback, loaders.

No test touches the network: the fallback tests make urlopen fail, and the
CIFAR-10 success test serves a tiny archive in CIFAR-10's exact format from a
local HTTP server, so torchvision's real download, check and load code runs.
"""

import functools
import hashlib
import http.server
import pickle
import tarfile
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torchvision.datasets import CIFAR10

from lightnets_edu import data


@pytest.fixture(scope="module")
def split():
    return data.digits()


def denormalize(split, images):
    mean = torch.tensor(split.mean)[:, None, None]
    std = torch.tensor(split.std)[:, None, None]
    return images * std + mean


# ---------------------------------------------------------------- digits


def test_digits_shapes_and_dtypes(split):
    x_train, y_train = split.train.tensors
    x_test, y_test = split.test.tensors
    assert x_train.shape[1:] == x_test.shape[1:] == (3, 32, 32) == split.image_shape
    assert x_train.dtype == x_test.dtype == torch.float32
    assert y_train.dtype == y_test.dtype == torch.int64
    assert len(split.train) + len(split.test) == 1797
    assert len(split.test) == pytest.approx(0.2 * 1797, abs=10)
    assert split.name == "digits"
    assert split.classes == tuple(str(c) for c in range(10)) and split.num_classes == 10
    assert repr(split) == "Split(name='digits', train=1438, test=359, num_classes=10, image_shape=(3, 32, 32))"


def test_digits_pixels_are_in_unit_range_before_normalization(split):
    for images in (split.train.tensors[0], split.test.tensors[0]):
        raw = denormalize(split, images)
        assert raw.min() >= -1e-5 and raw.max() <= 1 + 1e-5
    assert torch.equal(split.train.tensors[0][:, 0], split.train.tensors[0][:, 2])  # gray repeated


def test_digits_are_normalized_with_train_statistics(split):
    x_train = split.train.tensors[0]
    assert torch.allclose(x_train.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5)
    assert torch.allclose(x_train.std(dim=(0, 2, 3), correction=0), torch.ones(3), atol=1e-5)
    assert len(split.mean) == len(split.std) == 3 and 0 < split.mean[0] < 1 and split.std[0] > 0


def test_digits_at_8x8_are_sklearns_images(split):
    """At 8x8 the resize is the identity: the two splits hold exactly sklearn's images."""
    small = data.digits(image_size=8, channels=1)
    ours = torch.cat([denormalize(small, small.train.tensors[0]), denormalize(small, small.test.tensors[0])])
    labels = torch.cat([small.train.tensors[1], small.test.tensors[1]])
    raw = load_digits()
    # pixels are k/16: compare the integers k, image and label together, as multisets
    theirs = sorted(tuple(x.astype(int)) + (int(y),) for x, y in zip(raw.data, raw.target))
    ours = sorted(tuple((x.flatten() * 16).round().int().tolist()) + (int(y),) for x, y in zip(ours, labels))
    assert ours == theirs


def test_digits_split_is_reproducible(split):
    again = data.digits()
    for a, b in zip(split.train.tensors + split.test.tensors, again.train.tensors + again.test.tensors):
        assert torch.equal(a, b)


def test_different_seed_gives_a_different_split(split):
    other = data.digits(seed=1)
    assert len(other.test) == len(split.test)
    assert not torch.equal(other.test.tensors[0], split.test.tensors[0])


def test_split_is_stratified(split):
    train_counts = torch.bincount(split.train.tensors[1], minlength=10)
    test_counts = torch.bincount(split.test.tensors[1], minlength=10)
    assert (train_counts > 0).all() and (test_counts > 0).all()
    fractions = test_counts / (train_counts + test_counts)
    assert torch.allclose(fractions, torch.full((10,), 0.2), atol=0.01)


def test_tiny_test_fraction_still_keeps_every_class_on_both_sides():
    small = data.digits(image_size=8, channels=1, test_fraction=0.001)
    assert torch.equal(torch.bincount(small.test.tensors[1]), torch.ones(10, dtype=torch.int64))


def test_sizes_and_channels():
    gray = data.digits(image_size=20, channels=1, test_fraction=0.5)
    assert gray.image_shape == (1, 20, 20) and len(gray.mean) == 1
    assert abs(len(gray.train) - len(gray.test)) <= 10


def test_max_train_and_max_test_take_seeded_subsets():
    a = data.digits(image_size=8, max_train=100, max_test=50)
    b = data.digits(image_size=8, max_train=100, max_test=50)
    assert (len(a.train), len(a.test)) == (100, 50)
    assert torch.equal(a.train.tensors[0], b.train.tensors[0])
    assert torch.allclose(a.train.tensors[0].mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5)  # stats of the subset
    assert len(data.digits(image_size=8, max_train=10_000).train) == 1438  # more than there is: all of it


# ---------------------------------------------------------------- CIFAR-10 without network


@pytest.fixture
def no_network(monkeypatch):
    """Every urlopen fails as it does on a machine without network."""
    def unreachable(*args, **kwargs):
        raise urllib.error.URLError("[Errno 101] Network is unreachable")
    monkeypatch.setattr(urllib.request, "urlopen", unreachable)


def test_cifar10_falls_back_to_digits_with_one_line(tmp_path, no_network, capsys):
    split = data.cifar10(root=tmp_path, seed=0)
    out, err = capsys.readouterr()
    assert out == ("CIFAR-10 is not available (<urlopen error [Errno 101] Network is unreachable>); "
                   "using the offline digits dataset instead.\n")
    assert err == ""
    assert split.name == "digits" and split.image_shape == (3, 32, 32) and split.num_classes == 10
    assert torch.equal(split.test.tensors[0], data.digits(seed=0).test.tensors[0])


def test_cifar10_fallback_keeps_the_subset_sizes(tmp_path, no_network, capsys):
    split = data.cifar10(root=tmp_path, max_train=64, max_test=32)
    assert (len(split.train), len(split.test)) == (64, 32)
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_cifar10_without_download_and_nothing_on_disk_falls_back(tmp_path, capsys):
    split = data.cifar10(root=tmp_path, download=False)
    assert split.name == "digits"
    assert capsys.readouterr().out.startswith("CIFAR-10 is not available (Dataset not found or corrupted.")


def test_cifar10_default_root_follows_lightnets_data(tmp_path, monkeypatch, no_network, capsys):
    monkeypatch.setenv("LIGHTNETS_DATA", str(tmp_path))
    assert data.default_root() == str(tmp_path)
    data.cifar10()
    assert (tmp_path / "cifar10").is_dir()  # torchvision created the download folder there
    capsys.readouterr()


def test_default_root_without_the_variable(monkeypatch):
    monkeypatch.delenv("LIGHTNETS_DATA", raising=False)
    assert data.default_root().endswith(".cache/lightnets_edu")


# ---------------------------------------------------------------- CIFAR-10 from a local stand-in

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
PER_BATCH = 20  # 5 train batches -> 100 train images, 1 test batch -> 20 test images


def _write_fake_cifar10(folder):
    """A tiny archive in CIFAR-10's format: pickled dicts of uint8 (N, 3072) rows and labels.

    The real files are Python 2 pickles whose keys load as str under
    ``encoding="latin1"`` (torchvision reads ``entry["data"]``), so the keys are str.
    Returns the archive path, the md5s torchvision must check and the raw arrays.
    """
    rng = np.random.default_rng(0)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        pixels = rng.integers(0, 256, size=(PER_BATCH, 3072), dtype=np.uint8)  # rows: R plane, G plane, B plane
        labels = [int(v) for v in rng.integers(0, 10, size=PER_BATCH)]
        batches[name] = {"batch_label": name, "data": pixels, "labels": labels}
    batches["batches.meta"] = {"label_names": NAMES, "num_cases_per_batch": PER_BATCH, "num_vis": 3072}

    inner = folder / "cifar-10-batches-py"
    inner.mkdir()
    md5 = {}
    for name, content in batches.items():
        (inner / name).write_bytes(pickle.dumps(content, protocol=2))
        md5[name] = hashlib.md5((inner / name).read_bytes()).hexdigest()
    archive = folder / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(inner, arcname="cifar-10-batches-py")
    md5["archive"] = hashlib.md5(archive.read_bytes()).hexdigest()
    return archive, md5, batches


@pytest.fixture
def local_cifar10(tmp_path, monkeypatch):
    """Serve a fake CIFAR-10 archive over HTTP on localhost and point torchvision at it.

    (A ``file://`` URL is not enough: torchvision's downloader reads
    ``response.length``, which only HTTP responses have.)
    """
    served = tmp_path / "served"
    served.mkdir()
    archive, md5, batches = _write_fake_cifar10(served)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=served))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(CIFAR10, "url", f"http://127.0.0.1:{server.server_port}/{archive.name}")
    monkeypatch.setattr(CIFAR10, "tgz_md5", md5["archive"])
    monkeypatch.setattr(CIFAR10, "train_list", [[f"data_batch_{i}", md5[f"data_batch_{i}"]] for i in range(1, 6)])
    monkeypatch.setattr(CIFAR10, "test_list", [["test_batch", md5["test_batch"]]])
    monkeypatch.setattr(CIFAR10, "meta", {"filename": "batches.meta", "key": "label_names", "md5": md5["batches.meta"]})
    yield server, batches
    server.shutdown()
    server.server_close()


def test_cifar10_downloads_checks_and_loads(tmp_path, local_cifar10, capsys):
    server, batches = local_cifar10
    root = tmp_path / "root"
    split = data.cifar10(root=root)
    assert "not available" not in capsys.readouterr().out
    assert split.name == "cifar10" and split.classes == tuple(NAMES)
    assert (len(split.train), len(split.test)) == (5 * PER_BATCH, PER_BATCH)
    assert split.image_shape == (3, 32, 32) and split.train.tensors[0].dtype == torch.float32

    train_labels = sum((batches[f"data_batch_{i}"]["labels"] for i in range(1, 6)), [])
    assert split.train.tensors[1].tolist() == train_labels
    assert split.test.tensors[1].tolist() == batches["test_batch"]["labels"]

    # the pixels are ToTensor's: row -> (3, 32, 32) in [0, 1], then normalized with train statistics
    expected = torch.from_numpy(batches["test_batch"]["data"]).reshape(-1, 3, 32, 32).float() / 255
    assert torch.allclose(denormalize(split, split.test.tensors[0]), expected, atol=1e-5)
    assert torch.allclose(split.train.tensors[0].mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-5)

    # a second call uses the cached files: no server needed
    server.shutdown()
    again = data.cifar10(root=root, max_train=30, max_test=7, seed=1)
    assert "not available" not in capsys.readouterr().out
    assert (len(again.train), len(again.test)) == (30, 7) and again.name == "cifar10"


def test_load_dispatches_by_name(tmp_path, no_network, capsys):
    small = data.load("digits", image_size=8, channels=1)
    assert torch.equal(small.train.tensors[0], data.digits(image_size=8, channels=1).train.tensors[0])
    assert data.load("cifar10", root=tmp_path).name == "digits"
    assert capsys.readouterr().out.count("\n") == 1
    assert data.load().image_shape == (3, 32, 32)
    assert sorted(data.DATASETS) == ["cifar10", "digits"]


# ---------------------------------------------------------------- loaders


def test_loaders_shuffle_train_reproducibly_and_keep_test_order(split):
    first = [y for _, y in data.loaders(split, batch_size=100, seed=0).train]
    again = [y for _, y in data.loaders(split, batch_size=100, seed=0).train]
    other = [y for _, y in data.loaders(split, batch_size=100, seed=1).train]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not torch.equal(first[0], other[0])
    assert not torch.equal(torch.cat(first), split.train.tensors[1])  # shuffled ...
    assert torch.equal(torch.cat(first).sort().values, split.train.tensors[1].sort().values)  # ... not lost

    train_loader, test_loader = data.loaders(split, batch_size=100)
    x, y = next(iter(train_loader))
    assert x.shape == (100, 3, 32, 32) and y.shape == (100,)
    assert torch.equal(torch.cat([y for _, y in test_loader]), split.test.tensors[1])
    assert train_loader.num_workers == test_loader.num_workers == 0
    assert len(train_loader) == 15  # 1438 images, last batch smaller


def test_a_reused_train_loader_reshuffles_each_epoch(split):
    train_loader = data.loaders(split, batch_size=100).train
    epoch1 = next(iter(train_loader))[1]
    epoch2 = next(iter(train_loader))[1]
    assert not torch.equal(epoch1, epoch2)


# ---------------------------------------------------------------- bad input

BAD = [
    # (function, kwargs, exception, words the message must contain)
    (data.digits, {"image_size": 4}, ValueError, ["image_size", "4", ">= 8"]),
    (data.digits, {"image_size": 32.0}, TypeError, ["image_size", "32.0", "integer"]),
    (data.digits, {"image_size": 0}, ValueError, ["image_size", "0"]),
    (data.digits, {"channels": 2}, ValueError, ["channels", "2", "1", "3"]),
    (data.digits, {"channels": "3"}, TypeError, ["channels", "'3'"]),
    (data.digits, {"channels": True}, TypeError, ["channels", "True"]),
    (data.digits, {"test_fraction": 0}, ValueError, ["test_fraction", "0", "between 0 and 1"]),
    (data.digits, {"test_fraction": 1.0}, ValueError, ["test_fraction", "1.0"]),
    (data.digits, {"test_fraction": "0.2"}, TypeError, ["test_fraction", "'0.2'", "number"]),
    (data.digits, {"seed": -1}, ValueError, ["seed", "-1", "non-negative"]),
    (data.digits, {"seed": 1.5}, TypeError, ["seed", "1.5", "integer"]),
    (data.digits, {"max_train": 0}, ValueError, ["max_train", "0", "positive"]),
    (data.cifar10, {"root": 3}, TypeError, ["root", "3", "path"]),
    (data.cifar10, {"download": "yes"}, TypeError, ["download", "'yes'", "True or False"]),
    (data.cifar10, {"max_test": -5}, ValueError, ["max_test", "-5"]),
    (data.cifar10, {"seed": "0"}, TypeError, ["seed", "'0'"]),
    (data.load, {"name": "imagenet"}, ValueError, ["name='imagenet'", "cifar10", "digits"]),
    (data.load, {"name": None}, TypeError, ["name", "None", "str"]),
    (data.loaders, {"split": "digits"}, TypeError, ["split", "str", "Split"]),
]


@pytest.mark.parametrize("func, kwargs, exc, words", BAD, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(BAD)])
def test_bad_input_is_rejected_clearly(func, kwargs, exc, words):
    with pytest.raises(exc) as info:
        func(**kwargs)
    for word in words:
        assert word in str(info.value), f"{word!r} missing from: {info.value}"


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"batch_size": 0}, ValueError, ["batch_size", "0"]),
    ({"batch_size": 64.0}, TypeError, ["batch_size", "64.0"]),
    ({"seed": -3}, ValueError, ["seed", "-3"]),
])
def test_bad_loader_arguments(split, kwargs, exc, words):
    with pytest.raises(exc) as info:
        data.loaders(split, **kwargs)
    for word in words:
        assert word in str(info.value)
