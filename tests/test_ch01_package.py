"""Chapter 1's package pieces: its exercise checkers, its explorer and figure, and bench."""

import json
import pathlib
import re
import subprocess
import sys
from fractions import Fraction

import pytest
import torch
from torch import nn

from lightnets_edu import bench, cost, widgets
from lightnets_edu.exercises import ch01

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "01_cost_of_convolution.ipynb"
CHECKERS = [getattr(ch01, name) for name in ch01.__all__]


# ---------------------------------------------------------------- exercises

NUMBER_CHECKERS = [f"check_01_{n}" for n in range(1, 6)]


def expected_answers():
    """Each number exercise's answer, recomputed here from cost the way a student would."""
    out1 = cost.conv_out_size(ch01.EX1_SIZE, ch01.EX1_KERNEL, stride=ch01.EX1_STRIDE, padding=ch01.EX1_PADDING)
    stack = (cost.conv2d(ch01.EX4_C_IN, ch01.EX4_C_MID, 3, ch01.EX4_SIZE)
             + cost.conv2d(ch01.EX4_C_MID, ch01.EX4_C_OUT, 3, ch01.EX4_SIZE))
    ex5_std = cost.conv2d(ch01.EX5_CHANNELS, ch01.EX5_CHANNELS, ch01.EX5_KERNEL, ch01.EX5_SIZE)
    ex5_sep = cost.depthwise_separable(ch01.EX5_CHANNELS, ch01.EX5_CHANNELS, ch01.EX5_KERNEL, ch01.EX5_SIZE)
    return {
        "check_01_1": cost.conv2d(ch01.EX1_C_IN, ch01.EX1_C_OUT, ch01.EX1_KERNEL, out1).macs,
        "check_01_2": cost.conv2d(ch01.EX2_C_IN, ch01.EX2_C_OUT, ch01.EX2_KERNEL, 1).params
        + cost.batchnorm(ch01.EX2_C_OUT).params,
        "check_01_3": cost.conv2d(ch01.EX3_CHANNELS, ch01.EX3_CHANNELS, ch01.EX3_KERNEL, ch01.EX3_SIZE,
                                  groups=ch01.EX3_GROUPS).macs,
        "check_01_4": Fraction(stack.macs, cost.conv2d(ch01.EX4_C_IN, ch01.EX4_C_OUT, ch01.EX4_KERNEL,
                                                       ch01.EX4_SIZE).macs),
        "check_01_5": Fraction(ex5_std.macs, ex5_sep.macs),
    }


def test_chapter_exports_its_ten_checkers():
    import lightnets_edu.exercises as exercises

    assert ch01.__all__ == [f"check_01_{n}" for n in range(1, 11)]
    for name in ch01.__all__:
        assert getattr(exercises, name) is getattr(ch01, name)


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_right_answer_passes_in_any_reasonable_form(name):
    checker, expected = getattr(ch01, name), expected_answers()[name]
    forms = [expected, float(expected), str(float(expected)), torch.tensor(float(expected))]
    if isinstance(expected, int):
        forms += [f"{expected:,}", f"{expected:_}"]
    for form in forms:
        verdict = checker(form)
        assert verdict, (form, verdict.message)
        assert verdict.message.startswith("Correct:")


