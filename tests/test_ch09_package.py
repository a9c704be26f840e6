"""Chapter 9's exercises: answers recomputed with PyTorch, slips named, implement and design checkers.
"""

import re
import warnings

import pytest
import torch
from torch import nn

from lightnets_edu import deploy, exercises
from lightnets_edu.exercises import ch09
from lightnets_edu.layers import ConvBNAct, DepthwiseSeparable
from lightnets_edu.models import get_model

NUMBER_CHECKERS = [f"check_09_{n}" for n in range(1, 4)]


def observed_zero_point(lo, hi, qmin, qmax):
    from torch.ao.quantization.observer import MinMaxObserver

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        observer = MinMaxObserver(dtype=torch.quint8, quant_min=qmin, quant_max=qmax)
        observer(torch.tensor([lo, hi]))
        scale, zero_point = observer.calculate_qparams()
    return scale.item(), int(zero_point)


def expected_answers():
    """Each number exercise's answer, recomputed with PyTorch: an observer, fake quantization, a real layer."""
    big, small = ch09.EX2_BIG, ch09.EX2_SMALL
    scale = big / 127.5  # PyTorch's per_tensor_symmetric qint8 scale, checked below
    w = torch.linspace(-small, small, 100_001)
    codes = torch.fake_quantize_per_tensor_affine(w, scale, 0, -128, 127) / scale
    dw = get_model("mobilenet_v3_large").features[15].block[1][0]  # the last bneck's depthwise conv
    assert dw.groups == dw.in_channels == ch09.EX3_CHANNELS and dw.kernel_size == (ch09.EX3_KERNEL,) * 2
    return {
        "check_09_1": observed_zero_point(ch09.EX1_MIN, ch09.EX1_MAX, ch09.EX1_QMIN, ch09.EX1_QMAX)[1],
        "check_09_2": codes.round().unique().numel(),
        "check_09_3": dw.weight.numel() * 1 + dw.out_channels * 4 * 2,
    }


@pytest.fixture(scope="module")
def answers():
    return expected_answers()


def test_chapter_exports_its_checkers():
    assert ch09.__all__ == [f"check_09_{n}" for n in range(1, 9)]
    for name in ch09.__all__:
        assert getattr(exercises, name) is getattr(ch09, name)
    kinds = [e.kind for e in exercises.catalog(9)]
    assert kinds == ["number"] * 3 + ["implement", "implement", "design", "choice", "choice"]


def test_known_answers(answers):
    assert answers["check_09_1"] == 48
    assert answers["check_09_2"] == 11
    assert answers["check_09_3"] == 960 * 25 + 960 * 4 + 960 * 4 == 31_680
    for name, value in answers.items():
        assert getattr(ch09, name)(value), name


def test_qparams_formula_is_pytorchs():
    from torch.ao.quantization.observer import MinMaxObserver

    for lo, hi, qmin, qmax in [(-1.2, 5.2, 0, 255), (-2.0, 6.0, 0, 255), (-1.2, 5.2, 0, 127), (0.5, 6.0, 0, 255),
                               (-0.375, 6.0, 0, 255), (-3.3, -0.1, 0, 255)]:
        scale, zero_point = ch09.affine_qparams(lo, hi, qmin, qmax)
        s, z = observed_zero_point(lo, hi, qmin, qmax)
        assert zero_point == z and scale == pytest.approx(s, rel=1e-6), (lo, hi)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        observer = MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)
        observer(torch.tensor([-ch09.EX2_BIG, ch09.EX2_SMALL]))
        scale, zero_point = observer.calculate_qparams()
    assert scale.item() == pytest.approx(ch09.symmetric_scale(ch09.EX2_BIG), rel=1e-6) and int(zero_point) == 0


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_right_answer_passes_in_any_reasonable_form(name, answers):
    expected = answers[name]
    for form in [expected, float(expected), str(expected), f"{expected:,}", torch.tensor(expected)]:
        verdict = getattr(ch09, name)(form)
        assert verdict and verdict.message.startswith("Correct:"), (name, form, verdict.message)


