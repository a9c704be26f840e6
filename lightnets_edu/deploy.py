"""From a trained network to a CPU runtime: int8 quantization, ONNX, size (chapters 8 and 9).

* :func:`quantize_int8` -- post-training static int8 quantization: observers
  record the range of every activation on a few calibration batches, then each
  float tensor becomes ``q = round(x / s) + z`` (per-channel scales for the
  weights). Conv -> BN (-> ReLU) are fused first, so such a BN costs nothing at
  run time; DenseNet's BN -> ReLU, before its conv, becomes one int8 op.
* :func:`export_onnx`, :func:`run_onnx`, :func:`onnx_latency` -- the float
  network as an ONNX file, run by onnxruntime with its threads pinned and timed
  with the statistics of :func:`lightnets_edu.bench.latency`.
* :func:`model_size_bytes` -- what the weights weigh on disk.
* :func:`fold_batch_norm` -- a copy with each BN folded into the conv before it.
* :func:`activation_profile` / :func:`peak_activation_bytes` -- the activation
  bytes each operation reads and writes: the largest such working set is the
  MobileNet v2 paper's measure of the memory an inference needs.

Why these PyTorch APIs:

* Quantization uses FX graph mode (``prepare_fx``/``convert_fx``). It traces the
  network, so fusion and the quant/dequant steps need no edits to the model, and
  it runs on every torch this course supports, from 2.1 to 2.14, with x86 int8
  kernels that make eager PyTorch faster. It is deprecated (torch 2.9 and later
  warn; we silence it): its successor, PT2E (``prepare_pt2e``/``convert_pt2e``),
  has moved to torchao (torch 2.14 no longer ships it), a package the course
  would add on top of a newer torch, and its int8 speed on CPU comes through
  ``torch.compile``.
* Export uses the TorchScript exporter (``torch.onnx.export(..., dynamo=False)``):
  the only stable one on torch 2.1, still in torch 2.14 (whose default since 2.9
  is ``dynamo=True``). It needs the onnx package but not onnxscript, takes about a
  second per model, prints nothing, and folds a BN into the convolution before it;
  the dynamo exporter needs onnxscript too and prints its progress.

onnx and onnxruntime are optional: ``pip install "lightnets-edu[deploy]"``.
"""

import contextlib
import copy
import dataclasses
import importlib
import inspect
import io
import itertools
import pathlib
import re
import traceback
import warnings

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from . import _parallel
from ._checks import positive_int
from .bench import latency

__all__ = ["quantize_int8", "model_size_bytes", "fold_batch_norm", "ActivationProfile", "activation_profile",
           "peak_activation_bytes", "export_onnx", "export_onnx_many", "run_onnx", "onnx_latency"]

BACKENDS = ("x86", "fbgemm", "onednn", "qnnpack")  # the engines get_default_qconfig_mapping knows
# torch 2.9+ warns that torch.ao.quantization and the quint8/qint8 dtypes will go; torch 2.1 warns
# about reduce_range and, while tracing, about its own torch.has_cuda & co. Nothing a student can
# act on, and a notebook must not show them.
_NOISE = (r"(?s).*(torch\.ao\.quantization is deprecated|reduce_range will be deprecated"
          r"|quantized tensor creation|'has_\w+' is deprecated)")


def model_size_bytes(model):
    """Bytes of ``model``'s state dict saved with ``torch.save`` (weights, BN statistics, scales)."""
    _check_module(model)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def fold_batch_norm(model):
    """A copy of ``model`` in eval mode with each BN that follows a convolution folded into it.

    The convolution's weights and bias absorb the BN's affine map and running
    statistics (w' = w * gamma / sigma, b' = beta + (b - mu) * gamma / sigma), as every
    inference runtime does; the outputs are the same to float rounding. The model is
    traced with torch.fx, so it must be traceable; ``model`` itself is not changed.
    """
    from torch.fx.experimental.optimization import fuse

    _check_module(model)
    float_copy = copy.deepcopy(model).eval()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_NOISE)  # torch 2.1's tracer warns about its own attributes
        try:
            return fuse(float_copy, inplace=True)
        except Exception as err:  # tracing runs the forward on proxies: anything can fail
            raise ValueError(_untraceable(float_copy, err, "fold its BNs")) from None


@dataclasses.dataclass(frozen=True)
class ActivationProfile:
    """What one forward pass reads and writes besides the weights (see :func:`activation_profile`).

    Attributes:
        peak_bytes: the largest working set of one operation: the bytes of the
            distinct tensors it reads and writes.
        moved_bytes: the working sets summed over all operations: the traffic
            if no activation stayed in a cache between two operations.
        operators: how many PyTorch (aten) operators the pass called, views
            included: in eager mode each one is a separate dispatch.
    """

    peak_bytes: int
    moved_bytes: int
    operators: int


