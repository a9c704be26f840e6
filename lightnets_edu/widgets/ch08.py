"""Chapters 8 and 9: a choice under a budget -- which network, in which precision, fits a latency budget?

The input is the chapter's *zoo table*, one row per (network, precision) measured in
the notebook: ``network``, ``precision`` (``"fp32"`` or ``"int8"``), ``latency_ms``
(median on this CPU), ``top1`` (ImageNet top-1 % as published, NaN where unknown),
``size_mb`` (serialized weights) and ``macs_m`` (millions of MACs).

The rule is the one a deployment engineer applies: among the models whose latency
fits the budget, take the most accurate. Drawn against latency, "the best top-1
within a budget" is a staircase, the *Pareto front* (:func:`budget_front`): a
budget picks the step it falls on, and only crossing the next step buys accuracy.
"""

import math

from ._explore import explore, look
from ._labels import line_segments, place_labels

__all__ = ["ZOO_COLUMNS", "PRECISIONS", "BUDGET_VIEW_ALT", "BUDGET_FIGURE_ALT", "budget_choice", "budget_front",
           "budget_view", "budget_explorer", "budget_figure", "latency_figure"]

#: The zoo table's columns, as the notebook builds it (extra columns are kept and ignored).
ZOO_COLUMNS = ("network", "precision", "latency_ms", "top1", "size_mb", "macs_m")
#: The precision filter: both, or one of the two the table may hold.
PRECISIONS = ("any", "fp32", "int8")
_NUMERIC = ("latency_ms", "top1", "size_mb", "macs_m")
_STYLE = {"fp32": dict(marker="o", color="tab:blue"), "int8": dict(marker="^", color="tab:orange")}
_HEADERS = {"network": "network", "precision": "precision", "latency_ms": "latency (ms)", "top1": "top-1 %",
            "size_mb": "size (MB)", "macs_m": "MACs (M)"}

#: What the explorer's figure shows, for readers who cannot see it (the HTML ``alt`` text).
BUDGET_VIEW_ALT = ("Published ImageNet top-1 accuracy against the latency measured on this CPU, log scale, one "
                   "labelled point per network and precision (circles fp32, triangles int8 where the table has "
                   "int8; models without a "
                   "published top-1 on a separate row at the bottom). A dashed vertical line marks the budget chosen "
                   "with the slider, the region left of it is shaded, and a ring marks the model to deploy: the most "
                   "accurate point inside the shaded region.")
#: What :func:`budget_figure` shows, for the notebook cell's ``mystnb.image.alt`` metadata.
BUDGET_FIGURE_ALT = ("Published ImageNet top-1 accuracy against the latency measured on this CPU, log scale, one "
                     "labelled point per network and precision (circles fp32, triangles int8). A black staircase "
                     "traces the best top-1 reachable within each latency budget, both precisions allowed, and a "
                     "dashed grey one the same with fp32 only where it differs; dotted vertical lines mark example "
                     "budgets, each with a ring where it meets the staircase. Read a budget on the horizontal axis, "
                     "go up to the staircase: the point at the start of that step is the model to deploy.")


# --------------------------------------------------------------------------
# the choice, on plain data


def _check_table(table):
    """The zoo table's rows with a measured latency; raises on anything else."""
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame (the zoo table), got {type(table).__name__}")
    missing = [c for c in ZOO_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"table is missing the column(s) {missing}; the zoo table has {list(ZOO_COLUMNS)}, "
                         f"got {list(table.columns)}")
    for column in _NUMERIC:
        if not pd.api.types.is_numeric_dtype(table[column]) or pd.api.types.is_bool_dtype(table[column]):
            raise TypeError(f"table[{column!r}] must hold numbers, got dtype {table[column].dtype}")
    odd = sorted(set(table["precision"]) - set(PRECISIONS[1:]), key=str)
    if odd:
        raise ValueError(f"table['precision'] must hold 'fp32' or 'int8', got {odd[0]!r}")
    measured = table[table["latency_ms"].notna()]  # a model that failed to run has no latency
    if len(measured) == 0:
        raise ValueError("table has no row with a measured latency_ms")
    if (measured["latency_ms"] <= 0).any():
        bad = measured.loc[measured["latency_ms"] <= 0, "latency_ms"].iloc[0]
        raise ValueError(f"table['latency_ms'] must be > 0 (a measured time), got {bad!r}")
    return measured


