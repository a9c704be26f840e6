"""Chapter 8's explorer: a network and a precision chosen under a latency budget.

The zoo table below is SYNTHETIC: made-up but plausible latencies, sizes and MACs,
and top-1 values that are not quoted from any paper. It only exercises the code;
the chapter builds the real table from its own measurements.
"""

import math
import re

import ipywidgets
import pandas as pd
import pytest
from matplotlib.text import Text

from lightnets_edu import widgets
from lightnets_edu.widgets import ch08

NAN = float("nan")
# network, precision, latency_ms, top1, size_mb, macs_m -- synthetic, see the module docstring
ROWS = [
    ("MobileNet v1", "fp32", 9.0, 70.6, 16.9, 569),
    ("MobileNet v2", "fp32", 7.4, 72.0, 14.0, 301),
    ("MobileNet v3 Large", "fp32", 6.1, 75.2, 22.1, 217),
    ("MobileNet v3 Small", "fp32", 2.3, 67.4, 10.3, 57),
    ("SqueezeNet 1.0", "fp32", 11.5, 57.5, 5.0, 819),
    ("SqueezeNet 1.1", "fp32", 4.9, 58.2, 4.9, 349),
    ("ShuffleNet v1 g=3", "fp32", 6.6, 67.6, 7.4, 138),
    ("ShuffleNet v2 1.0x", "fp32", 4.4, 69.4, 9.2, 146),
    ("DenseNet-121", "fp32", 48.0, 74.4, 31.0, 2870),
    ("DenseNet-169", "fp32", 58.0, 75.6, 55.0, 3360),
    ("MobileNet v2", "int8", 3.3, 71.1, 3.6, 301),          # 0.45 x its fp32 latency
    ("MobileNet v3 Large", "int8", 4.0, NAN, 5.7, 217),     # 0.66 x; top-1 unknown
    ("ShuffleNet v2 1.0x", "int8", 2.6, 68.4, 2.4, 146),    # 0.59 x
]


def zoo():
    return pd.DataFrame(ROWS, columns=list(ch08.ZOO_COLUMNS))


def names(frame):
    return [f"{n} {p}" for n, p in zip(frame["network"], frame["precision"])]


def no_nan(text):
    return re.search(r"\bnan\b", text, flags=re.IGNORECASE) is None


# ---------------------------------------------------------------- the choice

def test_choice_keeps_the_rows_within_the_budget_most_accurate_first():
    fits = widgets.budget_choice(zoo(), 6.5)
    assert names(fits) == ["MobileNet v3 Large fp32", "MobileNet v2 int8", "ShuffleNet v2 1.0x fp32",
                           "ShuffleNet v2 1.0x int8", "MobileNet v3 Small fp32", "SqueezeNet 1.1 fp32",
                           "MobileNet v3 Large int8"]  # unknown top-1 last
    assert (fits["latency_ms"] <= 6.5).all() and list(fits.index) == list(range(7))
    left_out = zoo()[~zoo()["latency_ms"].isin(fits["latency_ms"])]
    assert (left_out["latency_ms"] > 6.5).all()
    assert list(fits.columns) == list(ch08.ZOO_COLUMNS)


def test_the_budget_is_inclusive_and_a_tiny_one_fits_nothing():
    assert widgets.budget_choice(zoo(), 6.1).iloc[0]["network"] == "MobileNet v3 Large"
    assert widgets.budget_choice(zoo(), 6.0999).iloc[0]["network"] == "MobileNet v2"
    nothing = widgets.budget_choice(zoo(), 1.0)
    assert len(nothing) == 0 and list(nothing.columns) == list(ch08.ZOO_COLUMNS)
    assert len(widgets.budget_choice(zoo(), 1e6)) == len(ROWS)


def test_precision_filter():
    assert names(widgets.budget_choice(zoo(), 6.5, "int8")) == [
        "MobileNet v2 int8", "ShuffleNet v2 1.0x int8", "MobileNet v3 Large int8"]
    assert names(widgets.budget_choice(zoo(), 3.0, "fp32")) == ["MobileNet v3 Small fp32"]
    assert len(widgets.budget_choice(zoo(), 3.0, "any")) == 2


def test_unknown_top1_comes_last_and_ties_go_to_the_faster_model():
    table = zoo()
    table.loc[table["precision"] == "int8", "top1"] = NAN
    assert names(widgets.budget_choice(table, 3.5, "int8")) == ["ShuffleNet v2 1.0x int8", "MobileNet v2 int8"]
    assert names(widgets.budget_choice(table, 3.5)) == ["MobileNet v3 Small fp32", "ShuffleNet v2 1.0x int8",
                                                        "MobileNet v2 int8"]
    tie = pd.concat([zoo(), pd.DataFrame([("Twin", "fp32", 5.0, 75.2, 1.0, 1)], columns=list(ch08.ZOO_COLUMNS))])
    assert names(widgets.budget_choice(tie, 10)[:2]) == ["Twin fp32", "MobileNet v3 Large fp32"]


