"""Chapter 4's package pieces: its exercise checkers and its DenseNet explorer and figure."""

import json
import pathlib
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lightnets_edu import cost, widgets
from lightnets_edu.display import FIGURE_DPI, FIGURE_WIDTH
from lightnets_edu.exercises import ch04
from lightnets_edu.layers import DenseBlock, DenseLayer
from lightnets_edu.models import DENSENET_IMAGENET, DenseNet, densenet_cifar
from lightnets_edu.models.densenet import densenet_cost_table
from lightnets_edu.profile import profile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "04_densenet.ipynb"


# ---------------------------------------------------------------- exercises

NUMBER_CHECKERS = [f"check_04_{n}" for n in range(1, 5)]


def expected_answers():
    """Each number exercise's answer, recomputed the way a student would: from real modules."""
    block = DenseBlock(ch04.EX4_LAYERS, ch04.EX4_K0, ch04.EX4_K)
    return {
        "check_04_1": DenseBlock(ch04.EX1_LAYER, ch04.EX1_K0, ch04.EX1_K)[f"denselayer{ch04.EX1_LAYER}"]
        .conv1.in_channels,
        "check_04_2": profile(DenseBlock(6, 96, 48), input_size=(1, 96, 56, 56)).params,
        "check_04_3": densenet_cifar(ch04.EX3_DEPTH, ch04.EX3_K, bottleneck=True, compression=0.5)
        .classifier.in_features,
        "check_04_4": sum(layer.c_in for layer in block.values()) * ch04.EX4_SIZE ** 2,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_exports_its_eight_checkers():
    import lightnets_edu.exercises as exercises

    assert ch04.__all__ == [f"check_04_{n}" for n in range(1, 9)]
    for name in ch04.__all__:
        assert getattr(exercises, name) is getattr(ch04, name)
    kinds = [e.kind for e in exercises.catalog(4)]
    assert kinds == ["number"] * 4 + ["implement"] * 2 + ["design", "choice"]


def test_known_answers(answers):
    assert answers["check_04_1"] == 384 + 19 * 48 == 1296
    k, blocks, init = DENSENET_IMAGENET["densenet161"]  # DenseNet-161's first block: k0 = 96, k = 48, 6 layers
    assert (init, k, blocks[0]) == (ch04.EX2_K0, ch04.EX2_K, ch04.EX2_LAYERS)
    k0_third = densenet_cost_table(k, blocks, init)[5]["c_in"]  # DenseNet-161's third block
    assert (k0_third, k) == (ch04.EX1_K0, ch04.EX1_K)
    assert answers["check_04_3"] == 558  # 30 + 21 x 15 = 345 -> 172; 172 + 315 = 487 -> 243; 243 + 315
    assert answers["check_04_4"] == (16 * 24 + 12 * 16 * 15 // 2) * 32 * 32


def test_right_answer_passes_in_any_reasonable_form(answers):
    for name, value in answers.items():
        checker = getattr(ch04, name)
        for form in (value, float(value), str(value), f"{value:,}", torch.tensor(value)):
            verdict = checker(form)
            assert verdict and verdict.message.startswith("Correct"), (name, form, verdict.message)


MISTAKES = {
    "check_04_1": [(384 + 20 * 48, "passes on"), (19 * 48, "input k0"), (20 * 48, "Add the block's input"),
                   (48, "reads* all"), (192, "bottleneck's width")],
    "check_04_2": [(cost.dense_block(96, 48, 6, 56, bn_size=None).params, "basic BN-ReLU-3x3"),
                   (6 * cost.dense_layer(96, 48, 56).params, "not 96 each time"),
                   (cost.dense_block(96, 48, 6, 56).macs, "MAC count"),
                   (cost.dense_block(144, 48, 6, 56).params, "Layer 1 reads k0"),
                   (cost.dense_block(96, 48, 6, 56).params - sum(2 * (96 + i * 48) + 2 * 192 for i in range(6)),
                    "batch norm's 2C")],
    "check_04_3": [(30 + 3 * 21 * 15, "halve the width"), (559, "rounds down"), (279, "only two transitions"),
                   (DenseNet(15, (21,) * 3, 16, 4, 0.5, num_classes=10, small_inputs=True).classifier.in_features,
                    "16 is the basic")],
    "check_04_4": [(4 * 1867776, "bytes"), (1824, "counts channels"), ((24 + 15 * 12) * 1024, "last layer's input"),
                   ((24 + 16 * 12) * 1024, "block's output")],
}


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_each_typical_slip_gets_its_own_message(name):
    """Outside a student's session (the unwrapped checker) a slip gets its message at once."""
    for wrong, words in MISTAKES[name]:
        verdict = getattr(ch04, name).__wrapped__(wrong)
        assert not verdict and verdict.message.startswith("Not quite"), (name, wrong, verdict.message)
        assert words in verdict.message, (name, wrong, words, verdict.message)
        assert "Hint:" not in verdict.message, verdict.message


@pytest.mark.parametrize("name", NUMBER_CHECKERS + ["check_04_8"])
def test_hints_are_graduated_and_name_a_section(name):
    from lightnets_edu.exercises import _catalog

    checker = getattr(ch04, name)
    wrong = "a" if name == "check_04_8" else "3"
    _catalog.reset_tries()
    try:
        first, second, third = (checker(wrong).message for _ in range(3))
    finally:
        _catalog.reset_tries()
    section = re.search(r"see '([^']+)'", first).group(1)
    assert any(section in heading for heading in headings()), (section, headings())
    assert "Another wrong try" in first and "see '" not in third and "Hint:" in third


def headings():
    return [line.lstrip("#").strip().replace("$", "") for c in json.loads(NOTEBOOK.read_text())["cells"]
            if c["cell_type"] == "markdown" for line in "".join(c["source"]).splitlines() if line.startswith("#")]


# ---------------------------------------------------------------- implement

class MyDenseLayer(nn.Module):
    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.norm1, self.conv1 = nn.BatchNorm2d(c_in), nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(4 * growth_rate)
        self.conv2 = nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv2(F.relu(self.norm2(self.conv1(F.relu(self.norm1(x))))))


class ReluFirst(MyDenseLayer):
    def forward(self, x):
        return self.conv2(self.norm2(F.relu(self.conv1(self.norm1(F.relu(x))))))


class Concatenating(MyDenseLayer):
    def forward(self, x):
        return torch.cat([x, super().forward(x)], 1)


class Unpadded(MyDenseLayer):
    def __init__(self, c_in, growth_rate):
        super().__init__(c_in, growth_rate)
        self.conv2.padding = (0, 0)


class Biased(MyDenseLayer):
    def __init__(self, c_in, growth_rate):
        super().__init__(c_in, growth_rate)
        self.conv1 = nn.Conv2d(c_in, 4 * growth_rate, 1)
        self.conv2 = nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1)


class NoSecondNorm(nn.Module):
    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.norm1, self.conv1 = nn.BatchNorm2d(c_in), nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False)
        self.conv2 = nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv2(F.relu(self.conv1(F.relu(self.norm1(x)))))


