"""Interactive explorers for the notebooks, each with a static figure for the book.

Every explorer comes in three small pieces, so each can be tested on its own:

1. a *table* function of plain integers, computed with :mod:`lightnets_edu.cost`
   (raises ``ValueError`` on an impossible combination);
2. a *view* function that turns the table, or the reason it cannot be computed,
   into something to display: a wrong setting is a readable message, never a
   traceback;
3. the *explorer*, an ``ipywidgets.interactive`` over the view, and a *figure*
   function that draws the same sweep with matplotlib for the rendered book,
   where widgets cannot compute.

ipywidgets, matplotlib and pandas are imported inside the functions, so
``import lightnets_edu.widgets`` stays cheap.
"""

from fractions import Fraction

from . import cost
from .models.mobilenet_v1 import mobilenet_v1_cost

__all__ = ["conv_cost_table", "conv_cost_view", "conv_cost_explorer", "conv_cost_figure"]


# ---------------------------------------------------------------- chapter 1: convolution cost

CHANNEL_CHOICES = (3, 16, 24, 32, 48, 64, 96, 128, 256, 512, 1024)
KERNEL_CHOICES = (1, 3, 5, 7)
SIZE_CHOICES = (7, 14, 28, 56, 112, 224)
GROUP_CHOICES = (1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def conv_cost_table(c_in, c_out, kernel, hw, groups=1, bias=False):
    """Params, MACs and FLOPs of a ``kernel x kernel`` conv and its depthwise separable alternative.

    ``hw`` is the output height (= width). Rows: the standard (possibly grouped)
    convolution, the depthwise and pointwise halves of the separable version and
    their sum; the last column is each row's MACs over the standard conv's.
    Raises ``ValueError`` when ``groups`` does not divide both channel counts.
    """
    import pandas as pd

    standard = cost.conv2d(c_in, c_out, kernel, hw, groups=groups, bias=bias)
    depthwise = cost.depthwise_conv(c_in, kernel, hw, bias=bias)
    pointwise = cost.pointwise_conv(c_in, c_out, hw, bias=bias)
    rows = {
        f"standard {kernel}x{kernel} conv (groups={groups})": standard,
        f"depthwise {kernel}x{kernel} (groups={c_in})": depthwise,
        "pointwise 1x1": pointwise,
        "depthwise separable (sum)": depthwise + pointwise,
    }
    table = pd.DataFrame(
        {
            "params": [c.params for c in rows.values()],
            "MACs": [c.macs for c in rows.values()],
            "FLOPs": [c.flops for c in rows.values()],
            "MACs / standard": [round(c.macs / standard.macs, 4) for c in rows.values()],
        },
        index=pd.Index(list(rows), name="layer"),
    )
    return table


def conv_cost_view(c_in, c_out, kernel, hw, groups=1, bias=False):
    """What the explorer shows: the styled table, or a message saying what to change."""
    from IPython.display import HTML

    try:
        table = conv_cost_table(c_in, c_out, kernel, hw, groups=groups, bias=bias)
    except ValueError as err:
        valid = [g for g in GROUP_CHOICES if c_in % g == 0 and c_out % g == 0]
        return HTML(
            f"<p><b>This combination is not a valid convolution:</b> {err}.<br>"
            f"Each group must get a whole number of input and output channels. "
            f"With C_in={c_in} and C_out={c_out}, choose groups from: "
            f"{', '.join(map(str, valid))}.</p>"
        )
    note = ""
    if groups == 1:
        ratio = cost.separable_ratio(c_out, kernel)
        note = (
            f"<p>Separable / standard MACs = 1/N + 1/K² = 1/{c_out} + 1/{kernel * kernel} "
            f"= {ratio} ≈ {float(ratio):.4f}"
            f"{'' if not bias else ' (bias-free; the biases add a little to both)'}.</p>"
        )
    formats = {"params": "{:,}", "MACs": "{:,}", "FLOPs": "{:,}", "MACs / standard": "{:.4f}"}
    formatted = table.style.set_uuid("conv_cost").format(formats)  # fixed uuid: stable HTML
    return HTML(formatted.to_html() + note)


def conv_cost_explorer():
    """Sliders for C_in, C_out, K, H (= W), groups and bias; shows :func:`conv_cost_view`.

    Returns an ``ipywidgets.interactive``: display it in a notebook. Its
    ``.result`` is the last view shown, its ``.kwargs_widgets`` the controls.
    """
    import ipywidgets as widgets
    from IPython.display import display

    def show(c_in, c_out, kernel, hw, groups, bias):
        view = conv_cost_view(c_in, c_out, kernel, hw, groups=groups, bias=bias)
        display(view)
        return view

    style = {"description_width": "initial"}
    return widgets.interactive(
        show,
        c_in=widgets.Dropdown(options=CHANNEL_CHOICES, value=64, description="C_in (M)", style=style),
        c_out=widgets.Dropdown(options=CHANNEL_CHOICES, value=128, description="C_out (N)", style=style),
        kernel=widgets.Dropdown(options=KERNEL_CHOICES, value=3, description="kernel K", style=style),
        hw=widgets.SelectionSlider(options=SIZE_CHOICES, value=56, description="output H = W", style=style),
        groups=widgets.Dropdown(options=GROUP_CHOICES, value=1, description="groups g", style=style),
        bias=widgets.Checkbox(value=False, description="bias"),
    )


def conv_cost_figure(channels=256, hw=28, kernels=(1, 3, 5, 7, 9), groups=(1, 4, 32), n_max=1024):
    """The explorer's sweep as a static figure (a ``matplotlib.figure.Figure``).

    Left: MACs of a ``channels -> channels`` conv at ``hw x hw`` against the
    kernel size, for several group counts, the depthwise conv (groups =
    channels) and the depthwise separable pair. Right: the separable / standard
    ratio ``1/N + 1/K^2`` against N for K = 3, 5, 7, with its floor ``1/K^2``.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    macs_ax, ratio_ax = fig.subplots(1, 2)

    for g in groups:
        macs = [cost.conv2d(channels, channels, k, hw, groups=g).macs for k in kernels]
        macs_ax.plot(kernels, macs, marker="o", label=f"groups = {g}")
    macs_ax.plot(kernels, [cost.depthwise_conv(channels, k, hw).macs for k in kernels],
                 marker="s", label=f"depthwise (groups = {channels})")
    macs_ax.plot(kernels, [cost.depthwise_separable(channels, channels, k, hw).macs for k in kernels],
                 marker="^", linestyle="--", color="black", label="depthwise separable")
    macs_ax.set(xlabel="kernel size K", ylabel="MACs", yscale="log", xticks=list(kernels),
                title=f"MACs of a {channels}→{channels} conv at {hw}×{hw}")
    macs_ax.grid(True, which="major", alpha=0.3)
    macs_ax.legend(fontsize="small")

    ns = [2 ** i for i in range(1, n_max.bit_length())]
    for k, color in zip((3, 5, 7), ("tab:blue", "tab:orange", "tab:green")):
        ratio_ax.plot(ns, [float(cost.separable_ratio(n, k)) for n in ns], marker=".", color=color,
                      label=f"K = {k}: 1/N + 1/{k * k}")
        ratio_ax.axhline(float(Fraction(1, k * k)), color=color, linestyle=":", linewidth=1)
    ratio_ax.set(xlabel="output channels N", ylabel="separable / standard cost", xscale="log",
                 yscale="log", title="Depthwise separable cost ratio (dotted: floor 1/K²)")
    ratio_ax.set_xscale("log", base=2)
    ratio_ax.set_xticks(ns[::2], [str(n) for n in ns[::2]])
    ticks = [t for t in (0.02, 0.05, 0.1, 0.2, 0.5, 1.0) if t <= 1 / 2 + 1 / 9]
    ratio_ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ratio_ax.minorticks_off()
    ratio_ax.grid(True, which="major", alpha=0.3)
    ratio_ax.legend(fontsize="small")
    return fig


# ---------------------------------------------------------------- chapter 2: MobileNet v1 knobs

__all__ += ["PAPER_V1_IMAGENET", "mobilenet_v1_sweep", "mobilenet_v1_view",
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
    from IPython.display import display

    def show(width_mult, resolution):
        html, fig = mobilenet_v1_view(width_mult, resolution)
        display(html)
        if fig is not None:
            display(fig)
        return html

    style = {"description_width": "initial"}
    return widgets.interactive(
        show,
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
