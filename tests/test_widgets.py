"""The explorers' shared wiring evaluates once on construction, whichever ipywidgets evaluates when."""

import ipywidgets

from lightnets_edu.widgets._explore import explore


def test_explore_evaluates_once_on_construction():
    calls = []
    widget = explore(lambda n: calls.append(n) or f"n = {n}", n=ipywidgets.IntSlider(value=3))
    assert calls == [3] and widget.result == "n = 3"
    widget.kwargs_widgets[0].value = 4
    assert calls == [3, 4] and widget.result == "n = 4"


def test_explore_evaluates_where_ipywidgets_waits_for_display(monkeypatch):
    """ipywidgets 7 (Colab's) runs the function only when the widget is displayed."""
    class LazyInteractive(ipywidgets.interactive):  # ipywidgets 8's class, taught 7's timing
        def update(self, *args):
            if getattr(self, "_constructed", False):
                return super().update(*args)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._constructed = True

    monkeypatch.setattr(ipywidgets, "interactive", LazyInteractive)
    calls = []
    widget = explore(lambda n: calls.append(n) or f"n = {n}", n=ipywidgets.IntSlider(value=5))
    assert calls == [5] and widget.result == "n = 5"