def test_rows_without_a_latency_never_fit():
    table = zoo()
    table.loc[2, "latency_ms"] = NAN  # MobileNet v3 Large fp32 failed to run
    assert "MobileNet v3 Large fp32" not in names(widgets.budget_choice(table, 1e6))


def test_the_pick_is_the_last_front_step_within_any_budget():
    table = zoo()
    front = widgets.budget_front(table)
    assert names(front) == ["MobileNet v3 Small fp32", "ShuffleNet v2 1.0x int8", "MobileNet v2 int8",
                            "MobileNet v3 Large fp32", "DenseNet-169 fp32"]
    assert front["latency_ms"].is_monotonic_increasing and front["top1"].is_monotonic_increasing
    for precision in ch08.PRECISIONS:
        front = widgets.budget_front(table, precision)
        for k in range(-10, 70):
            budget = 10 ** (k / 30)
            fits = widgets.budget_choice(table, budget, precision)
            reach = front[front["latency_ms"] <= budget]
            if len(reach):
                assert names(fits[:1]) == names(reach[-1:]), (precision, budget)
            else:
                assert fits["top1"].isna().all()


@pytest.mark.parametrize("table, error, words", [
    (ROWS, TypeError, "pandas DataFrame"),
    ({"network": []}, TypeError, "dict"),
    (zoo().drop(columns=["top1", "size_mb"]), ValueError, "'top1', 'size_mb'"),
    (zoo().assign(precision="fp16"), ValueError, "'fp16'"),
    (zoo().assign(latency_ms="fast"), TypeError, "latency_ms"),
    (zoo().assign(top1=True), TypeError, "top1"),
    (zoo().assign(latency_ms=0.0), ValueError, "> 0"),
    (zoo().assign(latency_ms=NAN), ValueError, "no row with a measured latency_ms"),
])
def test_bad_tables_are_refused_by_name(table, error, words):
    for call in (lambda: widgets.budget_choice(table, 5.0), lambda: widgets.budget_front(table),
                 lambda: widgets.budget_explorer(table), lambda: widgets.budget_figure(table)):
        with pytest.raises(error, match=re.escape(words)):
            call()


@pytest.mark.parametrize("budget, error", [
    (0, ValueError), (-2.0, ValueError), (NAN, ValueError), (math.inf, ValueError),
    ("5", TypeError), (True, TypeError), (None, TypeError),
])
def test_bad_budgets_are_refused_by_name(budget, error):
    with pytest.raises(error, match="budget_ms"):
        widgets.budget_choice(zoo(), budget)
    with pytest.raises(error, match="budget_ms"):
        widgets.budget_figure(zoo(), budgets=(5.0, budget))


@pytest.mark.parametrize("precision, error", [("fp16", ValueError), ("INT8", ValueError), (None, TypeError),
                                              (8, TypeError)])
def test_bad_precisions_are_refused_by_name(precision, error):
    with pytest.raises(error, match="precision must be one of"):
        widgets.budget_choice(zoo(), 5.0, precision)


# ---------------------------------------------------------------- the view

def points(ax, gids=("fp32", "int8")):
    return sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() in gids)


def budget_lines(ax):
    return [line for line in ax.get_lines() if line.get_gid() == "budget"]


def label_boxes(fig):
    fig.draw_without_rendering()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_gid() == "label"]
    return ax, labels, [Text.get_window_extent(t) for t in labels]  # the text alone, not its leader line


def assert_labels_legible(fig, n):
    """n labels, inside the axes, none over another label or over another network's point."""
    ax, labels, boxes = label_boxes(fig)
    assert len(labels) == n
    frame = ax.get_window_extent()
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (labels[i].get_text(), a, b)
    for other in (t for t in ax.texts if t.get_gid() != "label"):  # the budgets' captions
        assert not any(other.get_window_extent().overlaps(box) for box in boxes), other.get_text()
    dots = ax.transData.transform([label.xy for label in labels])
    for label, box in zip(labels, boxes):
        for (x, y), other in zip(dots, labels):
            if other is not label:
                assert not box.contains(x, y), (label.get_text(), other.get_text())
    assert all(no_nan(t.get_text()) for t in ax.texts)


