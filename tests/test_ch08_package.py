"""Chapter 8's exercises: answers recomputed and measured, slips named, implement and design checkers.
"""

import functools
import math
import re

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats
from torch import nn

from lightnets_edu import deploy, exercises
from lightnets_edu.exercises import ch08
from lightnets_edu.layers import ConvBNAct, DepthwiseSeparable
from lightnets_edu.models import get_model
from lightnets_edu.profile import profile
from lightnets_edu.widgets import budget_front

NUMBER_CHECKERS = [f"check_08_{n}" for n in range(1, 3)]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Small convolutions on one thread, as the chapter runs them: no waiting on a busy second core."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@functools.lru_cache(maxsize=None)
def measured_depthwise():
    """08_1 measured: the shapes MobileNet v2's depthwise conv sees (forward hooks at 224 x 224), and the
    working set deploy.activation_profile records for that conv once its batch norm is folded in."""
    model = get_model("mobilenet_v2").eval()
    conv = model.features[4].conv[1][0]
    assert conv.groups == conv.in_channels == conv.out_channels == ch08.EX1_C_IN * ch08.EX1_T
    assert conv.stride == (ch08.EX1_STRIDE,) * 2 and model.features[4].c_in == ch08.EX1_C_IN
    shapes = {}
    handle = conv.register_forward_hook(lambda m, i, o: shapes.update(read=tuple(i[0].shape), written=tuple(o.shape)))
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    handle.remove()
    assert shapes["read"][-1] == ch08.EX1_SIZE
    folded = deploy.fold_batch_norm(model)
    layer = folded.get_submodule("features.4.conv.1.0")  # the conv with its BN folded in, as the chapter runs it
    assert isinstance(layer, nn.Conv2d) and layer.bias is not None
    working_set = deploy.activation_profile(nn.Sequential(layer), shapes["read"]).peak_bytes
    return shapes, working_set, deploy.peak_activation_bytes(folded)


def spearman_by_hand(a, b):
    """Average ranks (a double loop over the values), then the Pearson correlation of the ranks."""
    def ranks(v):
        return [sum(w < x for w in v) + (sum(w == x for w in v) + 1) / 2 for x in v]
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def expected_answers():
    """Each number exercise's answer, recomputed: measured on the network, scipy and a hand-made rank."""
    shapes, working_set, _ = measured_depthwise()
    assert working_set == (math.prod(shapes["read"]) + math.prod(shapes["written"])) * 4
    macs, ms = [row[1] for row in ch08.EX2_TABLE], [row[2] for row in ch08.EX2_TABLE]
    rho = stats.spearmanr(macs, ms).statistic
    assert rho == pytest.approx(spearman_by_hand(macs, ms), abs=1e-12)
    return {"check_08_1": working_set, "check_08_2": rho}


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_exports_its_checkers():
    assert ch08.__all__ == [f"check_08_{n}" for n in range(1, 8)]
    for name in ch08.__all__:
        assert getattr(exercises, name) is getattr(ch08, name)
    kinds = [e.kind for e in exercises.catalog(8)]
    assert kinds == ["number"] * 2 + ["implement", "implement", "design", "choice", "choice"]


def test_known_answers(answers):
    assert answers["check_08_1"] == (144 * 56**2 + 144 * 28**2) * 4 == 2_257_920
    assert answers["check_08_2"] == pytest.approx(0.9, abs=1e-12)
    for name, value in answers.items():
        assert getattr(ch08, name)(value), name


def test_the_depthwise_conv_is_measured_as_the_formula_says():
    shapes, working_set, network_peak = measured_depthwise()
    assert shapes == {"read": (1, 144, 56, 56), "written": (1, 144, 28, 28)}
    assert working_set == ch08.depthwise_working_set(ch08.EX1_C_IN * ch08.EX1_T, ch08.EX1_SIZE, ch08.EX1_STRIDE)
    # the "network's peak" slip is the measured peak of the whole folded network (the block before)
    assert network_peak == ch08.depthwise_working_set(4 * ch08.EX1_C_IN, 2 * ch08.EX1_SIZE, ch08.EX1_STRIDE)
    assert "peak of the whole network" in ch08.check_08_1.__wrapped__(network_peak).message


