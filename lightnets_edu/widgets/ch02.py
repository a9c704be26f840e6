"""Chapter 2 explorer: MobileNet v1's width and resolution multipliers."""

from ..models.mobilenet_v1 import mobilenet_v1_cost
from ._explore import explore, look

__all__ = ["PAPER_V1_IMAGENET", "mobilenet_v1_sweep", "mobilenet_v1_view",
           "mobilenet_v1_explorer", "mobilenet_v1_figure", "mobilenet_v1_rule_figure"]

#: ImageNet top-1 accuracy (%) reported in the MobileNet paper (Howard et al., 2017),
#: keyed by (width multiplier alpha, input resolution): Table 6 (alpha at 224) and
#: Table 7 (resolution at alpha = 1). Cited reference data, not computed here.
PAPER_V1_IMAGENET = {
    (1.0, 224): 70.6, (0.75, 224): 68.4, (0.5, 224): 63.7, (0.25, 224): 50.6,
    (1.0, 192): 69.1, (1.0, 160): 67.2, (1.0, 128): 64.4,
}
V1_WIDTHS = (0.25, 0.5, 0.75, 1.0)
V1_RESOLUTIONS = (128, 160, 192, 224)


def mobilenet_v1_sweep(widths=V1_WIDTHS, resolutions=V1_RESOLUTIONS):
    """A DataFrame with one row per (alpha, resolution): MACs, params and the paper's top-1 if reported."""
    import pandas as pd

    rows = []
    for alpha in widths:
        for res in resolutions:
            c = mobilenet_v1_cost(alpha, res)
            rows.append({"alpha": alpha, "resolution": res, "MACs": c.macs, "params": c.params,
                         "paper top-1 % (printed)": PAPER_V1_IMAGENET.get((alpha, res))})
    return pd.DataFrame(rows)


def _accuracy_axes(ax, highlight=None):
    """Paper-reported ImageNet top-1 against our computed MACs; an optional vertical marker."""
    for (alpha, res), acc in sorted(PAPER_V1_IMAGENET.items()):
        macs = mobilenet_v1_cost(alpha, res).macs / 1e6
        marker, color = ("o", "tab:blue") if res == 224 else ("s", "tab:orange")
        ax.scatter(macs, acc, marker=marker, color=color, zorder=3)
        # Table 6's points (alpha at 224) are labelled below and right, Table 7's (resolution at
        # alpha = 1) above and left: the two series interleave, so their labels must not share a side.
        offset, align = ((4, -11), "left") if res == 224 else ((-4, 5), "right")
        ax.annotate(f"α={alpha:g}, {res}" if res == 224 else f"{res} px", (macs, acc),
                    textcoords="offset points", xytext=offset, ha=align, fontsize="small")
    ax.scatter([], [], marker="o", color="tab:blue", label="Table 6: α at 224 px")
    ax.scatter([], [], marker="s", color="tab:orange", label="Table 7: input size at α = 1")
    if highlight is not None:
        ax.axvline(highlight / 1e6, color="black", linestyle="--", linewidth=1, label="your setting")
    low, high = 25, 900  # the paper's points; widened when the marked setting lies outside them
    if highlight is not None:
        low, high = min(low, 0.8 * highlight / 1e6), max(high, 1.25 * highlight / 1e6)
    ax.set(xscale="log", xlim=(low, high), ylim=(48, 74), xlabel="MACs (millions, computed)",
           ylabel="top-1 % (paper, printed)", title="Where the paper's ImageNet models land")
    ticks = [t for t in (3, 6, 12, 25, 50, 100, 200, 400, 800, 1600, 3200) if low <= t <= high]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")


def mobilenet_v1_view(width_mult, resolution):
    """What the explorer shows: MACs and params of the setting as HTML, and a figure placing it
    among the paper's points."""
    from IPython.display import HTML

    from ..display import new_figure

    try:
        c = mobilenet_v1_cost(width_mult, resolution)
    except ValueError as err:
        return HTML(f"<p><b>Not a valid setting:</b> {err}.</p>"), None
    full = mobilenet_v1_cost(1.0, 224)
    reported = sorted((mobilenet_v1_cost(a, r).macs, a, r, acc) for (a, r), acc in PAPER_V1_IMAGENET.items())
    below = [p for p in reported if p[0] <= c.macs]
    above = [p for p in reported if p[0] > c.macs]

    def name(p):
        return f"α={p[1]:g} at {p[2]} ({p[0] / 1e6:.0f}M MACs, {p[3]}% in the paper)"

    where = []
    if below:
        where.append(f"above {name(below[-1])}")
    if above:
        where.append(f"below {name(above[0])}")
    html = HTML(
        f"<p>α = {width_mult:g}, input {resolution}×{resolution} (ρ = {resolution / 224:.3f}): "
        f"<b>{c.macs / 1e6:,.1f}M MACs</b> ({c.macs / full.macs:.1%} of α=1 at 224), "
        f"<b>{c.params / 1e6:.2f}M params</b> ({c.params / full.params:.1%}).<br>"
        f"Among the paper's ImageNet models it sits {' and '.join(where)}.</p>"
    )
    fig = new_figure(3.4)
    _accuracy_axes(fig.subplots(), highlight=c.macs)
    return html, fig


