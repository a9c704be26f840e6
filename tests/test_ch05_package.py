"""Chapter 5's package pieces: its exercise checkers, its explorer and figure, and the
whole-network peak memory, checked against independent computations."""

import json
import pathlib
import re
from fractions import Fraction

import pytest
import torch
from torch import nn

from lightnets_edu import cost, widgets
from lightnets_edu.exercises import ch05
from lightnets_edu.layers import InvertedResidual, forward_in_splits
from lightnets_edu.models import mobilenet_v2, mobilenet_v2_peak_memory, with_expand_ratio
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "05_mobilenet_v2.ipynb"


# ---------------------------------------------------------------- exercises

NUMBER_CHECKERS = [f"check_05_{n}" for n in range(1, 6)]
CHECKERS = [getattr(ch05, name) for name in ch05.__all__]


def shortcut_values(resolution):
    """Values added by the residual connections, counted from a real model's forward pass."""
    model = mobilenet_v2().eval()
    added = []
    hooks = [b.register_forward_hook(lambda m, i, o: added.append(o.numel()))
             for b in model.modules() if isinstance(b, InvertedResidual) and b.use_res_connect]
    with torch.no_grad():
        model(torch.zeros(1, 3, resolution, resolution))
    for hook in hooks:
        hook.remove()
    return sum(added)


def expected_answers():
    """Each number exercise's answer, recomputed the way a student would: from real modules."""
    block = InvertedResidual(ch05.EX1_C_IN, ch05.EX1_C_OUT, ch05.EX1_STRIDE, ch05.EX1_T).eval()
    split_block = InvertedResidual(ch05.EX4_C, ch05.EX4_C, 1, ch05.EX4_T).eval()
    _, peak = forward_in_splits(split_block, torch.zeros(1, ch05.EX4_C, ch05.EX4_SIZE, ch05.EX4_SIZE),
                                ch05.EX4_SPLITS)
    return {
        "check_05_1": profile(block, input_size=(1, ch05.EX1_C_IN, ch05.EX1_SIZE, ch05.EX1_SIZE)).macs,
        "check_05_2": mobilenet_v2(width_mult=ch05.EX2_WIDTH).features[0][0].out_channels,
        "check_05_3": shortcut_values(ch05.EX3_RESOLUTION),
        "check_05_4": peak,
        "check_05_5": Fraction(1, 2 ** (ch05.EX5_BITS - 3 + 1)),
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_checkers_are_exported():
    import lightnets_edu.exercises as exercises

    assert ch05.__all__ == [f"check_05_{n}" for n in range(1, 10)]
    for name in ch05.__all__:
        assert getattr(exercises, name) is getattr(ch05, name)
    kinds = [e.kind for e in exercises.catalog(5)]
    assert kinds == ["number"] * 5 + ["implement", "implement", "design", "choice"]


def test_known_answers(answers):
    # the closed forms, by hand, for the exercise constants
    assert answers["check_05_1"] == 14 * 14 * 96 * 6 * 96 + 7 * 7 * 576 * (9 + 160)
    assert answers["check_05_2"] == 24
    assert answers["check_05_3"] == 1 * 24 * 40 ** 2 + 2 * 32 * 20 ** 2 + 3 * 64 * 10 ** 2 + 2 * 96 * 10 ** 2 \
        + 2 * 160 * 5 ** 2
    assert answers["check_05_3"] == profile(mobilenet_v2(), input_size=(1, 3, 160, 160)).other_ops["elementwise"]
    assert answers["check_05_4"] == 2 * 96 * 14 * 14 + 2 * 144 * 14 * 14
    assert answers["check_05_5"] == Fraction(1, 256)


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_right_answer_passes_in_any_reasonable_form(name, answers):
    expected = answers[name]
    forms = [expected, float(expected), str(float(expected)), torch.tensor(float(expected), dtype=torch.float64)]
    if isinstance(expected, int):
        forms += [f"{expected:,}", f"{expected:_}"]
    else:
        forms += [str(expected), 2 ** -8]
    for form in forms:
        verdict = getattr(ch05, name)(form)
        assert verdict and verdict.message.startswith("Correct:"), (form, verdict.message)


MISTAKES = {
    # name: [(wrong answer, words in the message)]
    "check_05_1": [(lambda: cost.inverted_residual(96, 160, 6, 3, 1, 14).macs, "at stride 1"),
                   (lambda: cost.inverted_residual(96, 160, 6, 3, 1, 7).macs, "expansion runs before the stride"),
                   (lambda: cost.inverted_residual(96, 160, 6, 3, 2, 14).flops, "FLOP"),
                   (lambda: cost.inverted_residual(96, 160, 6, 3, 2, 14).params, "parameters"),
                   (lambda: 7 * 7 * 576 * (9 + 160), "leaves out the 1x1 expansion")],
    "check_05_2": [(lambda: 16, "10%"), (lambda: 19, "cut to an integer"), (lambda: 20, "rounds 32 x 0.6 up"),
                   (lambda: 32, "width 1")],
    "check_05_3": [(lambda: 110400 + 16 * 80 ** 2 + 96 * 10 ** 2 + 320 * 5 ** 2, "three of them change"),
                   (lambda: shortcut_values(224), "224 x 224"),
                   (lambda: 6 * 110400, "thin"),
                   (lambda: sum(_block_outputs(160)), "every block")],
    "check_05_4": [(lambda: cost.inverted_residual_memory(96, 96, 6, 3, 1, 14), "whole-block"),
                   (lambda: 2 * 94080, "bytes"),
                   (lambda: 94080 - 2 * 96 * 196, "only the split's own"),
                   (lambda: cost.inverted_residual_memory(96, 96, 6, 3, 1, 14, splits=6), "p = t")],
    "check_05_5": [(lambda: 2 ** -7, "the step"), (lambda: Fraction(1, 64), "8-bit"),
                   (lambda: 2 ** -11, "every bit fractional"), (lambda: 2 ** -9, "2 integer bits")],
}


def _block_outputs(resolution):
    model = mobilenet_v2().eval()
    sizes = []
    hooks = [b.register_forward_hook(lambda m, i, o: sizes.append(o.numel()))
             for b in model.modules() if isinstance(b, InvertedResidual)]
    with torch.no_grad():
        model(torch.zeros(1, 3, resolution, resolution))
    for hook in hooks:
        hook.remove()
    return sizes


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_each_typical_slip_gets_its_own_message(name):
    """Outside a student's session (the unwrapped checker) a slip gets its message at once."""
    for wrong, words in MISTAKES[name]:
        verdict = getattr(ch05, name).__wrapped__(wrong())
        assert not verdict and verdict.message.startswith("Not quite"), verdict.message
        assert words in verdict.message, (words, verdict.message)
        assert "Hint:" not in verdict.message


@pytest.mark.parametrize("name", NUMBER_CHECKERS + ["check_05_9"])
def test_first_wrong_try_names_the_concept_and_a_section(name):
    from lightnets_edu.exercises import _catalog

    _catalog.reset_tries()
    verdict = getattr(ch05, name)("1" if name != "check_05_9" else "b")
    second = getattr(ch05, name)("1" if name != "check_05_9" else "b")
    third = getattr(ch05, name)("1" if name != "check_05_9" else "b")
    _catalog.reset_tries()
    assert "Hint:" in verdict.message and "see '" in verdict.message, verdict.message
    section = re.search(r"see '([^']+)'", verdict.message).group(1)
    headings = [line.lstrip("#").strip().replace("$", "") for c in json.loads(NOTEBOOK.read_text())["cells"]
                if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines() if line.startswith("#")]
    assert any(section in heading for heading in headings), (section, headings)
    assert third.message != verdict.message and "see '" not in third.message  # the formula comes third


# ---------------------------------------------------------------- implement, design, choice

def my_make_divisible(value, divisor=8):
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class MyInvertedResidual(nn.Module):
    def __init__(self, c_in, c_out, stride, t):
        super().__init__()
        hidden = c_in * t
        self.expand, self.bn1 = nn.Conv2d(c_in, hidden, 1, bias=False), nn.BatchNorm2d(hidden)
        self.depthwise = nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False)
        self.bn2 = nn.BatchNorm2d(hidden)
        self.project, self.bn3 = nn.Conv2d(hidden, c_out, 1, bias=False), nn.BatchNorm2d(c_out)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
        out = self.bn3(self.project(torch.clamp(self.bn2(self.depthwise(torch.clamp(self.bn1(self.expand(x)), 0, 6))),
                                                0, 6)))
        return out + x if self.residual else out