def test_view_with_a_fit_names_the_pick_and_what_the_budget_rules_out():
    html, fig = widgets.budget_view(zoo(), 6.5, "any")
    text = html.data
    assert "deploy <b>MobileNet v3 Large in fp32</b>" in text and "the most accurate of the 7 models" in text
    assert "top-1 75.2%" in text and "6.10 ms" in text and "22.1 MB" in text
    assert "rules out 6 of the 13 measured models" in text
    assert "the next gain needs 58.0 ms: DenseNet-169 (fp32), top-1 75.6%, +0.4 points" in text
    assert 'class="lightnets-table"' in text and text.count("<tr>") == 1 + 7 and no_nan(text)
    ax = fig.axes[0]
    assert points(ax) == len(ROWS) and points(ax, ("pick",)) == 1
    assert [line.get_xdata()[0] for line in budget_lines(ax)] == [6.5]
    assert ax.get_xscale() == "log"
    assert fig.get_size_inches()[0] * fig.dpi == pytest.approx(690)
    assert_labels_legible(fig, len(ROWS))


def test_view_when_nothing_fits_says_what_is_fastest():
    html, fig = widgets.budget_view(zoo(), 1.0, "any")
    assert "No network runs within 1 ms on this CPU" in html.data
    assert "the fastest model is MobileNet v3 Small (fp32) at 2.30 ms, 2.30 x the budget" in html.data
    assert points(fig.axes[0], ("pick",)) == 0 and len(budget_lines(fig.axes[0])) == 1
    html, _ = widgets.budget_view(zoo(), 2.0, "int8")
    assert "No int8 network runs within 2 ms" in html.data and "ShuffleNet v2 1.0x (int8) at 2.60 ms" in html.data
    assert no_nan(html.data)


def test_view_notes_what_the_other_precision_would_pick():
    html, fig = widgets.budget_view(zoo(), 4.0, "fp32")
    assert "deploy <b>MobileNet v3 Small in fp32</b>" in html.data
    assert "With both precisions allowed the pick would be MobileNet v2 (int8): top-1 71.1%, 3.30 ms" in html.data
    assert points(fig.axes[0]) == 10  # the fp32 rows only


def test_view_when_every_fitting_top1_is_unknown_and_when_all_fit():
    table = zoo()
    table["top1"] = NAN
    html, fig = widgets.budget_view(table, 3.5, "int8")
    assert "deploy <b>ShuffleNet v2 1.0x in int8</b>" in html.data and "no published top-1" in html.data
    assert "the fastest of the 2 models that fit" in html.data and no_nan(html.data)
    assert points(fig.axes[0]) == 3
    html, _ = widgets.budget_view(zoo(), 100.0, "any")
    assert "Every measured model fits" in html.data and "DenseNet-169" in html.data


def test_view_of_a_bad_setting_is_a_message():
    for args in [(zoo(), -1.0, "any"), (zoo(), 5.0, "fp16"), ("zoo", 5.0, "any")]:
        message, none = widgets.budget_view(*args)
        assert none is None and "Not a valid setting" in message.data
    message, none = widgets.budget_view(zoo()[zoo()["precision"] == "fp32"], 5.0, "int8")
    assert none is None and "no int8 model" in message.data


# ---------------------------------------------------------------- the explorer and the book's figure

def test_explorer_builds_and_evaluates_under_the_installed_ipywidgets():
    explorer = widgets.budget_explorer(zoo())
    slider, menu = explorer.kwargs_widgets
    assert [w.description for w in explorer.kwargs_widgets] == ["budget (ms)", "precision"]
    assert isinstance(slider, ipywidgets.FloatLogSlider)
    assert 10 ** slider.min <= 2.3 / 2 + 1e-9 and 10 ** slider.max >= 58.0 * 1.5 - 1e-6
    assert slider.min <= math.log10(slider.value) <= slider.max
    for control in explorer.kwargs_widgets:
        assert control.style.description_width == "10em" and control.layout.width == "28em"
    assert "deploy" in explorer.result.data
    slider.value = 10 ** slider.min  # half the fastest latency
    assert "No network runs within" in explorer.result.data
    slider.value, menu.value = 5.0, "int8"
    assert "deploy <b>MobileNet v2 in int8</b>" in explorer.result.data


def test_explorer_offers_a_precision_menu_only_when_the_table_has_both():
    fp32 = widgets.budget_explorer(zoo()[zoo()["precision"] == "fp32"])  # chapter 8's zoo: float only
    assert [w.description for w in fp32.kwargs_widgets] == ["budget (ms)"]
    assert "deploy" in fp32.result.data and "int8" not in fp32.result.data