def test_the_rank_table_has_one_inverted_pair_and_no_ties():
    rows = ch08.EX2_TABLE
    assert len({r[1] for r in rows}) == len({r[2] for r in rows}) == len(rows)
    inverted = [(a[0], b[0]) for a in rows for b in rows if a[1] < b[1] and a[2] > b[2]]
    assert inverted == [("E", "D")]
    assert [r[1] for r in rows] != sorted(r[1] for r in rows)  # the student must sort


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_right_answer_passes_in_any_reasonable_form(name, answers):
    expected = answers[name]
    forms = ([expected, float(expected), str(expected), f"{expected:,}", torch.tensor(expected)]
             if name == "check_08_1" else
             [expected, 0.9, "0.9", "0.90", "9/10", torch.tensor(0.9), np.float64(0.9), 0.899])
    for form in forms:
        verdict = getattr(ch08, name)(form)
        assert verdict and verdict.message.startswith("Correct:"), (name, form, verdict.message)
    assert not getattr(ch08, name).__wrapped__(expected * 1.02)


def _ex2_slips():
    macs, ms = np.array([row[1] for row in ch08.EX2_TABLE], float), np.array([row[2] for row in ch08.EX2_TABLE])
    return [(np.corrcoef(macs, ms)[0, 1], "Pearson correlation of the raw values"),
            (np.corrcoef(np.log(macs), np.log(ms))[0, 1], "logarithms"),
            (stats.kendalltau(macs, ms).statistic, "Kendall's tau"),
            (-0.9, "Mind the sign"), (0.1, "1 minus it")]


MISTAKES = {
    "check_08_1": [(1_806_336, "input only"), (451_584, "output only"), (564_480, "counts values, not bytes"),
                   (3_612_672, "stride 2"), (903_168, "expansion on the 56 x 56 map"), (2.25792, "in MB"),
                   (2_257_920 + 144 * 10 * 4, "weights are excluded"), (6_021_120, "peak of the whole network")],
    "check_08_2": _ex2_slips(),
}


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_each_typical_slip_gets_its_own_message(name):
    for wrong, words in MISTAKES[name]:
        verdict = getattr(ch08, name).__wrapped__(wrong)
        assert not verdict and words in verdict.message and "Hint:" not in verdict.message, (name, wrong, verdict)
    assert "Hint:" in getattr(ch08, name).__wrapped__(12345).message


def test_the_rank_slips_are_far_enough_apart():
    """Each slip of 08_2 must be outside the answer's tolerance and every other slip's."""
    values = [0.9] + [v for v, _ in _ex2_slips()]
    for i, a in enumerate(values):
        for b in values[i + 1:]:
            assert abs(a - b) > 0.005 * max(abs(a), abs(b)), (a, b)


@pytest.mark.parametrize("name", NUMBER_CHECKERS + [f"check_08_{n}" for n in (3, 4, 6, 7)])
def test_hints_are_graduated(name):
    from lightnets_edu.exercises import _catalog

    wrong = {"check_08_3": lambda a, b: float(np.corrcoef(a, b)[0, 1]),
             "check_08_4": lambda rows: [r[0] for r in rows],
             "check_08_6": "a", "check_08_7": "a"}.get(name, "1")
    _catalog.reset_tries()
    try:
        first, second, third = (getattr(ch08, name)(wrong).message for _ in range(3))
    finally:
        _catalog.reset_tries()
    section = re.search(r"see '(.+?)'\.", first).group(1)
    assert section in ch08.SECTIONS.values()
    assert "Another wrong try" in first and first != second != third
    assert "Hint:" in third and third not in first


# ---------------------------------------------------------------- implement: my_spearman

def average_ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks, start = [0.0] * len(values), 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def my_spearman(a, b):
    x, y = torch.tensor(average_ranks(a), dtype=torch.float64), torch.tensor(average_ranks(b), dtype=torch.float64)
    x, y = x - x.mean(), y - y.mean()
    return ((x * y).sum() / (x.square().sum() * y.square().sum()).sqrt()).item()