def activation_profile(model, input_size=(1, 3, 224, 224)):
    """Run ``model`` once on zeros and record every operation's activation working set.

    Each operation needs its input and output tensors in memory at once; weights and
    BN statistics are not counted (they sit in memory for the whole run). A tensor
    shared by several arguments, or a view of one, counts once; an in-place ReLU's
    output is its input. The peak over all operations is a lower bound on the
    activation memory of any schedule: the measure Sandler et al. (2018) use for
    inference memory (Sec. 5). Counted in float32, batch included.
    """
    _check_module(model)
    shape = _shape(input_size)
    weights = {t.untyped_storage().data_ptr() for t in itertools.chain(model.parameters(), model.buffers())}
    recorder = _WorkingSet(weights)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), recorder:
            model(torch.zeros(shape))
    except (RuntimeError, AssertionError) as err:
        raise ValueError(f"input_size={shape} does not fit the model: {_first_line(err)}") from None
    finally:
        model.train(was_training)
    return ActivationProfile(max(recorder.sizes), sum(recorder.sizes), len(recorder.sizes))


def peak_activation_bytes(model, input_size=(1, 3, 224, 224)):
    """The largest working set of one operation, in bytes: ``activation_profile(...).peak_bytes``."""
    return activation_profile(model, input_size).peak_bytes


class _WorkingSet(TorchDispatchMode):
    """Records the bytes of the distinct activation storages each aten operation touches."""

    def __init__(self, weights):
        super().__init__()
        self.weights, self.sizes = weights, []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        storages = {}
        for t in tree_flatten((args, kwargs, out))[0]:  # tree_leaves is torch 2.2+
            if isinstance(t, torch.Tensor):
                storage = t.untyped_storage()
                if storage.data_ptr() not in self.weights:
                    storages[storage.data_ptr()] = storage.nbytes()
        self.sizes.append(sum(storages.values()))
        return out


def quantize_int8(model, calibration_batches, backend=None, *, per_channel=True, keep_float=()):
    """An int8 copy of ``model``, calibrated on ``calibration_batches``; ``model`` is not changed.

    Args:
        model: a float ``nn.Module`` that ``torch.fx`` can trace (no Python
            control flow on tensor values).
        calibration_batches: input batches, e.g. ``[x1, x2]``, or a DataLoader of
            ``(inputs, targets)``; a single tensor is one batch. A few batches of
            real data set the activation ranges; random data gives poor ones.
        backend: the int8 kernels: ``"x86"`` (Intel/AMD), ``"qnnpack"`` (ARM),
            ``"fbgemm"``, ``"onednn"``; by default ``"x86"`` where this machine has
            it, else ``"qnnpack"``. It becomes ``torch.backends.quantized.engine``,
            which must stay set while the result runs.
        per_channel: one weight scale per output channel (PyTorch's default);
            False gives each layer a single scale, as early int8 schemes did.
        keep_float: names of layers (as in ``model.named_modules()``) left in
            float32, with a dequantize before and a quantize after.

    Returns a ``torch.fx.GraphModule`` in eval mode that takes and returns float tensors.
    """
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    _check_module(model)
    usable = [b for b in BACKENDS if b in torch.backends.quantized.supported_engines]
    if backend is None:
        backend = "x86" if "x86" in usable else "qnnpack"
    if backend not in usable:
        raise ValueError(f"backend must be one of {usable} on this machine, got {backend!r}")
    try:
        batches = iter([calibration_batches] if isinstance(calibration_batches, torch.Tensor) else calibration_batches)
    except TypeError:
        raise TypeError("calibration_batches must be a list or DataLoader of input batches, "
                        f"got {type(calibration_batches).__name__}") from None
    first = _batch_input(next(batches, None), 0)
    mapping = _qconfig_mapping(model, backend, per_channel, keep_float)
    torch.backends.quantized.engine = backend
    float_copy = copy.deepcopy(model).eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.filterwarnings("ignore", message=_NOISE)
        try:
            prepared = prepare_fx(float_copy, mapping, (first,))  # trace, fuse, observe
        except Exception as err:  # tracing runs the forward on proxies: anything can fail
            raise ValueError(_untraceable(float_copy, err, "be quantized")) from None
        for index, batch in enumerate(itertools.chain([first], batches)):  # lazily: a DataLoader may be long
            x = _batch_input(batch, index)
            try:
                prepared(x)  # the observers record each activation's range
            except RuntimeError as err:
                raise ValueError(f"calibration batch {index} of shape {tuple(x.shape)} does not fit the model: "
                                 f"{_first_line(err)}") from None
        return convert_fx(prepared)  # observers -> (scale, zero point); modules -> int8 kernels