def test_book_figure_has_every_point_the_front_and_the_budgets():
    fig = widgets.budget_figure(zoo())
    ax = fig.axes[0]
    assert points(ax) == len(ROWS)
    assert [line.get_xdata()[0] for line in budget_lines(ax)] == [3.0, 10.0, 100.0]  # three different picks
    steps = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    assert len(steps) == 2  # both precisions, and fp32 only (int8 changes the front here)
    assert list(steps[0].get_ydata()[:-1]) == list(widgets.budget_front(zoo())["top1"])
    assert points(ax, ("reach",)) == 3
    assert_labels_legible(fig, len(ROWS))
    assert sorted(t.get_text() for t in ax.texts if t.get_gid() != "label") == ["10 ms", "100 ms", "3 ms"]
    fig = widgets.budget_figure(zoo(), budgets=())
    assert budget_lines(fig.axes[0]) == []
    with pytest.raises(TypeError, match="budgets must be a sequence"):
        widgets.budget_figure(zoo(), budgets=5.0)
    fp32 = widgets.budget_figure(zoo()[zoo()["precision"] == "fp32"], budgets=(5.0,))
    assert len([line for line in fp32.axes[0].get_lines() if line.get_drawstyle() == "steps-post"]) == 1


def test_alt_texts_describe_the_figures_without_numbers():
    for alt in (widgets.BUDGET_VIEW_ALT, widgets.BUDGET_FIGURE_ALT):
        assert "top-1" in alt and "latency" in alt and not re.search(r"\d", re.sub("top-1|fp32|int8", "", alt))


# ---------------------------------------------------------------- the zoo's latency figure

def _zoo_counts():
    import pandas as pd

    names = ["A net", "B net", "C net", "D net"]
    macs = pd.Series([50.0, 150.0, 300.0, 2800.0], index=names)
    params = pd.Series([2.5, 1.3, 3.5, 8.0], index=names)
    eager = pd.Series([7.0, 9.0, 18.0, 105.0], index=names)
    onnx = pd.Series([1.8, 3.2, 8.6, 62.0], index=names)
    return {"MACs (millions)": macs, "parameters (millions)": params}, eager, onnx


def test_latency_figure_has_a_panel_per_count_and_every_network_labelled():
    counts, eager, onnx = _zoo_counts()
    fig = widgets.latency_figure(counts, eager, onnx)
    axes = fig.get_axes()
    assert len(axes) == 2
    for ax, label in zip(axes, counts):
        assert ax.get_xlabel() == label and ax.get_xscale() == ax.get_yscale() == "log"
        assert sorted(t.get_text() for t in ax.texts) == sorted(eager.index)
        assert all("e+" not in t.get_text() for t in ax.get_xticklabels())  # plain numbers on the ticks


@pytest.mark.parametrize("change, error, words", [
    (lambda c, e, o: (c, list(e), o), TypeError, ["eager_ms", "Series"]),
    (lambda c, e, o: (c, e, o.drop("A net")), ValueError, ["same networks"]),
    (lambda c, e, o: (c, e * 0, o), ValueError, ["positive"]),
    (lambda c, e, o: ({}, e, o), ValueError, ["same networks"]),
])
def test_latency_figure_rejects_bad_input_clearly(change, error, words):
    with pytest.raises(error) as info:
        widgets.latency_figure(*change(*_zoo_counts()))
    assert all(word in str(info.value) for word in words), str(info.value)


# ---------------------------------------------------------------- labels that do not collide


def test_place_labels_keeps_a_crowded_cluster_legible_and_avoids_the_lines():
    from matplotlib.figure import Figure

    from lightnets_edu.widgets._labels import line_segments, place_labels

    fig = Figure(figsize=(6.9, 4.0), layout="constrained")
    ax = fig.add_subplot()
    # eight points within a few percent of each other, and a line right through them
    points = [(1.0 + 0.02 * k, 1.0 + 0.015 * (k % 3)) for k in range(8)]
    ax.scatter(*zip(*points))
    ax.plot([0.9, 1.3], [1.015, 1.015], color="0.5")
    ax.set(xlim=(0.6, 1.6), ylim=(0.9, 1.12))
    segments = line_segments(ax)
    assert segments == [((0.9, 1.015), (1.3, 1.015))]
    texts = [f"network {k}" for k in range(8)]
    labels = place_labels(fig, ax, points, texts, ["normal"] * 8, segments)
    assert [label.get_text() for label in labels] == texts and [label.xy for label in labels] == points
    assert_labels_legible(fig, 8)
    again = place_labels(Figure(), Figure().add_subplot(), [], [], [])  # nothing to place is not an error
    assert again == []
