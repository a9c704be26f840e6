"""Measure a real ``nn.Module``: parameters, MACs and the operations papers leave out.

:func:`profile` runs one forward pass and returns a :class:`ProfileReport`.
It works on any model, ours or torchvision's, in two layers:

1. **Forward hooks** on the modules it knows (convolutions, linear layers,
   normalisation, activations, pooling) compute each call's cost from the
   module's hyper-parameters and the shape of its output: the same closed
   forms as :mod:`lightnets_edu.cost`, now applied to a running network.
2. **A dispatch mode** sees every tensor operation run *outside* those modules:
   a residual ``x + y``, a squeeze-excite ``x * scale``, a functional
   ``F.relu``/``F.adaptive_avg_pool2d``, or a convolution/matmul called through
   ``torch.nn.functional``. Nothing is missed and nothing is counted twice.

Only convolution and matrix-multiply MACs go into ``.macs`` (the papers'
convention, and what ``torch.utils.flop_counter.FlopCounterMode`` counts, with
FLOPs = 2 x MACs). Normalisation, activations, pooling and element-wise
arithmetic are totalled separately in ``.other_ops``, in elementary operations:

==============  ===========================================================
``norm``        2 per output element (scale and shift, as at inference)
``activation``  1 per output element
``pooling``     1 per element read: window size per output element
                (adaptive and global pooling: the input's size)
``elementwise`` 1 per output element of an add, sub, mul or div
==============  ===========================================================
"""

import math
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from ._checks import positive_int

__all__ = ["profile", "ProfileReport"]

COLUMNS = ["name", "type", "kind", "call", "output_shape", "params", "macs", "ops"]
OTHER_KINDS = ("norm", "activation", "pooling", "elementwise")

_NORMS = (nn.modules.batchnorm._BatchNorm, nn.GroupNorm, nn.LayerNorm, nn.modules.instancenorm._InstanceNorm)
_ACTIVATIONS = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
    nn.Mish, nn.Hardswish, nn.Hardsigmoid, nn.Hardtanh, nn.Sigmoid, nn.Tanh, nn.Softplus,
    nn.Softmax, nn.LogSoftmax,
)
_ADAPTIVE_POOLS = (nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)
_WINDOW_POOLS = (nn.modules.pooling._AvgPoolNd, nn.modules.pooling._MaxPoolNd)
_NO_OPS = (nn.Identity, nn.Flatten, nn.Unflatten, nn.modules.dropout._DropoutNd)


@dataclass
class ProfileReport:
    """What one forward pass of a model costs.

    Attributes:
        params: every learnable number in the model (shared tensors once).
        macs: multiply-accumulates of convolutions and linear layers.
        other_ops: operations papers leave out of MACs, by kind
            (``norm``, ``activation``, ``pooling``, ``elementwise``).
        table: one row per call of a measured module or outside operation:
            name, type, kind, call, output_shape, params, macs, ops.
        input_size: the input shape the model was run on.
    """

    params: int
    macs: int
    other_ops: dict
    table: pd.DataFrame = field(repr=False)
    input_size: tuple = ()

    @property
    def flops(self):
        """2 x MACs: a multiply and an add each."""
        return 2 * self.macs

    def summary(self):
        """A few lines a reader can take in at a glance."""
        others = ", ".join(f"{kind} {ops:,}" for kind, ops in self.other_ops.items())
        return (
            f"input {tuple(self.input_size)}: {self.params:,} params, {self.macs:,} MACs "
            f"({self.flops:,} FLOPs)\nnot in MACs (ops): {others}"
        )

    def __str__(self):
        return self.summary()


