"""Chapter 9 explorer: one depthwise layer's channels in int8.

Folding batch norm into a depthwise conv leaves channels whose largest |w| can differ by orders of magnitude.
One scale for the whole tensor is set by the largest channel, so a small channel spans a few codes,
or only the code 0; one scale per channel gives every channel all its codes. A range below the
largest |w| (``range_fraction`` < 1) clips the largest weights and gives the rest finer steps.
Each channel's weights are taken as spread uniformly over [-max|w|, max|w|], so every number is
exact (:mod:`lightnets_edu.cost.int8`).
"""

import functools
from numbers import Integral

from .._checks import number, positive_number
from ..cost.int8 import int8_levels, signed_range, symmetric_scale, uniform_clipped_share, uniform_sqnr_db
from ._explore import explore, look

__all__ = ["CHANNEL_MAX", "SCALES", "QUANTIZER_VIEW_ALT", "QUANTIZER_FIGURE_ALT", "quantizer_table",
           "quantizer_view", "quantizer_explorer", "quantizer_figure"]

#: The chapter's example: the largest |w| of each output channel of a depthwise conv after folding batch norm.
CHANNEL_MAX = (0.02, 0.1, 0.5, 2.5, 12.0)
#: One scale for the whole weight tensor, or one per output channel (PyTorch's two weight observers).
SCALES = ("per-tensor", "per-channel")
BITS = (2, 8)  # the explorer's range of bit widths
FEW_CODES = 16  # what 4-bit weights hold: a channel with fewer codes has lost more than half its bits

#: What the explorer's figure shows, for readers who cannot see it (the HTML ``alt`` text).
QUANTIZER_VIEW_ALT = ("A bar chart of the signal-to-quantization-noise ratio in decibels of each channel of one "
                      "depthwise layer, channels on the horizontal axis labelled with their largest weight, each bar "
                      "topped with the number of integer codes the channel uses. A dashed line marks what one scale "
                      "per channel over the full range reaches at the chosen bit width.")
#: What :func:`quantizer_figure` shows, for the notebook cell's ``mystnb.image.alt`` metadata.
QUANTIZER_FIGURE_ALT = ("Two panels side by side sharing the vertical axis: signal-to-quantization-noise ratio in "
                        "decibels against the bit width, one line per channel labelled with its largest weight. Left, "
                        "one scale for the whole tensor: the lines fan out, the largest channel on top, the smallest "
                        "flat at zero decibels at every bit width shown. Right, one scale per channel: all lines "
                        "lie on one, rising by about six decibels per bit.")


def _check_channels(channel_max):
    """``channel_max`` as a tuple of floats > 0, or raise."""
    if isinstance(channel_max, (str, bytes)) or not hasattr(channel_max, "__iter__"):
        raise TypeError(f"channel_max must be a sequence of each channel's largest |w|, got {channel_max!r}")
    values = tuple(positive_number(f"channel_max[{i}]", m) for i, m in enumerate(channel_max))
    if not values:
        raise ValueError("channel_max must hold at least one channel's largest |w|, got an empty sequence")
    return values


def _check_setting(bits, scales, range_fraction):
    if isinstance(bits, bool) or not isinstance(bits, Integral):
        raise TypeError(f"bits must be an integer from {BITS[0]} to {BITS[1]}, got {bits!r} ({type(bits).__name__})")
    if not BITS[0] <= bits <= BITS[1]:
        raise ValueError(f"bits must be an integer from {BITS[0]} to {BITS[1]}, got {bits!r}")
    if not isinstance(scales, str):
        raise TypeError(f"scales must be one of {SCALES}, got {scales!r} ({type(scales).__name__})")
    if scales not in SCALES:
        raise ValueError(f"scales must be one of {SCALES}, got {scales!r}")
    range_fraction = number("range_fraction", range_fraction, "in (0, 1]")
    if not 0 < range_fraction <= 1:
        raise ValueError(f"range_fraction must be in (0, 1], a fraction of the largest |w|, got {range_fraction!r}")
    return int(bits), scales, range_fraction


def _own_scale_sqnr(bits):
    """The SQNR (dB) of a channel under its own scale over its full range: the best ``bits`` give."""
    q_min, q_max = signed_range(bits)
    return uniform_sqnr_db((q_max - q_min) / 2, 1.0, q_min, q_max)


def quantizer_table(channel_max=CHANNEL_MAX, bits=8, scales="per-tensor", range_fraction=1.0):
    """One row per channel: its max |w|, its scale, the codes its weights use, the share of them clipped
    (%) and the SQNR (dB), with symmetric ``bits``-bit codes and ``scales`` per tensor or per channel.

    ``range_fraction`` is the fraction of the largest |w| the scale covers: of the tensor's (per-tensor)
    or of each channel's own (per-channel).
    """
    import pandas as pd

    channel_max = _check_channels(channel_max)
    bits, scales, range_fraction = _check_setting(bits, scales, range_fraction)
    q_min, q_max = signed_range(bits)
    half = (q_max - q_min) / 2  # a scale spreads half the codes over [0, the range it covers]
    rows = []
    for m in channel_max:
        largest = m if scales == "per-channel" else max(channel_max)  # the |w| that sets the scale
        # Codes, clipping and SQNR depend only on m / scale, the channel's range in steps. Computed
        # this way it is exactly half / range_fraction for a channel that sets its own scale: at full
        # range -m then falls exactly on the rounding tie -127.5 (8 bits) that m / scale may miss.
        steps = half * (m / largest) / range_fraction
        rows.append({"max |w|": m, "scale": symmetric_scale(range_fraction * largest, q_min, q_max),
                     "codes used": int8_levels(steps, 1.0, q_min, q_max),
                     "clipped (%)": 100 * uniform_clipped_share(steps, 1.0, q_min, q_max),
                     "SQNR (dB)": uniform_sqnr_db(steps, 1.0, q_min, q_max)})
    return pd.DataFrame(rows, index=pd.RangeIndex(1, len(rows) + 1, name="channel"))  # 1 first, as the chapter counts