def _check_precision(precision):
    if not isinstance(precision, str):
        raise TypeError(f"precision must be one of {PRECISIONS}, got {precision!r} ({type(precision).__name__})")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    return precision


def _rows(table, precision):
    rows = _check_table(table)
    return rows if _check_precision(precision) == "any" else rows[rows["precision"] == precision]


def _check_budget(budget_ms):
    from .._checks import positive_number

    return positive_number("budget_ms", budget_ms)


def budget_choice(table, budget_ms, precision="any"):
    """The zoo table's rows that run within ``budget_ms`` (``latency_ms <= budget_ms``), most accurate first.

    ``precision`` keeps both precisions (``"any"``) or one (``"fp32"``, ``"int8"``).
    Rows are sorted by published top-1, highest first; a row whose top-1 is
    unknown (NaN) comes after every known one; ties go to the faster model.
    The first row is the pick; an empty frame means nothing fits. Rows
    without a measured latency never fit. The index is 0, 1, ...
    """
    budget = _check_budget(budget_ms)
    rows = _rows(table, precision)
    fits = rows[rows["latency_ms"] <= budget]
    # na_position="last" applies to every key; only top1 can be NaN among the fitting rows
    return fits.sort_values(["top1", "latency_ms", "network", "precision"], ascending=[False, True, True, True],
                            na_position="last", kind="mergesort").reset_index(drop=True)


def budget_front(table, precision="any"):
    """The Pareto front: the rows no faster (or equally fast) row beats on top-1, fastest first.

    For any budget, the pick of :func:`budget_choice` is the last front row
    within it (or a row of unknown top-1 when no front row fits). Rows of
    unknown top-1 are never on the front.
    """
    rows = _rows(table, precision).dropna(subset=["top1"])
    rows = rows.sort_values(["latency_ms", "top1", "network", "precision"], ascending=[True, False, True, True],
                            kind="mergesort")
    best_before = rows["top1"].cummax().shift(fill_value=-math.inf)
    return rows[rows["top1"] > best_before].reset_index(drop=True)


# --------------------------------------------------------------------------
# words and numbers for the view


def _ms(value):
    """A latency with three significant digits, never in scientific notation."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _top1(value):
    return "no published top-1" if _missing(value) else f"top-1 {value:.1f}%"


def _size(value):
    return "size unknown" if _missing(value) else f"{value:,.1f} MB of weights"


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _name(row):
    return f"{row['network']} ({row['precision']})"


def _count(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _kind(precision):
    return "" if precision == "any" else f"{precision} "


def _summary(table, budget, precision):
    """The view's sentences, as HTML: the pick and why, or why nothing fits."""
    rows = _rows(table, precision)
    fits = budget_choice(table, budget, precision)
    kind = _kind(precision)
    if len(rows) == 0:
        return (f"<p><b>The table has no {kind}model with a measured latency</b>; choose another "
                f"precision.</p>")
    if len(fits) == 0:
        fastest = rows.sort_values(["latency_ms", "network"], kind="mergesort").iloc[0]
        return (f"<p><b>No {kind}network runs within {budget:.3g} ms on this CPU</b>; the fastest {kind}model "
                f"is {_name(fastest)} at {_ms(fastest['latency_ms'])} ms, "
                f"{fastest['latency_ms'] / budget:.2f} x the budget.</p>")
    pick = fits.iloc[0]
    what = ((f"the only {kind}model that fits" if len(fits) == 1 else
             f"the most accurate of the {len(fits)} {kind}models that fit")
            if not _missing(pick["top1"]) else
            f"no {kind}model within the budget has a published top-1, so this is the fastest of the "
            f"{_count(len(fits), 'model')} that fit")
    text = (f"<p>Within <b>{budget:.3g} ms</b> on this CPU, deploy <b>{pick['network']} in "
            f"{pick['precision']}</b>: {what}; {_top1(pick['top1'])}, median latency "
            f"{_ms(pick['latency_ms'])} ms, {_size(pick['size_mb'])}.")
    ruled = len(rows) - len(fits)
    if ruled == 0:
        text += (f" Every measured {kind}model fits; the pick stays the same down to a budget of "
                 f"{_ms(pick['latency_ms'])} ms.")
    else:
        text += f" The budget rules out {ruled} of the {len(rows)} measured {kind}models"
        front = budget_front(table, precision)
        known = -math.inf if _missing(pick["top1"]) else pick["top1"]
        gain = front[(front["latency_ms"] > budget) & (front["top1"] > known)]
        if len(gain):
            step = gain.iloc[0]
            more = "" if _missing(pick["top1"]) else f", +{step['top1'] - pick['top1']:.1f} points"
            text += (f"; the next gain needs {_ms(step['latency_ms'])} ms: {_name(step)}, "
                     f"{_top1(step['top1'])}{more}.")
        else:
            text += "; none of them is more accurate, so a larger budget buys nothing."
    if precision != "any":
        other = budget_choice(table, budget, "any")
        if (other.iloc[0]["network"], other.iloc[0]["precision"]) != (pick["network"], pick["precision"]):
            best = other.iloc[0]
            text += (f" With both precisions allowed the pick would be {_name(best)}: {_top1(best['top1'])}, "
                     f"{_ms(best['latency_ms'])} ms.")
    return text + "</p>"


