"""Chapter 6's package pieces: its exercise checkers and its ShuffleNet v1 explorer and figure."""

import json
import math
import pathlib
import re

import pytest
import torch

from lightnets_edu import cost, widgets
from lightnets_edu.display import FIGURE_WIDTH
from lightnets_edu.exercises import ch06
from lightnets_edu.layers import ShuffleUnit, channel_shuffle
from lightnets_edu.models import shufflenet_v1
from lightnets_edu.models.shufflenet import shufflenet_v1_channels, shufflenet_v1_cost
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "06_shufflenet.ipynb"


# ---------------------------------------------------------------- exercises

NUMBER_CHECKERS = [f"check_06_{n}" for n in range(1, 6)]


def expected_answers():
    """Each number exercise's answer, recomputed the way a student would: real modules and tensors."""
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


def test_chapter_exports_its_ten_checkers():
    import lightnets_edu.exercises as exercises

    assert ch06.__all__ == [f"check_06_{n}" for n in range(1, 11)]
    for name in ch06.__all__:
        assert getattr(exercises, name) is getattr(ch06, name)


def test_known_answers(answers):
    # the closed forms, by hand, for the exercise constants
    assert answers["check_06_1"] == 14 * 14 * (2 * 544 * 136 // 4 + 9 * 136)
    assert answers["check_06_2"] == 384 - 24
    assert answers["check_06_3"] == (7 % 4) * 6 + 7 // 4
    assert answers["check_06_4"] == 28 * 28 * (96 + 192) + 96 * 192
    assert answers["check_06_5"] == 14 * 14 * 2 * 192 + 192 * 192


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_right_answer_passes_in_any_reasonable_form(name, answers):
    expected = answers[name]
    for form in [expected, float(expected), str(expected), f"{expected:,}", f"{expected:_}", torch.tensor(expected)]:
        verdict = getattr(ch06, name)(form)
        assert verdict and verdict.message.startswith("Correct:"), (name, form, verdict.message)


MISTAKES = {
    # name: [(wrong answer, words in its message)]
    "check_06_1": [(2 * 7490336, "FLOP"), (14 * 14 * (2 * 544 * 136 + 9 * 136), "without groups"),
                   (14 * 14 * (2 * 544 * 136 + 9 * 136 * 136), "ResNet bottleneck"),
                   (14 * 14 * (2 * 544 * 136 // 4 + 9 * 136 * 136), "depthwise"),
                   (14 * 14 * (2 * 544 * 544 // 4 + 9 * 544), "bottleneck"),
                   (cost.shuffle_unit(544, 544, 4, 14).params, "parameter count")],
    "check_06_2": [(384, "unit's output"), (96, "bottleneck"), (24, "pooled shortcut"), (192, "ShuffleNet v2")],
    "check_06_3": [(cost.shuffle_target(7, 24, 4), "inverse question"), (7, "does move channels"),
                   (1 * 6 + 3, "p mod g")],
    "check_06_4": [(cost.pointwise_conv(96, 192, 28).macs, "other 'MAC'"), (28 * 28 * (96 + 192), "weights are read"),
                   (28 * 28 * 96 + 96 * 192, "writes its output"), (4 * 244224, "bytes")],
    "check_06_5": [(cost.pointwise_memory_access_cost(48, 768, 14), "as given"),
                   (14 * 14 * 36864, "same for every shape"), (14 * 14 * 2 * 192, "weights"),
                   (4 * 112128, "bytes")],
}


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_each_typical_slip_gets_its_own_message(name):
    """Outside a student's session (the unwrapped checker) a slip gets its message at once."""
    for wrong, words in MISTAKES[name]:
        verdict = getattr(ch06, name).__wrapped__(wrong)
        assert not verdict and verdict.message.startswith("Not quite"), (name, wrong, verdict.message)
        assert words in verdict.message, (name, wrong, words, verdict.message)
        assert "Hint:" not in verdict.message, (name, wrong, verdict.message)
    assert "Hint:" in getattr(ch06, name).__wrapped__(12345).message  # no known slip: the formula


def _headings():
    return [line.lstrip("#").strip().replace("$", "") for c in json.loads(NOTEBOOK.read_text())["cells"]
            if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines() if line.startswith("#")]


@pytest.mark.parametrize("name", NUMBER_CHECKERS + ["check_06_9", "check_06_10"])
def test_first_wrong_try_names_the_concept_and_real_sections(name):
    from lightnets_edu.exercises import _catalog

    _catalog.reset_tries()
    wrong = "a" if name in ("check_06_9", "check_06_10") else "1"
    first = getattr(ch06, name)(wrong)
    second = getattr(ch06, name)(wrong)
    third = getattr(ch06, name)(wrong)
    _catalog.reset_tries()
    sections = re.findall(r"see '([^']+)'", first.message)
    assert sections and "Hint:" in first.message, first.message
    headings = _headings()
    assert all(any(section in heading for heading in headings) for section in sections), (sections, headings)
    assert second.message != first.message or "see '" in second.message
    assert third.message != first.message  # the third try shows the formula


# ---------------------------------------------------------------- implement, design, choice

def my_channel_shuffle(x, groups):
    b, c, h, w = x.shape
    return x.view(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)


def my_v2_unit(x, branch):
    left, right = x.chunk(2, dim=1)
    return my_channel_shuffle(torch.cat((left, branch(right)), dim=1), 2)


def test_implement_exercises_accept_a_right_implementation():
    assert ch06.check_06_6(my_channel_shuffle)
    assert ch06.check_06_6(lambda x, groups: channel_shuffle(x, groups))
    assert ch06.check_06_7(my_v2_unit)


def _split(x):
    return x.chunk(2, dim=1)


@pytest.mark.parametrize("name, wrong, words", [
    ("check_06_6", lambda x, g: my_channel_shuffle(x, x.shape[1] // g), "inverse shuffle"),
    ("check_06_6", lambda x, g: x.reshape(x.shape[0], g, -1, *x.shape[2:]).reshape(x.shape), "without the transpose"),
    ("check_06_6", lambda x, g: x.view(x.shape[0], g, -1, *x.shape[2:]).transpose(1, 2), "shape"),
    ("check_06_7", lambda x, b: torch.cat((_split(x)[0], b(_split(x)[1])), dim=1), "left out the channel shuffle"),
    ("check_06_7", lambda x, b: my_channel_shuffle(torch.cat((b(_split(x)[0]), _split(x)[1]), 1), 2), "first half"),
    ("check_06_7", lambda x, b: my_channel_shuffle(torch.cat((b(_split(x)[1]), _split(x)[0]), 1), 2), "kept half"),
    ("check_06_7", lambda x, b: my_channel_shuffle(torch.cat(_split(x)[:1] + (b(_split(x)[1]),), 1), x.shape[1] // 2),
     "2 groups"),
    ("check_06_7", lambda x, b: my_channel_shuffle(_split(x)[0] + b(_split(x)[1]), 2), "shape"),
])
def test_implement_exercises_name_each_known_slip(name, wrong, words):
    verdict = getattr(ch06, name).__wrapped__(wrong)
    assert not verdict and words in verdict.message, verdict.message


def test_implement_stubs_are_not_a_try():
    def stub(*args):
        raise NotImplementedError

    for checker in (ch06.check_06_6, ch06.check_06_7):
        verdict = checker(stub)
        assert not verdict and "NotImplementedError" in verdict.message and not verdict.counts_as_try


def test_design_exercise_accepts_many_designs_and_explains_failures():
    for design in [(8, 0.48), [8, 0.44], {"groups": 8, "scale": 0.47}, shufflenet_v1(groups=8, scale=0.46),
                   (8.0, 0.45), (torch.tensor(8).item(), 0.43)]:
        verdict = ch06.check_06_8(design)
        assert verdict and verdict.score == 1.0 and "stage 4 carries" in verdict.message, verdict.message
        assert "The widest that fits is 736 channels" in verdict.message
    over = ch06.check_06_8((8, 0.5))  # the paper's 0.5x with g = 8 is just over the budget
    assert not over and "over the budget by 1.2%" in over.message and over.score == 0.0
    narrow = ch06.check_06_8((1, 0.5))
    assert not narrow and "at least 663 channels" in narrow.message and 0 < narrow.score < 0.5
    close = ch06.check_06_8((4, 0.5))
    assert not close and close.score > narrow.score
    for junk, words in [((5, 0.5), "groups must be one of"), ((8, 0.0), "scale must be"), ((8,), "a pair"),
                        ({"g": 8}, "keys"), ((8, "half"), "scale must be")]:
        verdict = ch06.check_06_8(junk)
        assert not verdict and words in verdict.message, verdict.message


def test_design_widest_is_measured():
    groups, scale, width = ch06._widest()
    assert (groups, width) == (8, 736) and shufflenet_v1_channels(groups, scale)[-1] == width
    assert profile(shufflenet_v1(groups=groups, scale=scale)).macs <= ch06.EX8_MMACS * 10**6
    assert shufflenet_v1_cost(4, 0.51).macs <= 40 * 10**6 and shufflenet_v1_channels(4, 0.51)[-1] < 0.9 * 736


def test_choice_exercises():
    assert ch06.check_06_9("b") and ch06.check_06_9(" B ")
    assert "no parameters" in ch06.check_06_9.__wrapped__("a").message
    assert "still trains" in ch06.check_06_9.__wrapped__("c").message
    assert ch06.check_06_10("c")
    assert "not fixed by B" in ch06.check_06_10.__wrapped__("a").message
    assert "fixed by B" in ch06.check_06_10.__wrapped__("b").message
    assert not ch06.check_06_10("d") and "Expected one of" in ch06.check_06_10("d").message


def test_exercise_constants_appear_in_the_notebook_questions():
    nb = json.loads(NOTEBOOK.read_text())
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    questions = {int(m.group(1)): text for text in markdown
                 for m in [re.search(r":label: ch06-ex(\d+)", text)] if m}
    assert sorted(questions) == list(range(1, 11))
    for name, value in vars(ch06).items():
        if re.fullmatch(r"EX\d_[A-Z_0-9]+", name):
            number = int(name[2])
            assert re.search(rf"\b{value}\b", questions[number]), f"{name}={value} not in exercise {number}"


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
    html = widgets.shufflenet_v1_view(3, 1.0)
    assert "137.5M MACs" in html.data and "1.87M params" in html.data and "<table" in html.data
    assert "<td>60</td>" in html.data and "NaN" not in html.data and "60.0" not in html.data  # one style
    message = widgets.shufflenet_v1_view(5, 1.0)
    assert "Not a valid setting" in message.data and "groups" in message.data and "<table" not in message.data
    sweep = widgets.shufflenet_v1_sweep()
    assert len(sweep) == 15 and sweep["paper MFLOPs (printed)"].notna().all()
    explorer = widgets.shufflenet_v1_explorer()
    assert [w.description for w in explorer.kwargs_widgets] == ["groups g", "scale s"]
    for control in explorer.kwargs_widgets:  # the book's one control layout
        assert control.style.description_width == "10em" and control.layout.width == "28em"
    figure = widgets.shufflenet_v1_figure()
    assert len(figure.axes) == 3 and figure.get_figwidth() == FIGURE_WIDTH  # as wide as the book's column


def test_earlier_widgets_still_exported():
    for name in ("conv_cost_explorer", "mobilenet_v1_explorer", "shufflenet_v1_explorer"):
        assert name in widgets.__all__


def test_notebook_tags_timing_and_widget_cells():
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for marker in ("shufflenet_v1_explorer()", "bench.latency"):
        cells = [c for c in code if marker in "".join(c["source"]) and "import" not in "".join(c["source"])]
        assert cells and all("nbval-ignore-output" in c["metadata"].get("tags", []) for c in cells), marker