def _summary(table, bits, scales, range_fraction):
    """The view's sentence, as HTML: which channel loses most, and how many are starved of codes."""
    n, codes, sqnr = len(table), table["codes used"], table["SQNR (dB)"]
    text = (f"<p>{'One scale per channel' if scales == 'per-channel' else 'One scale for the tensor'}, "
            f"{bits} bits ({2 ** bits} codes), range {range_fraction:.0%} of the largest |w|: ")
    if sqnr.max() - sqnr.min() < 1e-9:
        text += f"every channel is quantized alike, <b>{sqnr.iloc[0]:.1f} dB</b> and {codes.iloc[0]} codes each."
    else:
        worst = sqnr.idxmin()
        text += (f"channel {worst} (max |w| {table['max |w|'][worst]:g}) loses most, <b>{sqnr[worst]:.1f} dB</b> "
                 f"with {codes[worst]} code{'s' if codes[worst] > 1 else ''}.")
        zero, few = int((codes == 1).sum()), int((codes < FEW_CODES).sum())
        if zero:
            text += (f" {zero} of the {n} channels {'is' if zero == 1 else 'are'} rounded to zero entirely: "
                     "every weight becomes 0.")
        if bits > 4 and few:
            text += f" {few} of the {n} use fewer than {FEW_CODES} codes, the number 4-bit weights have."
    clipped = table["clipped (%)"]
    if clipped.max() > 0:
        text += f" The cut range clips up to {clipped.max():.1f}% of a channel's weights (channel {clipped.idxmax()})."
    return text + "</p>"


def quantizer_view(channel_max=CHANNEL_MAX, bits=8, scales="per-tensor", range_fraction=1.0):
    """What the explorer shows: a sentence and the table as HTML, and each channel's SQNR as bars; or why not."""
    from IPython.display import HTML

    from ..display import new_figure, show_table

    try:
        table = quantizer_table(channel_max, bits, scales, range_fraction)
    except (TypeError, ValueError) as err:
        return HTML(f"<p><b>Not a valid setting:</b> {err}.</p>"), None
    shown = show_table(table, formats={"max |w|": "{:g}", "scale": "{:.3g}"},
                       decimals={"clipped (%)": 1, "SQNR (dB)": 1})
    html = HTML(_summary(table, bits, scales, range_fraction) + shown._repr_html_())
    fig = new_figure(2.8)
    ax = fig.subplots()
    bars = ax.bar(range(len(table)), table["SQNR (dB)"], color="tab:blue")
    ax.bar_label(bars, [f"{c} code{'s' if c > 1 else ''}" for c in table["codes used"]], fontsize="x-small")
    best = _own_scale_sqnr(bits)
    ax.axhline(best, color="black", linestyle="--", linewidth=1, label=f"own scale, full range: {best:.1f} dB")
    ax.set_xticks(range(len(table)), [f"{m:g}" for m in table["max |w|"]])
    # the same y axis for every setting, so that bars compare as the controls move
    ax.set(ylim=(0, _own_scale_sqnr(BITS[1]) + 8), xlabel="channel (its largest |w|)", ylabel="SQNR (dB)")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(True, axis="y", alpha=0.3)
    return html, fig


def quantizer_explorer(channel_max=CHANNEL_MAX):
    """Bits, per-tensor or per-channel scales, and the range's fraction of max |w|; shows :func:`quantizer_view`."""
    import ipywidgets as widgets

    channel_max = _check_channels(channel_max)
    return explore(
        functools.partial(quantizer_view, channel_max),
        bits=widgets.IntSlider(value=8, min=BITS[0], max=BITS[1], step=1, description="bits",
                               continuous_update=False, **look()),
        scales=widgets.Dropdown(options=[("one per tensor", "per-tensor"), ("one per channel", "per-channel")],
                                value="per-tensor", description="scales", **look()),
        range_fraction=widgets.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, description="range / max |w|",
                                           readout_format=".2f", continuous_update=False, **look()),
    )


def quantizer_figure(channel_max=CHANNEL_MAX):
    """SQNR (dB) of each channel against the bit width, full range: per-tensor (left) and per-channel
    (right) scales, sharing the y axis, one line per channel labelled with its max |w|."""
    from ..display import new_figure

    channel_max = _check_channels(channel_max)
    bits = list(range(BITS[0], BITS[1] + 1))
    fig = new_figure(3.3)
    axes = fig.subplots(1, 2, sharey=True)
    for ax, scales in zip(axes, SCALES):
        sqnr = [quantizer_table(channel_max, b, scales)["SQNR (dB)"] for b in bits]
        for i, m in enumerate(channel_max):
            ax.plot(bits, [s.iloc[i] for s in sqnr], marker="o", markersize=3, label=f"{m:g}")
        ax.set(xlabel="bits", xticks=bits, title=f"one scale per {scales.split('-')[1]}")
        ax.title.set_fontsize("medium")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("SQNR (dB)")
    axes[1].annotate("all channels on one line", (0.04, 0.96), xycoords="axes fraction", va="top",
                     fontsize="small")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=min(len(labels), 5), fontsize="small",
               title="each channel's largest |w|", title_fontsize="small", columnspacing=1.2, handlelength=1.5)
    return fig