# --------------------------------------------------------------------------
# the figure: points, labels that do not collide, budget, front


def _layout_rows(rows):
    """Where each row goes on the top-1 axis: its top-1, or, when unknown, a separate row below the
    known ones. Returns (y, ylim, y of the 'unknown' row or None, y of the line between them)."""
    known, unknown = rows["top1"].dropna(), rows["top1"].isna().any()
    low, high = (known.min(), known.max()) if len(known) else (0.0, 1.0)
    span = max(high - low, 8.0)  # top-1 points: a few apart should not look like a chasm
    unknown_y = low - 0.22 * span
    bottom = (unknown_y - 0.1 * span) if unknown else (low - 0.07 * span)
    y = rows["top1"].where(rows["top1"].notna(), unknown_y)
    return y, (bottom, high + 0.12 * span), (unknown_y if unknown else None), low - 0.1 * span


def _zoo_axes(ax, rows, budget=None, pick=None, fronts=(), budgets=()):
    """Every row as a point (top-1 against log latency), labelled; optional budget, pick, fronts.

    Returns the (x, y) of every point in the order of ``rows``, for the labels. Points beyond
    the budget are faded.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

    y, ylim, unknown_y, separator = _layout_rows(rows)
    x = rows["latency_ms"]
    edges = [x.min(), x.max()] + ([budget] if budget is not None else []) + list(budgets)
    xlim = (min(edges) / 2.2, max(edges) * 1.7)  # room for labels left of the fastest point
    inside = (x <= budget) if budget is not None else x.notna()
    if budget is not None:
        ax.axvspan(xlim[0], budget, color="tab:green", alpha=0.10, linewidth=0, label="within the budget")
        ax.axvline(budget, color="black", linestyle="--", linewidth=1.2, gid="budget",
                   label=f"budget {budget:.3g} ms")
    for front, style in fronts:
        if len(front):  # the best top-1 within each budget: flat from one front row to the next
            xs = list(front["latency_ms"]) + [xlim[1]]
            ax.step(xs, list(front["top1"]) + [front["top1"].iloc[-1]], where="post", zorder=1, **style)
    for b in budgets:
        ax.axvline(b, color="0.35", linestyle=":", linewidth=1.1, gid="budget")
    # fp32 -> int8 of the same network: what quantization moves
    for _, pair in rows.groupby("network", sort=False):
        if set(pair["precision"]) == {"fp32", "int8"} and pair["top1"].notna().all():
            a, b = pair.sort_values("precision").index[:2]
            ax.plot([x[a], x[b]], [y[a], y[b]], color="0.6", linestyle=":", linewidth=1, zorder=1)
    for precision, style in _STYLE.items():
        part = rows["precision"] == precision
        for fits in (True, False):
            sel = part & (inside == fits)
            if sel.any() or (fits and part.any()):  # an empty one still gives the legend its entry
                ax.scatter(x[sel], y[sel], s=36, zorder=3, alpha=1.0 if fits else 0.35, edgecolors="white",
                           linewidths=0.5, gid=precision, label=precision if fits else None, **style)
    if pick is not None:
        ax.scatter([x[pick]], [y[pick]], s=190, facecolors="none", edgecolors="crimson", linewidths=1.6, zorder=4,
                   gid="pick", label="the pick")
    if unknown_y is not None:
        ax.axhline(separator, color="0.7", linewidth=0.8)
    ax.set_xscale("log")
    ax.set(xlim=xlim, ylim=ylim, xlabel="median latency on this CPU (ms, log scale)",
           ylabel="ImageNet top-1 % (published)")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10], integer=True))
    ticks = [t for t in ax.get_yticks() if separator + 0.02 * (ylim[1] - ylim[0]) < t <= ylim[1]]
    if rows["top1"].isna().all():  # nothing to read on the top-1 scale
        ticks = []
    labels = [f"{t:g}" for t in ticks]
    if unknown_y is not None:
        ticks, labels = ticks + [unknown_y], labels + ["unknown"]
    ax.set_yticks(ticks, labels)
    ax.set_ylim(ylim)
    ax.grid(True, which="major", alpha=0.3)
    return list(zip(x, y))


def _labels(fig, ax, rows, points, pick=None, obstacles=()):
    texts = [n if p == "fp32" else f"{n} {p}" for n, p in zip(rows["network"], rows["precision"])]
    weights = ["bold" if i == pick else "normal" for i in rows.index]
    return place_labels(fig, ax, points, texts, weights, line_segments(ax), obstacles)


_LEGEND_ORDER = ("fp32", "int8", "the pick", "a budget meets the front", "best top-1 within a budget",
                 "the same, fp32 only", "within the budget")


def _legend_above(fig, ax, ncol=4):
    """One legend above the axes, where it covers no point, in the same order in every figure."""
    found = dict(zip(*reversed(ax.get_legend_handles_labels())))
    labels = [k for k in _LEGEND_ORDER if k in found] + [k for k in found if k not in _LEGEND_ORDER]
    handles = [found[k] for k in labels]
    fig.legend(handles, labels, loc="outside upper center", ncol=min(ncol, len(labels)), fontsize="small",
               columnspacing=1.2, handlelength=1.6)


def budget_view(table, budget_ms, precision="any"):
    """What the explorer shows: which model to deploy within ``budget_ms`` and why (HTML, with the
    fitting rows in the course's table style), and the zoo with the budget drawn in; or why not."""
    from IPython.display import HTML

    from ..display import new_figure, show_table

    try:
        text = _summary(table, budget_ms, precision)
    except (TypeError, ValueError) as err:
        return HTML(f"<p><b>Not a valid setting:</b> {err}.</p>"), None
    budget = float(budget_ms)
    fits = budget_choice(table, budget, precision)
    if len(fits):
        shown = fits[list(ZOO_COLUMNS)].rename(columns=_HEADERS)
        shown.index = range(1, len(shown) + 1)
        shown.index.name = "rank"
        text += show_table(shown, formats={"latency (ms)": _ms}, decimals={"top-1 %": 1, "size (MB)": 1,
                                                                          "MACs (M)": 0},
                           caption=f"Within {budget:.3g} ms, most accurate first")._repr_html_()
    rows = _rows(table, precision).reset_index(drop=True)
    if len(rows) == 0:
        return HTML(text), None
    pick = None
    if len(fits):
        chosen = (rows["network"] == fits.iloc[0]["network"]) & (rows["precision"] == fits.iloc[0]["precision"])
        pick = rows.index[chosen][0]
    fig = new_figure(4.4)
    ax = fig.subplots()
    front = budget_front(rows)
    points = _zoo_axes(ax, rows, budget=budget, pick=pick,
                       fronts=[(front, dict(color="0.45", linewidth=1, label="best top-1 within a budget"))])
    _legend_above(fig, ax, ncol=3)
    _labels(fig, ax, rows, points, pick)
    return HTML(text), fig


def budget_explorer(table):
    """A log-scale budget slider over the table's latencies, and a precision menu when the table has both
    precisions; shows :func:`budget_view`."""
    import functools

    import ipywidgets as widgets

    rows = _check_table(table)
    # exponents on a 0.01 grid, from half the fastest latency to 1.5 x the slowest
    low = math.floor(100 * math.log10(rows["latency_ms"].min() / 2)) / 100
    high = math.ceil(100 * math.log10(rows["latency_ms"].max() * 1.5)) / 100
    start = 10 ** round((low + high) / 2, 2)  # the geometric middle of the range
    controls = {"budget_ms": widgets.FloatLogSlider(value=start, base=10, min=low, max=high, step=0.01,
                                                    description="budget (ms)", readout_format=".3g",
                                                    continuous_update=False, **look())}
    if set(rows["precision"]) >= {"fp32", "int8"}:  # a precision menu only when there is a choice
        controls["precision"] = widgets.Dropdown(options=[("fp32 or int8", "any"), ("fp32 only", "fp32"),
                                                          ("int8 only", "int8")],
                                                 value="any", description="precision", **look())
    return explore(functools.partial(budget_view, table), **controls)


def _example_budgets(rows, n=3):
    """Up to ``n`` round budgets (1, 2, 3, 5 x 10^k ms) with different picks: for each pick, the
    smallest round budget that reaches it, then ``n`` of those spread over the list."""
    front = budget_front(rows)
    first = {}
    for b in sorted(m * 10.0 ** e for e in range(-2, 6) for m in (1, 2, 3, 5)):
        reach = front[front["latency_ms"] <= b]
        if len(reach) and b <= 2 * rows["latency_ms"].max():
            first.setdefault(reach.index[-1], b)
    found = sorted(first.values())
    if len(found) <= n:
        return tuple(found)
    return tuple(found[round(k * (len(found) - 1) / (n - 1))] for k in range(n))


def budget_figure(table, budgets=None):
    """The explorer's question answered for every budget at once: the zoo's top-1 against latency,
    fp32 and int8 marked, and the Pareto front as a staircase (solid: both precisions; dashed: fp32
    only, where it differs). ``budgets`` (ms) are drawn as dotted lines, each with a ring where it
    meets the front; by default up to three round budgets with different picks, ``()`` for none."""
    from ..display import new_figure

    rows = _check_table(table).reset_index(drop=True)
    if budgets is None:
        budgets = _example_budgets(rows)
    if isinstance(budgets, str) or not hasattr(budgets, "__iter__"):
        raise TypeError(f"budgets must be a sequence of budgets in ms, e.g. (5, 20), got {budgets!r}")
    budgets = tuple(_check_budget(b) for b in budgets)
    front, fp32_front = budget_front(rows), budget_front(rows, "fp32")
    fronts = [(front, dict(color="black", linewidth=1.4, label="best top-1 within a budget"))]
    if not fp32_front.equals(front):
        fronts.append((fp32_front, dict(color="0.5", linewidth=1.2, linestyle="--", label="the same, fp32 only")))
    fig = new_figure(4.6)
    ax = fig.subplots()
    points = _zoo_axes(ax, rows, fronts=fronts, budgets=budgets)
    for b in budgets:
        reach = front[front["latency_ms"] <= b]
        if len(reach):
            ax.scatter([b], [reach["top1"].iloc[-1]], s=70, facecolors="none", edgecolors="0.2", linewidths=1.1,
                       zorder=4, gid="reach")
        text = ax.annotate(f"{b:g} ms", (b, 1), xycoords=("data", "axes fraction"), xytext=(3, -3),
                           textcoords="offset points", ha="left", va="top", fontsize="x-small", color="0.3")
        text.set_in_layout(False)
    if budgets:
        ax.scatter([], [], s=70, facecolors="none", edgecolors="0.2", linewidths=1.1,
                   label="a budget meets the front")
    _legend_above(fig, ax, ncol=3)
    fig.draw_without_rendering()
    obstacles = [tuple(t.get_window_extent().extents) for t in ax.texts]
    radius = 6 * fig.dpi / 72  # the rings where budgets meet the front
    obstacles += [(x - radius, y - radius, x + radius, y + radius) for c in ax.collections if c.get_gid() == "reach"
                  for x, y in ax.transData.transform(c.get_offsets())]
    _labels(fig, ax, rows, points, obstacles=obstacles)
    return fig


# --------------------------------------------------------------------------
# the zoo's latency against its counts (the chapter's first figure)


def _nice_ticks(low, high):
    """1-2-5 ticks between ``low`` and ``high`` (positive), for a log axis that labels plain numbers."""
    ticks, decade = [], 10 ** math.floor(math.log10(low))
    while decade <= high:
        ticks += [m * decade for m in (1, 2, 5) if low <= m * decade <= high]
        decade *= 10
    return ticks


def latency_figure(counts, eager_ms, onnx_ms):
    """Latency against each count, one log-log panel per count, every network labelled.

    ``counts`` maps an axis label (``"MACs (millions)"``) to a pandas Series indexed by
    network name; ``eager_ms`` and ``onnx_ms`` are Series of latencies with the same
    index. Eager PyTorch is drawn as filled dots, onnxruntime as open squares, joined
    by a thin line per network; labels go where they cover nothing.
    """
    import pandas as pd
    from matplotlib import ticker

    from ..display import new_figure

    series = [("eager_ms", eager_ms), ("onnx_ms", onnx_ms)] + [(f"counts[{k!r}]", v) for k, v in counts.items()]
    for name, value in series:
        if not isinstance(value, pd.Series):
            raise TypeError(f"{name} must be a pandas Series indexed by network, got {type(value).__name__}")
    names = list(eager_ms.index)
    if not counts or any(set(v.index) != set(names) for _, v in series):
        raise ValueError("counts, eager_ms and onnx_ms must be Series over the same networks, "
                         f"got indexes {[sorted(v.index) for _, v in series]}")
    if any((v <= 0).any() for _, v in series):
        raise ValueError("counts and latencies must be positive: they are drawn on log scales")
    fig = new_figure(3.6 * len(counts))
    axes = fig.subplots(len(counts), 1, squeeze=False)[:, 0]
    for ax, (label, x) in zip(axes, counts.items()):
        for name in names:
            ax.plot([x[name]] * 2, [eager_ms[name], onnx_ms[name]], color="0.75", lw=0.8, zorder=1)
        ax.scatter(x[names], eager_ms[names], color="tab:blue", s=22, zorder=2, label="eager PyTorch")
        ax.scatter(x[names], onnx_ms[names], facecolor="white", edgecolor="tab:orange", marker="s", s=22, zorder=3,
                   label="onnxruntime")
        ax.set(xscale="log", yscale="log", xlabel=label, ylabel="latency, 1 thread (ms)")
        ax.margins(x=0.15, y=0.2)
        for axis, values in ((ax.xaxis, x), (ax.yaxis, pd.concat([eager_ms, onnx_ms]))):
            axis.set_major_locator(ticker.FixedLocator(_nice_ticks(values.min() / 1.5, values.max() * 1.5)))
            axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,g}"))
            axis.set_minor_formatter(ticker.NullFormatter())
        ax.grid(True, which="major", color="0.92")
        ax.legend(loc="upper left", fontsize="small")
    fig.draw_without_rendering()
    for ax, x in zip(axes, counts.values()):
        legend = ax.get_legend().get_window_extent().extents
        points = [(x[n], eager_ms[n]) for n in names]
        place_labels(fig, ax, points, names, ["normal"] * len(names), line_segments(ax), obstacles=[tuple(legend)])
    return fig