def test_spearman_accepts_right_implementations():
    assert ch08.check_08_3(my_spearman)
    assert ch08.check_08_3(lambda a, b: pd.Series(a).rank().corr(pd.Series(b).rank()))  # the chapter's
    assert ch08.check_08_3(lambda a, b: stats.spearmanr(a, b).statistic)  # a NumPy float
    assert ch08.check_08_3(spearman_by_hand)
    # float32 ranks and a 0-d tensor result
    assert ch08.check_08_3(lambda a, b: torch.corrcoef(torch.stack([torch.tensor(average_ranks(a)),
                                                                    torch.tensor(average_ranks(b))]).float())[0, 1])
    # the Pearson formula with population standard deviations
    assert ch08.check_08_3(lambda a, b: float(np.mean((np.array(average_ranks(a)) - np.mean(average_ranks(a)))
                                                      * (np.array(average_ranks(b)) - np.mean(average_ranks(b))))
                                              / (np.std(average_ranks(a)) * np.std(average_ranks(b)))))


def _ranked(method, descending_b=False):
    return lambda a, b: pd.Series(a).rank(method=method).corr(pd.Series(b).rank(method=method,
                                                                              ascending=not descending_b))


def _shortcut(a, b):
    d = np.array(average_ranks(a)) - np.array(average_ranks(b))
    return 1 - 6 * float((d ** 2).sum()) / (len(a) * (len(a) ** 2 - 1))


@pytest.mark.parametrize("wrong, words", [
    (lambda a, b: float(np.corrcoef(a, b)[0, 1]), "correlate the values themselves"),
    (_ranked("first"), "different ranks (by position)"),
    (_ranked("min"), "lowest of their ranks"),
    (_ranked("dense"), "skip no number"),
    (_shortcut, "exact only without ties"),
    (lambda a, b: float(np.corrcoef(np.argsort(a, kind="stable"), np.argsort(b, kind="stable"))[0, 1]),
     "argsort"),
    (_ranked("average", descending_b=True), "same direction"),
])
def test_spearman_names_each_known_slip(wrong, words):
    verdict = ch08.check_08_3.__wrapped__(wrong)
    assert not verdict and words in verdict.message and "Hint:" not in verdict.message, verdict.message
    assert "1 of 1 values" not in verdict.message and "you have" in verdict.message


def test_spearman_says_when_the_result_is_not_a_number():
    verdict = ch08.check_08_3.__wrapped__(lambda a, b: average_ranks(a))
    assert not verdict and "returned a list" in verdict.message and "one number" in verdict.message
    later = ch08.check_08_3.__wrapped__(lambda a, b: my_spearman(a, b) if len(a) == 5 else "0.5")
    assert not later and "not one number" in later.message, later.message


# ---------------------------------------------------------------- implement: my_budget_front

def my_budget_front(rows):
    known = [r for r in rows if not math.isnan(r[2])]
    front, best = [], -math.inf
    for name, _, top1 in sorted(known, key=lambda r: (r[1], -r[2], r[0])):
        if top1 > best:
            front.append(name)
            best = top1
    return front


def front_by_pairs(rows):
    """By the definition: a row is on the front unless another row is at least as fast and at least as accurate
    and comes first in the order (latency, -top1, name)."""
    known = [r for r in rows if not math.isnan(r[2])]
    key = lambda r: (r[1], -r[2], r[0])  # noqa: E731
    return [r[0] for r in sorted(known, key=key)
            if not any(s[1] <= r[1] and s[2] >= r[2] and key(s) < key(r) for s in known)]


def test_budget_front_reference_is_the_widgets():
    for _, rows in ch08._FRONT_CASES:
        assert ch08._front_reference(rows) == my_budget_front(rows) == front_by_pairs(rows), rows


def test_budget_front_accepts_right_implementations():
    assert ch08.check_08_4(my_budget_front)
    assert ch08.check_08_4(front_by_pairs)
    assert ch08.check_08_4(lambda rows: tuple(my_budget_front(rows)))
    assert ch08.check_08_4(lambda rows: pd.Series(my_budget_front(rows), dtype=object))
    assert ch08.check_08_4(lambda rows: ch08._front_reference(list(rows)))


