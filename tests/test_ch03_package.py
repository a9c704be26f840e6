"""Chapter 3's package pieces: its exercise checkers and its SR / pct3x3 explorer and figure."""

import json
import math
import pathlib
import re

import pytest
import torch
from torch import nn

import lightnets_edu.exercises as exercises
from lightnets_edu import cost, widgets
from lightnets_edu.exercises import ch03
from lightnets_edu.layers import Fire
from lightnets_edu.models import (squeezenet, squeezenet_cost, squeezenet_from_metaparams,
                                  squeezenet_metaparams_cost)
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "03_squeezenet.ipynb"


# ---------------------------------------------------------------- exercises

NUMBER_CHECKERS = [f"check_03_{n}" for n in range(1, 5)]


def count(model):
    return sum(p.numel() for p in model.parameters())


def expected_answers():
    """Each number exercise's answer, recomputed the way a student would: from built and profiled models."""
    s1x1, e1x1, e3x3 = ch03.EX1_FIRE
    bypass = {kind: profile(squeezenet(version=ch03.EX3_VERSION, bypass=kind),
                            input_size=(1, 3, ch03.EX3_RESOLUTION, ch03.EX3_RESOLUTION)).macs
              for kind in (None, "complex")}
    return {
        "check_03_1": count(Fire(ch03.EX1_C_IN, s1x1, e1x1, e3x3)),
        "check_03_2": count(squeezenet_from_metaparams(squeeze_ratio=ch03.EX2_SQUEEZE_RATIO, pct3x3=ch03.EX2_PCT3X3)),
        "check_03_3": bypass["complex"] - bypass[None],
        "check_03_4": count(squeezenet()) * ch03.EX4_BITS / 8 / 2 ** 20,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_exports_its_eight_checkers():
    assert ch03.__all__ == [f"check_03_{n}" for n in range(1, 9)]
    for name in ch03.__all__:
        assert getattr(exercises, name) is getattr(ch03, name)
    kinds = [e.kind for e in exercises.catalog(3)]
    assert kinds == ["number"] * 4 + ["implement"] * 2 + ["design", "choice"]


def test_known_answers(answers):
    # the closed forms, by hand, for the exercise constants
    assert answers["check_03_1"] == (256 * 48 + 48) + (48 * 288 + 288) + (9 * 48 * 96 + 96) == 68_016
    assert answers["check_03_3"] == 64 * 128 * 55 * 55 + 128 * 256 * 27 * 27 + (256 * 384 + 384 * 512) * 13 * 13
    assert answers["check_03_4"] == 1_248_424 / 2 / 2 ** 20


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_right_answer_passes_in_any_reasonable_form(name, answers):
    checker, expected = getattr(ch03, name), answers[name]
    forms = [expected, float(expected), str(expected), torch.tensor(float(expected))]
    if isinstance(expected, int):
        forms += [f"{expected:,}", f"{expected:_}"]
    else:
        forms += [round(expected, 3), f"{expected:.3f}"]
    for form in forms:
        verdict = checker(form)
        assert verdict and verdict.message.startswith("Correct:"), (name, form, verdict.message)


MISTAKES = {
    # name: [(wrong answer as a function of the right one, words in the message)]
    "check_03_1": [
        (lambda e: e - sum(ch03.EX1_FIRE), "biases"),
        (lambda e: cost.fire(256, 48, 288, 96, 27).macs, "MAC count"),
        (lambda e: e - 8 * 48 * 96, "9 weights"),
        (lambda e: cost.fire(256, 48, 96, 288, 27).params, "pct3x3 = 0.25"),
        (lambda e: cost.conv2d(256, 288, 1, 1, bias=True).params + cost.conv2d(256, 96, 3, 1, bias=True).params,
         "squeeze layer cuts"),
    ],
    "check_03_2": [
        (lambda e: 1_248_424, "SqueezeNet 1.0 itself"),
        (lambda e: count(squeezenet_from_metaparams(squeeze_ratio=0.25)), "changes SR only"),
        (lambda e: count(squeezenet_from_metaparams(pct3x3=0.75)), "changes pct3x3 only"),
        (lambda e: count(squeezenet_from_metaparams(squeeze_ratio=0.25, pct3x3=0.25)), "share that is 3x3"),
        (lambda e: e - 14_208 - 513_000, "conv1 and conv10"),
    ],
    "check_03_3": [
        (lambda e: squeezenet_cost(bypass="complex").macs - squeezenet_cost().macs, "1.0's bypass"),
        (lambda e: squeezenet_cost("1_1", bypass="complex").params - squeezenet_cost("1_1").params,
         "parameters the bypass adds"),
        (lambda e: squeezenet_cost("1_1", 227, bypass="complex").macs - squeezenet_cost("1_1", 227).macs, "227"),
        (lambda e: 2 * e, "FLOP"),
    ],
    "check_03_4": [
        (lambda e: 1_248_424 * 4 / 8 / 1e6, "10**6"),
        (lambda e: 1_248_424 * 4 / 2 ** 20, "32-bit"),
        (lambda e: 421_098 * 4 / 8 / 2 ** 20, "prunes"),
        (lambda e: 1_248_424 * 6 / 8 / 2 ** 20, "6 bits"),
    ],
}


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_each_typical_slip_gets_its_own_message(name, answers):
    """Outside a student's session (the unwrapped checker) a slip gets its message at once."""
    for wrong, words in MISTAKES[name]:
        verdict = getattr(ch03, name).__wrapped__(wrong(answers[name]))
        assert not verdict and verdict.message.startswith("Not quite"), verdict.message
        assert words in verdict.message, (name, words, verdict.message)
        assert "Hint:" not in verdict.message


def headings():
    return [line.lstrip("#").strip().replace("$", "") for c in json.loads(NOTEBOOK.read_text())["cells"]
            if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines() if line.startswith("#")]


@pytest.mark.parametrize("name", NUMBER_CHECKERS + ["check_03_5", "check_03_6", "check_03_8"])
def test_first_wrong_try_names_the_concept_and_real_sections(name):
    from lightnets_edu.exercises import _catalog

    wrong = {"check_03_5": lambda *args: [(1, 1, 1)], "check_03_6": lambda x, s, e1, e3: x,
             "check_03_8": "a"}.get(name, "1")
    _catalog.reset_tries()
    verdict = getattr(ch03, name)(wrong)
    _catalog.reset_tries()
    assert "Hint:" in verdict.message, verdict.message
    sections = re.findall(r"'([^']+)'", verdict.message.split("Hint:", 1)[1])
    assert sections, verdict.message
    for section in sections:
        assert any(section in heading for heading in headings()), (section, headings())


def test_hints_are_graduated():
    from lightnets_edu.exercises import _catalog

    _catalog.reset_tries()
    slip = 1_248_424 * 4 / 2 ** 20
    first, second, third = (ch03.check_03_4(slip).message for _ in range(3))
    _catalog.reset_tries()
    assert "Model size" in first and "32-bit" not in first and "divided by" not in first
    assert "32-bit" in second and "divided by" not in second
    assert "divided by" in third


# ---------------------------------------------------------------- implement, design, choice

def my_fire_channels(base_e=128, incr_e=128, freq=2, pct3x3=0.5, squeeze_ratio=0.125, num_fire=8):
    rows = []
    for i in range(num_fire):
        e = base_e + incr_e * (i // freq)
        e3x3 = math.floor(pct3x3 * e + 0.5)
        rows.append([math.floor(squeeze_ratio * e + 0.5), e - e3x3, e3x3])  # lists are fine too
    return rows


def my_fire(x, squeeze, expand1x1, expand3x3):
    s = torch.relu(squeeze(x))
    return torch.cat([torch.relu(expand1x1(s)), torch.relu(expand3x3(s))], dim=1)


def test_implement_exercises_accept_a_right_implementation():
    assert ch03.check_03_5(my_fire_channels)
    assert ch03.check_03_5(cost.fire_channels)
    assert ch03.check_03_5(lambda *args: [tuple(float(v) for v in row) for row in cost.fire_channels(*args)])
    assert ch03.check_03_6(my_fire)
    assert ch03.check_03_6(lambda x, s, e1, e3: torch.relu(torch.cat([e1(torch.relu(s(x))), e3(torch.relu(s(x)))], 1)))


def _rows(round_, swap=False, no_floor=False, squeeze_3x3=False):
    def channels(base_e=128, incr_e=128, freq=2, pct3x3=0.5, squeeze_ratio=0.125, num_fire=8):
        rows = []
        for i in range(num_fire):
            e = base_e + incr_e * (i / freq if no_floor else i // freq)
            e3x3 = round_(pct3x3 * e)
            e1x1 = e - e3x3
            if swap:
                e1x1, e3x3 = e3x3, e1x1
            rows.append((round_(squeeze_ratio * (e3x3 if squeeze_3x3 else e)), e1x1, e3x3))
        return rows
    return channels


def half_up(v):
    return math.floor(v + 0.5)


@pytest.mark.parametrize("name, wrong, words", [
    ("check_03_5", _rows(int), "round down"),
    ("check_03_5", _rows(round), "halves to the even"),
    ("check_03_5", _rows(half_up, swap=True), "swapped"),
    ("check_03_5", _rows(half_up, no_floor=True), "i // freq"),
    ("check_03_5", _rows(half_up, squeeze_3x3=True), "not only the 3x3"),
    ("check_03_6", lambda x, s, e1, e3: torch.cat([torch.relu(e1(s(x))), torch.relu(e3(s(x)))], 1),
     "after the squeeze"),
    ("check_03_6", lambda x, s, e1, e3: torch.cat([e1(torch.relu(s(x))), e3(torch.relu(s(x)))], 1),
     "expand branches"),
    ("check_03_6", lambda x, s, e1, e3: torch.cat([torch.relu(e3(torch.relu(s(x)))), torch.relu(e1(torch.relu(s(x))))],
                                                  1), "wrong order"),
])
def test_implement_exercises_name_each_known_slip(name, wrong, words):
    verdict = getattr(ch03, name).__wrapped__(wrong)
    assert not verdict and words in verdict.message, verdict.message


def test_implement_exercises_explain_what_differs():
    stub_message = ch03.check_03_5(lambda *args: (_ for _ in ()).throw(NotImplementedError)).message
    assert "NotImplementedError" in stub_message
    verdict = ch03.check_03_6.__wrapped__(lambda x, s, e1, e3: torch.relu(e1(torch.relu(s(x)))))
    assert not verdict and "shape" in verdict.message


def test_design_exercise_accepts_many_designs_and_explains_failures():
    for kwargs in (dict(incr_e=64, pool_after=(8, 9)), dict(incr_e=96, pool_after=(6, 9)),
                   dict(base_e=96, incr_e=96, pool_after=(7, 9))):
        verdict = ch03.check_03_7(squeezenet_from_metaparams(**kwargs))
        assert verdict and verdict.score == 1 and "parameters" in verdict.message, (kwargs, verdict.message)
    too_big = ch03.check_03_7(squeezenet())
    assert not too_big and "too many parameters" in too_big.message and "1,248,424" in too_big.message
    assert too_big.score == pytest.approx(2 / 3)
    idle = ch03.check_03_7(squeezenet_from_metaparams(incr_e=96, pool_after=(5, 9)))
    assert not idle and "less computation than SqueezeNet 1.0" in idle.message
    greedy = ch03.check_03_7(squeezenet_from_metaparams(incr_e=96, pool_after=(9,)))
    assert not greedy and "over the MACs cap" in greedy.message
    assert "no Fire module" in ch03.check_03_7(nn.Sequential(nn.Conv2d(3, 1000, 1), nn.AdaptiveAvgPool2d(1),
                                                             nn.Flatten())).message
    assert "(1, 10)" in ch03.check_03_7(squeezenet_from_metaparams(num_classes=10, incr_e=64)).message
    assert "raised" in ch03.check_03_7(nn.Sequential(Fire(8, 2, 4, 4))).message


def test_choice_exercise():
    assert ch03.check_03_8("b") and ch03.check_03_8(" B ")
    assert "conv1 and conv10 have no squeeze layer" in ch03.check_03_8.__wrapped__("a").message
    assert "grow with it" in ch03.check_03_8.__wrapped__("c").message
    doubled = squeezenet_metaparams_cost(squeeze_ratio=ch03.EX8_SQUEEZE_RATIO).params / 1_248_424
    assert 1.2 < doubled < 1.8  # option b: clearly less than 2x


def test_exercise_constants_appear_in_the_notebook_questions():
    nb = json.loads(NOTEBOOK.read_text())
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    questions = {int(m.group(1)): text for text in markdown
                 for m in [re.search(r":label: ch03-ex(\d+)", text)] if m}
    assert sorted(questions) == list(range(1, 9))
    for name, value in vars(ch03).items():
        if re.fullmatch(r"EX\d_[A-Z0-9_]+", name):
            number = int(name[2])
            values = value if isinstance(value, tuple) else (value,)
            for v in values:
                text = f"{v:,}" if isinstance(v, int) and v >= 10_000 else str(v).replace("_", ".")
                assert text in questions[number] or str(v) in questions[number], f"{name}={v} not in exercise {number}"


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
    for slider in explorer.kwargs_widgets:  # the course's one slider look: a visible track, exact readouts
        assert slider.style.description_width == "10em" and slider.layout.width == "28em"
    assert explorer.kwargs_widgets[0].readout_format == ".3f"  # 0.125, not 0.13
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