def mobilenet_v1_explorer():
    """Sliders for the width multiplier alpha and the input resolution; shows :func:`mobilenet_v1_view`."""
    import ipywidgets as widgets

    return explore(
        mobilenet_v1_view,
        width_mult=widgets.FloatSlider(value=1.0, min=0.1, max=1.5, step=0.05, description="width α",
                                       readout_format=".2f", continuous_update=False, **look()),
        resolution=widgets.SelectionSlider(options=(96, 128, 160, 192, 224, 256), value=224,
                                           description="input size (224 ρ)", **look(),
                                           continuous_update=False),
    )


def mobilenet_v1_figure(widths=V1_WIDTHS, resolutions=V1_RESOLUTIONS):
    """The explorer's sweep as a static figure, two panels stacked: MACs and parameters over the
    (alpha, resolution) grid, then the paper's reported accuracies against computed MACs."""
    from ..display import new_figure

    sweep = mobilenet_v1_sweep(widths, resolutions)
    grid = sweep.pivot(index="alpha", columns="resolution", values="MACs") / 1e6
    params = sweep.pivot(index="alpha", columns="resolution", values="params") / 1e6
    fig = new_figure(7.2)
    heat_ax, acc_ax = fig.subplots(2, 1, height_ratios=(1.1, 1))
    image = heat_ax.imshow(grid.values, origin="lower", cmap="viridis", aspect="auto")
    for i, alpha in enumerate(grid.index):
        for j, res in enumerate(grid.columns):
            heat_ax.text(j, i, f"{grid.loc[alpha, res]:.0f}M MACs\n{params.loc[alpha, res]:.2f}M par.",
                         ha="center", va="center", fontsize="small",
                         color="white" if grid.loc[alpha, res] < grid.values.max() / 2 else "black")
    heat_ax.set_xticks(range(len(grid.columns)), [str(r) for r in grid.columns])
    heat_ax.set_yticks(range(len(grid.index)), [f"{a:g}" for a in grid.index])
    heat_ax.set(xlabel="input size in pixels (224 ρ)", ylabel="width multiplier α",
                title="MACs and parameters, computed")
    fig.colorbar(image, ax=heat_ax, label="MACs (millions)")
    _accuracy_axes(acc_ax)
    return fig


def mobilenet_v1_rule_figure(widths=V1_WIDTHS, resolutions=V1_RESOLUTIONS):
    """How far the rules of thumb are off: MACs / (alpha^2 rho^2 x MACs at alpha = 1, 224), one line
    per resolution, and params / (alpha^2 x params at alpha = 1), against alpha."""
    from ..display import new_figure

    sweep = mobilenet_v1_sweep(widths, resolutions)
    full = mobilenet_v1_cost(1.0, 224)
    fig = new_figure(5.4)
    macs_ax, params_ax = fig.subplots(2, 1, sharex=True)
    for res in resolutions:
        part = sweep[sweep.resolution == res]
        rule = full.macs * part["alpha"] ** 2 * (res / 224) ** 2
        macs_ax.plot(part["alpha"], part["MACs"] / rule, marker="o", markersize=4, label=f"{res} px")
    part = sweep[sweep.resolution == resolutions[-1]]
    params_ax.plot(part["alpha"], part["params"] / (full.params * part["alpha"] ** 2), color="black",
                   marker="s", markersize=4)
    macs_ax.set(ylabel="MACs / rule", title="MACs / (α²ρ² × MACs at α = 1, 224 px)")
    params_ax.set(xlabel="width multiplier α", ylabel="params / rule", xticks=list(widths),
                  title="params / (α² × params at α = 1), any input size")
    for ax in (macs_ax, params_ax):
        ax.axhline(1.0, color="gray", linewidth=1)
        ax.grid(True, alpha=0.3)
    macs_ax.legend(fontsize="small", loc="upper right", title="input size", title_fontsize="small")
    return fig