def test_implement_exercises_accept_a_right_implementation():
    assert ch05.check_05_6(my_make_divisible)
    assert ch05.check_05_6(lambda value, divisor=8: cost.make_divisible(value, divisor))
    assert ch05.check_05_7(MyInvertedResidual)


def test_the_block_reference_is_the_package_block():
    names = {"conv.0.0": "expand", "conv.0.1": "bn1", "conv.1.0": "depthwise", "conv.1.1": "bn2",
             "conv.2": "project", "conv.3": "bn3"}
    for c_in, c_out, stride, t in [(8, 8, 1, 6), (8, 12, 2, 6), (6, 10, 1, 4)]:
        torch.manual_seed(0)
        ours = ch05._InvertedResidualReference(c_in, c_out, stride, t).eval()
        package = InvertedResidual(c_in, c_out, stride, t).eval()
        mapped = {}
        for key in package.state_dict():
            prefix, leaf = key.rsplit(".", 1)
            mapped[key] = ours.state_dict()[f"{names[prefix]}.{leaf}"]
        package.load_state_dict(mapped)
        x = 4 * torch.randn(2, c_in, 9, 9)
        with torch.no_grad():
            assert torch.allclose(ours(x), package(x), atol=1e-5)
            assert (package.conv[0](x) >= 6).any()  # the ReLU6 ceiling is reached: a plain ReLU would show


class ReLUAfterProjection(MyInvertedResidual):
    def forward(self, x):
        out = torch.clamp(self.bn3(self.project(torch.clamp(self.bn2(self.depthwise(
            torch.clamp(self.bn1(self.expand(x)), 0, 6))), 0, 6))), 0, 6)
        return out + x if self.residual else out


