"""Chapter 3's package pieces: its exercise checkers and its SR / pct3x3 explorer and figure."""

import json
import pathlib

import pytest
import torch

import lightnets_edu.exercises as exercises
from lightnets_edu import cost, widgets
from lightnets_edu.exercises import ch03
from lightnets_edu.models import squeezenet, squeezenet_from_metaparams
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "03_squeezenet.ipynb"


# ---------------------------------------------------------------- exercises

def count(model):
    return sum(p.numel() for p in model.parameters())


def expected_answers():
    """Each exercise's answer, recomputed the way a student would: from built and profiled models."""
    return {
        "check_03_1": count(squeezenet().features[5]),  # fire4
        "check_03_2": count(squeezenet_from_metaparams(squeeze_ratio=0.75)),
        "check_03_3": count(squeezenet(bypass="complex")) - count(squeezenet()),
        "check_03_4": profile(squeezenet(version="1_0")).macs / profile(squeezenet(version="1_1")).macs,
        "check_03_5": count(squeezenet()) * 6 / 8 / 2 ** 20,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_has_five_checkers_exported():
    assert ch03.__all__ == [f"check_03_{n}" for n in range(1, 6)]
    for name in ch03.__all__:
        assert getattr(exercises, name) is getattr(ch03, name)


def test_checkers_accept_the_right_answer(answers):
    for name, value in answers.items():
        verdict = getattr(ch03, name)(value)
        assert verdict and verdict.message.startswith("Correct"), (name, verdict.message)


def test_rounded_answers_within_tolerance(answers):
    assert ch03.check_03_4(round(answers["check_03_4"], 3))
    assert ch03.check_03_5(round(answers["check_03_5"], 3))
    assert ch03.check_03_5(f"{answers['check_03_5']:.3f}")


def test_typical_slips_get_their_own_message(answers):
    fire4 = cost.fire(128, 32, 128, 128, 55)
    slips = {
        "check_03_1": [fire4.params - 288, fire4.macs],
        "check_03_2": [1_248_424],
        "check_03_3": [0, 339_968],
        "check_03_4": [1 / answers["check_03_4"], 2.4],
        "check_03_5": [1_248_424 * 6 / 8 / 1e6, 0.47, 1_248_424 * 4 / 2 ** 20],
    }
    for name, values in slips.items():
        for value in values:
            verdict = getattr(ch03, name)(value)
            assert not verdict and "Hint" not in verdict.message, (name, value, verdict.message)
    assert "Hint" in ch03.check_03_1(12345).message


def test_notebook_uses_every_checker():
    text = NOTEBOOK.read_text()
    for name in ch03.__all__:
        assert f"{name}(" in text


# ---------------------------------------------------------------- explorer

def test_sweep_is_computed_and_cites_the_paper():
    sweep = widgets.squeezenet_design_sweep()
    sr = sweep[sweep["sweep"] == "SR"].set_index("SR")
    pct = sweep[sweep["sweep"] == "pct3x3"].set_index("pct3x3")
    assert len(sr) == len(widgets.SR_VALUES) and len(pct) == len(widgets.PCT3X3_VALUES)
    assert sr.loc[0.125, "params"] == 1_248_424 and sr.loc[0.125, "MB (32 bit)"] == 4.76
    assert sr["params"].is_monotonic_increasing and pct["params"].is_monotonic_increasing
    assert sr.loc[0.5, "params"] == pct.loc[0.5, "params"]  # the two sweeps cross at SR = pct3x3 = 0.5
    cited = sweep.dropna(subset=["paper top-5 % (printed)"])
    assert len(cited) == len(widgets.PAPER_FIG3) == 3


@pytest.mark.parametrize("sr, pct", [(0.125, 0.5), (0.75, 0.5), (0.5, 0.01), (1.0, 0.99)])
def test_sweep_points_equal_the_profiled_model(sr, pct):
    report = profile(squeezenet_from_metaparams(squeeze_ratio=sr, pct3x3=pct), input_size=(1, 3, 64, 64))
    closed = widgets.ch03.squeezenet_metaparams_cost(squeeze_ratio=sr, pct3x3=pct, resolution=64)
    assert (report.params, report.macs) == (closed.params, closed.macs)


def test_view_explorer_and_figure():
    html, fig = widgets.squeezenet_design_view(0.125, 0.5)
    assert "1,248,424 params" in html.data and "4.8 MB" in html.data and "fire9" in html.data
    assert fig is not None and len(fig.axes) == 2  # the two sweeps
    message, none = widgets.squeezenet_design_view(0.001, 0.5)
    assert none is None and "Not a valid setting" in message.data and "squeeze_ratio" in message.data
    message, none = widgets.squeezenet_design_view(0.5, 1.5)
    assert none is None and "pct3x3" in message.data
    explorer = widgets.squeezenet_design_explorer()
    assert [w.description for w in explorer.kwargs_widgets] == ["squeeze ratio SR", "pct3x3"]
    assert len(widgets.squeezenet_design_figure().axes) == 2


def test_earlier_chapters_widgets_still_exported():
    for name in ("mobilenet_v1_explorer", "conv_cost_explorer", "squeezenet_design_explorer"):
        assert name in widgets.__all__


def test_notebook_has_ignored_widget_and_timing_cells():
    nb = json.loads(NOTEBOOK.read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for marker in ("squeezenet_design_explorer()", "bench.latency", "train.fit_seeds("):
        cell = next(c for c in cells if marker in "".join(c["source"]) and "import" not in "".join(c["source"]))
        assert "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []), marker  # a tag, never a comment
    assert not any("NBVAL_IGNORE_OUTPUT" in "".join(c["source"]) for c in cells)


def test_fire_module_is_exported_with_torchvision_names():
    from lightnets_edu.layers import Fire

    names = [n for n, _ in Fire(8, 2, 4, 4).named_children()]
    assert names == ["squeeze", "squeeze_activation", "expand1x1", "expand1x1_activation", "expand3x3",
                     "expand3x3_activation"]
    assert Fire(8, 2, 4, 4)(torch.zeros(1, 8, 5, 5)).shape == (1, 8, 5, 5)