class PostActivation(nn.Module):
    def __init__(self, c_in, growth_rate):
        super().__init__()
        self.conv1, self.norm1 = nn.Conv2d(c_in, 4 * growth_rate, 1, bias=False), nn.BatchNorm2d(4 * growth_rate)
        self.conv2 = nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(growth_rate)

    def forward(self, x):
        return F.relu(self.norm2(self.conv2(F.relu(self.norm1(self.conv1(x))))))


def my_dense_block(x, layers):
    features = [x]
    for layer in layers:
        features.append(layer(torch.cat(features, 1)))
    return torch.cat(features, 1)


def test_implement_exercises_accept_a_right_implementation():
    assert ch04.check_04_5(MyDenseLayer).message.startswith("Correct")
    assert ch04.check_04_5(type("Subclassed", (DenseLayer,), {"__init__": lambda self, c_in, growth_rate:
                                                               DenseLayer.__init__(self, c_in, growth_rate)}))
    assert ch04.check_04_6(my_dense_block).message.startswith("Correct")
    assert ch04.check_04_6(lambda x, layers: DenseBlockLike(layers)(x))


class DenseBlockLike(nn.Module):
    """Another right answer: a module that keeps a running concatenation."""

    def __init__(self, layers):
        super().__init__()
        self.layers = layers

    def forward(self, x):
        out = x
        for layer in self.layers:
            out = torch.cat([out, layer(out)], dim=1)
        return out


@pytest.mark.parametrize("wrong, words", [
    (ReluFirst, "ReLU before batch norm"), (PostActivation, "post-activation"), (NoSecondNorm, "no batch norm between"),
    (Biased, "have a bias"), (Unpadded, "padding=1"), (Concatenating, "returns its input and its new maps"),
])
def test_dense_layer_slips_are_named(wrong, words):
    verdict = ch04.check_04_5.__wrapped__(wrong)
    assert not verdict and verdict.message.startswith("Not quite") and words in verdict.message, verdict.message


def test_dense_layer_checker_reports_a_stub_and_a_non_class():
    class Stub(nn.Module):
        def __init__(self, c_in, growth_rate):
            super().__init__()
            raise NotImplementedError

    assert "NotImplementedError" in ch04.check_04_5(Stub).message
    assert "class itself" in ch04.check_04_5(MyDenseLayer(4, 2)).message


