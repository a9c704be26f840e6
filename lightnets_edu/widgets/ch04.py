"""Chapter 4 explorer: a CIFAR DenseNet's depth, growth rate k, compression theta and bottleneck.

The table and the figure are computed with :mod:`lightnets_edu.cost` through
:func:`lightnets_edu.models.densenet.densenet_cost_table`, which the tests
check against the profiled models.
"""

from ..display import new_figure
from ..models.densenet import densenet_cifar_config, densenet_cost_table
from ._explore import explore, look

__all__ = ["PAPER_TABLE_2_PARAMS", "densenet_cifar_table", "densenet_layer_widths", "densenet_view",
           "densenet_explorer", "densenet_figure"]

#: Parameters (millions) printed in Table 2 of the DenseNet paper (Huang et al., 2017),
#: keyed by (depth L, growth rate k, DenseNet-BC?). Cited reference data, not computed here.
PAPER_TABLE_2_PARAMS = {
    (40, 12, False): 1.0, (100, 12, False): 7.0, (100, 24, False): 27.2,
    (100, 12, True): 0.8, (250, 24, True): 15.3, (190, 40, True): 25.6,
}


def _cifar_rows(depth, growth_rate, bottleneck, compression, resolution=32):
    block_config, init, bn_size = densenet_cifar_config(depth, growth_rate, bottleneck, compression)
    return densenet_cost_table(growth_rate, block_config, init, bn_size, compression, num_classes=10,
                               resolution=resolution, small_inputs=True)


def densenet_cifar_table(depth, growth_rate, bottleneck=False, compression=1.0, resolution=32):
    """One row per stage of ``densenet_cifar(depth, growth_rate, bottleneck, compression)``:
    channels in and out, output size, params and MACs (per 32x32 image), with a total row."""
    import pandas as pd

    table = pd.DataFrame(_cifar_rows(depth, growth_rate, bottleneck, compression, resolution)).set_index("stage")
    table = table.astype({"c_in": object, "c_out": object})  # the total row leaves them blank
    table.loc["total"] = ["", "", "", table["params"].sum(), table["MACs"].sum()]
    return table


def densenet_layer_widths(depth, growth_rate, bottleneck=False, compression=1.0):
    """Channels entering each dense layer, in order: k0, k0 + k, ... per block, reset by transitions."""
    block_config, _, _ = densenet_cifar_config(depth, growth_rate, bottleneck, compression)
    blocks = [row for row in _cifar_rows(depth, growth_rate, bottleneck, compression)
              if row["stage"].startswith("denseblock")]
    return [row["c_in"] + i * growth_rate for row, layers in zip(blocks, block_config) for i in range(layers)]


def _widths_axes(ax, settings):
    for depth, k, bottleneck, theta in settings:
        widths = densenet_layer_widths(depth, k, bottleneck, theta)
        name = f"{'DenseNet-BC' if bottleneck and theta < 1 else 'DenseNet'} L={depth}, k={k}"
        ax.step(range(1, len(widths) + 1), widths, where="mid", label=name)
    ax.set(xlabel="dense layer (all blocks, in order)", ylabel="channels entering the layer",
           title="$k_0 + (\\ell-1)k$ inside a block; transitions cut by θ")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")


# where each printed Table 2 point's label goes (offset in points, alignment): clear of the
# curves and of each other, and inside the axes
_LABEL_PLACES = {(40, 12, False): ((-7, 3), "right"), (100, 12, False): ((-6, 4), "right"),
                 (100, 24, False): ((-6, -3), "right"), (100, 12, True): ((6, -9), "left"),
                 (250, 24, True): ((-6, -10), "right"), (190, 40, True): ((-6, -10), "right")}