MISTAKES = {
    "check_09_1": [(47, "rounds"), (-48, "sign"), (24, "reduce_range"), (128, "symmetric"), (207, "steps")],
    "check_09_2": [(5, "largest code"), (10, "code 0"), (256, "own scale"), (255, "own scale"), (1, "collapses")],
    "check_09_3": [(24_000, "weights only"), (27_840, "a scale *and* a"), (35_520, "zero point"),
                   (99_840, "float32 layer"), (24_960, "rule of thumb")],
}


@pytest.mark.parametrize("name", NUMBER_CHECKERS)
def test_each_typical_slip_gets_its_own_message(name):
    for wrong, words in MISTAKES[name]:
        verdict = getattr(ch09, name).__wrapped__(wrong)
        assert not verdict and words in verdict.message and "Hint:" not in verdict.message, (name, wrong, verdict)
    assert "Hint:" in getattr(ch09, name).__wrapped__(12345).message


@pytest.mark.parametrize("name", NUMBER_CHECKERS + ["check_09_4", "check_09_5", "check_09_7", "check_09_8"])
def test_hints_are_graduated(name):
    from lightnets_edu.exercises import _catalog

    wrong = {"check_09_4": lambda x, s, z: torch.round(x / s) * s, "check_09_5": lambda w: w.abs().amax() * 0 + 1,
             "check_09_7": "a", "check_09_8": "a"}.get(name, "1")
    _catalog.reset_tries()
    try:
        first, second, third = (getattr(ch09, name)(wrong).message for _ in range(3))
    finally:
        _catalog.reset_tries()
    section = re.search(r"see '(.+?)'\.", first).group(1)
    assert section in ch09.SECTIONS.values()
    assert "Another wrong try" in first and first != second != third
    assert "Hint:" in third and third not in first


# ---------------------------------------------------------------- implement

def my_fake_quantize(x, scale, zero_point):
    q = torch.clamp(torch.round(x / scale) + zero_point, 0, 255)
    return (q - zero_point) * scale


def test_fake_quantize_accepts_right_implementations():
    assert ch09.check_09_4(my_fake_quantize)
    # the same arithmetic written differently: a reciprocal, float64, integer codes
    assert ch09.check_09_4(lambda x, s, z: (torch.clamp(torch.round(x * (1 / s)) + z, 0, 255) - z) * s)
    assert ch09.check_09_4(lambda x, s, z: ((torch.round(x.double() / s) + z).clamp(0, 255) - z).mul(s).float())
    assert ch09.check_09_4(lambda x, s, z: ((torch.round(x / s).to(torch.int64) + z).clamp(0, 255) - z) * s)
    assert ch09.check_09_4(lambda x, s, z: (torch.clamp(torch.round(x / s), -z, 255 - z)) * s)


@pytest.mark.parametrize("wrong, words", [
    (lambda x, s, z: torch.round(x / s) * s, "not clamped"),
    (lambda x, s, z: (torch.clamp(torch.floor(x / s + 0.5) + z, 0, 255) - z) * s, "halves to the even"),
    (lambda x, s, z: (torch.clamp((x / s).trunc() + z, 0, 255) - z) * s, "truncate"),
    (lambda x, s, z: torch.clamp(torch.round(x / s) + z, 0, 255), "integer codes"),
    (lambda x, s, z: torch.clamp(torch.round(x / s) + z, 0, 255) * s, "subtract the zero point"),
    (lambda x, s, z: (torch.clamp(torch.round(x / s) + z, -128, 127) - z) * s, "qint8"),
    (lambda x, s, z: torch.clamp(torch.round(x / s), 0, 255) * s, "before adding the zero point"),
])
def test_fake_quantize_names_each_known_slip(wrong, words):
    verdict = ch09.check_09_4.__wrapped__(wrong)
    assert not verdict and words in verdict.message and "Hint:" not in verdict.message, verdict.message


def my_per_channel_scales(weight):
    dims = tuple(range(1, weight.dim()))
    return torch.clamp(weight.abs().amax(dim=dims) / 127.5, min=torch.finfo(torch.float32).eps)


def test_per_channel_scales_accept_right_implementations():
    assert ch09.check_09_5(my_per_channel_scales)
    assert ch09.check_09_5(lambda w: (w.flatten(1).abs().max(dim=1).values * 2 / 255).clamp_min(1.1920928955078125e-07))
    assert ch09.check_09_5(lambda w: torch.maximum(-w.flatten(1).amin(1), w.flatten(1).amax(1)).div(127.5)
                           .clamp(min=torch.finfo(torch.float32).eps))