class NoShortcut(MyInvertedResidual):
    def forward(self, x):
        self.residual = False
        return super().forward(x)


class PlainReLU(MyInvertedResidual):
    def forward(self, x):
        out = self.bn3(self.project(torch.relu(self.bn2(self.depthwise(torch.relu(self.bn1(self.expand(x))))))))
        return out + x if self.residual else out


class DenseDepthwise(MyInvertedResidual):
    def __init__(self, c_in, c_out, stride, t):
        super().__init__(c_in, c_out, stride, t)
        self.depthwise = nn.Conv2d(c_in * t, c_in * t, 3, stride, 1, bias=False)


@pytest.mark.parametrize("name, wrong, words", [
    ("check_05_6", lambda v, d=8: max(d, int(v + d / 2) // d * d), "10% guard"),
    ("check_05_6", lambda v, d=8: max(d, round(v / d) * d) + (d if max(d, round(v / d) * d) < 0.9 * v else 0),
     "halves to even"),
    ("check_05_6", lambda v, d=8: max(d, -(-v // d) * d), "always round up"),
    ("check_05_6", lambda v, d=8: int(v + d / 2) // d * d + (d if int(v + d / 2) // d * d < 0.9 * v else 0),
     "never below the divisor"),
    ("check_05_7", ReLUAfterProjection, "ReLU6 after the projection"),
    ("check_05_7", NoShortcut, "never adds its input"),
    ("check_05_7", PlainReLU, "ReLU where MobileNet v2 uses ReLU6"),
    ("check_05_7", DenseDepthwise, "parameters"),
])
def test_implement_exercises_name_each_known_slip(name, wrong, words):
    verdict = getattr(ch05, name).__wrapped__(wrong)
    assert not verdict and words in verdict.message, verdict.message


def test_implement_hints_are_graduated():
    from lightnets_edu.exercises import _catalog

    _catalog.reset_tries()
    first, second, third = (ch05.check_05_7(NoShortcut).message for _ in range(3))
    _catalog.reset_tries()
    assert "see 'The inverted residual block'" in first and "never adds its input" not in first
    assert "never adds its input" in second and "groups=hidden" not in second
    assert "groups=hidden" in third


def test_implement_stubs_are_not_counted_as_tries():
    def stub(value, divisor=8):
        raise NotImplementedError

    class Stub(nn.Module):
        def __init__(self, c_in, c_out, stride, t):
            super().__init__()
            raise NotImplementedError

    for check, candidate in [(ch05.check_05_6, stub), (ch05.check_05_7, Stub)]:
        verdict = check(candidate)
        assert not verdict and "NotImplementedError" in verdict.message and not verdict.counts_as_try


@pytest.mark.parametrize("design", [(1.0, 128, 6), (1.3, 128, 3), (1.0, 160, 3),
                                    {"width_mult": 1.0, "resolution": 128, "t": 6}, [1.3, 128, 3]])
def test_design_exercise_accepts_many_designs(design):
    verdict = ch05.check_05_8(design)
    assert verdict and verdict.score == 1 and "M MACs" in verdict.message, verdict.message


def test_design_exercise_explains_failures():
    both = ch05.check_05_8((1.0, 224, 6))
    assert not both and "over the MACs budget and over the memory limit" in both.message and both.score == 0
    memory = ch05.check_05_8((1.0, 192, 2))
    assert not memory and "over the memory limit" in memory.message and memory.score == 0.5
    small = ch05.check_05_8((0.35, 96, 6))
    assert not small and "unused" in small.message and small.score == 0.5
    for bad, words in [((1.0, 128.5, 6), "resolution"), ((5, 128, 6), "width_mult"), ((1.0, 128, 0), "t must"),
                       ({"width": 1.0}, "keys"), ((1.0, 128), "three values"), ("1.0, 128, 6", "Expected")]:
        verdict = ch05.check_05_8(bad)
        assert not verdict and words in verdict.message, (bad, verdict.message)
        assert not verdict.counts_as_try


def test_choice_exercise():
    assert ch05.check_05_9("a") and ch05.check_05_9(" A ")
    assert "m = 15" in ch05.check_05_9.__wrapped__("b").message
    assert "gone for good" in ch05.check_05_9.__wrapped__("c").message


def test_notebook_uses_every_checker():
    text = NOTEBOOK.read_text()
    for name in ch05.__all__:
        assert f"{name}(" in text


def test_exercise_constants_appear_in_the_notebook_questions():
    nb = json.loads(NOTEBOOK.read_text())
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    questions = {int(m.group(1)): text for text in markdown
                 for m in [re.search(r":label: ch05-ex(\d+)", text)] if m}
    assert sorted(questions) == list(range(1, 10))
    for name, value in vars(ch05).items():
        if re.fullmatch(r"EX\d_[A-Z_]+", name):
            number = int(name[2])
            assert re.search(rf"\b{re.escape(str(value))}\b", questions[number]), \
                f"{name}={value} not in exercise {number}"


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
