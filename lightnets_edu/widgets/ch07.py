"""Chapter 7 explorer: MnasNet's reward ACC x (LAT / TAR)^w, the objective MobileNet v3 was searched with.

The search's controller maximises the reward over architectures. Which
latency it ends up at depends on how fast accuracy grows with latency in the
family being searched. Here that growth is a model, stated openly: accuracy
gains ``points_per_doubling`` points each time the latency doubles,

    ACC(L) = acc_at_target + points_per_doubling / 100 * log2(L / TAR),

which is how accuracy-latency frontiers look over a modest range. With it the
reward's maximum has a closed form (:func:`nas_reward_optimum`).
"""

import math

from ..models.mobilenet_v3 import mnasnet_reward
from ._explore import explore, look

__all__ = ["NAS_WEIGHTS", "nas_accuracy", "nas_reward_optimum", "nas_reward_table", "nas_reward_view",
           "nas_reward_explorer", "nas_reward_figure"]

#: Weights shown side by side: MnasNet's -0.07 (also MobileNet v3-Large's) and
#: MobileNet v3-Small's -0.15 (Section 4.1 of the paper), with a weaker and a stronger one.
NAS_WEIGHTS = (-0.03, -0.07, -0.15, -0.3)
RATIOS = tuple(2 ** (k / 8) for k in range(-24, 25))  # latency / target from 1/8 to 8


def _check(points_per_doubling, acc_at_target):
    if not isinstance(points_per_doubling, (int, float)) or isinstance(points_per_doubling, bool) \
            or not 0 < points_per_doubling < 50:
        raise ValueError(f"points_per_doubling must be a number in (0, 50), got {points_per_doubling!r}")
    if not isinstance(acc_at_target, (int, float)) or isinstance(acc_at_target, bool) or not 0 < acc_at_target < 1:
        raise ValueError(f"acc_at_target must be a fraction in (0, 1), got {acc_at_target!r}")


def nas_accuracy(ratio, points_per_doubling, acc_at_target):
    """The accuracy model at latency ``ratio`` x target, clipped to [0, 1]."""
    _check(points_per_doubling, acc_at_target)
    return min(1.0, max(0.0, acc_at_target + points_per_doubling / 100 * math.log2(ratio)))


def nas_reward_optimum(w, points_per_doubling, acc_at_target):
    """Latency / target where ``ACC(L) x (L / TAR)^w`` peaks, for the log-linear accuracy model.

    d log(reward) / d log L = (dACC / dlog L) / ACC + w vanishes where
    ``ACC(L*) = -(points / 100) / (w ln 2)``, i.e.
    ``log2(L* / TAR) = -1 / (w ln 2) - acc_at_target / (points / 100)``.
    Returns ``math.inf`` for ``w >= 0`` (the reward only grows with accuracy).
    """
    _check(points_per_doubling, acc_at_target)
    if not isinstance(w, (int, float)) or isinstance(w, bool):
        raise TypeError(f"w must be a number, got {w!r}")
    if w >= 0:
        return math.inf
    slope = points_per_doubling / 100
    return 2 ** (-1 / (w * math.log(2)) - acc_at_target / slope)


def nas_reward_table(points_per_doubling=3.6, acc_at_target=0.75, weights=NAS_WEIGHTS, ratios=RATIOS):
    """DataFrame: latency / target, the model's accuracy, and the reward for each ``w``
    (divided by its value at the target, so the curves share a scale)."""
    import pandas as pd

    _check(points_per_doubling, acc_at_target)
    rows = []
    for r in ratios:
        acc = nas_accuracy(r, points_per_doubling, acc_at_target)
        row = {"latency / target": r, "accuracy": acc}
        for w in weights:
            row[f"reward w={w:g}"] = mnasnet_reward(acc, r, 1.0, w) / acc_at_target
        rows.append(row)
    return pd.DataFrame(rows)