def export_onnx(model, path, input_size=(1, 3, 224, 224), *, opset=17):
    """Write ``model``, in eval mode, to the ONNX file ``path`` for one fixed input shape; return the path.

    ``input_size`` is the input's shape, batch first, as in :func:`lightnets_edu.profile.profile`.
    The training flag of ``model`` is restored afterwards.
    """
    _check_module(model)
    shape = _shape(input_size)
    opset = positive_int("opset", opset)
    _require("onnx")  # the exporter imports it to write the file
    x = torch.randn(shape)
    # dynamo=False picks the TorchScript exporter on torch >= 2.5; torch 2.1 has no such argument
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            try:
                model(x)
            except (RuntimeError, AssertionError, ValueError) as err:
                raise ValueError(f"input_size={shape} does not fit the model: {_first_line(err)}") from None
            try:
                with _quiet_tracing():
                    torch.onnx.export(model, (x,), str(path), input_names=["input"], opset_version=opset, **legacy)
            except (RuntimeError, TypeError) as err:  # an op without an ONNX translation, or untraceable code
                raise ValueError(_unexportable(model, x, err)) from None
    finally:
        model.train(was_training)
    return pathlib.Path(path)


def export_onnx_many(models, directory, input_size=(1, 3, 224, 224), *, opset=17, workers=None):
    """:func:`export_onnx` for each model of the dict ``{name: model}``; return ``{name: path}``.

    Each file is ``directory/<name>.onnx`` (characters other than letters, digits,
    dots and dashes become ``_``). The exports are independent, so on Linux they
    run side by side in forked processes, ``workers`` at a time (by default one per
    CPU core; 1 exports one after the other, here); the files are the same.
    """
    if not isinstance(models, dict):
        raise TypeError(f"models must be a dict {{name: model}}, got {type(models).__name__}")
    directory = pathlib.Path(directory)
    if not directory.is_dir():
        raise ValueError(f"directory={str(directory)!r} is not an existing folder")
    workers = _parallel.cores() if workers is None else positive_int("workers", workers)
    paths = {name: directory / (re.sub(r"[^A-Za-z0-9.-]+", "_", str(name)) + ".onnx") for name in models}
    if len(set(paths.values())) < len(paths):
        raise ValueError(f"two names give the same file name in {sorted(map(str, models))}; rename one")

    def export(name):
        return export_onnx(models[name], paths[name], input_size, opset=opset)
    done = _parallel.side_by_side(export, list(models), workers, describe=lambda name: f"the export of {name!r}")
    return dict(zip(models, done))


def run_onnx(path, inputs, threads=1):
    """Run the ONNX file ``path`` on the tensor ``inputs`` with onnxruntime.

    Returns the output as a tensor, or a tuple of tensors for a model with several outputs.
    """
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(f"inputs must be a torch.Tensor, got {type(inputs).__name__}")
    session = _session(path, threads, tuple(inputs.shape), "inputs.shape")
    outputs = [torch.from_numpy(y) for y in session.run(None, {"input": inputs.detach().cpu().float().numpy()})]
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def onnx_latency(path, input_size=(1, 3, 224, 224), threads=1, *, warmup=3, repeats=20):
    """Time onnxruntime on the ONNX file ``path``: a :class:`lightnets_edu.bench.Timing`.

    onnxruntime runs one operator at a time on ``threads`` threads (its intra-op
    pool); warm-up, median and quartiles are those of :func:`lightnets_edu.bench.latency`.
    """
    shape = _shape(input_size)
    session = _session(path, threads, shape, "input_size")
    feed = {"input": torch.randn(shape).numpy()}
    return latency(session.run, None, feed, warmup=warmup, repeats=repeats, threads=threads)


# ---------------------------------------------------------------- helpers

def _check_module(model):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")


def _shape(input_size):
    if not isinstance(input_size, (tuple, list, torch.Size)) or len(input_size) == 0:
        raise TypeError(f"input_size must be a tuple of positive integers such as (1, 3, 224, 224), got {input_size!r}")
    return tuple(positive_int(f"input_size[{i}]", n) for i, n in enumerate(input_size))


def _batch_input(batch, index):
    """The input tensor of one calibration batch: the batch itself, or the first item of a pair."""
    if batch is None:
        raise ValueError("calibration_batches is empty: expected at least one batch of inputs, e.g. [x]")
    if isinstance(batch, (tuple, list)) and batch:
        batch = batch[0]
    if not isinstance(batch, torch.Tensor) or not batch.is_floating_point():
        raise TypeError(f"calibration batch {index} must be a float tensor or an (inputs, targets) pair, "
                        f"got {type(batch).__name__}")
    return batch


