"""How the course shows a table or a figure: one style for every notebook and the book.

``show_table(frame)`` displays a pandas ``DataFrame`` (or ``Series``) the way the
prose writes numbers: thousands separators (15,470,264,320), a fixed number of
decimals per column, a blank cell where a value is missing (never ``NaN``), and
integer columns kept integer even when a blank turned them into floats. The
HTML is plain and self-contained (no random ids), so the notebook's saved output
is the same on every run and every machine, and nbval can compare it.

``new_figure(height)`` is a matplotlib ``Figure`` as wide as the book's text
column (690 px), with fonts that stay legible when a phone shrinks it.

pandas and matplotlib are imported inside the functions, so importing this
module is cheap.
"""

import html
import math
import numbers

__all__ = ["Table", "show_table", "new_figure", "FIGURE_WIDTH", "FIGURE_DPI", "MAX_DECIMALS"]

MAX_DECIMALS = 4
"""The most decimals a column gets when the caller does not say."""

FIGURE_WIDTH = 5.0
"""Width of a course figure in inches; at ``FIGURE_DPI`` that is the book's 690 px column."""

FIGURE_DPI = 138

# One style sheet, repeated with each table so that Jupyter, Colab and the book
# all show the same thing. Headers wrap; numbers never do. The wrapper scrolls
# sideways on a phone instead of clipping the table.
_CSS = (
    "<style>"
    ".lightnets-table-wrap{overflow-x:auto;max-width:100%;margin:0.4em 0 0.8em 0}"
    "table.lightnets-table{border-collapse:collapse;font-size:0.85em;"
    "font-variant-numeric:tabular-nums;width:auto;margin:0;color:inherit;background:transparent}"
    "table.lightnets-table caption{caption-side:top;text-align:left;font-weight:600;padding:0 0 0.3em 0}"
    "table.lightnets-table th,table.lightnets-table td{padding:0.2em 0.55em;border:none;"
    "border-bottom:1px solid rgba(128,128,128,0.25);vertical-align:bottom;background:transparent}"
    "table.lightnets-table thead th{text-align:right;font-weight:600;white-space:normal;"
    "min-width:3.5em;max-width:9em;border-bottom:1px solid rgba(128,128,128,0.7)}"
    "table.lightnets-table td{text-align:right;white-space:nowrap}"
    "table.lightnets-table tbody th{text-align:left;font-weight:400;white-space:nowrap}"
    "table.lightnets-table .text{text-align:left}"
    "</style>"
)


class Table:
    """A formatted table: ``.data`` is the pandas frame, ``.cells`` the strings shown.

    Jupyter shows its HTML; ``repr`` gives the same cells as aligned plain text.
    """

    def __init__(self, data, header, index_header, rows, text_columns, caption=None):
        self.data = data
        self.header = header              # column labels, as strings
        self.index_header = index_header  # one string per index level
        self.rows = rows                  # [(index strings, cell strings)]
        self.text_columns = text_columns  # columns aligned left
        self.caption = caption

    @property
    def cells(self):
        return [cells for _, cells in self.rows]

    def _cls(self, j):
        return ' class="text"' if j in self.text_columns else ""

    def _repr_html_(self):
        esc = html.escape
        out = [_CSS, '<div class="lightnets-table-wrap"><table class="lightnets-table">']
        if self.caption:
            out.append(f"<caption>{esc(self.caption)}</caption>")
        head = "".join(f'<th class="text">{esc(h)}</th>' for h in self.index_header)
        head += "".join(f"<th{self._cls(j)}>{esc(h)}</th>" for j, h in enumerate(self.header))
        out.append(f"<thead><tr>{head}</tr></thead><tbody>")
        for labels, cells in self.rows:
            row = "".join(f"<th>{esc(label)}</th>" for label in labels)
            row += "".join(f"<td{self._cls(j)}>{esc(c)}</td>" for j, c in enumerate(cells))
            out.append(f"<tr>{row}</tr>")
        out.append("</tbody></table></div>")
        return "".join(out)

    def __repr__(self):
        lines = [list(self.index_header) + list(self.header)]
        lines += [list(labels) + list(cells) for labels, cells in self.rows]
        n_index = len(self.index_header)
        widths = [max(len(line[j]) for line in lines) for j in range(len(lines[0]))]

        def align(j, text):
            left = j < n_index or (j - n_index) in self.text_columns
            return text.ljust(widths[j]) if left else text.rjust(widths[j])

        text = "\n".join("  ".join(align(j, t) for j, t in enumerate(line)).rstrip() for line in lines)
        return f"{self.caption}\n{text}" if self.caption else text


