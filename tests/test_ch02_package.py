"""Chapter 2's package pieces: its exercise checkers and its MobileNet v1 explorer and figure."""

import json
import pathlib
import re
from fractions import Fraction

import pytest
import torch
from torch import nn

from lightnets_edu import cost, widgets
from lightnets_edu.exercises import ch02
from lightnets_edu.layers import ConvBNAct, DepthwiseSeparable
from lightnets_edu.models import MOBILENET_V1_LAYERS, mobilenet_v1, mobilenet_v1_cost, mobilenet_v1_shallow
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "02_mobilenet_v1.ipynb"
CHECKERS = [getattr(ch02, name) for name in ch02.__all__]


# ---------------------------------------------------------------- exercises

NUMBER_CHECKERS = [f"check_02_{n}" for n in range(1, 4)]


def expected_answers():
    """Each number exercise's answer, recomputed here the way a student would (profiling real modules)."""
    stride_2 = torch.nn.Sequential(
        torch.nn.Conv2d(ch02.EX1_C_IN, ch02.EX1_C_IN, 3, stride=ch02.EX1_STRIDE, padding=1, groups=ch02.EX1_C_IN),
        torch.nn.Conv2d(ch02.EX1_C_IN, ch02.EX1_C_OUT, 1))
    c, k = ch02.EX2_CHANNELS, ch02.EX2_MULTIPLIER
    pair = torch.nn.Sequential(torch.nn.Conv2d(c, k * c, 3, padding=1, groups=c), torch.nn.Conv2d(k * c, c, 1))
    return {
        "check_02_1": profile(stride_2, input_size=(1, ch02.EX1_C_IN, ch02.EX1_SIZE, ch02.EX1_SIZE)).macs,
        "check_02_2": Fraction(profile(pair, input_size=(1, c, 14, 14)).macs,
                               profile(torch.nn.Conv2d(c, c, 3, padding=1), input_size=(1, c, 14, 14)).macs),
        "check_02_3": profile(mobilenet_v1(width_mult=ch02.EX3_ALPHA),
                              input_size=(1, 3, ch02.EX3_RESOLUTION, ch02.EX3_RESOLUTION)).macs,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_exports_its_eight_checkers():
    import lightnets_edu.exercises as exercises

    assert ch02.__all__ == [f"check_02_{n}" for n in range(1, 9)]
    for name in ch02.__all__:
        assert getattr(exercises, name) is getattr(ch02, name)
    kinds = [e.kind for e in exercises.catalog(2)]
    assert kinds == ["number"] * 3 + ["implement"] * 2 + ["design"] + ["choice"] * 2
    assert [e.points for e in exercises.catalog(2)] == [1, 1, 1, 2, 2, 3, 1, 1]


def test_known_answers(answers):
    # the closed forms, by hand, for the exercise constants
    assert answers["check_02_1"] == 9 * 192 * 14 * 14 + 192 * 384 * 14 * 14  # floor((28 + 2 - 3) / 2) + 1 = 14
    assert answers["check_02_2"] == Fraction(2, 256) + Fraction(2, 9) == Fraction(265, 1152)
    assert answers["check_02_3"] == mobilenet_v1_cost(0.75, 96).macs


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_right_answer_passes_in_any_reasonable_form(name, answers):
    checker, expected = getattr(ch02, name), answers[name]
    forms = [expected, float(expected), str(float(expected)), torch.tensor(float(expected))]
    if isinstance(expected, int):
        forms += [f"{expected:,}", f"{expected:_}"]
    else:
        forms += [round(float(expected), 4), str(expected)]
    for form in forms:
        verdict = checker(form)
        assert verdict and verdict.message.startswith("Correct:"), (form, verdict.message)


MISTAKES = {
    # name: [(wrong answer as a function of the right one, words in the message)]
    "check_02_1": [
        (lambda e: 2 * e, "FLOP"),
        (lambda e: cost.conv2d(192, 384, 3, 14).macs, "standard 3x3"),
        (lambda e: cost.pointwise_conv(192, 384, 14).macs, "only the pointwise"),
        (lambda e: cost.depthwise_conv(192, 3, 14).macs, "only the depthwise"),
        (lambda e: cost.depthwise_separable(192, 384, 3, 28).macs, "stride 1"),
        (lambda e: cost.depthwise_conv(192, 3, 28).macs + cost.pointwise_conv(192, 384, 14).macs, "carries the stride"),
        (lambda e: cost.depthwise_separable(192, 384, 3, 14).params, "weights"),
    ],
    "check_02_2": [
        (lambda e: Fraction(1, 256) + Fraction(1, 9), "without the multiplier"),
        (lambda e: Fraction(2, 256) + Fraction(1, 9), "only the depthwise term"),
        (lambda e: Fraction(1, 256) + Fraction(2, 9), "only the pointwise term"),
        (lambda e: 1 / e, "cheaper"),
        (lambda e: round(float(1 / e), 3), "cheaper"),
    ],
    "check_02_3": [
        (lambda e: 2 * e, "FLOP"),
        (lambda e: round(mobilenet_v1_cost().macs * 0.75 ** 2 * (96 / 224) ** 2), "approximation"),
        (lambda e: round(mobilenet_v1_cost().macs * 0.75 * 96 / 224), "not alpha rho"),
        (lambda e: mobilenet_v1_cost(0.75, 96).params, "parameter count"),
    ],
}


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_each_typical_slip_gets_its_own_message(name, answers):
    """Outside a student's session (the unwrapped checker) a slip gets its message at once."""
    for wrong, words in MISTAKES[name]:
        verdict = getattr(ch02, name).__wrapped__(wrong(answers[name]))
        assert not verdict and verdict.message.startswith("Not quite"), verdict.message
        assert words in verdict.message, (words, verdict.message)
        assert "Hint:" not in verdict.message


def headings():
    return [line.lstrip("#").strip().replace("$", "") for c in json.loads(NOTEBOOK.read_text())["cells"]
            if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines() if line.startswith("#")]


@pytest.mark.parametrize("name, wrong", [("check_02_1", "1"), ("check_02_2", "1"), ("check_02_3", "1"),
                                         ("check_02_4", "wrong"), ("check_02_5", "wrong"),
                                         ("check_02_7", "a"), ("check_02_8", "b")])
def test_first_wrong_try_names_the_concept_and_real_sections(name, wrong):
    from lightnets_edu.exercises import _catalog

    if wrong == "wrong":
        wrong = WRONG_IMPLEMENTATIONS[name][0][0]
    _catalog.reset_tries()
    try:
        first = getattr(ch02, name)(wrong).message
        second = getattr(ch02, name)(wrong).message
        third = getattr(ch02, name)(wrong).message
    finally:
        _catalog.reset_tries()
    assert "Hint:" in first and "see '" in first, first
    for section in re.findall(r"'([^']+)'", first.split("see ", 1)[1]):
        assert any(section in heading for heading in headings()), (section, headings())
    assert first != second != third  # concept, then the slip, then the formula


def test_the_chapter_s_section_names_are_its_headings():
    for section in (ch02.DERIVING, ch02.CONFIG_TABLE, ch02.THIN, ch02.EXPLORE, ch02.LATENCY):
        assert section in headings(), section


# ---------------------------------------------------------------- implement

class MyDepthwiseSeparable(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.depthwise = nn.Sequential(nn.Conv2d(c_in, c_in, 3, stride, 1, groups=c_in, bias=False),
                                       nn.BatchNorm2d(c_in), nn.ReLU(inplace=True))
        self.pointwise = nn.Sequential(nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class WithConvBNAct(MyDepthwiseSeparable):
    def __init__(self, c_in, c_out, stride=1):
        nn.Module.__init__(self)
        self.depthwise = ConvBNAct(c_in, c_in, 3, stride, groups=c_in)
        self.pointwise = ConvBNAct(c_in, c_out, 1)


def _block(c_in, c_out, stride, *, groups=True, bias=False, padding=1, dw_stride=True):
    block = MyDepthwiseSeparable(c_in, c_out, stride)
    block.depthwise[0] = nn.Conv2d(c_in, c_in, 3, stride if dw_stride else 1, padding,
                                   groups=c_in if groups else 1, bias=bias)
    if not dw_stride:
        block.pointwise[0] = nn.Conv2d(c_in, c_out, 1, stride, bias=False)
    return block


class NoGroups(MyDepthwiseSeparable):
    def __init__(self, c_in, c_out, stride=1):
        nn.Module.__init__(self)
        self.__dict__.update(_block(c_in, c_out, stride, groups=False).__dict__)


class WithBias(MyDepthwiseSeparable):
    def __init__(self, c_in, c_out, stride=1):
        nn.Module.__init__(self)
        self.__dict__.update(_block(c_in, c_out, stride, bias=True).__dict__)


class NoPadding(MyDepthwiseSeparable):
    def __init__(self, c_in, c_out, stride=1):
        nn.Module.__init__(self)
        self.__dict__.update(_block(c_in, c_out, stride, padding=0).__dict__)


class StrideOnPointwise(MyDepthwiseSeparable):
    def __init__(self, c_in, c_out, stride=1):
        nn.Module.__init__(self)
        self.__dict__.update(_block(c_in, c_out, stride, dw_stride=False).__dict__)


class NoReLU(MyDepthwiseSeparable):
    def forward(self, x):
        return self.pointwise[1](self.pointwise[0](self.depthwise[1](self.depthwise[0](x))))


class Stub(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        raise NotImplementedError


def my_mobilenet_v1_macs(alpha, resolution):
    size = cost.conv_out_size(resolution, 3, stride=2, padding=1)
    c_in = max(int(32 * alpha), 8)
    total = cost.conv2d(3, c_in, 3, size).macs
    for stride, c in MOBILENET_V1_LAYERS:
        c_out = max(int(c * alpha), 8)
        size = cost.conv_out_size(size, 3, stride=stride, padding=1)
        total += cost.depthwise_separable(c_in, c_out, 3, size).macs
        c_in = c_out
    return total + cost.linear(c_in, 1000).macs


WRONG_IMPLEMENTATIONS = {
    "check_02_4": [(NoGroups, "groups=c_in"), (WithBias, "bias=False"), (NoPadding, "padding 1"),
                   (StrideOnPointwise, "The stride is not on your depthwise conv"), (NoReLU, "values differ")],
    "check_02_5": [(lambda a, r: my_mobilenet_v1_macs(a, r) - cost.linear(max(int(1024 * a), 8), 1000).macs, "FC layer"),
                   (lambda a, r: my_mobilenet_v1_macs(a, r) - cost.conv2d(3, max(int(32 * a), 8), 3,
                                                                          (r + 1) // 2).macs, "stem"),
                   (lambda a, r: ch02._v1_macs(a, r, min_channels=1), "floor of 8"),
                   (lambda a, r: ch02._v1_macs(a, r, stride_on_pointwise=True), "carries the stride"),
                   (lambda a, r: round(568_740_352 * a * a * r * r / 224 ** 2), "rule of thumb"),
                   (lambda a, r: float(my_mobilenet_v1_macs(a, r) + 1), "expected")],
}


def test_implement_exercises_accept_right_implementations():
    for block in (MyDepthwiseSeparable, WithConvBNAct, DepthwiseSeparable):
        verdict = ch02.check_02_4(block)
        assert verdict and verdict.message.startswith("Correct"), verdict.message
    for function in (my_mobilenet_v1_macs, lambda a, r: mobilenet_v1_cost(a, r).macs):
        verdict = ch02.check_02_5(function)
        assert verdict and verdict.message.startswith("Correct"), verdict.message


@pytest.mark.parametrize("name", ["check_02_4", "check_02_5"])
def test_implement_exercises_name_each_known_slip(name):
    for wrong, words in WRONG_IMPLEMENTATIONS[name]:
        verdict = getattr(ch02, name).__wrapped__(wrong)
        assert not verdict and verdict.message.startswith("Not quite"), verdict.message
        assert words in verdict.message, (words, verdict.message)


def test_implement_stubs_and_junk_are_not_tries():
    stub = ch02.check_02_4(Stub)
    assert not stub and "NotImplementedError" in stub.message and not stub.counts_as_try

    def function_stub(alpha, resolution):
        raise NotImplementedError

    assert "NotImplementedError" in ch02.check_02_5(function_stub).message
    assert "nn.Module class" in ch02.check_02_4(MyDepthwiseSeparable(4, 4)).message  # an instance, not the class


# ---------------------------------------------------------------- design and choice

@pytest.mark.parametrize("design", [(0.5, 224), (0.45, 240), (0.4, 272), [0.5, 216], (0.5, 224.0),
                                    {"alpha": 0.45, "resolution": 240}])
def test_design_accepts_many_designs(design):
    verdict = ch02.check_02_6(design)
    assert verdict and verdict.score == 1 and verdict.message.startswith("Correct"), verdict.message
    assert "parameters" in verdict.message and "MACs" in verdict.message  # it reports what it measured


@pytest.mark.parametrize("design, words, score", [
    ((1.0, 112), "over the parameter budget", 0.3),      # fits the MACs, not the parameters: alpha sets those
    ((0.75, 144), "over the parameter budget", 0.3),
    ((0.5, 256), "over the MACs budget", 0.3),
    ((0.75, 224), "over the MACs budget and over the parameter budget", 0.0),
    ((0.5, 160), "leaves more than 10% of the MACs unused", 0.6),
])
def test_design_explains_failures_with_partial_credit(design, words, score):
    verdict = ch02.check_02_6(design)
    assert not verdict and words in verdict.message and verdict.score == score, verdict.message


def test_design_budgets_match_the_closed_form():
    for (alpha, resolution), ok in [((0.5, 224), True), ((0.45, 240), True), ((1.0, 112), False)]:
        c = mobilenet_v1_cost(alpha, resolution)
        fits = c.macs <= ch02.EX6_MACS and c.params <= ch02.EX6_PARAMS and c.macs >= ch02.EX6_USE * ch02.EX6_MACS
        assert fits == ok


def test_choice_exercises():
    assert ch02.check_02_7("b") and ch02.check_02_7(" B ")
    assert "weights shrink too" in ch02.check_02_7.__wrapped__("a").message
    assert "Shallow MobileNet" in ch02.check_02_7.__wrapped__("c").message
    assert ch02.check_02_8("c")
    assert "read once and used once" in ch02.check_02_8.__wrapped__("b").message
    # the numbers behind 02_8's answer, as the chapter's intensity() computes them
    def intensity(macs, moved):
        return macs / (4 * moved)

    a = intensity(1024 * 1024 * 49, 2 * 1024 * 49 + 1024 * 1024)
    b = intensity(9 * 32 * 112 * 112, 2 * 32 * 112 * 112 + 9 * 32)
    c = intensity(1024 * 1000, 1024 + 1024 * 1000 + 1000)
    assert c < b < a
    # and 02_7's: the resolution halves the MACs and keeps every parameter
    assert mobilenet_v1_cost(1.0, 160).params == mobilenet_v1_cost().params
    assert 0.45 < mobilenet_v1_cost(1.0, 160).macs / mobilenet_v1_cost().macs < 0.55


def test_exercise_constants_appear_in_the_notebook_questions():
    nb = json.loads(NOTEBOOK.read_text())
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    questions = {int(m.group(1)): text for text in markdown
                 for m in [re.search(r":label: ch02-ex(\d+)", text)] if m}
    assert sorted(questions) == list(range(1, 9))
    shown = {"EX6_MACS": "150 million", "EX6_PARAMS": "1.5 million", "EX6_USE": "90%"}
    for name, value in vars(ch02).items():
        if re.fullmatch(r"EX\d_[A-Z_]+", name):
            number = int(name[2])
            text = shown.get(name, str(value))
            assert text in questions[number], f"{name}={value} not in exercise {number}"


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
    # (html, figure) like every chapter's view: explore() displays both
    html, fig = widgets.mobilenet_v1_view(0.6, 160)
    assert "107.6M MACs" in html.data and "1.78M params" in html.data and "<img" not in html.data
    assert len(fig.axes) == 1 and fig.axes[0].get_xscale() == "log"
    message, none = widgets.mobilenet_v1_view(-1, 224)
    assert none is None and "Not a valid setting" in message.data
    explorer = widgets.mobilenet_v1_explorer()
    assert [w.description for w in explorer.kwargs_widgets] == ["width α", "input size (224 ρ)"]
    figure = widgets.mobilenet_v1_figure()
    assert len(figure.axes) == 3
    rule = widgets.mobilenet_v1_rule_figure()
    assert len(rule.axes) == 2


def test_figures_are_as_wide_as_the_column():
    from lightnets_edu.display import FIGURE_DPI, FIGURE_WIDTH

    for fig in (widgets.mobilenet_v1_figure(), widgets.mobilenet_v1_rule_figure()):
        assert tuple(fig.get_size_inches())[0] == FIGURE_WIDTH and fig.dpi == FIGURE_DPI


@pytest.mark.parametrize("setting", [(0.1, 96), (1.5, 256), (1.0, 224)])
def test_the_marked_setting_is_inside_the_axes(setting):
    """The explorer's dashed line must stay visible at the sliders' extremes."""
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    macs = mobilenet_v1_cost(*setting).macs
    widgets.ch02._accuracy_axes(ax, highlight=macs)
    low, high = ax.get_xlim()
    assert low < macs / 1e6 < high


def test_explorer_controls_share_one_layout():
    explorer = widgets.mobilenet_v1_explorer()
    for control in explorer.kwargs_widgets:
        assert control.style.description_width == "10em" and control.layout.width == "28em"
    width = explorer.kwargs_widgets[0]
    assert width.readout_format == ".2f" and round(width.step * 100) == 5  # the readout is exact


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


def test_notebook_outputs_read_well_in_the_book():
    """Tables through show_table (no NaN), every figure with alt text, no promise of live sliders."""
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for c in code:
        for out in c.get("outputs", []):
            data = out.get("data", {})
            text = "".join(out.get("text", "")) + "".join(data.get("text/plain", "")) + \
                "".join(data.get("text/html", ""))
            assert not re.search(r"\bNaN\b|\bnan\b|0\.000000", text), "".join(c["source"])[:80]
            if "text/html" in data:  # a table: the course's one style, never pandas' own
                assert "lightnets-table" in "".join(data["text/html"]), "".join(c["source"])[:80]
            if "image/png" in data:
                alt = c["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
                assert len(alt) > 40, "".join(c["source"])[:80]
    markdown = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "Move the sliders" not in markdown and "in the book\nit shows one saved view" in markdown
    hidden = ["table1 = ", "table2 = ", "tables = ", "time_vs_macs = "]
    for marker in hidden:
        cell = next(c for c in code if marker in "".join(c["source"]))
        assert "hide-input" in cell["metadata"].get("tags", []), marker
