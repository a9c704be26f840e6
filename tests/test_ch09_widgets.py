"""Chapter 9's explorer: one depthwise layer's channels in int8, per tensor and per channel."""

import math
import re

import ipywidgets
import pytest
import torch

from lightnets_edu import cost, widgets
from lightnets_edu.widgets import ch09

BITS = range(2, 9)


def fake_quantized_channels(channel_max, bits, scales, range_fraction, n=200_001):
    """Each channel as a fine grid over [-max|w|, max|w|], fake-quantized with PyTorch's symmetric
    observer's scale (per tensor, or per channel), range cut to ``range_fraction``. Returns (w, q, scales)."""
    q_min, q_max = cost.signed_range(bits)
    w = torch.stack([torch.linspace(-m, m, n) for m in channel_max])
    kind = dict(dtype=torch.qint8, quant_min=q_min, quant_max=q_max)
    if scales == "per-tensor":
        observer = torch.ao.quantization.MinMaxObserver(qscheme=torch.per_tensor_symmetric, **kind)
    else:
        observer = torch.ao.quantization.PerChannelMinMaxObserver(ch_axis=0, qscheme=torch.per_channel_symmetric,
                                                                  **kind)
    observer(range_fraction * w)  # the range the scale covers
    scale, _ = observer.calculate_qparams()
    scale = scale.expand(len(channel_max)).contiguous()
    q = torch.fake_quantize_per_channel_affine(w, scale, torch.zeros(len(channel_max), dtype=torch.int32), 0,
                                               q_min, q_max)
    return w.double(), q.double(), scale


# ---------------------------------------------------------------- the table

def test_per_tensor_starves_the_small_channels():
    table = widgets.quantizer_table()
    assert list(table.columns) == ["max |w|", "scale", "codes used", "clipped (%)", "SQNR (dB)"]
    assert table.index.name == "channel" and list(table["max |w|"]) == list(ch09.CHANNEL_MAX)
    assert (table["scale"] == 12.0 / 127.5).all()
    # round(m / s) = round(0.2125, 1.0625, 5.3125, 26.5625, 127.5) = 0, 1, 5, 27, 128 -> codes -r..r, cut to
    # -128..127: the largest channel's -12.0 falls on the tie -127.5, which rounds to -128
    assert list(table["codes used"]) == [1, 3, 11, 55, 256]
    assert table["codes used"].dtype.kind == "i"
    assert table["SQNR (dB)"].iloc[0] == 0.0  # rounded to zero: all noise
    assert table["SQNR (dB)"].is_monotonic_increasing and (table["clipped (%)"] == 0).all()


def test_per_channel_gives_every_channel_every_code_and_the_same_sqnr():
    for bits in BITS:
        table = widgets.quantizer_table(bits=bits, scales="per-channel")
        assert list(table["scale"]) == pytest.approx([m / ((2 ** bits - 1) / 2) for m in ch09.CHANNEL_MAX])
        assert (table["codes used"] == 2 ** bits).all()
        assert table["SQNR (dB)"].nunique() == 1
        assert table["SQNR (dB)"].iloc[0] == pytest.approx(20 * math.log10(2 ** bits - 1))  # about 6 dB a bit


def test_per_channel_beats_per_tensor_on_every_channel_at_full_range():
    for bits in BITS:
        tensor = widgets.quantizer_table(bits=bits)["SQNR (dB)"]
        channel = widgets.quantizer_table(bits=bits, scales="per-channel")["SQNR (dB)"]
        assert (channel >= tensor - 1e-12).all(), bits
        assert channel.iloc[-1] == pytest.approx(tensor.iloc[-1])  # the largest channel sets both scales


def test_a_cut_range_clips_and_gives_the_small_channels_finer_steps():
    full, cut = widgets.quantizer_table(), widgets.quantizer_table(range_fraction=0.5)
    assert list(cut["clipped (%)"] > 0) == [False] * 4 + [True]  # per tensor, only the largest reaches the cut
    assert cut["clipped (%)"].iloc[-1] == pytest.approx(100 * (0.5 + 1 - 128.5 / 255) / 2)
    assert (cut["scale"] == full["scale"] / 2).all()
    assert (cut["SQNR (dB)"].iloc[1:4] > full["SQNR (dB)"].iloc[1:4] + 5.5).all()  # about a bit's worth
    assert cut["SQNR (dB)"].iloc[-1] < full["SQNR (dB)"].iloc[-1] - 30
    per_channel = widgets.quantizer_table(scales="per-channel", range_fraction=0.8)
    assert (per_channel["clipped (%)"] > 0).all() and per_channel["clipped (%)"].nunique() == 1


@pytest.mark.parametrize("bits, scales, range_fraction", [
    (8, "per-tensor", 1.0), (8, "per-tensor", 0.5), (4, "per-tensor", 0.3), (8, "per-channel", 1.0),
    (3, "per-channel", 0.6), (2, "per-tensor", 1.0)])
