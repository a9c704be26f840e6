"""Chapter 2's package pieces: its exercise checkers and its MobileNet v1 explorer and figure."""

import json
import pathlib
from fractions import Fraction

import pytest
import torch

from lightnets_edu import cost, widgets
from lightnets_edu.exercises import ch02
from lightnets_edu.models import mobilenet_v1, mobilenet_v1_cost, mobilenet_v1_shallow
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "02_mobilenet_v1.ipynb"
CHECKERS = [getattr(ch02, name) for name in ch02.__all__]


# ---------------------------------------------------------------- exercises

def expected_answers():
    """Each exercise's answer, recomputed here the way a student would (profiling real models)."""
    alphas = [k / 20 for k in range(1, 21)]
    return {
        "check_02_1": profile(mobilenet_v1().features[5], input_size=(1, 256, 28, 28)).macs,
        "check_02_2": max(a for a in alphas if profile(mobilenet_v1(width_mult=a)).macs <= ch02.EX2_BUDGET),
        "check_02_3": Fraction(1, ch02.EX3_C_OUT) + Fraction(1, ch02.EX3_KERNEL ** 2),
        "check_02_4": profile(torch.nn.Conv2d(1, 1, 3, stride=2, padding=1), input_size=(1, 1, 7, 7))
        .table["output_shape"].iloc[0][-1],
        "check_02_5": profile(mobilenet_v1(width_mult=ch02.EX5_ALPHA),
                              input_size=(1, 3, ch02.EX5_RESOLUTION, ch02.EX5_RESOLUTION)).macs,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_has_five_checkers_exported():
    import lightnets_edu.exercises as exercises

    assert ch02.__all__ == [f"check_02_{n}" for n in range(1, 6)]
    for name in ch02.__all__:
        assert getattr(exercises, name) is getattr(ch02, name)


def test_checkers_accept_the_right_answer(answers):
    for name, value in answers.items():
        verdict = getattr(ch02, name)(value)
        assert verdict and verdict.message.startswith("Correct"), (name, verdict.message)


def test_typical_slips_get_their_own_message(answers):
    block = cost.depthwise_separable(256, 256, 3, 28)
    slips = {
        "check_02_1": [block.flops, cost.conv2d(256, 256, 3, 28).macs, cost.pointwise_conv(256, 256, 28).macs],
        "check_02_2": [0.7],
        "check_02_3": [1 / answers["check_02_3"], Fraction(1, 9)],
        "check_02_4": [7, 3],
        "check_02_5": [2 * answers["check_02_5"]],
    }
    for name, values in slips.items():
        for value in values:
            verdict = getattr(ch02, name)(value)
            assert not verdict and "Hint" not in verdict.message, (name, value, verdict.message)
    assert "Hint" in ch02.check_02_1(12345).message


def test_notebook_uses_every_checker():
    text = NOTEBOOK.read_text()
    for name in ch02.__all__:
        assert f"{name}(" in text


# ---------------------------------------------------------------- explorer

@pytest.mark.parametrize("alpha,res", [(1.0, 224), (0.75, 192), (0.5, 160), (0.25, 128), (0.6, 96), (1.4, 256)])
def test_closed_form_cost_equals_the_profiled_model(alpha, res):
    measured = profile(mobilenet_v1(width_mult=alpha), input_size=(1, 3, res, res))
    assert mobilenet_v1_cost(alpha, res) == cost.Cost(params=measured.params, macs=measured.macs)


def test_closed_form_without_batchnorm():
    model = mobilenet_v1()
    bn = sum(p.numel() for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d) for p in m.parameters())
    assert mobilenet_v1_cost(batchnorm=False).params == mobilenet_v1_cost().params - bn


def test_paper_headline_numbers_are_reproduced():
    # the paper's printed 569M / 4.2M (Table 6) and the shallow model's 307M / 2.9M (Table 5)
    assert round(mobilenet_v1_cost().macs / 1e6) == 569
    assert round(mobilenet_v1_cost().params / 1e6, 1) == 4.2
    shallow = profile(mobilenet_v1_shallow())
    assert (round(shallow.macs / 1e6), round(shallow.params / 1e6, 1)) == (307, 2.9)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-0.5, ValueError), ("1", TypeError),
                                        (True, TypeError), (None, TypeError)])
def test_cost_rejects_bad_width(bad, error):
    with pytest.raises(error, match="width_mult"):
        mobilenet_v1_cost(bad)


def test_sweep_covers_the_grid_and_cites_the_paper():
    sweep = widgets.mobilenet_v1_sweep()
    assert len(sweep) == 16
    reported = sweep.dropna(subset=["paper top-1 % (printed)"])
    assert len(reported) == len(widgets.PAPER_V1_IMAGENET) == 7
    by_res = sweep[sweep.alpha == 1.0].set_index("resolution")["params"]
    assert by_res.nunique() == 1  # resolution never changes the parameters


def test_view_and_explorer_and_figure():
    html, fig = widgets.mobilenet_v1_view(0.6, 160)
    assert "107.6M MACs" in html.data and "1.78M params" in html.data and fig is not None
    message, none = widgets.mobilenet_v1_view(-1, 224)
    assert none is None and "Not a valid setting" in message.data
    explorer = widgets.mobilenet_v1_explorer()
    assert [w.description for w in explorer.kwargs_widgets] == ["width α", "input size (224 ρ)"]
    figure = widgets.mobilenet_v1_figure()
    assert len(figure.axes) == 3


def test_chapter1_widgets_still_exported():
    for name in ("conv_cost_table", "conv_cost_view", "conv_cost_explorer", "conv_cost_figure"):
        assert name in widgets.__all__


def test_notebook_has_ignored_widget_and_timing_cells():
    nb = json.loads(NOTEBOOK.read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for marker in ("mobilenet_v1_explorer()", "bench.latency", "bench.layer_times"):
        cell = next(c for c in cells if marker in "".join(c["source"]) and "import" not in "".join(c["source"]))
        assert "nbval-ignore-output" in cell["metadata"].get("tags", []), marker  # a tag, never a comment
    assert not any("torch_profile" in "".join(c["source"]) for c in cells)  # no CUDA probe on stderr
