"""The one piece every chapter's explorer shares: sliders wired to a view function."""

__all__ = []

# Every control in every chapter: the same label width and the same track length,
# so the explorers line up and no long label squeezes its slider to nothing.
DESCRIPTION_WIDTH = "10em"
CONTROL_WIDTH = "28em"


def look():
    """``style`` and ``layout`` keyword arguments for one control (a fresh Layout each time)."""
    from ipywidgets import Layout

    return dict(style={"description_width": DESCRIPTION_WIDTH}, layout=Layout(width=CONTROL_WIDTH))


def explore(view, **controls):
    """An ``ipywidgets.interactive`` that calls ``view(**values)`` whenever a control changes.

    ``controls`` maps each of ``view``'s argument names to its widget. ``view``
    returns what to show: one displayable object, or a tuple such as
    ``(html, figure)`` whose ``None`` items (no figure for an impossible
    setting) are skipped. The explorer's ``.result`` is the first item shown.
    """
    from IPython.display import display
    from ipywidgets import interactive

    calls = []

    def show(**values):
        calls.append(values)
        shown = view(**values)
        items = shown if isinstance(shown, tuple) else (shown,)
        for item in items:
            if item is not None:
                display(item)
        return items[0]

    widget = interactive(show, **controls)
    if not calls:  # ipywidgets 8 evaluates on construction, 7 (Colab's) only on display: evaluate now on both
        widget.update()
    return widget