def test_table_equals_pytorch_fake_quantization(bits, scales, range_fraction):
    table = widgets.quantizer_table(bits=bits, scales=scales, range_fraction=range_fraction)
    w, q, scale = fake_quantized_channels(ch09.CHANNEL_MAX, bits, scales, range_fraction)
    assert list(table["scale"]) == pytest.approx(scale.tolist(), rel=1e-6)
    mse = ((w - q) ** 2).mean(dim=1)
    sqnr = 10 * torch.log10((w ** 2).mean(dim=1) / mse)
    assert list(table["SQNR (dB)"]) == pytest.approx(sqnr.tolist(), abs=0.01)
    codes = [len(torch.unique(row)) for row in q]  # -max|w| on a tie: float32 may round it either way
    assert all(c - t in (0, -1) for c, t in zip(codes, table["codes used"])), (codes, list(table["codes used"]))


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(channel_max=()), ValueError, "at least one channel"),
    (dict(channel_max=(0.1, -2.0)), ValueError, "channel_max[1] must be > 0, got -2.0"),
    (dict(channel_max=(0.1, 0.0)), ValueError, "channel_max[1]"),
    (dict(channel_max="0.1"), TypeError, "channel_max must be a sequence"),
    (dict(channel_max=(0.1, "a")), TypeError, "channel_max[1]"),
    (dict(bits=1), ValueError, "bits must be an integer from 2 to 8, got 1"),
    (dict(bits=9), ValueError, "got 9"),
    (dict(bits=8.0), TypeError, "bits must be an integer"),
    (dict(scales="per-row"), ValueError, "scales must be one of ('per-tensor', 'per-channel'), got 'per-row'"),
    (dict(scales=None), TypeError, "scales must be one of"),
    (dict(range_fraction=0.0), ValueError, "range_fraction must be in (0, 1]"),
    (dict(range_fraction=1.5), ValueError, "got 1.5"),
    (dict(range_fraction=math.nan), ValueError, "range_fraction"),
    (dict(range_fraction="1"), TypeError, "range_fraction"),
])
def test_bad_settings_are_refused_by_name(kwargs, error, words):
    with pytest.raises(error, match=re.escape(words)):
        widgets.quantizer_table(**kwargs)
    message, none = widgets.quantizer_view(**kwargs)
    assert none is None and "Not a valid setting" in message.data and words in message.data


# ---------------------------------------------------------------- the view

def test_view_names_the_channel_that_loses_most():
    html, fig = widgets.quantizer_view()
    text = html.data
    assert "One scale for the tensor, 8 bits (256 codes), range 100% of the largest |w|" in text
    assert "channel 1 (max |w| 0.02) loses most, <b>0.0 dB</b> with 1 code." in text
    assert "1 of the 5 channels is rounded to zero entirely" in text and "3 of the 5 use fewer than 16 codes" in text
    assert "clips" not in text and 'class="lightnets-table"' in text and text.count("<tr>") == 1 + 5
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == pytest.approx(list(widgets.quantizer_table()["SQNR (dB)"]))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.02", "0.1", "0.5", "2.5", "12"]
    assert [t.get_text() for t in ax.texts] == ["1 code", "3 codes", "11 codes", "55 codes", "256 codes"]
    assert ax.get_ylabel() == "SQNR (dB)" and fig.get_size_inches()[0] * fig.dpi == pytest.approx(690)


def test_view_per_channel_and_clipped():
    html, fig = widgets.quantizer_view(bits=4, scales="per-channel", range_fraction=0.5)
    assert "every channel is quantized alike" in html.data and "16 codes each" in html.data
    assert "The cut range clips up to" in html.data and "loses most" not in html.data
    assert fig.axes[0].get_ylim() == widgets.quantizer_view()[1].axes[0].get_ylim()  # bars compare across settings
    html, _ = widgets.quantizer_view([1.0, 3.0], bits=2, range_fraction=0.5)
    assert "channel 1 (max |w| 1) loses most" in html.data and "fewer than 16" not in html.data


# ---------------------------------------------------------------- the explorer and the book's figure

def test_explorer_builds_and_evaluates_under_the_installed_ipywidgets():
    explorer = widgets.quantizer_explorer()
    bits, scales, fraction = explorer.kwargs_widgets
    assert [w.description for w in explorer.kwargs_widgets] == ["bits", "scales", "range / max |w|"]
    assert (bits.min, bits.max, bits.value) == (2, 8, 8) and (fraction.min, fraction.max) == (0.05, 1.0)
    for control in explorer.kwargs_widgets:
        assert control.style.description_width == "10em" and control.layout.width == "28em"
    assert isinstance(scales, ipywidgets.Dropdown) and "loses most" in explorer.result.data
    scales.value = "per-channel"
    assert "every channel is quantized alike" in explorer.result.data
    fraction.value = 0.05
    assert "clips up to" in explorer.result.data
    assert "max |w| 3" in widgets.quantizer_explorer([3.0, 30.0]).result.data
    with pytest.raises(ValueError, match="channel_max"):
        widgets.quantizer_explorer([])


def test_book_figure_has_two_panels_and_a_line_per_channel():
    fig = widgets.quantizer_figure()
    tensor, channel = fig.axes
    assert tensor.get_shared_y_axes().joined(tensor, channel)
    for ax in (tensor, channel):
        assert [line.get_label() for line in ax.get_lines()] == ["0.02", "0.1", "0.5", "2.5", "12"]
        assert all(list(line.get_xdata()) == list(BITS) for line in ax.get_lines())
    assert list(tensor.get_lines()[1].get_ydata()) == [widgets.quantizer_table(bits=b)["SQNR (dB)"].iloc[1] for b in BITS]
    per_channel = [list(line.get_ydata()) for line in channel.get_lines()]
    assert all(y == per_channel[0] for y in per_channel)  # one line: every channel alike
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["0.02", "0.1", "0.5", "2.5", "12"]
    assert fig.get_size_inches()[0] * fig.dpi == pytest.approx(690)


def test_alt_texts_describe_the_figures_without_numbers():
    for alt in (widgets.QUANTIZER_VIEW_ALT, widgets.QUANTIZER_FIGURE_ALT):
        assert "signal-to-quantization-noise" in alt and "per channel" in alt and not re.search(r"\d", alt)
