"""Latency and memory measurements for the "MACs are not latency" lessons.

A MAC count is a property of a layer; a latency is a property of a layer *on a
machine*: the same MACs can take very different times depending on how many
bytes they move and how well the kernel that runs them is tuned. These helpers
measure the second quantity carefully enough to compare layers on one machine:

* :func:`latency` runs a callable a few times to warm up, then times each of
  ``repeats`` calls and reports the median and the quartiles (robust to the odd
  slow call), with the number of threads pinned and restored afterwards;
* :func:`layer_times` times every leaf module of a network inside one
  forward pass (forward hooks and a clock; no profiler), to see where the
  time goes;
* :func:`param_memory` is the memory the parameters take, in bytes;
* :func:`saved_activation_bytes` is the memory a training step keeps for the
  backward pass, counted exactly from the tensors autograd saves.

None of them uses ``torch.profiler``: on a CUDA build of PyTorch without a GPU
(Colab's CPU runtime) it prints a CUDA probe's error to stderr, and its memory
events sit behind private APIs that change between releases.

Timings vary between machines and between runs: notebooks print them for the
reader but only assert relations that hold by a wide margin.
"""

import statistics
import time
from dataclasses import dataclass

import pandas as pd

import torch
from torch import nn

from ._checks import nonnegative_int, positive_int

__all__ = ["Timing", "latency", "layer_times", "param_memory", "saved_activation_bytes"]


@dataclass(frozen=True)
class Timing:
    """How long one call took: median and quartiles in milliseconds over ``repeats`` calls."""

    median_ms: float
    q25_ms: float
    q75_ms: float
    repeats: int
    threads: int

    def __str__(self):
        return (
            f"{self.median_ms:.3f} ms (median of {self.repeats}; "
            f"middle half {self.q25_ms:.3f}-{self.q75_ms:.3f} ms; {self.threads} thread"
            f"{'s' if self.threads != 1 else ''})"
        )


def latency(fn, *args, warmup=3, repeats=20, threads=1):
    """Time ``fn(*args)`` under ``torch.no_grad()`` and return a :class:`Timing`.

    Args:
        fn: any callable, typically an ``nn.Module`` or a function of tensors.
        *args: the arguments of each call (e.g. an input tensor).
        warmup: untimed calls first (memory allocation, kernel selection).
        repeats: timed calls; the median and the quartiles are over these.
        threads: ``torch.set_num_threads`` during the measurement; the previous
            value is restored afterwards, even if ``fn`` raises.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable (a module or a function), got {type(fn).__name__}")
    warmup = nonnegative_int("warmup", warmup)
    repeats = positive_int("repeats", repeats)
    threads = positive_int("threads", threads)
    sync = _synchronizer(args)

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with torch.no_grad():
            for _ in range(warmup):
                fn(*args)
            sync()
            times_ms = []
            for _ in range(repeats):
                start = time.perf_counter()
                fn(*args)
                sync()
                times_ms.append((time.perf_counter() - start) * 1e3)
    finally:
        torch.set_num_threads(previous)

    times_ms.sort()
    return Timing(
        median_ms=statistics.median(times_ms),
        q25_ms=_quantile(times_ms, 0.25),
        q75_ms=_quantile(times_ms, 0.75),
        repeats=repeats,
        threads=threads,
    )


def param_memory(model, bytes_per_param=4):
    """Bytes taken by ``model``'s parameters (shared tensors once).

    ``bytes_per_param`` is 4 for float32, 2 for float16/bfloat16, 1 for int8.
    Buffers such as batch norm's running statistics are not included.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    bytes_per_param = positive_int("bytes_per_param", bytes_per_param)
    unique = {id(p): p for p in model.parameters()}
    return bytes_per_param * sum(p.numel() for p in unique.values())


def layer_times(model, x, warmup=1, repeats=5, threads=1):
    """Time every leaf module of ``model`` during a forward pass on ``x``.

    A forward pre-hook starts a clock and a forward hook stops it, for each
    leaf module (one without children: a conv, a batch norm, a ReLU...). The
    model runs ``warmup`` untimed passes, then ``repeats`` timed ones under
    ``torch.no_grad()``. Returns a DataFrame indexed by module name, in call
    order, with the module's ``type`` and its median time per pass ``ms``.
    The hooks cost a few microseconds per module, so the total is a little
    above :func:`latency`'s; shares of the total are what to read.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be an input tensor, got {type(x).__name__}")
    warmup = nonnegative_int("warmup", warmup)
    repeats = positive_int("repeats", repeats)
    threads = positive_int("threads", threads)
    leaves = {name: m for name, m in model.named_modules() if not any(m.children())}
    elapsed = {name: 0.0 for name in leaves}  # seconds in the current pass
    per_pass = {name: [] for name in leaves}
    starts, handles = {}, []

    def timed(name):
        def before(module, args):
            starts[name] = time.perf_counter()

        def after(module, args, output):
            elapsed[name] += time.perf_counter() - starts[name]
        return before, after

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for name, module in leaves.items():
            before, after = timed(name)
            handles += [module.register_forward_pre_hook(before), module.register_forward_hook(after)]
        with torch.no_grad():
            for i in range(warmup + repeats):
                elapsed.update(dict.fromkeys(elapsed, 0.0))
                model(x)
                if i >= warmup:
                    for name, seconds in elapsed.items():
                        per_pass[name].append(seconds * 1e3)
    finally:
        for handle in handles:
            handle.remove()
        torch.set_num_threads(previous)
    called = [name for name in leaves if any(per_pass[name])]  # modules the forward never used drop out
    return pd.DataFrame({"type": [type(leaves[n]).__name__ for n in called],
                         "ms": [statistics.median(per_pass[n]) for n in called]}, index=pd.Index(called, name="module"))


def saved_activation_bytes(model, *inputs):
    """Bytes of the tensors a forward pass keeps for the backward pass.

    This is the memory that training needs beyond the parameters, and what
    gradient checkpointing trades for recomputation. Every tensor autograd
    saves is seen through ``torch.autograd.graph.saved_tensors_hooks``; each
    storage is counted once (a ReLU output saved by two ops is one buffer),
    and the model's own parameters and buffers are left out. The count is
    exact: the same integer on every CPU. The model is put in train mode.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not inputs or not all(isinstance(t, torch.Tensor) for t in inputs):
        raise TypeError("inputs must be one or more tensors, got "
                        f"{[type(t).__name__ for t in inputs] or 'none'}")
    own = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    saved = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in own:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    model.train()
    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        output = model(*inputs)
    del output  # the graph, and with it the saved tensors, is freed here
    return sum(saved.values())


def _quantile(sorted_values, q):
    """Linear interpolation between closest ranks (NumPy's default method)."""
    position = q * (len(sorted_values) - 1)
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _synchronizer(args):
    """Wait for queued GPU work when an argument lives on a GPU; a no-op on CPU."""
    devices = {a.device for a in args if isinstance(a, torch.Tensor) and a.device.type == "cuda"}
    if devices:
        return lambda: [torch.cuda.synchronize(d) for d in devices]
    return lambda: None