@pytest.mark.parametrize("wrong, words", [
    (lambda x, layers: my_dense_block(x, layers)[:, x.shape[1]:], "leaves out the block's input"),
    (lambda x, layers: my_dense_block(x, layers)[:, -layers[-1][-1].out_channels:], "only the last layer's"),
    (lambda x, layers: torch.cat([my_dense_block(x, layers)[:, x.shape[1]:], x], 1), "wrong order"),
])
def test_dense_block_slips_are_named(wrong, words):
    verdict = ch04.check_04_6.__wrapped__(wrong)
    assert not verdict and words in verdict.message, verdict.message


# ---------------------------------------------------------------- design and choice

def test_design_accepts_many_designs():
    designs = [
        DenseNet(12, (12,) * 5, 24, 4, 0.5, num_classes=10, small_inputs=True),   # five short blocks
        DenseNet(12, (20,) * 3, 24, 4, 0.3, num_classes=10, small_inputs=True),   # the paper's three, theta = 0.3
        DenseNet(12, (16,) * 4, 24, 4, 0.4, num_classes=10, small_inputs=True),   # four blocks, theta = 0.4
        DenseNet(12, (10, 14, 16, 18), 16, 4, 0.3, num_classes=10, small_inputs=True),  # unequal blocks
    ]
    for design in designs:
        verdict = ch04.check_04_7(design)
        assert verdict and verdict.score == 1.0, verdict.message
        assert "parameters" in verdict.message and "L = " in verdict.message


def test_design_explains_failures_with_partial_credit():
    paper = ch04.check_04_7(densenet_cifar(100, 12, bottleneck=True, compression=0.5))
    assert not paper and "L < 120" in paper.message and "769,162 parameters" in paper.message
    assert paper.score == 0.25
    deep_costly = ch04.check_04_7(DenseNet(12, (16,) * 4, 24, 4, 0.5, num_classes=10, small_inputs=True))
    assert not deep_costly and "over the 1,000,000-parameter budget" in deep_costly.message
    assert deep_costly.score == 0.25
    almost = ch04.check_04_7(DenseNet(12, (14,) * 4, 24, 4, 0.5, num_classes=10, small_inputs=True))  # L = 117
    assert not almost and 0.25 < almost.score < 0.75
    assert "k >= 12" in ch04.check_04_7(densenet_cifar(250, 4, bottleneck=True, compression=0.5)).message
    assert "bn_size=4" in ch04.check_04_7(densenet_cifar(124, 12)).message
    assert "num_classes=10" in ch04.check_04_7(DenseNet(12, (12,) * 5, 24, 4, 0.5, small_inputs=True)).message
    too_many_blocks = ch04.check_04_7(DenseNet(12, (2,) * 8, 24, 4, 0.5, num_classes=10, small_inputs=True))
    assert not too_many_blocks and "raised" in too_many_blocks.message
    assert "DenseNet instance" in ch04.check_04_7(nn.Conv2d(3, 10, 3)).message
    assert "No answer yet" in ch04.check_04_7(...).message


def test_choice_exercise():
    assert ch04.check_04_8("c") and ch04.check_04_8(" C ")
    for option, words in [("a", "parameters are exactly the same"), ("b", "does not approximate"),
                          ("d", "extra work")]:
        assert words in ch04.check_04_8.__wrapped__(option).message


def test_exercise_constants_appear_in_the_notebook_questions():
    nb = json.loads(NOTEBOOK.read_text())
    markdown = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    questions = {int(m.group(1)): text for text in markdown
                 for m in [re.search(r":label: ch04-ex(\d+)", text)] if m}
    assert sorted(questions) == list(range(1, 9))
    for name, value in vars(ch04).items():
        if re.fullmatch(r"EX\d_[A-Z_]+", name) and name != "EX3_THETA":
            shown = [str(value), f"{value:,}"] if isinstance(value, int) else [str(value)]
            assert any(re.search(rf"(?<![\d,]){re.escape(s)}(?![\d,])", questions[int(name[2])]) for s in shown), name


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
    for control in explorer.kwargs_widgets:  # the book's one control layout: same label width, visible track
        assert (control.style.description_width, control.layout.width) == ("10em", "28em")
    assert explorer.kwargs_widgets[2].readout_format == ".1f"  # 0.1 steps shown exactly
    figure = widgets.densenet_figure()
    assert len(figure.axes) == 2
    assert list(figure.get_size_inches()) == [FIGURE_WIDTH, 6.4] and figure.dpi == FIGURE_DPI  # column-wide


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