def test_known_answers():
    # the closed forms, by hand, for the exercise constants
    answers = expected_answers()
    assert answers["check_01_1"] == 3 * 3 * 64 * 128 * 29 * 29  # floor((57 + 2 - 3) / 2) + 1 = 29
    assert answers["check_01_2"] == 3 * 3 * 128 * 256 + 2 * 256
    assert answers["check_01_3"] == 3 * 3 * (256 // 32) * 256 * 14 * 14
    assert answers["check_01_4"] == Fraction(9 * 64 * 64 + 9 * 64 * 96, 25 * 64 * 96) == Fraction(3, 5)
    assert answers["check_01_5"] == 1 / (Fraction(1, 320) + Fraction(1, 25))


MISTAKES = {
    # name: [(wrong answer as a function of the right one and the constants, words in the message)]
    "check_01_1": [
        (lambda e: 2 * e, "FLOP"),
        (lambda e: cost.conv2d(64, 128, 3, 57).macs, "stride 1"),
        (lambda e: cost.conv2d(ch01.EX1_C_IN, ch01.EX1_C_OUT, ch01.EX1_KERNEL, 1).macs, "weights"),
        (lambda e: cost.conv2d(ch01.EX1_C_IN, ch01.EX1_C_OUT, ch01.EX1_KERNEL, 28).macs, "padding"),
    ],
    "check_01_2": [
        (lambda e: e - 2 * ch01.EX2_C_OUT, "conv alone"),
        (lambda e: e + 2 * ch01.EX2_C_OUT, "buffers"),
        (lambda e: e + 2 * ch01.EX2_C_OUT + 1, "num_batches_tracked"),
        (lambda e: e + ch01.EX2_C_OUT, "bias=False"),
        (lambda e: 3 * ch01.EX2_C_IN * ch01.EX2_C_OUT + 2 * ch01.EX2_C_OUT, "K*K"),
    ],
    "check_01_3": [
        (lambda e: e * ch01.EX3_GROUPS, "ignores the groups"),
        (lambda e: e // ch01.EX3_GROUPS, "not g^2"),
        (lambda e: 2 * e, "FLOP"),
        (lambda e: e // ch01.EX3_SIZE ** 2, "weights"),
    ],
    "check_01_4": [
        (lambda e: Fraction(18, 25), "square case"),
        (lambda e: Fraction(9 * 64 * 96 + 9 * 96 * 96, 25 * 64 * 96), "widens"),
        (lambda e: Fraction(9 * 64 * 64 * 2 + 9 * 64 * 96, 25 * 64 * 96), "Three"),
        (lambda e: 1 / e, "relative to the stack"),
        (lambda e: 1 - e, "saving"),
        (lambda e: 0.4, "saving"),
    ],
    "check_01_5": [
        (lambda e: 25, "pointwise 1x1 conv alone"),
        (lambda e: 320, "depthwise conv alone"),
        (lambda e: 1 / e, "standard / separable"),
        (lambda e: round(float(1 / e), 4), "standard / separable"),
        (lambda e: 1 / (Fraction(1, 320) + Fraction(1, 9)), "3x3 kernel"),
    ],
}


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_each_typical_slip_gets_its_own_message(name):
    """Outside a student's session (the unwrapped checker) a slip gets its message at once."""
    expected = expected_answers()[name]
    for wrong, words in MISTAKES[name]:
        verdict = getattr(ch01, name).__wrapped__(wrong(expected))
        assert not verdict
        assert verdict.message.startswith("Not quite"), verdict.message
        assert words in verdict.message, (words, verdict.message)
        assert "Hint:" not in verdict.message  # a slip gets its specific message, not the generic hint


@pytest.mark.parametrize("name", NUMBER_CHECKERS + ["check_01_10"])
def test_first_wrong_try_names_the_concept_and_a_section(name):
    from lightnets_edu.exercises import _catalog

    _catalog.reset_tries()
    verdict = getattr(ch01, name)("1" if name != "check_01_10" else "a")
    _catalog.reset_tries()
    assert "Hint:" in verdict.message and "see '" in verdict.message, verdict.message
    section = re.search(r"see '(.+?)'(?=[.,;:)]|\s|$)", verdict.message).group(1)
    headings = [line.lstrip("#").strip().replace("$", "") for c in json.loads(NOTEBOOK.read_text())["cells"]
                if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines() if line.startswith("#")]
    assert any(section.split(" and ")[0] in heading for heading in headings), (section, headings)


# ---------------------------------------------------------------- implement, design, choice

def my_conv_out_size(size, kernel, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def my_conv2d_macs(conv, x):
    out = conv(x)
    return conv.weight.numel() * out.shape[0] * out.shape[2] * out.shape[3]


def my_pointwise_conv(x, weight):
    return torch.einsum("bchw,oc->bohw", x, weight)


def test_implement_exercises_accept_a_right_implementation():
    assert ch01.check_01_6(my_conv_out_size)
    assert ch01.check_01_7(my_conv2d_macs)
    assert ch01.check_01_8(my_pointwise_conv)


@pytest.mark.parametrize("name, wrong, words", [
    ("check_01_6", lambda s, k, st=1, p=0, d=1: (s + 2 * p - k) // st + 1, "ignores dilation"),
    ("check_01_6", lambda s, k, st=1, p=0, d=1: -(-(s + 2 * p - d * (k - 1) - 1) // st) + 1, "rounded up"),
    ("check_01_6", lambda s, k, st=1, p=0, d=1: (s + 2 * p - d * (k - 1) - 1) // st, "add 1"),
    ("check_01_7", lambda c, x: my_conv2d_macs(c, x) // x.shape[0], "one image"),
    ("check_01_7", lambda c, x: my_conv2d_macs(c, x) * c.groups, "conv.groups"),
    ("check_01_8", lambda x, w: torch.einsum("bchw,oc->bhwo", x, w), "channels last"),
])
def test_implement_exercises_name_each_known_slip(name, wrong, words):
    verdict = getattr(ch01, name).__wrapped__(wrong)
    assert not verdict and words in verdict.message, verdict.message


def test_design_exercise_accepts_many_designs_and_explains_failures():
    c = ch01.EX9_CHANNELS
    assert ch01.check_01_9(nn.Sequential(nn.Conv2d(c, c, 5, padding=2, groups=c, bias=False), nn.Conv2d(c, c, 1)))
    assert ch01.check_01_9(nn.Sequential(nn.Conv2d(c, c, 3, padding=1, groups=c), nn.Conv2d(c, c, 3, padding=1, groups=c),
                                         nn.ReLU(), nn.Conv2d(c, c, 1)))
    assert ch01.check_01_9(nn.Sequential(nn.Conv2d(c, c, (1, 5), padding=(0, 2), groups=c),
                                         nn.Conv2d(c, c, (5, 1), padding=(2, 0), groups=c), nn.Conv2d(c, c, 1)))
    too_costly = ch01.check_01_9(nn.Conv2d(c, c, 5, padding=2))
    assert not too_costly and "over the MACs budget" in too_costly.message and too_costly.score == 0.5
    too_narrow = ch01.check_01_9(nn.Conv2d(c, c, 1))
    assert not too_narrow and "a window under 5 x 5" in too_narrow.message
    assert "must keep the shape" in ch01.check_01_9(nn.Conv2d(c, c, 3)).message


def test_receptive_field_sees_through_relu_and_max_pooling():
    assert ch01.receptive_field_of(nn.Conv2d(4, 4, 3, padding=1), 4, 15) == 3
    assert ch01.receptive_field_of(nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                                                 nn.MaxPool2d(3, 1, 1)), 4, 15) == 5
    assert ch01.receptive_field_of(nn.Identity(), 4, 15) == 1


def test_choice_exercise():
    assert ch01.check_01_10("b") and ch01.check_01_10(" B ")
    assert "Equal MACs do not mean equal time" in ch01.check_01_10.__wrapped__("a").message


def test_exercise_constants_appear_in_the_notebook_questions():
    nb = json.loads(NOTEBOOK.read_text())
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    questions = {int(m.group(1)): text for text in markdown
                 for m in [re.search(r":label: ch01-ex(\d+)", text)] if m}
    assert sorted(questions) == list(range(1, 11))
    for name, value in vars(ch01).items():
        if re.fullmatch(r"EX\d_[A-Z_]+", name):
            number = int(name[2])
            assert re.search(rf"\b{value}\b", questions[number]), f"{name}={value} not in exercise {number}"


# ---------------------------------------------------------------- widgets

def test_importing_widgets_is_cheap():
    code = "import sys, lightnets_edu.widgets; print(sorted({'ipywidgets', 'matplotlib', 'pandas'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_cost_table_matches_cost():
    table = widgets.conv_cost_table(64, 128, 3, 56, groups=4, bias=True)
    standard = cost.conv2d(64, 128, 3, 56, groups=4, bias=True)
    separable = cost.depthwise_conv(64, 3, 56, bias=True) + cost.pointwise_conv(64, 128, 56, bias=True)
    assert table["params"].iloc[0] == standard.params and table["MACs"].iloc[0] == standard.macs
    assert table["params"].iloc[-1] == separable.params and table["MACs"].iloc[-1] == separable.macs
    assert (table["FLOPs"] == 2 * table["MACs"]).all()
    assert table["MACs / standard"].iloc[0] == 1.0
    with pytest.raises(ValueError, match="groups"):
        widgets.conv_cost_table(24, 128, 3, 56, groups=16)


def test_view_explains_invalid_groups_instead_of_raising():
    html = widgets.conv_cost_view(24, 128, 3, 56, groups=16).data
    assert "not a valid convolution" in html and "groups=16 must divide c_in=24" in html
    assert "1, 2, 4, 8" in html  # the valid choices
    ok = widgets.conv_cost_view(64, 64, 3, 56, groups=1).data
    assert "1/64 + 1/9" in ok and str(cost.separable_ratio(64, 3)) in ok


def test_explorer_builds_and_every_control_updates_without_error():
    explorer = widgets.conv_cost_explorer()
    controls = {w._kwarg: w for w in explorer.kwargs_widgets}
    assert set(controls) == {"c_in", "c_out", "kernel", "hw", "groups", "bias"}
    assert "standard 3x3 conv" in explorer.result.data
    # every option of every control, one at a time, including invalid group counts
    for name, control in controls.items():
        options = control.options if hasattr(control, "options") else (True, False)
        default = control.value
        for option in options:
            if option == control.value:
                continue
            explorer.result = None
            control.value = option  # the view is recomputed synchronously
            assert explorer.result is not None, f"{name}={option!r} raised inside the explorer"
            assert "Traceback" not in explorer.result.data
        control.value = default
    controls["c_in"].value, controls["groups"].value = 24, 16
    assert "not a valid convolution" in explorer.result.data
    controls["groups"].value = 8
    assert "standard 3x3 conv (groups=8)" in explorer.result.data


def test_figure_has_the_two_sweeps():
    fig = widgets.conv_cost_figure()
    macs_ax, ratio_ax = fig.axes
    assert macs_ax.get_yscale() == "log" and macs_ax.get_xlabel() == "kernel size K"
    assert len(macs_ax.get_lines()) == 5  # 3 group counts, depthwise, separable
    k3 = next(line for line in ratio_ax.get_lines() if line.get_label().startswith("K = 3"))
    ns, ratios = k3.get_data()
    assert ratios[-1] == pytest.approx(float(cost.separable_ratio(int(ns[-1]), 3)))
    assert all(r > 1 / 9 for r in ratios)


# ---------------------------------------------------------------- bench

def test_latency_timing_is_sane_and_threads_are_restored():
    before = torch.get_num_threads()
    seen = []
    timing = bench.latency(lambda x: seen.append(torch.get_num_threads()) or x * 2, torch.ones(8),
                           warmup=2, repeats=7, threads=1)
    assert torch.get_num_threads() == before
    assert seen == [1] * 9  # warm-up and timed calls, all with the pinned thread count
    assert isinstance(timing, bench.Timing)
    assert 0 <= timing.q25_ms <= timing.median_ms <= timing.q75_ms
    assert timing.repeats == 7 and timing.threads == 1
    assert "ms (median of 7" in str(timing) and "1 thread)" in str(timing)
    with pytest.raises(AttributeError):
        timing.median_ms = 0.0  # frozen


def test_latency_runs_without_grad_and_restores_threads_after_an_error():
    conv = nn.Conv2d(2, 2, 3)
    grads = []
    bench.latency(lambda x: grads.append(conv(x).requires_grad), torch.ones(1, 2, 5, 5), warmup=0, repeats=2)
    assert grads == [False, False]
    before = torch.get_num_threads()

    def boom():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        bench.latency(boom, threads=2)
    assert torch.get_num_threads() == before


def test_latency_single_repeat():
    timing = bench.latency(lambda: None, warmup=0, repeats=1)
    assert timing.q25_ms == timing.median_ms == timing.q75_ms


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(repeats=0), ValueError, "repeats"),
    (dict(repeats=2.5), TypeError, "repeats"),
    (dict(threads=0), ValueError, "threads"),
    (dict(threads="2"), TypeError, "threads"),
    (dict(warmup=-1), ValueError, "warmup"),
    (dict(warmup=True), TypeError, "warmup"),
])
def test_latency_rejects_bad_settings(kwargs, error, name):
    with pytest.raises(error, match=name):
        bench.latency(lambda: None, **kwargs)


def test_latency_rejects_a_non_callable():
    with pytest.raises(TypeError, match="fn must be callable"):
        bench.latency(torch.ones(3))


def test_param_memory_counts_parameters_not_buffers():
    block = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8))
    params = 3 * 8 * 9 + 2 * 8
    assert bench.param_memory(block) == 4 * params
    assert bench.param_memory(block, bytes_per_param=1) == params
    tied = nn.Linear(4, 4)
    assert bench.param_memory(nn.Sequential(tied, tied)) == 4 * 20
    with pytest.raises(TypeError, match="model"):
        bench.param_memory("resnet18")
    with pytest.raises(ValueError, match="bytes_per_param"):
        bench.param_memory(block, bytes_per_param=0)
