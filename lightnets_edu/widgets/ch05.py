"""Chapter 5 explorer: MobileNet v2's width multiplier, resolution and expansion ratio.

Each setting gives parameters and MACs (:func:`~lightnets_edu.models.mobilenet_v2.mobilenet_v2_cost`)
and the peak activation memory of one image
(:func:`~lightnets_edu.models.mobilenet_v2.mobilenet_v2_peak_memory`), whole and with
every block evaluated in t splits (the paper's Section 5).
"""

from ..display import new_figure
from ..models.mobilenet_v2 import mobilenet_v2_cost, mobilenet_v2_peak_memory, with_expand_ratio
from ._explore import explore, look

__all__ = ["PAPER_V2_TABLE4", "mobilenet_v2_table", "mobilenet_v2_sweep", "mobilenet_v2_view",
           "mobilenet_v2_explorer", "mobilenet_v2_figure"]

#: The paper's Table 4 (Sandler et al., 2018): width multiplier -> (ImageNet top-1 %,
#: params M, MAdds M) as printed. Cited reference data, not computed here.
PAPER_V2_TABLE4 = {1.0: (72.0, 3.4, 300), 1.4: (74.7, 6.9, 585)}
V2_WIDTHS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
V2_RESOLUTIONS = (96, 128, 160, 192, 224)
V2_EXPANSIONS = (1, 2, 3, 4, 6, 8, 10)
BYTES_PER_VALUE = 2  # 16-bit activations, the paper's Table 3 convention


def mobilenet_v2_table(width_mult=1.0, resolution=224, expand_ratio=6):
    """One setting as a dict: params, MACs, and peak activation memory (values and KB at 16 bits)."""
    setting = with_expand_ratio(expand_ratio)
    c = mobilenet_v2_cost(width_mult, resolution, setting=setting)
    whole = mobilenet_v2_peak_memory(width_mult, resolution, setting=setting)
    split = mobilenet_v2_peak_memory(width_mult, resolution, setting=setting, split=True)
    return {"width_mult": width_mult, "resolution": resolution, "expand_ratio": expand_ratio,
            "params": c.params, "MACs": c.macs,
            "peak values (whole blocks)": whole, "peak values (t splits)": split,
            "peak KB, 16-bit (whole)": BYTES_PER_VALUE * whole / 1000,
            "peak KB, 16-bit (t splits)": BYTES_PER_VALUE * split / 1000}


def mobilenet_v2_sweep(widths=V2_WIDTHS, resolutions=V2_RESOLUTIONS, expand_ratios=(6,)):
    """A DataFrame with one row per (width, resolution, expansion ratio)."""
    import pandas as pd

    return pd.DataFrame([mobilenet_v2_table(w, r, t) for t in expand_ratios for w in widths for r in resolutions])


def mobilenet_v2_view(width_mult, resolution, expand_ratio):
    """What the explorer shows: the setting's costs as HTML, and a bar chart against the paper's default."""
    from IPython.display import HTML

    try:
        row = mobilenet_v2_table(width_mult, resolution, expand_ratio)
    except (ValueError, TypeError) as err:
        return HTML(f"<p><b>Not a valid setting:</b> {err}.</p>"), None
    ref = mobilenet_v2_table(1.0, 224, 6)
    html = HTML(
        f"<p>width {width_mult:g}, input {resolution}×{resolution}, t = {expand_ratio:g}: "
        f"<b>{row['MACs'] / 1e6:,.1f}M MACs</b> ({row['MACs'] / ref['MACs']:.1%} of the paper's network), "
        f"<b>{row['params'] / 1e6:.2f}M params</b> ({row['params'] / ref['params']:.1%}); "
        f"peak activations {row['peak KB, 16-bit (whole)']:,.0f} KB at 16 bits with whole blocks, "
        f"{row['peak KB, 16-bit (t splits)']:,.0f} KB with each block evaluated in t splits.</p>")
    fig = new_figure(2.4)
    ax = fig.subplots()
    names = ["MACs", "params", "peak KB, 16-bit (whole)", "peak KB, 16-bit (t splits)"]
    labels = ["MACs", "params", "peak, whole", "peak, t splits"]
    ax.barh(labels, [row[n] / ref[n] for n in names], color=["tab:blue", "tab:orange", "tab:green", "tab:olive"])
    ax.invert_yaxis()
    ax.axvline(1.0, color="black", linewidth=1, linestyle="--")
    ax.set(xlabel="relative to the paper's network (width 1, 224, t = 6)", title="Your setting")
    return html, fig


def mobilenet_v2_explorer():
    """Sliders for width multiplier, input resolution and expansion ratio; shows :func:`mobilenet_v2_view`."""
    import ipywidgets as widgets

    return explore(
        mobilenet_v2_view,
        width_mult=widgets.SelectionSlider(options=V2_WIDTHS, value=1.0, description="width multiplier",
                                           **look(), continuous_update=False),
        resolution=widgets.SelectionSlider(options=V2_RESOLUTIONS, value=224, description="input size",
                                           **look(), continuous_update=False),
        expand_ratio=widgets.SelectionSlider(options=V2_EXPANSIONS, value=6, description="expansion ratio t",
                                             **look(), continuous_update=False),
    )


def mobilenet_v2_figure(widths=V2_WIDTHS, resolutions=V2_RESOLUTIONS, expand_ratios=V2_EXPANSIONS):
    """The explorer's sweep as a static figure, two panels stacked: MACs and params over
    width x resolution (t = 6), then MACs, params and peak memory against the expansion
    ratio (width 1, 224)."""
    grid = mobilenet_v2_sweep(widths, resolutions)
    macs = grid.pivot(index="width_mult", columns="resolution", values="MACs") / 1e6
    params = grid.pivot(index="width_mult", columns="resolution", values="params") / 1e6
    by_t = mobilenet_v2_sweep((1.0,), (224,), expand_ratios).set_index("expand_ratio")

    fig = new_figure(7.6)
    heat_ax, t_ax = fig.subplots(2, 1, height_ratios=(1.25, 1))
    image = heat_ax.imshow(macs.values, origin="lower", cmap="viridis", aspect="auto")
    for i, w in enumerate(macs.index):
        for j, r in enumerate(macs.columns):
            heat_ax.text(j, i, f"{macs.loc[w, r]:.0f}M\n{params.loc[w, r]:.2f}M p", ha="center", va="center",
                         fontsize="x-small", color="white" if macs.loc[w, r] < macs.values.max() / 2 else "black")
    heat_ax.set_xticks(range(len(macs.columns)), [str(r) for r in macs.columns])
    heat_ax.set_yticks(range(len(macs.index)), [f"{w:g}" for w in macs.index])
    heat_ax.set(xlabel="input resolution", ylabel="width multiplier",
                title="t = 6: MACs (top line), params (bottom)")
    fig.colorbar(image, ax=heat_ax, label="MACs (millions)")

    t_ax.plot(by_t.index, by_t["MACs"] / 1e6, "o-", label="MACs (M)")
    t_ax.plot(by_t.index, by_t["params"] / 1e5, "s-", label="params (×100K)")
    t_ax.plot(by_t.index, by_t["peak KB, 16-bit (whole)"] / 10, "^-", label="peak, whole (×10 KB)")
    t_ax.plot(by_t.index, by_t["peak KB, 16-bit (t splits)"] / 10, "v--", label="peak, t splits (×10 KB)")
    t_ax.axvline(6, color="grey", linewidth=1, linestyle=":")
    t_ax.set(xlabel="expansion ratio t (all rows of Table 2 but the first)", ylabel="value (legend units)",
             title="Width 1.0 at 224: what t costs")
    t_ax.grid(True, alpha=0.3)
    t_ax.legend(fontsize="small", loc="upper left")
    return fig