@pytest.mark.parametrize("wrong, words", [
    (lambda rows: [r[0] for r in sorted(rows, key=lambda r: (r[1], -r[2], r[0])) if not math.isnan(r[2])],
     "keep every network"),
    (lambda rows: my_budget_front(rows)[::-1], "in reverse"),
    (lambda rows: [r[0] for r in sorted((r for r in rows if r[2] == r[2]), key=lambda r: (-r[2], r[1], r[0]))],
     "sort by top-1"),
    (lambda rows: my_budget_front([(r[0], i, r[2]) for i, r in enumerate(rows)]), "order they come"),
    (lambda rows: ch08._bf_ties_kept(rows), "only equals the best"),
    (lambda rows: my_budget_front([(r[0], r[1], r[2]) for r in rows]) if len({r[1] for r in rows}) == len(rows)
     else ch08._bf_latency_only(rows), "equally fast"),
    (lambda rows: ch08._bf_names_in_input_order(rows), "alphabetically"),
    (lambda rows: ch08._bf_unknown_kept(rows), "unknown top-1"),
    (lambda rows: [max((r for r in rows if r[2] == r[2]), key=lambda r: (r[2], -r[1]))[0]]
     if any(r[2] == r[2] for r in rows) else [], "only the most accurate"),
])
def test_budget_front_names_each_known_slip(wrong, words):
    verdict = ch08.check_08_4.__wrapped__(wrong)
    assert not verdict and words in verdict.message and "Hint:" not in verdict.message, verdict.message


def test_implement_stubs_and_junk_are_not_tries():
    def stub(*args):
        raise NotImplementedError
    for check in (ch08.check_08_3, ch08.check_08_4):
        assert "still raises NotImplementedError" in check(stub).message
        for junk in (..., None, 5):
            verdict = check(junk)
            assert not verdict and not verdict.counts_as_try


# ---------------------------------------------------------------- design

def ds_net(widths, strides, activation=nn.ReLU6):
    layers, c = [ConvBNAct(3, widths[0], 3, 2, activation=activation)], widths[0]
    for stride, width in zip(strides, widths[1:]):
        layers.append(DepthwiseSeparable(c, width, stride=stride, activation=activation))
        c = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10))


SOLUTION = ((16, 32, 64, 128, 256, 640), (2, 2, 2, 1, 1))
SHAPE = (1, 3, ch08.EX5_SIZE, ch08.EX5_SIZE)


def test_design_accepts_the_solution_with_margin():
    torch.manual_seed(0)
    net = ds_net(*SOLUTION)
    macs, params = profile(net, SHAPE).macs, profile(net, SHAPE).params
    peak = deploy.peak_activation_bytes(deploy.fold_batch_norm(net), SHAPE)
    assert peak <= 0.9 * ch08.EX5_PEAK and macs <= 0.85 * ch08.EX5_MACS and params >= 1.1 * ch08.EX5_PARAMS
    # the peak is the stem: it reads the input and writes 16 maps of 32 x 32
    assert peak == (3 * 64 * 64 + 16 * 32 * 32) * 4
    verdict = ch08.check_08_5(net)
    assert verdict and verdict.score == 1.0, verdict.message
    assert f"{peak:,} bytes" in verdict.message and f"{params:,} parameters" in verdict.message
    assert "layer '0.0' (Conv2d), which reads (1, 3, 64, 64) and writes (1, 16, 32, 32)" in verdict.message


