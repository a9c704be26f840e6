"""Chapter 5's package pieces: its exercise checkers, its explorer and figure, and the
whole-network peak memory, checked against independent computations."""

import json
import pathlib

import pytest
import torch

from lightnets_edu import cost, widgets
from lightnets_edu.exercises import ch05
from lightnets_edu.layers import InvertedResidual, forward_in_splits
from lightnets_edu.models import mobilenet_v2, mobilenet_v2_peak_memory, with_expand_ratio
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "05_mobilenet_v2.ipynb"


# ---------------------------------------------------------------- exercises

def expected_answers():
    """Each exercise's answer, recomputed the way a student would: from real modules."""
    model = mobilenet_v2()
    blocks = [m for m in model.modules() if isinstance(m, InvertedResidual)]
    block = InvertedResidual(64, 64, 1, 6).eval()
    _, peak = forward_in_splits(block, torch.zeros(1, 64, 14, 14), ch05.EX4_SPLITS)
    return {
        "check_05_1": profile(model.features[8], input_size=(1, 64, 14, 14)).macs,
        "check_05_2": mobilenet_v2(width_mult=ch05.EX2_WIDTH).features[0][0].out_channels,
        "check_05_3": sum(b.use_res_connect for b in blocks),
        "check_05_4": peak,
        "check_05_5": 5,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_checkers_are_exported():
    import lightnets_edu.exercises as exercises

    assert ch05.__all__ == [f"check_05_{n}" for n in range(1, 6)]
    for name in ch05.__all__:
        assert getattr(exercises, name) is getattr(ch05, name)


def test_checkers_accept_the_right_answer(answers):
    assert answers["check_05_2"] == 16 and answers["check_05_3"] == 10
    for name, value in answers.items():
        verdict = getattr(ch05, name)(value)
        assert verdict and verdict.message.startswith("Correct"), (name, verdict.message)


def test_typical_slips_get_their_own_message(answers):
    block = cost.inverted_residual(64, 64, 6, 3, 1, 14)
    slips = {
        "check_05_1": [block.flops, block.params, cost.depthwise_separable(64, 64, 3, 14).macs],
        "check_05_2": [8, 11, 12],
        "check_05_3": [17, 13],
        "check_05_4": [cost.inverted_residual_memory(64, 64, 6, 3, 1, 14), 2 * answers["check_05_4"]],
        "check_05_5": [3, 8],
    }
    for name, values in slips.items():
        for value in values:
            verdict = getattr(ch05, name)(value)
            assert not verdict and "Hint" not in verdict.message, (name, value, verdict.message)
    assert "Hint" in ch05.check_05_1(12345).message


def test_notebook_uses_every_checker():
    text = NOTEBOOK.read_text()
    for name in ch05.__all__:
        assert f"{name}(" in text


# ---------------------------------------------------------------- peak memory

def measured_peak(model, resolution):
    """Largest input + output of any leaf op outside the blocks, and each block's whole-evaluation peak."""
    peaks = []
    x = torch.zeros(1, 3, resolution, resolution)
    with torch.no_grad():
        for i, layer in enumerate(model.features):
            y = layer(x)
            if isinstance(layer, InvertedResidual):
                e = layer.conv[0](x) if layer.expands else None
                d = (layer.conv[1] if layer.expands else layer.conv[0])(e if e is not None else x)
                held_e = e.numel() if e is not None else 0
                peaks.append(x.numel() + max(held_e + d.numel(), d.numel() + y.numel()))
            else:
                peaks.append(x.numel() + y.numel())
            x = y
        pooled = model.avgpool(x).flatten(1)
        peaks += [x.numel() + pooled.numel(), pooled.numel() + model.classifier(pooled).numel()]
    return max(peaks)


@pytest.mark.parametrize("width, resolution, t", [(1.0, 224, 6), (0.5, 128, 4), (1.4, 96, 2), (0.35, 160, 1)])
def test_peak_memory_closed_form_equals_the_tensors(width, resolution, t):
    from lightnets_edu.models import MobileNetV2

    model = MobileNetV2(width_mult=width, setting=with_expand_ratio(t)).eval()
    assert mobilenet_v2_peak_memory(width, resolution, setting=with_expand_ratio(t)) == measured_peak(model, resolution)
    assert mobilenet_v2_peak_memory(width, resolution, setting=with_expand_ratio(t), split=True) <= \
        mobilenet_v2_peak_memory(width, resolution, setting=with_expand_ratio(t))


# ---------------------------------------------------------------- explorer

def test_table_sweep_view_explorer_and_figure():
    row = widgets.mobilenet_v2_table(1.0, 224, 6)
    assert row["MACs"] == 300_774_272 and row["params"] == 3_504_872
    assert row["peak values (t splits)"] < row["peak values (whole blocks)"]
    sweep = widgets.mobilenet_v2_sweep()
    assert len(sweep) == 30 and sweep.groupby("width_mult")["params"].nunique().max() == 1
    html, fig = widgets.mobilenet_v2_view(0.5, 160, 4)
    assert "M MACs" in html.data and fig is not None
    message, none = widgets.mobilenet_v2_view(-1, 224, 6)
    assert none is None and "Not a valid setting" in message.data
    explorer = widgets.mobilenet_v2_explorer()
    assert [w.description for w in explorer.kwargs_widgets] == ["width multiplier", "input size", "expansion ratio t"]
    assert len(widgets.mobilenet_v2_figure().axes) == 3


def test_bad_input_of_memory_and_expand_ratio():
    with pytest.raises(ValueError, match="expand_ratio"):
        with_expand_ratio(0)
    with pytest.raises(TypeError, match="resolution"):
        mobilenet_v2_peak_memory(1.0, "224")


def test_notebook_has_ignored_widget_cell():
    nb = json.loads(NOTEBOOK.read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    cell = next(c for c in cells if "mobilenet_v2_explorer()" in "".join(c["source"]) and "import" not in "".join(c["source"]))
    assert "nbval-ignore-output" in cell["metadata"].get("tags", [])  # a tag, never a comment
