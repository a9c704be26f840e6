"""Chapter 3 explorer: SqueezeNet's design space, the squeeze ratio SR and pct3x3 (the paper's Fig. 3).

The figures plot params and MACs as multiples of SqueezeNet 1.0's (1,248,424 params = 4.76 MB,
819M MACs at 224): both grow linearly along each sweep, MACs faster.
"""

from .. import cost
from ..models.squeezenet import squeezenet_metaparams_cost
from ._explore import explore, look

__all__ = ["PAPER_FIG3", "SR_VALUES", "PCT3X3_VALUES", "squeezenet_design_sweep", "squeezenet_design_view",
           "squeezenet_design_explorer", "squeezenet_design_figure"]

#: ImageNet top-5 accuracy (%) and model size (MB) reported in the SqueezeNet paper
#: (Iandola et al., 2016), Section 5 and Fig. 3, keyed by (sweep, value). Only the
#: values stated in the text are here; the figure's other points are not typed in.
#: Fig. 3(a) varies SR with pct3x3 = 0.5; Fig. 3(b) varies pct3x3 with SR = 0.5.
#: Cited reference data, not computed here (None: the text gives no number).
PAPER_FIG3 = {
    ("SR", 0.125): {"top-5 %": 80.3, "MB": 4.8},   # "80.3% ... with a 4.8MB model"
    ("SR", 0.75): {"top-5 %": 86.0, "MB": 19.0},   # "86.0% with a 19MB model", the plateau
    ("pct3x3", 0.5): {"top-5 %": 85.6, "MB": None},  # "plateaus at 85.6% using 50% 3x3 filters"
}
SR_VALUES = (0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0)
PCT3X3_VALUES = (0.01, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 0.99)
SWEEP_SR_FOR_PCT = 0.5  # Fig. 3(b)'s squeeze ratio
SWEEP_PCT_FOR_SR = 0.5  # Fig. 3(a)'s pct3x3

# Where each cited point's label goes, in axes fractions (x, y, horizontal alignment): in the
# empty corner away from both curves (they rise from lower left to upper right), with an arrow.
_LABEL_AT = {("SR", 0.125): (0.04, 0.95, "left"), ("SR", 0.75): (0.97, 0.06, "right"),
             ("pct3x3", 0.5): (0.97, 0.06, "right")}


def _row(sweep, squeeze_ratio, pct3x3, resolution):
    c = squeezenet_metaparams_cost(squeeze_ratio=squeeze_ratio, pct3x3=pct3x3, resolution=resolution)
    paper = PAPER_FIG3.get((sweep, squeeze_ratio if sweep == "SR" else pct3x3), {})
    return {"sweep": sweep, "SR": squeeze_ratio, "pct3x3": pct3x3, "params": c.params, "MACs": c.macs,
            "MB (32 bit)": round(c.params * 4 / cost.MIB, 2),
            "paper MB (printed)": paper.get("MB"), "paper top-5 % (printed)": paper.get("top-5 %")}


def squeezenet_design_sweep(squeeze_ratios=SR_VALUES, pct3x3s=PCT3X3_VALUES, resolution=224):
    """The paper's two sweeps as a DataFrame: SR at pct3x3 = 0.5, then pct3x3 at SR = 0.5.

    Params and MACs are computed from the Section 5 metaparameters (base_e =
    incr_e = 128, freq = 2, SqueezeNet 1.0's stem and pooling); the paper's
    numbers are added where its text states them.
    """
    import pandas as pd

    rows = [_row("SR", sr, SWEEP_PCT_FOR_SR, resolution) for sr in squeeze_ratios]
    rows += [_row("pct3x3", SWEEP_SR_FOR_PCT, p, resolution) for p in pct3x3s]
    return pd.DataFrame(rows)


