"""Chapter 7's package pieces: its exercise checkers and its NAS reward explorer and figure."""

import json
import math
import pathlib
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lightnets_edu import widgets
from lightnets_edu.exercises import ch07
from lightnets_edu.layers import HSwish, InvertedResidualV3, SqueezeExcitation
from lightnets_edu.layers.mobilenet_v3 import conv_bn_act
from lightnets_edu.models.mobilenet_v3 import (MobileNetV3, mnasnet_reward, mobilenet_v3_config, mobilenet_v3_cost,
                                              mobilenet_v3_large)
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "07_mobilenet_v3.ipynb"


# ---------------------------------------------------------------- exercises

NUMBER_CHECKERS = [f"check_07_{n}" for n in range(1, 6)]
CHECKERS = [getattr(ch07, name) for name in ch07.__all__]


def expected_answers():
    """Each number exercise's answer, recomputed the way a student would: profiling real modules, a grid, a model."""
    grid = torch.linspace(-10, 10, 2_000_001, dtype=torch.float64)
    size = ch07.EX3_SIZE
    body = mobilenet_v3_large().features[:-1]
    original = nn.Sequential(body, InvertedResidualV3(160, 960, 320, 3, 1, False, "HS"),
                             conv_bn_act(320, 1280, 1, activation=HSwish), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                             nn.Linear(1280, 1000))
    shape = (1, 3, 32 * size, 32 * size)  # 288 x 288: the last map is 9 x 9
    return {
        "check_07_1": profile(mobilenet_v3_large().features[4].block[2], (1, 72, 28, 28)).params,
        "check_07_2": F.hardswish(grid).min().item(),
        "check_07_3": profile(original, shape).macs - profile(mobilenet_v3_large(), shape).macs,
        "check_07_4": -0.05 / (math.log(2) * 0.6),
        "check_07_5": profile(MobileNetV3(*mobilenet_v3_config("large", 0.5, reference="tf"))).macs,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_exports_its_nine_checkers():
    import lightnets_edu.exercises as exercises

    assert ch07.__all__ == [f"check_07_{n}" for n in range(1, 10)]
    for name in ch07.__all__:
        assert getattr(exercises, name) is getattr(ch07, name)
    kinds = [e.kind for e in exercises.catalog(7)]
    assert kinds == ["number"] * 5 + ["implement", "implement", "design", "choice"]
    assert [e.points for e in exercises.catalog(7)] == [1] * 5 + [2, 2, 3, 1]


def test_known_answers(answers):
    assert answers["check_07_1"] == 72 * 24 + 24 + 24 * 72 + 72 == 3552
    assert answers["check_07_2"] == -0.375
    assert answers["check_07_3"] == (9 * 960 + 960 * 320 + 320 * 1280) * 81 - 960 * 1280
    grid = torch.linspace(-3, 0, 300_001, dtype=torch.float64)
    assert ch07.swish_minimum() == pytest.approx(F.silu(grid).min().item())


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_right_answer_passes_in_any_reasonable_form(name, answers):
    checker, expected = getattr(ch07, name), answers[name]
    forms = [expected, float(expected), str(float(expected)), torch.tensor(float(expected), dtype=torch.float64)]
    if isinstance(expected, int):
        forms += [f"{expected:,}", f"{expected:_}", torch.tensor(expected)]
    for form in forms:
        verdict = checker(form)
        assert verdict and verdict.message.startswith("Correct:"), (name, form, verdict.message)
    assert ch07.check_07_2("-3/8") and ch07.check_07_4(round(answers["check_07_4"], 3))


MISTAKES = {
    # name: [(wrong answer, words in its message)]
    "check_07_1": [(72 * 18 + 18 + 18 * 72 + 72, "make_divisible"), (2 * 72 * 24, "bias"),
                   (72 * 24 + 24, "fc1 alone"), (3552 + 72 * 28 * 28, "no parameters")],
    "check_07_2": [(-1.5, "where the minimum is"), (round(ch07.swish_minimum(), 4), "minimum of swish"),
                   (0, "not a ReLU"), (0.375, "sign")],
    "check_07_3": [(34_317_760, "224 x 224"), (2 * 57_531_840, "FLOPs"), (57_531_840 + 960 * 1280, "still costs"),
                   (320 * 1280 * 81 - 960 * 1280, "only moving")],
    "check_07_4": [(0.1202, "positive w"), (-0.05 / 0.6, "ln 2"), (-5 / (math.log(2) * 0.6), "fraction"),
                   (-0.05 / math.log(2), "divide by ACC")],
    "check_07_5": [(profile(mobilenet_v3_large(width_mult=0.5)).macs, "torchvision"),
                   (mobilenet_v3_cost("large").macs, "width-1.0"), (0.25 * 216_589_760, "estimate")],
}


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_each_typical_slip_gets_its_own_message(name, answers):
    """Outside a student's session (the unwrapped checker) a slip gets its message at once."""
    for wrong, words in MISTAKES[name] + [(2 * answers[name], "FLOPs")] * (name in ("check_07_3", "check_07_5")):
        verdict = getattr(ch07, name).__wrapped__(wrong)
        assert not verdict and verdict.message.startswith("Not quite"), (name, wrong, verdict.message)
        assert words in verdict.message and "Hint:" not in verdict.message, (name, wrong, verdict.message)
    assert "Hint:" in getattr(ch07, name).__wrapped__(12345).message


@pytest.mark.parametrize("name", NUMBER_CHECKERS + ["check_07_6", "check_07_7", "check_07_9"])
def test_hints_are_graduated_and_the_first_names_a_section(name):
    from lightnets_edu.exercises import _catalog

    headings = [line.lstrip("#").strip().replace("$", "") for c in json.loads(NOTEBOOK.read_text())["cells"]
                if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines() if line.startswith("#")]
    wrong = {"check_07_6": lambda x: x * torch.sigmoid(x), "check_07_7": SwishGateSE, "check_07_9": "a"}.get(name, "1")
    _catalog.reset_tries()
    try:
        first, second, third = (getattr(ch07, name)(wrong).message for _ in range(3))
    finally:
        _catalog.reset_tries()
    section = re.search(r"see '(.+?)'\.", first).group(1)
    assert any(section in heading for heading in headings), (section, headings)
    assert "Another wrong try" in first and first != second != third
    assert "Hint:" in third and third not in first


def test_concepts_name_the_exact_headings():
    text = NOTEBOOK.read_text()
    for section in ["Squeeze-and-excitation: channel attention, and its cost", "h-sigmoid and h-swish, from ReLU6",
                    "The efficient last stage, and the 16-filter stem",
                    "MnasNet's reward, and the two MobileNet v3 models",
                    "Verify: Table 3, from code"]:
        assert f"## {section}" in text


# ---------------------------------------------------------------- implement, design, choice

def my_hswish(x):
    return x * torch.clamp(x + 3, 0, 6) / 6


class MySE(nn.Module):
    def __init__(self, channels, squeeze_channels):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)

    def forward(self, x):
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True)))))


