"""Checkers for the exercises of chapter 8, *From MACs to milliseconds*.

The numbers each exercise is about are module constants, so the notebook's
questions, its solutions and these checkers share one source. Expected answers
are computed from the tensor shapes of the course's MobileNet v2 (checked
against :func:`lightnets_edu.deploy.activation_profile` in the tests), with
pandas' ranks (the chapter's ``spearman``), with
:func:`lightnets_edu.widgets.budget_front`, and for the design exercise
measured with :mod:`lightnets_edu.profile` and :mod:`lightnets_edu.deploy`,
never typed in.

=========  ===============================================================
exercise   question (constants)
=========  ===============================================================
08_1       the peak activation memory (float32 bytes of the distinct
           tensors one operation reads and writes, weights excluded) of
           MobileNet v2's stride-2 depthwise conv in the first block of the
           32-channel stage at 224 x 224: its ``EX1_C_IN=24`` input
           channels expanded ``EX1_T=6`` times on the ``EX1_SIZE=56`` map,
           stride ``EX1_STRIDE=2``, ``EX1_BYTES=4`` bytes per value
08_2       the Spearman rank correlation of MACs with latency over the five
           made-up networks of ``EX2_TABLE`` (one inverted pair, no ties)
08_3       implement: ``my_spearman(a, b)``, ranks averaged over ties, then
           the Pearson correlation of the ranks (pandas' ``rank().corr()``)
08_4       implement: ``my_budget_front(rows)``, the names on the staircase
           of the best top-1 within each latency budget, fastest first, as
           ``budget_front`` decides
08_5       design: a network for ``(1, 3, EX5_SIZE=64, 64)`` inputs and
           ``EX5_CLASSES=10`` classes whose activations fit a
           microcontroller's SRAM: peak activation memory (BN folded,
           float32) at most ``EX5_PEAK=131_072`` bytes, at most
           ``EX5_MACS=5_000_000`` MACs, every convolution's output at least
           ``EX5_MIN_MAP=4`` x 4 and one fully connected layer (the
           classifier); full marks from ``EX5_PARAMS=200_000`` parameters
08_6       choice: why onnxruntime runs the same float network faster than
           eager PyTorch
08_7       choice: a network below the staircase (``EX7_TABLE``) and the
           budgets it is picked for
=========  ===============================================================
"""

import copy
import math

import torch
from torch import nn
from torch.utils._pytree import tree_flatten

from ..deploy import activation_profile, fold_batch_norm
from ..profile import profile
from ._catalog import exercise
from ._grading import Verdict, _graduated, check_choice, check_number, distinct_mistakes, first_line, run_design
from ._implement import check_function

__all__ = ["check_08_1", "check_08_2", "check_08_3", "check_08_4", "check_08_5", "check_08_6", "check_08_7"]

# The chapter's headings the first hints point to (tests check that the notebook has them).
SECTIONS = {
    "zoo": "The zoo side by side",
    "latency": "Latency, measured two ways",
    "budget": "A choice under a budget",
}

# exercise 1: MobileNet v2 at 224 x 224, features[4].conv[1]: the 24 channels of the 56 x 56 map expanded 6 times,
# filtered by a stride-2 depthwise conv (the first block of the 32-channel stage); float32 activations
EX1_C_IN, EX1_T, EX1_SIZE, EX1_STRIDE, EX1_BYTES = 24, 6, 56, 2, 4
# the network's peak (a slip): the stride-2 depthwise conv of the block before, 16 channels expanded 6 times
EX1_PEAK_C_IN = 16
# exercise 2: five made-up networks, (name, MACs in millions, median latency in ms); D and E are inverted
EX2_TABLE = (("A", 300, 12.0), ("B", 60, 4.0), ("C", 2800, 110.0), ("D", 150, 6.0), ("E", 140, 9.5))
# exercise 5: the SRAM of a microcontroller holds the activations (128 KiB); a MACs budget for its time
EX5_SIZE, EX5_CLASSES, EX5_PEAK, EX5_MACS, EX5_PARAMS, EX5_MIN_MAP = 64, 10, 131_072, 5_000_000, 200_000, 4
# exercise 7: a zoo table, (name, latency in ms, top-1 %); M lies below the staircase (K is faster and better)
EX7_TABLE = (("J", 3.5, 67.7), ("K", 6.8, 69.4), ("M", 8.0, 68.8), ("L", 9.4, 74.0), ("N", 112.0, 74.4))