def show_table(data, *, decimals=None, formats=None, caption=None):
    """A ``Table`` of ``data`` (a DataFrame or Series) in the course's one style.

    - integers get thousands separators; a float column whose values are all
      whole numbers (a blank made pandas store it as float) is shown as integers;
    - other float columns get a fixed number of decimals: ``decimals`` (an int
      for every column, or a dict ``{column: int}``), else just enough for the
      values as the notebook rounded them, at most ``MAX_DECIMALS``;
    - ``formats`` maps a column to a format string (``"{:.1%}"``) or a function
      from value to string, overriding the rules above;
    - missing values (``None``, ``NaN``, ``pd.NA``) are blank cells.

    End a cell with ``show_table(frame)`` to display it; keep ``frame`` for asserts.
    """
    import pandas as pd

    if isinstance(data, pd.Series):
        data = data.to_frame(name=data.name if data.name is not None else "")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"show_table: data must be a pandas DataFrame or Series, got {type(data).__name__}")
    columns = list(data.columns)
    formats = dict(formats or {})
    unknown = [c for c in formats if c not in columns]
    if isinstance(decimals, dict):
        unknown += [c for c in decimals if c not in columns]
    if unknown:
        raise ValueError(f"show_table: no column named {unknown[0]!r}; the columns are {columns}")
    if decimals is not None and not isinstance(decimals, (int, dict)):
        raise TypeError(f"show_table: decimals must be an int or a dict of ints, got {decimals!r}")

    columns_cells, text_columns = [], set()
    for j, column in enumerate(columns):
        values = list(data.iloc[:, j])
        places = decimals.get(column) if isinstance(decimals, dict) else decimals
        fmt = _column_formatter(values, formats.get(column), places)
        columns_cells.append([fmt(v) for v in values])
        if all(isinstance(v, str) or _missing(v) for v in values) and not all(_missing(v) for v in values):
            text_columns.add(j)

    index = data.index
    levels = index.nlevels
    labels = [tuple(_label(part) for part in (key if levels > 1 else (key,))) for key in index]
    labels = _sparsify(labels)
    index_header = [_label(name) if name is not None else "" for name in index.names]
    rows = [(labels[i], [col[i] for col in columns_cells]) for i in range(len(data))]
    header = [" ".join(map(_label, c)) if isinstance(c, tuple) else _label(c) for c in columns]
    return Table(data, header, index_header, rows, text_columns, caption)


def new_figure(height=3.4, **kwargs):
    """A matplotlib ``Figure`` as wide as the book's column; add axes with ``fig.subplots(...)``.

    The book's text column is about 690 px wide; a figure drawn wider is shrunk
    to fit and its 10 pt labels become unreadable. Two panels side by side fit
    when each needs little text; otherwise stack them (``fig.subplots(2, 1)``)
    and pass a larger ``height`` (inches).
    """
    from matplotlib.figure import Figure

    if not isinstance(height, numbers.Real) or not 0.5 <= height <= 12:
        raise ValueError(f"new_figure: height is in inches, between 0.5 and 12; got {height!r}")
    kwargs.setdefault("layout", "constrained")
    return Figure(figsize=(FIGURE_WIDTH, height), dpi=FIGURE_DPI, **kwargs)


# --------------------------------------------------------------------------
# the rules, one small function each


def _missing(value):
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (str, bytes, tuple, list)) else False
    except (TypeError, ValueError):
        return False


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_float(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral))


def _places_needed(value):
    """Fewest decimals that show ``value`` as the notebook rounded it (at most MAX_DECIMALS)."""
    for places in range(MAX_DECIMALS + 1):
        if abs(round(value, places) - value) <= 1e-9 * max(1.0, abs(value)):
            return places
    return MAX_DECIMALS


def _column_formatter(values, fmt, places):
    present = [v for v in values if not _missing(v)]
    if fmt is not None:
        render = fmt.format if isinstance(fmt, str) else fmt
    else:
        floats = [float(v) for v in present if _is_float(v)]
        whole = all(math.isfinite(f) and f == int(f) for f in floats)
        if places is None:
            places = 0 if whole else max((_places_needed(f) for f in floats if math.isfinite(f)), default=0)

        def render(value):
            if _is_int(value):
                return f"{value:,}"
            if _is_float(value):
                if not math.isfinite(value):
                    return str(value)
                return f"{value:,.{places}f}"
            return str(value)

    return lambda v: "" if _missing(v) else render(v)


def _label(value):
    if _missing(value):
        return ""
    if _is_float(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _sparsify(labels):
    """Blank an index level's label where it repeats the row above (as pandas prints a MultiIndex)."""
    out, previous = [], ()
    for key in labels:
        shown = []
        for level, part in enumerate(key):
            same_prefix = key[: level + 1] == previous[: level + 1]
            shown.append("" if same_prefix and level < len(key) - 1 else part)
        out.append(tuple(shown))
        previous = key
    return out