def _sweep_axes(ax, sweep, x, highlight=None):
    """Params and MACs along one sweep, as multiples of SqueezeNet 1.0's, with the paper's points labelled."""
    table = squeezenet_design_sweep()
    part = table[table["sweep"] == sweep]
    base = squeezenet_metaparams_cost()
    ax.plot(part[x], part["params"] / base.params, "o-", color="tab:blue", label="params (computed)")
    ax.plot(part[x], part["MACs"] / base.macs, "s--", color="tab:orange", label="MACs at 224 (computed)")
    for _, row in part.dropna(subset=["paper top-5 % (printed)"]).iterrows():
        printed_mb = row["paper MB (printed)"]
        size = "" if printed_mb is None or printed_mb != printed_mb else f" at {printed_mb:g} MB"
        point = (row[x], row["params"] / base.params)
        ax.scatter(*point, s=120, facecolors="none", edgecolors="tab:green", zorder=3,
                   label="paper's top-5 (printed)")
        tx, ty, ha = _LABEL_AT[(sweep, row[x])]
        ax.annotate(f"paper: {row['paper top-5 % (printed)']:.1f}% top-5{size}\nours: {row['MB (32 bit)']:.2f} MB",
                    point, xytext=(tx, ty), textcoords="axes fraction", ha=ha, va="top" if ty > 0.5 else "bottom",
                    fontsize="small", color="tab:green",
                    arrowprops=dict(arrowstyle="->", color="tab:green", linewidth=0.8, shrinkB=7))
    if highlight is not None:
        ax.axvline(highlight, color="black", linestyle=":", linewidth=1, label="your setting")
    fixed = f"pct3x3 = {SWEEP_PCT_FOR_SR}" if sweep == "SR" else f"SR = {SWEEP_SR_FOR_PCT}"
    ax.set(xlabel=x if x == "pct3x3" else "squeeze ratio SR", ylabel="x SqueezeNet 1.0",
           title=f"Fig. 3({'a' if sweep == 'SR' else 'b'}): {x} sweep at {fixed}")
    ax.set_ylim(0, None)
    ax.grid(True, alpha=0.3)


def _two_sweeps(height, squeeze_ratio=None, pct3x3=None):
    """The two sweeps stacked (each as wide as the column), with one legend above them."""
    from ..display import new_figure

    fig = new_figure(height)
    ax_sr, ax_pct = fig.subplots(2, 1)
    _sweep_axes(ax_sr, "SR", "SR", highlight=squeeze_ratio)
    _sweep_axes(ax_pct, "pct3x3", "pct3x3", highlight=pct3x3)
    handles, labels = ax_sr.get_legend_handles_labels()
    unique = dict(zip(labels, handles))  # the paper's circle once, however many points carry it
    fig.legend(unique.values(), unique.keys(), loc="outside upper center", ncol=2, fontsize="small")
    return fig


def squeezenet_design_view(squeeze_ratio, pct3x3):
    """What the explorer shows: the Fire modules, size and MACs of a design, and the two sweeps."""
    import pandas as pd
    from IPython.display import HTML

    from ..display import show_table

    try:
        fires = cost.fire_channels(pct3x3=pct3x3, squeeze_ratio=squeeze_ratio)
        c = squeezenet_metaparams_cost(pct3x3=pct3x3, squeeze_ratio=squeeze_ratio)
    except (TypeError, ValueError) as err:
        return HTML(f"<p><b>Not a valid setting:</b> {err}.</p>"), None
    base = squeezenet_metaparams_cost()
    modules = pd.DataFrame(fires, columns=["s1x1", "e1x1", "e3x3"],
                           index=[f"fire{i + 2}" for i in range(len(fires))]).T
    html = HTML(
        f"<p>SR = {squeeze_ratio:g}, pct3x3 = {pct3x3:g}: <b>{c.params:,} params</b> "
        f"(<b>{c.params * 4 / cost.MIB:.1f} MB</b> at 32 bits, {c.params / base.params:.2f}x SqueezeNet 1.0), "
        f"<b>{c.macs / 1e6:,.0f}M MACs</b> at 224 ({c.macs / base.macs:.2f}x).</p>"
        + show_table(modules, caption="filters of each Fire module")._repr_html_()
    )
    return html, _two_sweeps(5.6, squeeze_ratio, pct3x3)


def squeezenet_design_explorer():
    """Sliders for the squeeze ratio SR and pct3x3; shows :func:`squeezenet_design_view`."""
    import ipywidgets as widgets

    def slider(**kwargs):  # the course's one slider look: same label width, a visible track
        return widgets.FloatSlider(**look(),
                                   continuous_update=False, **kwargs)

    return explore(
        squeezenet_design_view,
        squeeze_ratio=slider(value=0.125, min=0.125, max=1.0, step=0.125, description="squeeze ratio SR",
                             readout_format=".3f"),
        pct3x3=slider(value=0.5, min=0.01, max=0.99, step=0.01, description="pct3x3", readout_format=".2f"),
    )


def squeezenet_design_figure():
    """The explorer's two sweeps as a static figure for the book (no setting highlighted)."""
    return _two_sweeps(5.6)
