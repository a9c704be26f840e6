"""Chapter 7's package pieces: its exercise checkers and its NAS reward explorer and figure."""

import json
import math
import pathlib

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lightnets_edu import widgets
from lightnets_edu.exercises import ch07
from lightnets_edu.layers import HSwish, InvertedResidualV3
from lightnets_edu.layers.mobilenet_v3 import conv_bn_act
from lightnets_edu.models.mobilenet_v3 import MobileNetV3, mnasnet_reward, mobilenet_v3_config, mobilenet_v3_large
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "07_mobilenet_v3.ipynb"


# ---------------------------------------------------------------- exercises

def expected_answers():
    """Each exercise's answer, recomputed the way a student would: profiling real modules, a grid, a model."""
    grid = torch.linspace(-10, 10, 2_000_001, dtype=torch.float64)
    body = mobilenet_v3_large().features[:-1]
    original = nn.Sequential(body, InvertedResidualV3(160, 960, 320, 3, 1, False, "HS"),
                             conv_bn_act(320, 1280, 1, activation=HSwish), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                             nn.Linear(1280, 1000))
    return {
        "check_07_1": profile(mobilenet_v3_large().features[4].block[2], (1, 72, 28, 28)).params,
        "check_07_2": (F.hardswish(grid) - F.silu(grid)).abs().max().item(),
        "check_07_3": profile(original).macs - profile(mobilenet_v3_large()).macs,
        "check_07_4": -0.07 / (math.log(2) * 0.67),
        "check_07_5": profile(MobileNetV3(*mobilenet_v3_config("large", 0.75, reference="tf"))).macs,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_has_five_checkers_exported():
    import lightnets_edu.exercises as exercises

    assert ch07.__all__ == [f"check_07_{n}" for n in range(1, 6)]
    for name in ch07.__all__:
        assert getattr(exercises, name) is getattr(ch07, name)


def test_checkers_accept_the_right_answer(answers):
    for name, value in answers.items():
        verdict = getattr(ch07, name)(value)
        assert verdict and verdict.message.startswith("Correct"), (name, verdict.message)


def test_typical_slips_get_their_own_message(answers):
    slips = {
        "check_07_1": [72 * 18 + 18 + 18 * 72 + 72, 2 * 72 * 24],
        "check_07_2": [ch07.hsigmoid_sigmoid_gap()],
        "check_07_3": [2 * answers["check_07_3"]],
        "check_07_4": [-answers["check_07_4"], -0.07 / 0.67],
        "check_07_5": [profile(mobilenet_v3_large(width_mult=0.75)).macs, 2 * answers["check_07_5"]],
    }
    for name, values in slips.items():
        for value in values:
            verdict = getattr(ch07, name)(value)
            assert not verdict and "Hint" not in verdict.message, (name, value, verdict.message)
    assert "Hint" in ch07.check_07_1(12345).message


def test_notebook_uses_every_checker():
    text = NOTEBOOK.read_text()
    for name in ch07.__all__:
        assert f"{name}(" in text


# ---------------------------------------------------------------- explorer

def test_reward_optimum_closed_form_matches_a_search():
    for w, points, acc in [(-0.07, 3.6, 0.75), (-0.15, 7.0, 0.67), (-0.1, 5.0, 0.6)]:
        best = widgets.nas_reward_optimum(w, points, acc)
        ratios = [2 ** (k / 1000) for k in range(-4000, 4001)]
        reward = [mnasnet_reward(widgets.nas_accuracy(r, points, acc), r, 1.0, w) for r in ratios]
        searched = ratios[max(range(len(ratios)), key=reward.__getitem__)]
        assert math.isclose(best, searched, rel_tol=2e-3), (w, best, searched)
    assert widgets.nas_reward_optimum(0.0, 3.0, 0.7) == math.inf


def test_reward_table_and_bad_settings():
    table = widgets.nas_reward_table()
    assert len(table) == 49 and list(table.columns[2:]) == [f"reward w={w:g}" for w in widgets.NAS_WEIGHTS]
    at_target = table[table["latency / target"] == 1.0]
    assert (at_target.iloc[0, 2:] == 1.0).all()
    for bad in [dict(points_per_doubling=0), dict(points_per_doubling="3"), dict(acc_at_target=1.5)]:
        with pytest.raises(ValueError):
            widgets.nas_reward_table(**bad)
    with pytest.raises(TypeError, match="w must be a number"):
        widgets.nas_reward_optimum("a", 3.0, 0.7)


def test_view_explorer_and_figure():
    html, fig = widgets.nas_reward_view(-0.15, 7.0, 0.67)
    assert "w = -0.15" in html.data and "-0.151" in html.data and fig is not None
    message, none = widgets.nas_reward_view(-0.1, -1, 0.7)
    assert none is None and "Not a valid setting" in message.data
    explorer = widgets.nas_reward_explorer()
    assert [w.description for w in explorer.kwargs_widgets] == [
        "weight w", "accuracy points per 2x latency", "accuracy at the target"]
    assert len(widgets.nas_reward_figure().axes) == 2


def test_notebook_has_ignored_widget_and_timing_cells():
    nb = json.loads(NOTEBOOK.read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for marker in ("nas_reward_explorer()", "bench.latency(", "latency_table("):
        tagged = [c for c in cells if marker in "".join(c["source"]) and "import" not in "".join(c["source"])
                  and "def " not in "".join(c["source"])]
        assert tagged and all("nbval-ignore-output" in c["metadata"].get("tags", []) for c in tagged), marker
