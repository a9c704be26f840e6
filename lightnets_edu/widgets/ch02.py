"""Chapter 2 explorer: MobileNet v1's width and resolution multipliers."""

from ..models.mobilenet_v1 import mobilenet_v1_cost
from ._explore import explore

__all__ = ["PAPER_V1_IMAGENET", "mobilenet_v1_sweep", "mobilenet_v1_view",
           "mobilenet_v1_explorer", "mobilenet_v1_figure"]

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
        ax.annotate(f"α={alpha:g}, {res}", (macs, acc), textcoords="offset points", xytext=(5, -10),
                    fontsize="small")
    ax.scatter([], [], marker="o", color="tab:blue", label="Table 6: α at 224 (paper, printed top-1)")
    ax.scatter([], [], marker="s", color="tab:orange", label="Table 7: resolution at α=1 (paper, printed)")
    if highlight is not None:
        ax.axvline(highlight / 1e6, color="black", linestyle="--", linewidth=1, label="your setting (MACs)")
    ax.set(xscale="log", xlabel="MACs (millions, computed)", ylabel="ImageNet top-1 % (paper, printed)",
           title="Where the paper's models land")
    ticks = (25, 50, 100, 200, 400, 800)
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")


def mobilenet_v1_view(width_mult, resolution):
    """What the explorer shows: MACs and params of the setting, and its place among the paper's points."""
    from IPython.display import HTML
    from matplotlib.figure import Figure

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
    fig = Figure(figsize=(6.5, 4), layout="constrained")
    _accuracy_axes(fig.subplots(), highlight=c.macs)
    return html, fig


def mobilenet_v1_explorer():
    """Sliders for the width multiplier alpha and the input resolution; shows :func:`mobilenet_v1_view`."""
    import ipywidgets as widgets

    style = {"description_width": "initial"}
    return explore(
        mobilenet_v1_view,
        width_mult=widgets.FloatSlider(value=1.0, min=0.1, max=1.5, step=0.05, description="width α",
                                       style=style, continuous_update=False),
        resolution=widgets.SelectionSlider(options=(96, 128, 160, 192, 224, 256), value=224,
                                           description="input size (224 ρ)", style=style,
                                           continuous_update=False),
    )


def mobilenet_v1_figure(widths=V1_WIDTHS, resolutions=V1_RESOLUTIONS):
    """The explorer's sweep as a static figure: MACs over the (alpha, resolution) grid,
    and the paper's reported accuracies against computed MACs."""
    from matplotlib.figure import Figure

    sweep = mobilenet_v1_sweep(widths, resolutions)
    grid = sweep.pivot(index="alpha", columns="resolution", values="MACs") / 1e6
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    heat_ax, acc_ax = fig.subplots(1, 2)
    image = heat_ax.imshow(grid.values, origin="lower", cmap="viridis", aspect="auto")
    for i, alpha in enumerate(grid.index):
        for j, res in enumerate(grid.columns):
            params = sweep[(sweep.alpha == alpha) & (sweep.resolution == res)]["params"].iloc[0]
            heat_ax.text(j, i, f"{grid.loc[alpha, res]:.0f}M\n{params / 1e6:.2f}M p", ha="center",
                         va="center", fontsize="small",
                         color="white" if grid.loc[alpha, res] < grid.values.max() / 2 else "black")
    heat_ax.set_xticks(range(len(grid.columns)), [str(r) for r in grid.columns])
    heat_ax.set_yticks(range(len(grid.index)), [f"{a:g}" for a in grid.index])
    heat_ax.set(xlabel="input resolution (224 ρ)", ylabel="width multiplier α",
                title="MobileNet v1: MACs (top) and params (bottom), computed")
    fig.colorbar(image, ax=heat_ax, label="MACs (millions)")
    _accuracy_axes(acc_ax)
    return fig