# ---------------------------------------------------------------- numbers

def depthwise_working_set(channels, size, stride, bytes_per_value=EX1_BYTES):
    """Bytes a depthwise conv reads and writes besides its weights: its input map (``channels`` x ``size``^2)
    and its output map (``channels`` x (``size`` / ``stride``)^2), each value ``bytes_per_value`` bytes."""
    out = size // stride
    return (channels * size * size + channels * out * out) * bytes_per_value


@exercise(8, 1, kind="number", points=1, minutes=10,
          title="The working set of one depthwise conv",
          objective="compute an operation's activation working set, the unit of peak activation memory")
def check_08_1(answer):
    """Peak activation bytes of MobileNet v2's stride-2 depthwise conv on the 56 x 56 x 144 expansion."""
    c, hw, s, b = EX1_C_IN * EX1_T, EX1_SIZE, EX1_STRIDE, EX1_BYTES
    out = hw // s
    expected = depthwise_working_set(c, hw, s)
    weights = (c * 3 * 3 + c) * b  # the 3 x 3 filters and the folded bias
    whole = depthwise_working_set(EX1_PEAK_C_IN * EX1_T, 2 * hw, s)  # the second block's depthwise: the peak
    return check_number(
        answer, expected,
        concept="an operation's working set is every activation it reads plus every activation it writes, "
                f"4 bytes per float32 value, weights excluded: see '{SECTIONS['zoo']}'.",
        hint=f"the depthwise conv reads the {hw} x {hw} x {c} expansion and writes a {out} x {out} x {c} map "
             f"(stride {s}): ({c} x {hw}^2 + {c} x {out}^2) x {b} bytes.",
        mistakes=distinct_mistakes(
            expected,
            input_only=(c * hw * hw * b, "That is the input only; the output must be in memory at the same time, "
                                         "while the conv writes it."),
            output_only=(c * out * out * b, "That is the output only; the conv reads its input while it writes, "
                                            "so both are in memory."),
            elements=(expected // b, "That counts values, not bytes: each float32 value takes 4 bytes."),
            no_stride=(2 * c * hw * hw * b, f"The conv has stride {s}: its output map is {out} x {out}, not "
                                            f"{hw} x {hw}."),
            output_size=(2 * c * out * out * b, f"The input is the expansion on the {hw} x {hw} map; only the "
                                                f"output is {out} x {out}."),
            megabytes=(expected / 1e6, "That is in MB; the question asks for bytes."),
            weights=(expected + weights, "The weights are excluded: they stay in memory for the whole run, "
                                         "so the working set counts activations only."),
            network_peak=(whole, "That is the peak of the whole network, at the depthwise conv of an earlier "
                                 "block, on larger maps; this question asks about the first block of the "
                                 "32-channel stage."),
        ),
        explain=f"({c} x {hw * hw:,} + {c} x {out * out:,}) x {b} = {expected:,} bytes: the input is four times "
                f"the output, and the network's peak is at the same kind of layer one stage earlier, on maps "
                f"four times larger.",
    )


def spearman_reference(a, b):
    """The chapter's ``spearman``: pandas ranks (ties averaged), then the Pearson correlation of the ranks."""
    import pandas as pd

    return pd.Series(a, dtype=float).rank().corr(pd.Series(b, dtype=float).rank())


def _ex2_columns():
    return [row[1] for row in EX2_TABLE], [row[2] for row in EX2_TABLE]


@exercise(8, 2, kind="number", points=1, minutes=10,
          title="Rank correlation by hand",
          objective="compute a Spearman rank correlation and tell it from Pearson's on the raw values")
def check_08_2(answer):
    """Spearman rank correlation of MACs with latency over the five networks of EX2_TABLE."""
    import pandas as pd

    macs, ms = _ex2_columns()
    expected = spearman_reference(macs, ms)
    n = len(macs)
    mac_ranks, ms_ranks = pd.Series(macs).rank().astype(int), pd.Series(ms).rank().astype(int)
    d2 = int(((mac_ranks - ms_ranks) ** 2).sum())
    pearson = pd.Series(macs, dtype=float).corr(pd.Series(ms, dtype=float))
    logs = pd.Series(macs, dtype=float).map(math.log).corr(pd.Series(ms, dtype=float).map(math.log))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    kendall = sum(1 if (macs[i] - macs[j]) * (ms[i] - ms[j]) > 0 else -1 for i, j in pairs) / len(pairs)
    names = [row[0] for row in EX2_TABLE]

    def ranks(r):
        return ", ".join(f"{name} {k}" for name, k in zip(names, r))
    return check_number(
        answer, expected, rel_tol=0.005,
        concept="Spearman's rank correlation replaces each value by its rank and correlates the ranks: it is 1 "
                f"when more MACs always means slower: see '{SECTIONS['latency']}'.",
        hint=f"ranks of the MACs: {ranks(mac_ranks)}; ranks of the latencies: {ranks(ms_ranks)}. Without ties, "
             f"rho = 1 - 6 sum(d^2) / (n (n^2 - 1)) with d the rank differences: sum(d^2) = {d2}, n = {n}.",
        mistakes=distinct_mistakes(
            expected,
            pearson=(pearson, "That is the Pearson correlation of the raw values: the one large network decides "
                              "it. Correlate the ranks instead."),
            log_pearson=(logs, "That is the Pearson correlation of the logarithms (the trend line's fit); "
                               "Spearman's correlates the ranks."),
            kendall=(kendall, "That is Kendall's tau (concordant minus discordant pairs, over all pairs); "
                              "Spearman's is the Pearson correlation of the ranks."),
            sign=(-expected, "Mind the sign: more MACs go with more milliseconds here, so the correlation is "
                             "positive. Rank both columns in the same direction."),
            complement=(1 - expected, "That is 6 sum(d^2) / (n (n^2 - 1)) alone; the correlation is 1 minus it."),
        ),
        explain=f"D and E swap neighbouring ranks: sum(d^2) = {d2}, so rho = 1 - 6 x {d2} / ({n} x {n * n - 1}) "
                f"= {expected:.1f}. The Pearson correlation of the raw values is {pearson:.4f}, set almost alone by C, the one "
                "network far larger than the others; ranks ignore how far apart the values are.",
    )


# ---------------------------------------------------------------- implement

def _spearman_case_values():
    """(a, b) pairs: the exercise's table, ties in one or both, reversed orders, floats, negatives, ints."""
    g = torch.Generator().manual_seed(8)
    random_a = tuple(round(v, 3) for v in (10 * torch.rand(12, generator=g)).tolist())
    random_b = tuple(round(v, 3) for v in (10 * torch.rand(12, generator=g) - 5).tolist())
    macs, ms = _ex2_columns()
    return [
        (tuple(macs), tuple(ms)),
        ((1, 2, 3, 4, 5, 6), (60.0, 50.0, 40.0, 30.0, 20.0, 10.0)),
        ((3, 1, 4, 1, 5, 9, 2, 6), (2.7, 1.8, 2.8, 1.8, 2.8, 4.5, 9.0, 4.5)),
        ((2.5, 2.5, 2.5, 1.0, 7.0, 7.0, 3.0), (10, 20, 30, 40, 50, 60, 70)),
        ((5, 3, 3, 8, 1, 3, 9, 8), (0.5, 0.9, 0.1, 0.7, 0.3, 0.2, 0.8, 0.6)),
        (random_a, random_b),
        ((-3.5, 0.0, 12.25, -1.0, 4.0), (9, 1, 4, 16, 25)),
    ]


def _as_number(value):
    """A student's result as a float64 0-d tensor, or None when it is not one number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, torch.Tensor):
        return value.detach().double().reshape(()) if value.numel() == 1 else None
    if hasattr(value, "item") and getattr(value, "size", None) == 1:  # a NumPy scalar or 1-value array
        value = value.item()
    if isinstance(value, (int, float)):
        return torch.tensor(float(value), dtype=torch.float64)
    return None


def _spearman_as_tensor(a, b):
    return torch.tensor(spearman_reference(a, b), dtype=torch.float64)


def _pandas_ranks(method):
    import pandas as pd

    return lambda v: pd.Series(v, dtype=float).rank(method=method)


def _pearson(x, y):
    import pandas as pd

    return pd.Series(list(x), dtype=float).corr(pd.Series(list(y), dtype=float))


def _sp_first(a, b):
    rank = _pandas_ranks("first")
    return _pearson(rank(a), rank(b))


def _sp_min(a, b):
    rank = _pandas_ranks("min")
    return _pearson(rank(a), rank(b))


def _sp_dense(a, b):
    rank = _pandas_ranks("dense")
    return _pearson(rank(a), rank(b))


def _sp_raw(a, b):
    return _pearson(a, b)


def _sp_shortcut(a, b):
    rank = _pandas_ranks("average")
    d = rank(a) - rank(b)
    n = len(a)
    return 1 - 6 * float((d ** 2).sum()) / (n * (n * n - 1))


def _sp_argsort(a, b):
    return _pearson(torch.sort(torch.tensor(a, dtype=torch.float64), stable=True).indices.tolist(),
                    torch.sort(torch.tensor(b, dtype=torch.float64), stable=True).indices.tolist())


def _sp_descending(a, b):
    import pandas as pd

    return _pearson(pd.Series(a, dtype=float).rank(), pd.Series(b, dtype=float).rank(ascending=False))


def _number_or_raise(function):
    """``function`` with its result as a float64 0-d tensor (what the reference returns)."""
    def numeric(*args):
        value = function(*args)
        number = _as_number(value)
        if number is None:
            raise TypeError(f"it returned {_kind(value)}, not one number")
        return number
    return numeric


def _kind(value):
    name = type(value).__name__
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


@exercise(8, 3, kind="implement", points=2, minutes=15,
          title="Implement the rank correlation",
          objective="write Spearman's rank correlation: ranks with ties averaged, then Pearson's correlation")
def check_08_3(spearman):
    """Student's ``my_spearman(a, b)``: the rank correlation of two equal-length sequences, ties averaged."""
    cases = [(f"a = {a}, b = {b}", (a, b)) for a, b in _spearman_case_values()]
    concept = ("rank each sequence (1 for the smallest; tied values share the average of their ranks), then "
               f"take the Pearson correlation of the two rank sequences: see '{SECTIONS['latency']}'.")
    hint = ("rank(v): sort the positions by value; a run of equal values at sorted positions i..j (from 1) gets "
            "(i + j) / 2 each. Then r = sum((x - mean x)(y - mean y)) / sqrt(sum((x - mean x)^2) "
            "sum((y - mean y)^2)) on the ranks.")
    if callable(spearman):  # a result that is not a number: say so plainly, before comparing values
        try:
            value = spearman(*cases[0][1])
        except Exception:
            value = 0.0  # check_function reports the stub or the error
        if _as_number(value) is None:
            return Verdict(False, f"Not quite: for {cases[0][0]}, your function returned {_kind(value)}; it "
                                  "must return one number, the rank correlation. " + _graduated(concept, None, hint))
    verdict = check_function(
        _number_or_raise(spearman) if callable(spearman) else spearman, _spearman_as_tensor, cases,
        concept=concept, hint=hint,
        mistakes=[(_number_or_raise(_sp_raw), "You correlate the values themselves (Pearson's r); Spearman's "
                                              "correlates their ranks."),
                  (_number_or_raise(_sp_first), "Your tied values get different ranks (by position); tied values "
                                                "share the average of the ranks they span: 5, 7, 7 -> 1, 2.5, 2.5."),
                  (_number_or_raise(_sp_min), "Your tied values all get the lowest of their ranks (1, 2, 2, 4); "
                                              "they share the average (1, 2.5, 2.5, 4)."),
                  (_number_or_raise(_sp_dense), "Your ranks skip no number after a tie (1, 2, 2, 3); tied values "
                                                "share the average of the ranks they span (1, 2.5, 2.5, 4)."),
                  (_number_or_raise(_sp_shortcut), "You use 1 - 6 sum(d^2) / (n (n^2 - 1)): it is exact only "
                                                   "without ties. With ties, take the Pearson correlation of the "
                                                   "averaged ranks."),
                  (_number_or_raise(_sp_argsort), "You use argsort as the ranks: it gives the positions in sorted "
                                                  "order, not the rank of each position (that is argsort of "
                                                  "argsort, and ties need averaging)."),
                  (_number_or_raise(_sp_descending), "You rank one sequence from the largest value: rank both in "
                                                     "the same direction, or the sign flips.")],
        rtol=1e-6, atol=1e-9,
        explain="pandas computes the same with a.rank().corr(b.rank()), the chapter's spearman; "
                "scipy.stats.spearmanr too.",
    )
    verdict.message = verdict.message.replace("1 of 1 values differ; the first at index (): ", "")  # one number
    return verdict


def _front_reference(rows):
    """The names :func:`lightnets_edu.widgets.budget_front` keeps, as a list, fastest first."""
    import pandas as pd

    from ..widgets.ch08 import budget_front

    table = pd.DataFrame({"network": [r[0] for r in rows], "precision": "fp32",
                          "latency_ms": [float(r[1]) for r in rows], "top1": [float(r[2]) for r in rows],
                          "size_mb": math.nan, "macs_m": math.nan})
    return list(budget_front(table)["network"])


NAN = math.nan
# (description, rows): none sorted by latency; each holds a case a plausible shortcut gets wrong
_FRONT_CASES = [
    ("a zoo with dominated networks",
     (("MobileNet v2", 10.7, 71.9), ("MobileNet v3 Small", 3.5, 67.7), ("SqueezeNet 1.1", 14.0, 58.2),
      ("DenseNet-121", 111.7, 74.4), ("ShuffleNet v2", 6.8, 69.4), ("MobileNet v1 0.5", 5.7, 63.7),
      ("MobileNet v3 Large", 9.4, 74.0), ("SqueezeNet 1.0", 32.9, 58.1))),
    ("two equally fast networks", (("p", 5.0, 70.0), ("q", 2.0, 60.0), ("r", 2.0, 65.0), ("s", 9.0, 72.0))),
    ("two equally accurate networks", (("fast", 2.0, 70.0), ("slow", 4.0, 70.0), ("best", 8.0, 75.0),
                                       ("late", 9.0, 74.0))),
    ("two networks tied on both latency and top-1", (("zeta", 3.0, 68.0), ("alpha", 3.0, 68.0),
                                                     ("omega", 1.0, 60.0), ("mid", 5.0, 71.0))),
    ("unknown top-1 (NaN), the fastest one among them", (("u1", 1.0, NAN), ("k1", 2.0, 65.0), ("u2", 3.0, NAN),
                                                         ("k2", 4.0, 70.0), ("k3", 3.5, 66.0))),
    ("accuracy that only falls as latency grows", (("c", 30.0, 60.0), ("a", 10.0, 80.0), ("b", 20.0, 70.0))),
    ("one network", (("solo", 12.5, 70.1),)),
    ("no known top-1 at all", (("x", 1.0, NAN), ("y", 2.0, NAN))),
]


def _known(rows):
    return [r for r in rows if not math.isnan(r[2])]


def _staircase(ordered, keep=lambda top1, best: top1 > best):
    front, best = [], -math.inf
    for name, _, top1 in ordered:
        if keep(top1, best):
            front.append(name)
            best = top1
    return front


def _bf_all_by_latency(rows):
    return [r[0] for r in sorted(_known(rows), key=lambda r: (r[1], -r[2], r[0]))]


def _bf_most_accurate_first(rows):
    return _staircase(sorted(_known(rows), key=lambda r: (r[1], -r[2], r[0])))[::-1]


def _bf_by_top1(rows):
    return [r[0] for r in sorted(_known(rows), key=lambda r: (-r[2], r[1], r[0]))]


def _bf_input_order(rows):
    return _staircase(_known(rows))


def _bf_ties_kept(rows):
    return _staircase(sorted(_known(rows), key=lambda r: (r[1], -r[2], r[0])), keep=lambda t, best: t >= best)


def _bf_latency_only(rows):
    return _staircase(sorted(_known(rows), key=lambda r: r[1]))


def _bf_names_in_input_order(rows):
    return _staircase(sorted(_known(rows), key=lambda r: (r[1], -r[2])))


def _bf_unknown_kept(rows):
    front, best = [], -math.inf
    for name, _, top1 in sorted(rows, key=lambda r: (r[1], math.inf if math.isnan(r[2]) else -r[2], r[0])):
        if math.isnan(top1) or top1 > best:
            front.append(name)
            best = best if math.isnan(top1) else top1
    return front


def _bf_best_only(rows):
    known = sorted(_known(rows), key=lambda r: (-r[2], r[1], r[0]))
    return [known[0][0]] if known else []


def _names_or_raw(function):
    """``function`` with a sequence of names (list, tuple, Series, array) turned into a plain list."""
    def names(rows):
        value = function(rows)
        if hasattr(value, "tolist") and not isinstance(value, str):
            value = value.tolist()
        return list(value) if isinstance(value, (list, tuple)) else value
    return names


@exercise(8, 4, kind="implement", points=2, minutes=20,
          title="Implement the staircase",
          objective="compute the Pareto front of accuracy against latency: the only networks a budget can pick")
def check_08_4(budget_front_function):
    """Student's ``my_budget_front(rows)``: the names of the (name, latency_ms, top1) rows on the staircase."""
    candidate = _names_or_raw(budget_front_function) if callable(budget_front_function) else budget_front_function
    return check_function(
        candidate, _front_reference, [(f"{what}: rows = {rows}", (rows,)) for what, rows in _FRONT_CASES],
        concept="sort by latency; a network is on the staircase when it is more accurate than every faster one, "
                f"the only networks a budget can pick: see '{SECTIONS['budget']}'.",
        hint="drop the rows whose top-1 is NaN; sort the rest by (latency, -top1, name); walk them keeping "
             "best = -inf, and take a row (then best = its top-1) when its top-1 > best.",
        mistakes=[(_bf_all_by_latency, "You keep every network, sorted by latency: a network is on the staircase "
                                       "only if no faster one is at least as accurate."),
                  (_bf_most_accurate_first, "Those are the right names in reverse: list them fastest first."),
                  (_bf_by_top1, "You sort by top-1 and keep every network; the staircase keeps, in latency order, "
                                "only the networks more accurate than all faster ones."),
                  (_bf_input_order, "You walk the rows in the order they come; sort them by latency first."),
                  (_bf_ties_kept, "You keep a network that only equals the best top-1 so far: a slower network "
                                  "with the same top-1 buys nothing. Keep it only when strictly more accurate."),
                  (_bf_latency_only, "Of two equally fast networks you can keep the less accurate one: sort "
                                     "ties in latency by top-1, most accurate first."),
                  (_bf_names_in_input_order, "Of two networks tied on both latency and top-1, keep the one whose "
                                             "name comes first alphabetically (sort by name last), as "
                                             "budget_front does."),
                  (_bf_unknown_kept, "A network of unknown top-1 (NaN) is never on the staircase: leave it out."),
                  (_bf_best_only, "You return only the most accurate network; the staircase has one step per "
                                  "network that beats all faster ones.")],
        explain="lightnets_edu.widgets.budget_front computes the same on the zoo table; for any budget, the pick "
                "is the last staircase network within it.",
    )


# ---------------------------------------------------------------- design

def _weight_storages(model):
    return {t.untyped_storage().data_ptr() for t in list(model.parameters()) + list(model.buffers())}


def _largest_layer(model, shape):
    """(bytes, name, input shapes, output shape) of the layer with the largest activation working set, measured
    with forward hooks on every leaf module (distinct storages, weights excluded, as activation_profile)."""
    weights, found = _weight_storages(model), []

    def hook(name):
        def record(module, inputs, output):
            storages = {}
            for t in tree_flatten((inputs, output))[0]:
                if isinstance(t, torch.Tensor) and t.untyped_storage().data_ptr() not in weights:
                    storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            shapes = [tuple(t.shape) for t in inputs if isinstance(t, torch.Tensor)]
            out = tuple(output.shape) if isinstance(output, torch.Tensor) else None
            found.append((sum(storages.values()), name, shapes, out, type(module).__name__))
        return record
    _run_with_hooks(model, shape, [(module, hook(name)) for name, module in model.named_modules()
                                   if name and not list(module.children())])
    return max(found, key=lambda f: f[0], default=None)


def _small_maps(model, shape):
    """[(name, (h, w))] of the convolutions whose output map is smaller than EX5_MIN_MAP x EX5_MIN_MAP."""
    small = []

    def record(name):
        def hook(module, inputs, output):
            if min(output.shape[-2:]) < EX5_MIN_MAP:
                small.append((name, tuple(output.shape[-2:])))
        return hook
    _run_with_hooks(model, shape, [(module, record(name)) for name, module in model.named_modules()
                                   if isinstance(module, nn.Conv2d)])
    return small


def _run_with_hooks(model, shape, hooks):
    """One forward pass of a zero batch of ``shape`` with ``hooks`` [(module, forward hook)] attached."""
    handles = [module.register_forward_hook(hook) for module, hook in hooks]
    try:
        with torch.no_grad():
            model(torch.zeros(shape))
    finally:
        for handle in handles:
            handle.remove()


def design_report(design):
    """What the design exercise measures, as a dict: macs, params, peak (None when fold_batch_norm cannot trace
    the network), why_not (its message then), where (the layer of the peak, in words, or ""), small (convs whose
    output map is under EX5_MIN_MAP x EX5_MIN_MAP) and linears (how many nn.Linear layers)."""
    shape = (1, 3, EX5_SIZE, EX5_SIZE)
    model = copy.deepcopy(design).eval()
    report = profile(model, input_size=shape)
    found = dict(macs=report.macs, params=report.params, peak=None, why_not=None, where="",
                 small=_small_maps(model, shape), linears=sum(isinstance(m, nn.Linear) for m in model.modules()))
    try:
        folded = fold_batch_norm(model)
    except Exception as err:  # untraceable: say why, never raise
        found["why_not"] = first_line(err)
        return found
    found["peak"] = activation_profile(folded, shape).peak_bytes
    largest = _largest_layer(folded, shape)
    if largest is not None and largest[0] == found["peak"]:
        _, name, ins, out, kind = largest
        found["where"] = (f"layer {name!r} ({kind}), which reads {', '.join(map(str, ins))} and writes {out}"
                          if ins and out else f"layer {name!r} ({kind})")
    return found


@exercise(8, 5, kind="design", points=3, minutes=30,
          title="A network for 128 KiB of SRAM",
          objective="fit a network's peak activation memory into a microcontroller's SRAM: downsample early, "
                    "widen late")
def check_08_5(design):
    """A network for (1, 3, 64, 64) inputs and 10 classes with a peak activation memory (BN folded, float32) of at
    most 131,072 bytes and at most 5,000,000 MACs, every conv output at least 4 x 4 and one nn.Linear; full marks
    from 200,000 parameters."""
    shape = (1, 3, EX5_SIZE, EX5_SIZE)
    found, unfit = run_design(design, shape, EX5_CLASSES, design_report)
    if unfit is not None:
        return unfit
    peak, macs, params = found["peak"], found["macs"], found["params"]
    report = (f"your network has {params:,} parameters and costs {macs:,} MACs (budget {EX5_MACS:,})"
              + (f"; its peak activation memory is {peak:,} bytes (budget {EX5_PEAK:,})" if peak is not None else "")
              + (f", at {found['where']}" if found["where"] else ""))
    small = found["small"]
    requirements = [
        ("its peak activation memory is over the SRAM budget", peak is not None and peak <= EX5_PEAK),
        ("over the MACs budget", macs <= EX5_MACS),
        (f"fold_batch_norm cannot fold it ({found['why_not']})", peak is not None),
        (f"convolution {small[0][0]!r} outputs a {small[0][1][0]} x {small[0][1][1]} map, smaller than "
         f"{EX5_MIN_MAP} x {EX5_MIN_MAP} (after the global pool only the classifier, one nn.Linear)"
         if small else "", not small),
        (f"it has {found['linears']} nn.Linear layers: only the classifier may be fully connected",
         found["linears"] <= 1),
    ]
    missing = [what for what, ok in requirements if not ok]
    if peak is None:  # the peak is unknown, not over: name one problem
        missing.remove("its peak activation memory is over the SRAM budget")
    if missing:
        met = sum(ok for _, ok in requirements)
        advice = []
        if peak is not None and peak > EX5_PEAK:
            advice.append(f"the input alone takes {3 * EX5_SIZE * EX5_SIZE * 4:,} bytes, and the first layers, on "
                          "the largest maps, set the peak: a first conv with stride 2 and few channels, then "
                          "another stride 2 before the network widens.")
        if macs > EX5_MACS:
            advice.append("MACs are paid at every position of a map: widen the network only where the map is "
                          "small, with depthwise separable convs.")
        hint = f" Hint: {' '.join(advice)}" if advice else ""
        return Verdict(False, f"Not quite: {report}: {'; '.join(missing)}.{hint}",
                       score=0.6 * met / len(requirements))
    if params < EX5_PARAMS:
        return Verdict(False, f"Not quite: {report}. It fits, but full marks need at least {EX5_PARAMS:,} "
                              "parameters (the capacity the budgets allow). Hint: a weight of a 1x1 conv costs "
                              f"{EX5_MIN_MAP * EX5_MIN_MAP} MACs on a {EX5_MIN_MAP} x {EX5_MIN_MAP} map and "
                              f"{4 * EX5_MIN_MAP * EX5_MIN_MAP} on an {2 * EX5_MIN_MAP} x {2 * EX5_MIN_MAP} one: "
                              "spend the MACs on width where the map is smallest.",
                       score=0.6 + 0.3 * params / EX5_PARAMS)
    return Verdict(True, f"Correct: {report}. The first layers set the peak and the last ones hold the "
                         "parameters: narrow while the map is large, wide once it is small. Many designs pass, "
                         "e.g. a 16-channel stride-2 stem, three stride-2 depthwise separable blocks to 4 x 4, "
                         "then two wide ones.")


# ---------------------------------------------------------------- choice

@exercise(8, 6, kind="choice", points=1, minutes=10,
          title="Why the runtime is faster",
          objective="tell what an inference runtime changes (operators, memory traffic) from what it does not "
                    "(MACs, precision)")
def check_08_6(answer):
    """Why onnxruntime runs the same float32 network faster than eager PyTorch."""
    return check_choice(
        answer, "b", ["a", "b", "c"],
        concept="what the runtime does with the graph before it runs it, and what that saves per operator and "
                f"in memory traffic: see '{SECTIONS['latency']}'.",
        option_hints={"a": "The ONNX file holds the same float32 weights, and the graph computes the same "
                           "function: the same MACs, in float32 (profile counts them before and after folding "
                           "the batch norms).",
                      "c": "The chapter runs onnxruntime with its CPU execution provider, on the same threads as "
                           "eager PyTorch: no GPU is involved."},
        hint="onnxruntime folds each batch norm into the convolution before it, fuses activations into it and "
             "plans its buffers, so it calls fewer, larger kernels and moves fewer bytes; eager PyTorch calls "
             "every operator separately, each with its fixed cost.",
        explain="The arithmetic is the same; what goes is the per-operator overhead and the traffic of "
                "intermediate tensors (a batch norm reads and writes a whole map). The fewer MACs an operator does, "
                "the larger the share of its fixed cost: compare each network's two latencies in the chapter's "
                "table with its MACs per operator.",
    )


@exercise(8, 7, kind="choice", points=1, minutes=10,
          title="Below the staircase",
          objective="read a Pareto staircase: which networks a latency budget can ever pick")
def check_08_7(answer):
    """Which budgets pick network M, which lies below the staircase of EX7_TABLE."""
    table = {name: (latency_ms, top1) for name, latency_ms, top1 in EX7_TABLE}
    (k_ms, k_top1), (m_ms, m_top1), (l_ms, l_top1) = table["K"], table["M"], table["L"]
    return check_choice(
        answer, "b", ["a", "b", "c"],
        concept="the pick under a budget is the most accurate network that fits, and the staircase holds exactly "
                f"the networks that can be picked: see '{SECTIONS['budget']}'.",
        option_hints={"a": f"A budget does not reward using the time it allows: between {m_ms} and {l_ms} ms "
                           "both K and M fit, and K is the more accurate.",
                      "c": "The budget is on measured latency, and K is measured faster than M: how the MACs "
                           "compare does not change which one fits or which one is more accurate."},
        hint=f"for each budget, list the networks within it and take the most accurate: at {m_ms} ms K "
             f"({k_ms} ms, {k_top1}%) and M ({m_ms} ms, {m_top1}%) both fit, and K wins; at {l_ms} ms L "
             f"({l_top1}%) joins and wins.",
        explain="K dominates M: it is faster and more accurate, so wherever M fits, K fits and wins. A budget "
                "picks the staircase step it falls on, and more budget buys accuracy only once it reaches the "
                "next step.",
    )
