"""Chapter 6 explorer: ShuffleNet v1's groups g and scale factor s -> channels, params, MACs."""

from .. import cost
from ..models.shufflenet import (PRINTED_V1_TABLE_1_MFLOPS, PRINTED_V1_TABLE_2_MFLOPS, SHUFFLENET_V1_GROUPS,
                                 SHUFFLENET_V1_SCALES, shufflenet_v1_channels, shufflenet_v1_cost)
from ._explore import explore, look

__all__ = ["shufflenet_v1_table", "shufflenet_v1_sweep", "shufflenet_v1_view", "shufflenet_v1_explorer",
           "shufflenet_v1_figure"]

STAGES = ("Conv1", "Stage2", "Stage3", "Stage4")


def shufflenet_v1_table(groups=3, scale=1.0, resolution=224):
    """One row per stage of ShuffleNet ``scale`` x with ``groups``: output channels and the
    bottleneck (a quarter of the stage's channels) with its channels per group."""
    import pandas as pd

    channels = shufflenet_v1_channels(groups, scale)
    rows = [{"stage": STAGES[0], "output channels": channels[0], "bottleneck m": None, "m per group": None}]
    for stage, c in zip(STAGES[1:], channels[1:]):
        rows.append({"stage": stage, "output channels": c, "bottleneck m": c // 4, "m per group": c // 4 // groups})
    table = pd.DataFrame(rows).set_index("stage")
    table.attrs["cost"] = shufflenet_v1_cost(groups, scale, resolution)
    return table


def shufflenet_v1_sweep(groups=SHUFFLENET_V1_GROUPS, scales=SHUFFLENET_V1_SCALES, resolution=224):
    """A DataFrame with one row per (g, s): stage channels, params, MACs with and without the FC layer,
    and the paper's printed complexity where Table 1 (1x) or Table 2 (per s) gives one."""
    import pandas as pd

    rows = []
    for g in groups:
        for s in scales:
            c = shufflenet_v1_cost(g, s, resolution)
            channels = shufflenet_v1_channels(g, s)
            fc = cost.linear(channels[-1], 1000).macs  # the FC layer, 1000 classes
            printed = PRINTED_V1_TABLE_1_MFLOPS.get(g) if s == 1.0 else PRINTED_V1_TABLE_2_MFLOPS.get(s)
            rows.append({"g": g, "s": s, "channels": channels, "params": c.params, "MACs": c.macs,
                         "MACs without FC": c.macs - fc, "paper MFLOPs (printed)": printed})
    return pd.DataFrame(rows)


def shufflenet_v1_view(groups, scale):
    """What the explorer shows for (g, s): one HTML block with the network's cost and its stage
    table in the course's table style, or why the setting cannot be built."""
    from IPython.display import HTML

    from ..display import show_table

    try:
        table = shufflenet_v1_table(groups, scale)
    except (TypeError, ValueError) as err:
        return HTML(f"<p><b>Not a valid setting:</b> {err}.</p>")
    c = table.attrs["cost"]
    ref = shufflenet_v1_cost(3, 1.0)
    summary = (
        f"<p>ShuffleNet {scale:g}× with g = {groups}: <b>{c.macs / 1e6:,.1f}M MACs</b> "
        f"(multiply-accumulates, FC included; {c.macs / ref.macs:.1%} of 1× g = 3), "
        f"<b>{c.params / 1e6:.2f}M params</b> ({c.params / ref.params:.1%}).</p>"
    )
    stages = show_table(table, caption="Channels per stage")
    return HTML(summary + stages._repr_html_())


def shufflenet_v1_explorer():
    """A dropdown for g and a slider for s; shows :func:`shufflenet_v1_view`."""
    import ipywidgets as widgets

    return explore(
        shufflenet_v1_view,
        groups=widgets.Dropdown(options=SHUFFLENET_V1_GROUPS, value=3, description="groups g", **look()),
        scale=widgets.SelectionSlider(options=(0.25, 0.5, 0.75, 1.0, 1.5, 2.0), value=1.0,
                                      description="scale s", continuous_update=False,
                                      **look()),
    )


def shufflenet_v1_figure(groups=SHUFFLENET_V1_GROUPS, scales=SHUFFLENET_V1_SCALES):
    """The explorer's sweep as a static figure, three panels stacked: MACs, params and Stage3 width
    against g, one line per s (one legend for s above the panels)."""
    from ..display import new_figure

    sweep = shufflenet_v1_sweep(groups, scales)
    fig = new_figure(7.2)
    macs_ax, params_ax, width_ax = fig.subplots(3, 1, sharex=True)
    x = [str(g) for g in groups]
    for s in scales:
        part = sweep[sweep.s == s].set_index("g").loc[list(groups)]
        macs_ax.plot(x, part["MACs without FC"] / 1e6, marker="o", label=f"{s:g}×")
        params_ax.plot(x, part["params"] / 1e6, marker="o")
        width_ax.plot(x, [c[2] for c in part["channels"]], marker="o")
    printed = [PRINTED_V1_TABLE_1_MFLOPS[g] for g in groups]
    macs_ax.scatter(x, printed, marker="x", s=40, color="black", zorder=3, label="Table 1")
    for s in scales:
        if s != 1.0 and s in PRINTED_V1_TABLE_2_MFLOPS:
            macs_ax.axhline(PRINTED_V1_TABLE_2_MFLOPS[s], color="gray", linestyle="--", linewidth=1)
    macs_ax.plot([], [], color="gray", linestyle="--", linewidth=1, label="Table 2")
    macs_ax.set(yscale="log", ylim=(7, 300), ylabel="MACs (M, no FC)",
                title="Complexity: about flat in g")
    params_ax.set(ylabel="params (M)", title="Parameters (BN included)")
    width_ax.set(xlabel="groups g", ylabel="Stage3 channels", title="What g buys: wider maps")
    for ax in (macs_ax, params_ax, width_ax):
        ax.grid(True, alpha=0.3)
    fig.legend(*macs_ax.get_legend_handles_labels(), loc="outside upper center", ncol=5,
               fontsize="small", title="lines: scale s; x and dashes: the paper's printed MFLOPs",
               title_fontsize="small")
    return fig