def _params_axes(ax, growth_rate=12, highlight=None):
    for bottleneck, theta, depths, marker in ((False, 1.0, range(10, 131, 6), "tab:blue"),
                                              (True, 0.5, range(10, 251, 6), "tab:orange")):
        params = [sum(r["params"] for r in _cifar_rows(d, growth_rate, bottleneck, theta)) / 1e6 for d in depths]
        ax.plot(list(depths), params, color=marker,
                label=f"{'DenseNet-BC' if bottleneck else 'DenseNet'} k={growth_rate} (computed)")
    for (depth, k, bc), printed in PAPER_TABLE_2_PARAMS.items():
        ax.scatter(depth, printed, color="black", marker="x", zorder=3)
        offset, align = _LABEL_PLACES.get((depth, k, bc), ((4, 4), "left"))
        ax.annotate(f"L={depth}, k={k}{' BC' if bc else ''}", (depth, printed), textcoords="offset points",
                    xytext=offset, ha=align, fontsize="x-small")
    ax.scatter([], [], color="black", marker="x", label="Table 2 (paper, printed)")
    if highlight is not None:
        ax.scatter(*highlight, color="red", s=60, zorder=4, label="your setting")
    ax.set(xlabel="depth L", ylabel="parameters (millions)", yscale="log",
           title="Parameters grow quadratically with depth")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", loc="lower right")


def densenet_view(depth, growth_rate, compression, bottleneck):
    """What the explorer shows: channels per layer, params and MACs of one CIFAR setting."""
    from IPython.display import HTML

    try:
        table = densenet_cifar_table(depth, growth_rate, bottleneck, compression)
        widths = densenet_layer_widths(depth, growth_rate, bottleneck, compression)
    except (TypeError, ValueError) as err:
        return HTML(f"<p><b>Not a valid setting:</b> {err}.</p>"), None
    total = table.loc["total"]
    blocks = table[table.index.str.startswith("denseblock")]
    html = HTML(
        f"<p>{'DenseNet-BC' if bottleneck and compression < 1 else 'DenseNet'}, L = {depth}, k = {growth_rate}, "
        f"θ = {compression:g}, bottleneck {'on (4k)' if bottleneck else 'off'}: "
        f"{len(blocks)} blocks of {len(widths) // len(blocks)} layers; "
        f"channels leaving the blocks: {', '.join(str(c) for c in blocks['c_out'])}.<br>"
        f"<b>{total['params'] / 1e6:.3f}M params</b>, <b>{total['MACs'] / 1e6:,.1f}M MACs</b> per 32×32 image; "
        f"the dense blocks hold {blocks['params'].sum() / total['params']:.1%} of the parameters.</p>"
    )
    fig = new_figure(6.4)  # two panels stacked: side by side, their labels would be unreadable
    width_ax, params_ax = fig.subplots(2, 1)
    _widths_axes(width_ax, [(depth, growth_rate, bottleneck, compression)])
    _params_axes(params_ax, growth_rate, highlight=(depth, total["params"] / 1e6))
    return html, fig


def densenet_explorer():
    """Sliders for depth, growth rate and theta, and a bottleneck toggle; shows :func:`densenet_view`."""
    import ipywidgets as widgets


    return explore(
        densenet_view,
        depth=widgets.IntSlider(value=40, min=10, max=250, step=6, description="depth L",
                                continuous_update=False, **look()),
        growth_rate=widgets.IntSlider(value=12, min=4, max=48, step=4, description="growth rate k",
                                      continuous_update=False, **look()),
        compression=widgets.FloatSlider(value=1.0, min=0.1, max=1.0, step=0.1, description="compression θ",
                                        readout_format=".1f", continuous_update=False, **look()),
        bottleneck=widgets.Checkbox(value=False, description="bottleneck (1×1 to 4k)", **look()),
    )


def densenet_figure():
    """The explorer's sweep as a static figure: channels entering each layer for Table 2's
    k = 12 models, and parameters against depth for DenseNet and DenseNet-BC (k = 12)."""
    fig = new_figure(6.4)  # stacked, as wide as the book's column
    width_ax, params_ax = fig.subplots(2, 1)
    _widths_axes(width_ax, [(40, 12, False, 1.0), (100, 12, True, 0.5)])
    _params_axes(params_ax, 12)
    return fig