class SwishGateSE(MySE):
    def forward(self, x):
        return x * torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True)))))


class MaxSE(MySE):
    def forward(self, x):
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(x.amax((2, 3), keepdim=True)))))


class NoReluSE(MySE):
    def forward(self, x):
        return x * F.hardsigmoid(self.fc2(self.fc1(x.mean((2, 3), keepdim=True))))


class GateOnlySE(MySE):
    def forward(self, x):
        return F.hardsigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True)))))


class PerPixelSE(MySE):
    def forward(self, x):
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(x))))


class RenamedSE(MySE):
    def __init__(self, channels, squeeze_channels):
        nn.Module.__init__(self)
        self.reduce = nn.Conv2d(channels, squeeze_channels, 1)
        self.expand = nn.Conv2d(squeeze_channels, channels, 1)


class StubSE(MySE):
    def forward(self, x):
        raise NotImplementedError


def test_implement_exercises_accept_right_implementations():
    assert ch07.check_07_6(my_hswish) and ch07.check_07_6(lambda x: x * F.relu6(x + 3) / 6)
    assert ch07.check_07_6(lambda x: torch.where(x <= -3, 0 * x, torch.where(x >= 3, x, x * (x + 3) / 6)))
    assert ch07.check_07_7(MySE) and ch07.check_07_7(SqueezeExcitation)


@pytest.mark.parametrize("name, wrong, words", [
    ("check_07_6", lambda x: x * torch.sigmoid(x), "That is swish"),
    ("check_07_6", lambda x: x * F.relu6(x) / 6, "Shift it left by 3"),
    ("check_07_6", lambda x: x * F.relu(x + 3) / 6, "not clipped"),
    ("check_07_6", lambda x: F.relu6(x + 3) / 6, "h-sigmoid, the gate alone"),
    ("check_07_6", lambda x: x * F.relu6(x + 3), "divide"),
    ("check_07_6", lambda x: my_hswish(x).float(), "dtype"),
    ("check_07_7", SwishGateSE, "Your gate is a sigmoid"),
    ("check_07_7", MaxSE, "max"),
    ("check_07_7", NoReluSE, "ReLU between fc1 and fc2"),
    ("check_07_7", GateOnlySE, "You return the gates"),
    ("check_07_7", PerPixelSE, "skipped the squeeze"),
    ("check_07_7", RenamedSE, "the stub's names are fc1.weight"),
])
def test_implement_exercises_name_each_known_slip(name, wrong, words):
    verdict = getattr(ch07, name).__wrapped__(wrong)
    assert not verdict and words in verdict.message, verdict.message


def test_implement_stubs_and_junk_are_not_tries():
    assert "still raises NotImplementedError" in ch07.check_07_7(StubSE).message
    assert "class itself" in ch07.check_07_7(MySE(8, 8)).message
    for verdict in (ch07.check_07_7(StubSE), ch07.check_07_6(5), ch07.check_07_7(...)):
        assert not verdict and not verdict.counts_as_try