def test_design_explains_failures_with_partial_credit():
    torch.manual_seed(0)
    small = ch08.check_08_5(ds_net((16, 32, 64, 128, 256, 512), (2, 2, 2, 1, 1)))  # fits, 187,626 parameters
    assert not small and "at least 200,000" in small.message and 0.6 < small.score < 0.9
    naive = ch08.check_08_5(ds_net((32, 64, 128, 256, 512), (2, 2, 2, 1)))  # MobileNet's 32-channel stem
    assert not naive and "over the SRAM budget" in naive.message and "MACs budget" not in naive.message
    assert "180,224 bytes" in naive.message and "layer '0.0'" in naive.message
    assert "writes (1, 32, 32, 32)" in naive.message
    assert naive.score == pytest.approx(0.6 * 4 / 5)
    late = ch08.check_08_5(ds_net((16, 32, 64, 128), (1, 2, 2)))  # no stride 2 after the stem: 32 maps at 32 x 32
    assert not late and "over the SRAM budget" in late.message and "layer '1.pointwise.0'" in late.message
    wide = ch08.check_08_5(ds_net((16, 32, 64, 128, 256, 512, 256), (2, 2, 2, 1, 1, 1)))
    assert not wide and "over the MACs budget" in wide.message and "5,750,272 MACs" in wide.message
    assert "SRAM" not in wide.message
    tiny = ch08.check_08_5(ds_net((16, 32, 64, 128, 256), (2, 2, 2, 2)))  # down to 2 x 2
    assert not tiny and "'4.depthwise.0' outputs a 2 x 2 map" in tiny.message
    mlp = ch08.check_08_5(nn.Sequential(ConvBNAct(3, 8, 3, 4), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                        nn.Linear(8, 2000), nn.ReLU(), nn.Linear(2000, 10)))
    assert not mlp and "2 nn.Linear layers" in mlp.message


def test_design_gives_a_verdict_on_anything():
    class Untraceable(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = ds_net(*SOLUTION)

        def forward(self, x):
            return self.net(x) if x.sum() > -1e9 else -self.net(x)  # control flow on a tensor value
    untraced = ch08.check_08_5(Untraceable())
    assert not untraced and "fold_batch_norm cannot fold it" in untraced.message, untraced.message
    assert "SRAM" not in untraced.message and "peak" not in untraced.message
    assert "must return (1, 10)" in ch08.check_08_5(nn.Conv2d(3, 10, 1)).message
    assert "raised" in ch08.check_08_5(nn.Conv2d(4, 10, 1)).message
    for junk in (..., None, "net", ds_net):
        verdict = ch08.check_08_5(junk)
        assert not verdict and not verdict.counts_as_try


def test_design_report_matches_the_chapters_measurements():
    torch.manual_seed(0)
    net = ds_net((32, 64, 128, 256, 512), (2, 2, 2, 1))
    found = ch08.design_report(net)
    assert found["peak"] == deploy.peak_activation_bytes(deploy.fold_batch_norm(net), SHAPE) == 180_224
    assert (found["macs"], found["params"]) == (profile(net, SHAPE).macs, profile(net, SHAPE).params)
    assert found["small"] == [] and found["linears"] == 1


# ---------------------------------------------------------------- choice

def test_choices():
    for check in (ch08.check_08_6, ch08.check_08_7):
        assert check("b") and check(" B ")
        assert not check("a") and not check("d").counts_as_try


def test_folding_keeps_the_macs_and_drops_operators():
    """The facts 08_6's right option states: same MACs, fewer operators and fewer bytes moved."""
    torch.manual_seed(0)
    net = ds_net((16, 32, 64), (2, 2)).eval()
    folded = deploy.fold_batch_norm(net)
    assert profile(net, SHAPE).macs == profile(folded, SHAPE).macs
    eager, fused = deploy.activation_profile(net, SHAPE), deploy.activation_profile(folded, SHAPE)
    assert fused.operators < eager.operators and fused.moved_bytes < eager.moved_bytes


def test_the_network_below_the_staircase_is_never_the_pick():
    """08_7's premise: K is faster and more accurate than M, so no budget picks M; budgets pick staircase rows."""
    table = pd.DataFrame({"network": [r[0] for r in ch08.EX7_TABLE], "precision": "fp32",
                          "latency_ms": [r[1] for r in ch08.EX7_TABLE], "top1": [r[2] for r in ch08.EX7_TABLE],
                          "size_mb": math.nan, "macs_m": math.nan})
    front = list(budget_front(table)["network"])
    assert front == ["J", "K", "L", "N"]
    row = {r[0]: r for r in ch08.EX7_TABLE}
    assert row["K"][1] < row["M"][1] < row["L"][1] and row["K"][2] > row["M"][2]
    from lightnets_edu.widgets import budget_choice

    for budget in sorted({r[1] for r in ch08.EX7_TABLE} | {5.0, 8.5, 9.0, 50.0, 500.0}):
        pick = budget_choice(table, budget).iloc[0]["network"]
        assert pick != "M" and pick in front