@pytest.mark.parametrize("wrong, words", [
    (lambda w: (w.abs().amax() / 127.5).expand(w.shape[0]).clone(), "same scale"),
    (lambda w: (w.flatten(1).abs().amax(1) / 127).clamp_min(torch.finfo(torch.float32).eps), "divide by 127;"),
    (lambda w: (w.flatten(1).abs().amax(1) / 255).clamp_min(torch.finfo(torch.float32).eps), "one side of 0"),
    (lambda w: (w.flatten(1).amax(1) - w.flatten(1).amin(1)).div(255).clamp_min(torch.finfo(torch.float32).eps),
     "affine scale"),
    (lambda w: w.flatten(1).amax(1).div(127.5).clamp_min(torch.finfo(torch.float32).eps), "largest |w|"),
    (lambda w: w.flatten(1).abs().amax(1) / 127.5, "divides by zero"),
    (lambda w: my_per_channel_scales(w).double(), "dtype"),
    (lambda w: my_per_channel_scales(w)[:, None], "shape"),
])
def test_per_channel_scales_name_each_known_slip(wrong, words):
    verdict = ch09.check_09_5.__wrapped__(wrong)
    assert not verdict and words in verdict.message, verdict.message
    assert "Hint:" not in verdict.message or words in ("dtype", "shape"), verdict.message


def test_implement_stubs_and_junk_are_not_tries():
    def stub(*args):
        raise NotImplementedError
    for check in (ch09.check_09_4, ch09.check_09_5):
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


def test_design_accepts_a_solution_with_margin():
    torch.manual_seed(0)
    verdict = ch09.check_09_6(ds_net((16, 32, 64, 128, 512), (2, 2, 2, 1)))
    assert verdict and verdict.score == 1.0, verdict.message
    assert "only int8 fits" in verdict.message


def test_design_explains_failures_with_partial_credit():
    torch.manual_seed(0)
    small = ch09.check_09_6(ds_net((16, 32, 64, 128, 256), (2, 2, 2, 1)))  # fits, 50k parameters
    assert not small and "at least 80,000" in small.message and 0.6 < small.score < 0.9
    big = ch09.check_09_6(ds_net((16, 32, 64, 128, 256, 256), (2, 2, 2, 1, 1)))
    assert not big and "over the flash budget" in big.message and "MACs budget" not in big.message
    standard = nn.Sequential(*[ConvBNAct(a, b, 3, s, activation=nn.ReLU6) for a, b, s in
                               [(3, 16, 2), (16, 32, 2), (32, 64, 2), (64, 128, 1)]],
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))
    std = ch09.check_09_6(standard)
    assert not std and "over the MACs budget" in std.message and "asks for a depthwise convolution" in std.message
    assert std.score == pytest.approx(0.3)

    class Untraceable(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = ds_net((16, 32, 64, 128, 512), (2, 2, 2, 1))

        def forward(self, x):
            return self.net(x) if x.sum() > -1e9 else -self.net(x)  # control flow on a tensor value
    untraced = ch09.check_09_6(Untraceable())
    assert not untraced and "quantize_int8 cannot quantize it" in untraced.message, untraced.message
    assert "must return (1, 10)" in ch09.check_09_6(nn.Conv2d(3, 10, 1)).message
    assert "raised" in ch09.check_09_6(nn.Conv2d(4, 10, 1)).message
    for junk in (..., None, "net"):
        assert not ch09.check_09_6(junk).counts_as_try


def test_choices():
    for check in (ch09.check_09_7, ch09.check_09_8):
        assert check("b") and check(" B ")
        assert not check("a") and not check("d").counts_as_try


def test_concatenation_shares_one_scale():
    """The fact 09_8's right option states: FX quantization gives torch.cat's inputs one scale."""
    class Cat(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Conv2d(3, 4, 1), nn.Conv2d(3, 4, 1)
            with torch.no_grad():
                self.b.weight.mul_(50)

        def forward(self, x):
            return torch.cat([self.a(x), self.b(x)], 1)
    torch.manual_seed(0)
    q = deploy.quantize_int8(Cat().eval(), [torch.randn(8, 3, 8, 8)])
    assert q.a.scale == q.b.scale and q.a.zero_point == q.b.zero_point