def bneck(exp_size, squeeze=None, kernel=3, use_se=True):
    block = InvertedResidualV3(80, exp_size, 80, kernel=kernel, use_se=use_se, activation="HS")
    if squeeze is not None:
        block.block[2] = SqueezeExcitation(exp_size, squeeze)
    return block


def test_design_accepts_many_designs():
    for design in [bneck(216, 32), bneck(224, 16), bneck(240, 8), bneck(232, 40), bneck(216, 16, kernel=5)]:
        verdict = ch07.check_07_8(design)
        assert verdict and verdict.score == 1.0, verdict.message
        assert "MACs (budget 8,000,000)" in verdict.message and "pools the whole map (an SE block)" in verdict.message
    by_hand = nn.Sequential(conv_bn_act(80, 224, 1, activation=HSwish),
                            conv_bn_act(224, 224, 3, groups=224, activation=HSwish),
                            SqueezeExcitation(224, 24), conv_bn_act(224, 80, 1))
    assert ch07.check_07_8(by_hand)


def test_design_explains_failures_with_partial_credit():
    quarter = ch07.check_07_8(bneck(208))  # the paper's quarter squeeze: fits, but narrower than the bar
    assert not quarter and "at least 216" in quarter.message and 0.6 < quarter.score < 0.9
    too_many = ch07.check_07_8(bneck(240))
    assert not too_many and "over the parameter budget" in too_many.message and "MACs budget" not in too_many.message
    assert too_many.score == pytest.approx(0.45)
    too_costly = ch07.check_07_8(bneck(248, 8))
    assert "over the MACs budget" in too_costly.message
    no_se = ch07.check_07_8(bneck(240, use_se=False))
    assert not no_se and "no squeeze-and-excitation block" in no_se.message
    no_dw = ch07.check_07_8(nn.Sequential(nn.Conv2d(80, 240, 1), SqueezeExcitation(240, 8), nn.Conv2d(240, 80, 1)))
    assert not no_dw and "no depthwise convolution" in no_dw.message
    assert "must keep the shape" in ch07.check_07_8(InvertedResidualV3(80, 240, 80, stride=2)).message
    assert "raised" in ch07.check_07_8(nn.Conv2d(3, 3, 1)).message
    assert not ch07.check_07_8(nn.Identity())


def test_sees_the_whole_map_only_with_a_global_pool():
    assert ch07.sees_the_whole_map(SqueezeExcitation(8, 8), 8, 14)
    assert ch07.sees_the_whole_map(MySE(8, 8), 8, 14)  # a hand-written SE (x.mean), found by its effect
    assert not ch07.sees_the_whole_map(nn.Sequential(nn.Conv2d(8, 8, 5, padding=2), nn.ReLU(),
                                                     nn.Conv2d(8, 8, 5, padding=2)), 8, 14)


def test_choice_exercise():
    assert ch07.check_07_9("b") and ch07.check_07_9(" B ")
    assert "Only the linear part" in ch07.check_07_9.__wrapped__("a").message
    assert "one position at a time" in ch07.check_07_9.__wrapped__("c").message
    # the fact the right option states: a 1x1 conv and eval-mode BN commute with the average pool, h-swish does not
    torch.manual_seed(0)
    x = torch.randn(1, 16, 7, 7)
    layer = conv_bn_act(16, 32, 1).eval()
    pool = nn.AdaptiveAvgPool2d(1)
    with torch.no_grad():
        assert torch.allclose(pool(layer(x)), layer(pool(x)), atol=1e-6)
        assert not torch.allclose(pool(F.hardswish(layer(x))), F.hardswish(layer(pool(x))), atol=1e-3)


def test_exercise_constants_appear_in_the_notebook_questions():
    nb = json.loads(NOTEBOOK.read_text())
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    questions = {int(m.group(1)): text for text in markdown for m in [re.search(r":label: ch07-ex(\d+)", text)] if m}
    assert sorted(questions) == list(range(1, 10))
    for name, value in vars(ch07).items():
        if re.fullmatch(r"EX\d_[A-Z_]+", name):
            shown = f"{value:,}" if isinstance(value, int) and value >= 10_000 else str(value)
            assert shown in questions[int(name[2])].replace("\\,", ","), f"{name}={value} not in exercise {name[2]}"


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
        "weight w", "points per 2x LAT", "accuracy at target"]
    for slider in explorer.kwargs_widgets:  # the course's one slider look: a visible track, exact readouts
        assert slider.style.description_width == "10em" and slider.layout.width == "28em"
    assert [w.readout_format for w in explorer.kwargs_widgets] == [".2f", ".1f", ".2f"]
    assert len(widgets.nas_reward_figure().axes) == 2


def test_notebook_has_ignored_widget_and_timing_cells():
    nb = json.loads(NOTEBOOK.read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for marker in ("nas_reward_explorer()", "bench.latency(", "latency_table("):
        tagged = [c for c in cells if marker in "".join(c["source"]) and "import" not in "".join(c["source"])
                  and "def " not in "".join(c["source"])]
        assert tagged and all("nbval-ignore-output" in c["metadata"].get("tags", []) for c in tagged), marker