def profile(model, input_size=(1, 3, 224, 224), *, inputs=None):
    """Run ``model`` once and count its parameters, MACs and other operations.

    Args:
        model: any ``torch.nn.Module``. It runs in eval mode without gradients;
            its training flag is restored afterwards, and nothing else changes.
        input_size: shape of the zero tensor fed to the model, batch first.
            Counts are for the whole batch: use batch 1 for per-image numbers.
        inputs: optional tensor (or tuple of tensors) to use instead.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if inputs is None:
        input_size = _check_input_size(input_size)
        inputs = (torch.zeros(input_size),)
    elif isinstance(inputs, torch.Tensor):
        inputs = (inputs,)
    else:
        inputs = tuple(inputs)
    input_size = tuple(inputs[0].shape)

    recorder = _Recorder(model)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), recorder:
            model(*inputs)
    except (RuntimeError, AssertionError) as err:  # torchvision asserts on some sizes
        first_line = (str(err).strip() or type(err).__name__).splitlines()[0]
        raise ValueError(f"input_size={input_size} does not fit the model: {first_line}") from None
    finally:
        model.train(was_training)
    return recorder.report(input_size)


def _check_input_size(input_size):
    if not isinstance(input_size, (tuple, list, torch.Size)) or len(input_size) == 0:
        raise TypeError(f"input_size must be a tuple of positive integers such as (1, 3, 224, 224), got {input_size!r}")
    return tuple(positive_int(f"input_size[{i}]", n) for i, n in enumerate(input_size))


# ---------------------------------------------------------------- module formulas

def _kind(module):
    """Which formula a module gets, or None for modules we look inside of."""
    if isinstance(module, nn.modules.conv._ConvNd):
        return "conv"
    if isinstance(module, nn.Linear):
        return "linear"
    if isinstance(module, _NORMS):
        return "norm"
    if isinstance(module, _ACTIVATIONS):
        return "activation"
    if isinstance(module, _ADAPTIVE_POOLS + _WINDOW_POOLS):
        return "pooling"
    if isinstance(module, _NO_OPS):
        return "other"
    return None


def _module_cost(module, kind, inputs, output):
    """(macs, ops) of one call of a known module."""
    if kind == "conv":
        # every output element of a filter: (c_in / groups) * k_h * k_w MACs
        per_output = (module.in_channels // module.groups) * math.prod(module.kernel_size)
        if isinstance(module, nn.modules.conv._ConvTransposeNd):
            # a transposed conv scatters each *input* element into its window
            per_input = (module.out_channels // module.groups) * math.prod(module.kernel_size)
            return inputs[0].numel() * per_input, 0
        return output.numel() * per_output, 0
    if kind == "linear":
        # one MAC per weight, for every vector of the leading dimensions
        return output.numel() * module.in_features, 0
    if kind == "norm":
        return 0, 2 * output.numel()
    if kind == "activation":
        return 0, output.numel()
    if kind == "pooling":
        if isinstance(module, _ADAPTIVE_POOLS):
            return 0, inputs[0].numel()
        window = module.kernel_size
        window = math.prod(window) if isinstance(window, tuple) else window ** (output.dim() - 2)
        return 0, output.numel() * window
    return 0, 0


# ---------------------------------------------------------------- outside operations

_aten = torch.ops.aten
_ELEMENTWISE = {_aten.add, _aten.add_, _aten.sub, _aten.sub_, _aten.mul, _aten.mul_, _aten.div, _aten.div_}
_FUNCTIONAL_ACTIVATIONS = {
    _aten.relu, _aten.relu_, _aten.hardtanh, _aten.hardtanh_, _aten.sigmoid, _aten.sigmoid_,
    _aten.hardsigmoid, _aten.hardsigmoid_, _aten.hardswish, _aten.hardswish_, _aten.silu,
    _aten.silu_, _aten.gelu, _aten.tanh, _aten.tanh_, _aten._softmax, _aten.leaky_relu,
}
_FUNCTIONAL_POOLS = {
    _aten._adaptive_avg_pool2d, _aten.adaptive_max_pool2d, _aten.mean, _aten.avg_pool2d,
    _aten.max_pool2d_with_indices,
}
_FUNCTIONAL_NORMS = {_aten.native_batch_norm, _aten._native_batch_norm_legit_no_training, _aten.native_layer_norm}


def _tensors(args):
    return [a for a in args if isinstance(a, torch.Tensor)]


def _op_cost(packet, args, out):
    """(kind, macs, ops) of an aten operation run outside a measured module, or None."""
    if packet is _aten.convolution:
        x, w, transposed = args[0], args[1], args[6]
        if transposed:  # weight (c_in, c_out / g, k...): each input element fans out
            return "conv", x.numel() * math.prod(w.shape[1:]), 0
        return "conv", out.numel() * math.prod(w.shape[1:]), 0  # weight (c_out, c_in / g, k...)
    if packet in (_aten.mm, _aten.addmm, _aten.bmm, _aten.baddbmm):
        a = args[-2]  # (m, k) or (b, m, k); the output holds the m x n (x b) sums
        return "linear", out.numel() * a.shape[-1], 0
    first = out[0] if isinstance(out, (tuple, list)) else out
    if packet in _ELEMENTWISE:
        return "elementwise", 0, first.numel()
    if packet in _FUNCTIONAL_ACTIVATIONS:
        return "activation", 0, first.numel()
    if packet in _FUNCTIONAL_POOLS:
        # global/adaptive pooling and windowed pooling: count elements read
        return "pooling", 0, args[0].numel()
    if packet in _FUNCTIONAL_NORMS:
        return "norm", 0, 2 * first.numel()
    return None


class _Recorder(TorchDispatchMode):
    """Forward hooks for known modules plus a dispatch mode for everything else."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.rows = []
        self.calls = {}       # module name -> number of calls so far
        self.stack = []       # names of the modules currently running
        self.inside_known = 0  # > 0 while a known module runs: its ops are already counted
        self.seen_params = set()
        self.handles = []

    # context management: hooks are removed even when the forward pass fails
    def __enter__(self):
        for name, module in self.model.named_modules():
            kind = _kind(module)
            self.handles.append(module.register_forward_pre_hook(self._pre_hook(name, kind)))
            self.handles.append(module.register_forward_hook(self._post_hook(name, kind)))
        return super().__enter__()

    def __exit__(self, *exc):
        for handle in self.handles:
            handle.remove()
        self.handles.clear()
        return super().__exit__(*exc)

    def _pre_hook(self, name, kind):
        def hook(module, inputs):
            self.stack.append(name)
            if kind is not None:
                self.inside_known += 1
        return hook

    def _post_hook(self, name, kind):
        def hook(module, inputs, output):
            self.stack.pop()
            if kind is None:
                return
            self.inside_known -= 1
            out = output[0] if isinstance(output, (tuple, list)) else output
            macs, ops = _module_cost(module, kind, inputs, out)
            self._add_row(name or type(module).__name__, type(module).__name__, kind,
                          tuple(out.shape), self._new_params(module), macs, ops)
        return hook

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if self.inside_known == 0:
            cost = _op_cost(func.overloadpacket, args, out)
            if cost is not None:
                kind, macs, ops = cost
                first = out[0] if isinstance(out, (tuple, list)) else out
                where = self.stack[-1] if self.stack else ""
                self._add_row(where or "(model)", f"{func.overloadpacket.__name__} (functional)", kind,
                              tuple(first.shape), 0, macs, ops)
        return out

    def _new_params(self, module):
        """Parameters owned by ``module`` not yet counted (first call, tied weights)."""
        count = 0
        for p in module.parameters(recurse=False):
            if id(p) not in self.seen_params:
                self.seen_params.add(id(p))
                count += p.numel()
        return count

    def _add_row(self, name, type_name, kind, shape, params, macs, ops):
        call = self.calls[name] = self.calls.get(name, 0) + 1
        self.rows.append(dict(name=name, type=type_name, kind=kind, call=call,
                              output_shape=shape, params=params, macs=macs, ops=ops))

    def report(self, input_size):
        # parameters of modules that never ran, or that we only looked inside of
        for name, module in self.model.named_modules():
            params = self._new_params(module)
            if params:
                self._add_row(name or "(model)", type(module).__name__, "other", None, params, 0, 0)
        table = pd.DataFrame(self.rows, columns=COLUMNS)
        params = sum(p.numel() for p in {id(p): p for p in self.model.parameters()}.values())
        assert params == table["params"].sum(), "every parameter appears in exactly one row"
        other = {kind: int(table.loc[table["kind"] == kind, "ops"].sum()) for kind in OTHER_KINDS}
        return ProfileReport(params=int(params), macs=int(table["macs"].sum()), other_ops=other,
                             table=table, input_size=input_size)
