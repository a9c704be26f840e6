"""Chapter 6's package pieces: its exercise checkers and its ShuffleNet v1 explorer and figure."""

import json
import math
import pathlib

import pytest
import torch

from lightnets_edu import cost, widgets
from lightnets_edu.exercises import ch06
from lightnets_edu.layers import ShuffleUnit
from lightnets_edu.models import shufflenet_v1
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "06_shufflenet.ipynb"


# ---------------------------------------------------------------- exercises

def expected_answers():
    """Each exercise's answer, recomputed the way a student would: real modules and tensors."""
    c = ch06.EX1_C
    unit = ShuffleUnit(c, c, ch06.EX1_GROUPS)
    first = shufflenet_v1(groups=ch06.EX2_GROUPS).stage2[0]
    channels = torch.arange(ch06.EX3_CHANNELS).view(ch06.EX3_GROUPS, -1).t().reshape(-1)  # (g, n) -> (n, g)
    conv = torch.nn.Conv2d(ch06.EX4_C1, ch06.EX4_C2, 1, bias=False)
    x = torch.zeros(1, ch06.EX4_C1, ch06.EX4_SIZE, ch06.EX4_SIZE)
    side = int(math.sqrt(ch06.EX5_PRODUCT))
    return {
        "check_06_1": profile(unit, (1, c, ch06.EX1_SIZE, ch06.EX1_SIZE)).macs,
        "check_06_2": first.gconv2[0].out_channels,
        "check_06_3": int(channels[ch06.EX3_POSITION]),
        "check_06_4": x.numel() + conv.weight.numel() + conv(x).numel(),
        "check_06_5": ch06.EX5_SIZE ** 2 * 2 * side + side * side,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_has_five_checkers_exported():
    import lightnets_edu.exercises as exercises

    assert ch06.__all__ == [f"check_06_{n}" for n in range(1, 6)]
    for name in ch06.__all__:
        assert getattr(exercises, name) is getattr(ch06, name)


def test_checkers_accept_the_right_answer(answers):
    assert answers["check_06_2"] == 216 and answers["check_06_3"] == 9  # the values the notebook discusses
    for name, value in answers.items():
        verdict = getattr(ch06, name)(value)
        assert verdict and verdict.message.startswith("Correct"), (name, verdict.message)


def test_typical_slips_get_their_own_message(answers):
    unit = cost.shuffle_unit(240, 240, 3, 28)
    slips = {
        "check_06_1": [unit.flops, unit.params, 28 * 28 * (2 * 240 * 60 + 9 * 60 * 60)],
        "check_06_2": [240, 60, 24],
        "check_06_3": [4, 5],
        "check_06_4": [cost.pointwise_conv(64, 128, 56).macs, 4 * answers["check_06_4"]],
        "check_06_5": [cost.pointwise_memory_access_cost(64, 256, 28), 28 * 28 * 64 * 256],
    }
    for name, values in slips.items():
        for value in values:
            verdict = getattr(ch06, name)(value)
            assert not verdict and "Hint" not in verdict.message, (name, value, verdict.message)
    assert "Hint" in ch06.check_06_1(12345).message
    assert "other 'MAC'" in ch06.check_06_4(cost.pointwise_conv(64, 128, 56).macs).message


def test_notebook_uses_every_checker():
    text = NOTEBOOK.read_text()
    for name in ch06.__all__:
        assert f"{name}(" in text


# ---------------------------------------------------------------- explorer

def test_table_view_sweep_explorer_figure():
    table = widgets.shufflenet_v1_table(8, 0.25)
    assert list(table["output channels"]) == [8, 96, 192, 384]
    assert list(table["m per group"].dropna().astype(int)) == [3, 6, 12]
    report = profile(shufflenet_v1(groups=8, scale=0.25))
    assert table.attrs["cost"] == cost.Cost(report.params, report.macs)
    html, shown = widgets.shufflenet_v1_view(3, 1.0)
    assert "137.5M MACs" in html.data and "1.87M params" in html.data and shown is not None
    message, none = widgets.shufflenet_v1_view(5, 1.0)
    assert none is None and "Not a valid setting" in message.data and "groups" in message.data
    sweep = widgets.shufflenet_v1_sweep()
    assert len(sweep) == 15 and sweep["paper MFLOPs (printed)"].notna().all()
    explorer = widgets.shufflenet_v1_explorer()
    assert [w.description for w in explorer.kwargs_widgets] == ["groups g", "scale s"]
    assert len(widgets.shufflenet_v1_figure().axes) == 3


def test_earlier_widgets_still_exported():
    for name in ("conv_cost_explorer", "mobilenet_v1_explorer", "shufflenet_v1_explorer"):
        assert name in widgets.__all__


def test_notebook_tags_timing_and_widget_cells():
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for marker in ("shufflenet_v1_explorer()", "bench.latency"):
        cells = [c for c in code if marker in "".join(c["source"]) and "import" not in "".join(c["source"])]
        assert cells and all("nbval-ignore-output" in c["metadata"].get("tags", []) for c in cells), marker
