"""Latency and memory measurements for the "MACs are not latency" lessons.

A MAC count is a property of a layer; a latency is a property of a layer *on a
machine*: the same MACs can take very different times depending on how many
bytes they move and how well the kernel that runs them is tuned. These helpers
measure the second quantity carefully enough to compare layers on one machine:

* :func:`latency` runs a callable a few times to warm up, then times each of
  ``repeats`` calls and reports the median and the quartiles (robust to the odd
  slow call), with the number of threads pinned and restored afterwards;
* :func:`param_memory` is the memory the parameters take, in bytes.

Timings vary between machines and between runs: notebooks print them for the
reader but only assert relations that hold by a wide margin.
"""

import statistics
import time
from dataclasses import dataclass

import torch
from torch import nn

from ._checks import nonnegative_int, positive_int

__all__ = ["Timing", "latency", "param_memory"]


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