def _qconfig_mapping(model, backend, per_channel, keep_float):
    """PyTorch's default int8 recipe for ``backend``, with per-tensor weights or float layers if asked."""
    from torch.ao.quantization import QConfig, default_weight_observer, get_default_qconfig_mapping

    if not isinstance(per_channel, bool):
        raise TypeError(f"per_channel must be True or False, got {per_channel!r}")
    if isinstance(keep_float, str) or not all(isinstance(n, str) for n in keep_float):
        raise TypeError(f"keep_float must be a list of layer names, got {keep_float!r}")
    mapping = get_default_qconfig_mapping(backend)
    if not per_channel:  # same activation observers; one symmetric min/max scale per weight tensor
        mapping.set_global(QConfig(activation=mapping.global_qconfig.activation, weight=default_weight_observer))
    names = dict(model.named_modules())
    for name in keep_float:
        if name not in names or not name:
            raise ValueError(f"keep_float names a layer that {type(model).__name__} does not have: {name!r}")
        mapping.set_module_name(name, None)  # no qconfig: this layer stays float
    return mapping


def _untraceable(model, err, task):
    """One line: which layer (and which function in it) stopped ``torch.fx`` from tracing ``model``,
    so that it cannot ``task`` ("be quantized", "fold its BNs")."""
    layer = _failing_layer(model)
    ours = [f for f in traceback.extract_tb(err.__traceback__) if "/torch/" not in f.filename.replace("\\", "/")]
    where = f", in {ours[-1].name}()" if ours else ""
    module = model.get_submodule(layer) if layer else model
    return (f"{type(model).__name__} cannot {task}: torch.fx cannot trace layer "
            f"{layer or '(the model itself)'!r} ({type(module).__name__}){where}: {_first_line(err)}")


def _failing_layer(model):
    """Trace ``model`` again with a tracer that remembers the innermost module whose forward raised."""
    failed = []

    class Tracer(torch.fx.Tracer):
        def call_module(self, module, forward, args, kwargs):
            try:
                return super().call_module(module, forward, args, kwargs)
            except Exception:
                failed.append(self.path_of_module(module))  # the innermost module comes first
                raise
    with contextlib.suppress(Exception):
        Tracer().trace(model)
    return failed[0] if failed else ""


@contextlib.contextmanager
def _quiet_tracing():
    """The exporter's warnings, silenced: the input shape is fixed on purpose, so a shape read as a
    constant (e.g. channel_shuffle's check) is right, and "legacy exporter" is our choice (above)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.trace", category=FutureWarning)
        yield


def _unexportable(model, x, err):
    """One line: the operator the exporter cannot translate, and the layer that calls it."""
    op, layer = re.search(r"operator '([\w:.]+)'", str(err)), ""
    if op:  # the TorchScript graph records, for each op, the module that ran it
        with torch.no_grad(), _quiet_tracing():
            graph = torch.jit.trace(model, (x,), check_trace=False).inlined_graph
        scopes = [n.scopeName() for n in graph.nodes() if n.kind() == op.group(1)]
        layer = scopes[0].rsplit("__module.", 1)[-1] if scopes and "__module." in scopes[0] else ""
    where = f" at layer {layer!r} ({type(model.get_submodule(layer)).__name__})" if layer else ""
    return f"{type(model).__name__} cannot be exported to ONNX{where}: {_first_line(err)}"


def _session(path, threads, shape, name):
    """An onnxruntime session on ``threads`` threads, checked to take inputs of ``shape``."""
    ort = _require("onnxruntime")
    threads = positive_int("threads", threads)
    if not isinstance(path, (str, pathlib.Path)):
        raise TypeError(f"path must be a str or pathlib.Path, got {type(path).__name__}")
    if not pathlib.Path(path).is_file():
        raise FileNotFoundError(f"path={str(path)!r} is not a file: write one with export_onnx(model, path, ...)")
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.log_severity_level = 3  # errors only: its warnings would land on a notebook's stderr
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    expected = tuple(session.get_inputs()[0].shape)
    if shape != expected:
        raise ValueError(f"{name}={shape} does not match the ONNX model's input shape {expected}: "
                         "export it again with export_onnx(model, path, input_size)")
    return session


def _require(name):
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise ImportError(f'lightnets_edu.deploy needs {name}, an optional dependency: '
                          f'pip install "lightnets-edu[deploy]"') from err


def _first_line(err):
    return (str(err).strip() or type(err).__name__).splitlines()[0]
