"""Chapter 4's package pieces: its exercise checkers and its DenseNet explorer and figure."""

import json
import pathlib

import pytest

from lightnets_edu import cost, widgets
from lightnets_edu.exercises import ch04
from lightnets_edu.layers import DenseBlock
from lightnets_edu.models import densenet121, densenet_cifar
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_densenet.ipynb"


# ---------------------------------------------------------------- exercises

def expected_answers():
    """Each exercise's answer, recomputed the way a student would: from real modules."""
    block = DenseBlock(ch04.EX5_LAYERS, ch04.EX5_K0, ch04.EX5_K)
    return {
        "check_04_1": DenseBlock(ch04.EX1_LAYER, ch04.EX1_K0, ch04.EX1_K).denselayer7.conv1.in_channels,
        "check_04_2": profile(densenet121().features.denseblock1, input_size=(1, 64, 56, 56)).params,
        "check_04_3": densenet_cifar(ch04.EX3_DEPTH, ch04.EX3_K, bottleneck=True, compression=0.5)
        .classifier.in_features,
        "check_04_4": len(densenet_cifar(ch04.EX4_DEPTH, 24, bottleneck=True, compression=0.5)
                          .features.denseblock1),
        "check_04_5": sum(layer.c_in for layer in block.values()) * ch04.EX5_SIZE ** 2,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_has_five_checkers_exported():
    import lightnets_edu.exercises as exercises

    assert ch04.__all__ == [f"check_04_{n}" for n in range(1, 6)]
    for name in ch04.__all__:
        assert getattr(exercises, name) is getattr(ch04, name)


def test_checkers_accept_the_right_answer(answers):
    for name, value in answers.items():
        verdict = getattr(ch04, name)(value)
        assert verdict and verdict.message.startswith("Correct"), (name, verdict.message)
        assert getattr(ch04, name)(str(value)), name  # typed as text, too


def test_typical_slips_get_their_own_message(answers):
    slips = {
        "check_04_1": [64 + 7 * 32, 6 * 32, 32],
        "check_04_2": [cost.dense_block(64, 32, 6, 56, bn_size=None).params,
                       6 * cost.dense_layer(64, 32, 56).params, cost.dense_block(64, 32, 6, 56).macs],
        "check_04_3": [600, 340],
        "check_04_4": [82, 123],
        "check_04_5": [4 * answers["check_04_5"], 1824],
    }
    for name, values in slips.items():
        for value in values:
            verdict = getattr(ch04, name)(value)
            assert not verdict and "Hint" not in verdict.message, (name, value, verdict.message)
    assert "Hint" in ch04.check_04_1(12345).message


def test_notebook_uses_every_checker():
    text = NOTEBOOK.read_text()
    for name in ch04.__all__:
        assert f"{name}(" in text


# ---------------------------------------------------------------- explorer

def test_table_sums_to_the_profiled_model():
    table = widgets.densenet_cifar_table(40, 12)
    report = profile(densenet_cifar(40, 12), input_size=(1, 3, 32, 32))
    assert (table.loc["total", "params"], table.loc["total", "MACs"]) == (report.params, report.macs)
    assert list(table.index[:2]) == ["conv0 3x3", "denseblock1"]


def test_layer_widths_follow_k0_plus_l_k():
    widths = widgets.densenet_layer_widths(100, 12, bottleneck=True, compression=0.5)
    assert len(widths) == 48
    assert widths[:3] == [24, 36, 48] and widths[16] == (24 + 16 * 12) // 2
    model = densenet_cifar(100, 12, bottleneck=True, compression=0.5)
    seen = [m.norm1.num_features for name, m in model.named_modules() if name.split(".")[-1].startswith("denselayer")]
    assert widths == seen


def test_paper_table_2_points_are_reproduced():
    for (depth, k, bc), printed in widgets.PAPER_TABLE_2_PARAMS.items():
        table = widgets.densenet_cifar_table(depth, k, bc, 0.5 if bc else 1.0)
        assert round(table.loc["total", "params"] / 1e6, 1) == printed


def test_view_and_explorer_and_figure():
    html, fig = widgets.densenet_view(40, 12, 1.0, False)
    assert "1.020M params" in html.data and fig is not None
    assert "160, 304, 448" in html.data  # channels leaving the three blocks: 16 + 12 x 12, ...
    message, none = widgets.densenet_view(40, 12, 1.0, True)  # 40 = 6n + 4 fits, n = 6
    assert none is not None
    message, none = widgets.densenet_view(46, 12, 0.5, False)  # 46 - 4 = 42 = 3 x 14 fits too
    assert none is not None
    message, none = widgets.densenet_view(41, 12, 1.0, False)
    assert none is None and "Not a valid setting" in message.data and "depth=41" in message.data
    message, none = widgets.densenet_view(40, 12, 0.0, False)
    assert none is None and "compression" in message.data
    explorer = widgets.densenet_explorer()
    assert [w.description for w in explorer.kwargs_widgets] == ["depth L", "growth rate k", "compression θ",
                                                                "bottleneck (1×1 to 4k)"]
    assert len(widgets.densenet_figure().axes) == 2


@pytest.mark.parametrize("bad, error", [(0, ValueError), ("40", TypeError), (42, ValueError)])
def test_table_rejects_bad_depth(bad, error):
    with pytest.raises(error, match="depth"):
        widgets.densenet_cifar_table(bad, 12)


def test_notebook_tags_its_widget_and_measurement_cells():
    # measurement cells carry the nbval-ignore-output tag (never a visible marker comment);
    # the saved-activation count is exact and stays compared
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]

    def cell(marker):
        return next(c for c in code if marker in "".join(c["source"]) and "import" not in "".join(c["source"]))

    def tagged(c):
        return "nbval-ignore-output" in c.get("metadata", {}).get("tags", [])

    for marker in ("densenet_explorer()", "times[depth, efficient].append", "trained_maps = ", "single_runs = "):
        assert tagged(cell(marker)), marker
    assert not tagged(cell("memory_table = "))
    for c in code:
        assert not "".join(c["source"]).startswith("# NBVAL_IGNORE_OUTPUT")