def _reward_axes(ax, points_per_doubling, acc_at_target, weights, highlight=None):
    table = nas_reward_table(points_per_doubling, acc_at_target, weights)
    for w in weights:
        style = dict(linewidth=2.5) if w == highlight else dict(linewidth=1.2, alpha=0.8)
        line, = ax.plot(table["latency / target"], table[f"reward w={w:g}"], label=f"w = {w:g}", **style)
        best = nas_reward_optimum(w, points_per_doubling, acc_at_target)
        if RATIOS[0] <= best <= RATIOS[-1]:
            acc = nas_accuracy(best, points_per_doubling, acc_at_target)
            ax.plot(best, mnasnet_reward(acc, best, 1.0, w) / acc_at_target, "o", color=line.get_color())
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    ax.set_xscale("log", base=2)
    ax.set(xlabel="latency / target (log scale)", ylabel="reward / reward at target")
    ax.set_title(f"+{points_per_doubling:g} points per 2x latency, {acc_at_target:.0%} at target",
                 fontsize="medium")
    ax.grid(True, alpha=0.3)


def _legend_above(fig, ax):
    """One legend above the panels, where it cannot cover a curve."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=len(labels), fontsize="small",
               title="reward weight (dots: where each reward peaks; dashes: the target)",
               title_fontsize="small", columnspacing=1.2, handlelength=1.5)


def nas_reward_view(w, points_per_doubling=3.6, acc_at_target=0.75):
    """What the explorer shows: where the reward with weight ``w`` peaks, and the curves."""
    from IPython.display import HTML

    from ..display import new_figure

    try:
        best = nas_reward_optimum(w, points_per_doubling, acc_at_target)
    except (TypeError, ValueError) as err:
        return HTML(f"<p><b>Not a valid setting:</b> {err}.</p>"), None
    balanced = -(points_per_doubling / 100) / (math.log(2) * acc_at_target)
    where = ("never: the reward keeps growing with latency" if math.isinf(best) else
             f"at <b>{best:.3g} x the target</b> latency")
    html = HTML(
        f"<p>With w = {w:g}, a network whose accuracy gains {points_per_doubling:g} points per doubling "
        f"of latency ({acc_at_target:.0%} at the target) gets its best reward {where}. "
        f"Doubling the latency multiplies the reward by 2<sup>w</sup> = {2 ** w:.3f}. "
        f"The weight that puts the peak on the target is w = {balanced:.3f}.</p>")
    weights = tuple(sorted(set(NAS_WEIGHTS) | {round(w, 3)}))
    fig = new_figure(4.0)
    ax = fig.subplots()
    _reward_axes(ax, points_per_doubling, acc_at_target, weights, highlight=round(w, 3))
    _legend_above(fig, ax)
    return html, fig


def nas_reward_explorer():
    """Sliders for ``w``, the accuracy slope and the accuracy at the target; shows :func:`nas_reward_view`."""
    import ipywidgets as widgets

    def slider(**kwargs):  # the course's one slider look: same label width, a visible track
        return widgets.FloatSlider(**look(),
                                   continuous_update=False, **kwargs)

    return explore(
        nas_reward_view,
        w=slider(value=-0.07, min=-0.5, max=-0.01, step=0.01, description="weight w", readout_format=".2f"),
        points_per_doubling=slider(value=3.6, min=0.5, max=12, step=0.1, description="points per 2x LAT",
                                   readout_format=".1f"),
        acc_at_target=slider(value=0.75, min=0.4, max=0.9, step=0.01, description="accuracy at target",
                             readout_format=".2f"),
    )


def nas_reward_figure(settings=((3.6, 0.75), (7.0, 0.67)), weights=NAS_WEIGHTS):
    """The explorer's sweep as a static figure: one panel per (points per doubling, accuracy at
    target) setting, stacked, the reward against latency for every weight, its peak marked."""
    from ..display import new_figure

    fig = new_figure(2.0 + 2.5 * len(settings))
    axes = fig.subplots(len(settings), 1, squeeze=False)[:, 0]
    for ax, (points, acc) in zip(axes, settings):
        _reward_axes(ax, points, acc, weights)
    _legend_above(fig, axes[0])
    return fig
