"""lightnets_edu.display: the one table style and the figure defaults."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from lightnets_edu.display import FIGURE_DPI, FIGURE_WIDTH, MAX_DECIMALS, new_figure, show_table


def _frame():
    return pd.DataFrame(
        {
            "alpha": [0.25, 0.5, 1.0],
            "MACs": [13_570_048, 49_160_192, 15_470_264_320],
            "top-1 %": [np.nan, 63.7, 70.6],
            "channels": [60.0, np.nan, 120.0],  # integers that a blank turned into floats
            "kind": ["dw", "pw", None],
        },
        index=pd.Index([1, 2, 3], name="row"),
    )


def test_integers_get_thousands_separators_and_blanks_replace_nan():
    table = show_table(_frame())
    assert table.cells == [
        ["0.25", "13,570,048", "", "60", "dw"],
        ["0.50", "49,160,192", "63.7", "", "pw"],
        ["1.00", "15,470,264,320", "70.6", "120", ""],
    ]
    shown = table._repr_html_() + repr(table)
    assert "NaN" not in shown and "nan" not in shown and "None" not in shown
    assert "15,470,264,320" in shown and "60.0" not in shown


def test_decimals_and_formats_override_the_defaults():
    table = show_table(_frame(), decimals={"alpha": 1}, formats={"MACs": lambda v: f"{v / 1e6:.1f} M"})
    assert [row[0] for row in table.cells] == ["0.2", "0.5", "1.0"]
    assert [row[1] for row in table.cells] == ["13.6 M", "49.2 M", "15470.3 M"]
    assert show_table(_frame(), decimals=3).cells[1][2] == "63.700"
    assert show_table(_frame(), formats={"alpha": "{:.0%}"}).cells[0][0] == "25%"


def test_html_is_plain_stable_and_escaped():
    frame = _frame().rename(columns={"kind": "a < b"})
    first, second = show_table(frame, caption="Table 1")._repr_html_(), show_table(frame, caption="Table 1")._repr_html_()
    assert first == second  # no random id: nbval compares it
    assert "a &lt; b" in first and "<caption>Table 1</caption>" in first
    assert 'class="lightnets-table"' in first and "overflow-x:auto" in first


def test_text_columns_align_left_and_numbers_right():
    text = repr(show_table(pd.DataFrame({"name": ["a", "bbbb"], "n": [1, 1000]})))
    assert text.splitlines() == ["   name      n", "0  a         1", "1  bbbb  1,000"]


def test_series_and_multiindex():
    series = pd.Series([1, 22], index=["x", "y"], name="params")
    assert show_table(series).header == ["params"]
    frame = pd.DataFrame({"v": [1, 2, 3]}, index=pd.MultiIndex.from_tuples(
        [("1_0", 224), ("1_0", 227), ("1_1", 224)], names=["version", "input"]))
    table = show_table(frame)
    assert table.index_header == ["version", "input"]
    assert [labels for labels, _ in table.rows] == [("1_0", "224"), ("", "227"), ("1_1", "224")]


def test_bad_input_says_what_was_expected():
    with pytest.raises(TypeError, match="DataFrame or Series, got list"):
        show_table([1, 2])
    with pytest.raises(ValueError, match="no column named 'MAC'"):
        show_table(_frame(), formats={"MAC": "{}"})
    with pytest.raises(ValueError, match="no column named 'beta'"):
        show_table(_frame(), decimals={"beta": 2})
    with pytest.raises(TypeError, match="decimals must be an int"):
        show_table(_frame(), decimals=1.5)
    with pytest.raises(ValueError, match="height is in inches"):
        new_figure(height=300)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False), st.integers(-10**12, 10**12)),
                min_size=1, max_size=8))
def test_every_value_round_trips_and_nothing_prints_nan(values):
    frame = pd.DataFrame({"x": values})
    cells = [row[0] for row in show_table(frame).cells]
    for value, cell in zip(frame["x"], cells):
        if pd.isna(value):
            assert cell == ""
        else:  # the cell shows the value to the column's decimals
            places = len(cell.split(".")[1]) if "." in cell else 0
            assert places <= MAX_DECIMALS
            assert math.isclose(float(cell.replace(",", "")), round(float(value), places), abs_tol=1e-9)
    assert "nan" not in " ".join(cells).lower()


def test_figure_is_as_wide_as_the_column():
    fig = new_figure(3.0)
    assert tuple(fig.get_size_inches()) == (FIGURE_WIDTH, 3.0)
    assert round(FIGURE_WIDTH * FIGURE_DPI) == 690
