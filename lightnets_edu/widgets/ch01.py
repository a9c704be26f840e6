"""Chapter 1 explorer: the cost of one convolution, standard vs depthwise separable."""

from fractions import Fraction

from .. import cost
from ..display import new_figure, show_table
from ._explore import explore, look

__all__ = ["conv_cost_table", "conv_cost_view", "conv_cost_explorer", "conv_cost_figure"]


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
    shown = show_table(table, formats={"MACs / standard": "{:.4f}"})  # the course's one table style
    return HTML(shown._repr_html_() + note)


def conv_cost_explorer():
    """Sliders for C_in, C_out, K, H (= W), groups and bias; shows :func:`conv_cost_view`.

    Returns an ``ipywidgets.interactive``: display it in a notebook. Its
    ``.result`` is the last view shown, its ``.kwargs_widgets`` the controls.
    """
    import ipywidgets as widgets

    return explore(
        conv_cost_view,
        c_in=widgets.Dropdown(options=CHANNEL_CHOICES, value=64, description="C_in (M)",
                              **look()),
        c_out=widgets.Dropdown(options=CHANNEL_CHOICES, value=128, description="C_out (N)",
                               **look()),
        kernel=widgets.Dropdown(options=KERNEL_CHOICES, value=3, description="kernel K",
                                **look()),
        hw=widgets.SelectionSlider(options=SIZE_CHOICES, value=56, description="output H = W",
                                   **look()),
        groups=widgets.Dropdown(options=GROUP_CHOICES, value=1, description="groups g",
                                **look()),
        bias=widgets.Checkbox(value=False, description="bias", **look()),
    )


def conv_cost_figure(channels=256, hw=28, kernels=(1, 3, 5, 7, 9), groups=(1, 4, 32), n_max=1024):
    """The explorer's sweep as a static figure (a ``matplotlib.figure.Figure``), two panels stacked.

    Top: MACs of a ``channels -> channels`` conv at ``hw x hw`` against the
    kernel size, for several group counts, the depthwise conv (groups =
    channels) and the depthwise separable pair. Bottom: the separable / standard
    ratio ``1/N + 1/K^2`` against N for K = 3, 5, 7, with its floor ``1/K^2``.
    """
    fig = new_figure(6.2)
    macs_ax, ratio_ax = fig.subplots(2, 1)

    for g in groups:
        macs = [cost.conv2d(channels, channels, k, hw, groups=g).macs for k in kernels]
        macs_ax.plot(kernels, macs, marker="o", label=f"groups = {g}")
    macs_ax.plot(kernels, [cost.depthwise_conv(channels, k, hw).macs for k in kernels],
                 marker="s", label=f"depthwise ({channels})")
    macs_ax.plot(kernels, [cost.depthwise_separable(channels, channels, k, hw).macs for k in kernels],
                 marker="^", linestyle="--", color="black", label="separable")
    macs_ax.set(xlabel="kernel size K", ylabel="MACs", yscale="log", xticks=list(kernels),
                title=f"MACs of a {channels}→{channels} conv at {hw}×{hw}")
    macs_ax.grid(True, which="major", alpha=0.3)
    macs_ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))

    ns = [2 ** i for i in range(1, n_max.bit_length())]
    for k, color in zip((3, 5, 7), ("tab:blue", "tab:orange", "tab:green")):
        ratio_ax.plot(ns, [float(cost.separable_ratio(n, k)) for n in ns], marker=".", color=color,
                      label=f"K = {k}: 1/N + 1/{k * k}")
        ratio_ax.axhline(float(Fraction(1, k * k)), color=color, linestyle=":", linewidth=1)
    ratio_ax.set(xlabel="output channels N", ylabel="separable / standard", xscale="log",
                 yscale="log", title="Separable / standard cost (dotted: floor 1/K²)")
    ratio_ax.set_xscale("log", base=2)
    ratio_ax.set_xticks(ns[::2], [str(n) for n in ns[::2]])
    ticks = [t for t in (0.02, 0.05, 0.1, 0.2, 0.5, 1.0) if t <= 1 / 2 + 1 / 9]
    ratio_ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ratio_ax.minorticks_off()
    ratio_ax.grid(True, which="major", alpha=0.3)
    ratio_ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig
