"""Every int8 formula in lightnets_edu.cost equals what PyTorch's observers and fake quantization do."""

import math
import re

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch.ao.quantization import MinMaxObserver, PerChannelMinMaxObserver

from lightnets_edu import cost

FAST = settings(max_examples=40, deadline=None)
# float32 values, as an observer stores them: the formulas then see the very numbers PyTorch sees
values = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)
TINY = 1e-3  # below this range PyTorch raises the scale to float32's eps: a degenerate case, not the formula


def qparams(observer, data):
    observer(torch.tensor(data, dtype=torch.float32))
    scale, zero_point = observer.calculate_qparams()
    return scale.tolist(), zero_point.tolist()


def near_tie(x, margin=1e-4):
    """Whether x is within ``margin`` of a rounding tie (k + 1/2), where float32 may round the other way."""
    return abs(x - math.floor(x) - 0.5) < margin


# ---------------------------------------------------------------- scales and zero points

@pytest.mark.parametrize("dtype, q_min, q_max", [
    (torch.quint8, 0, 255), (torch.quint8, 0, 127), (torch.qint8, -128, 127)])  # 0..127: x86's reduce_range
@FAST
@given(a=values, b=values)
def test_affine_qparams_equal_the_min_max_observer(dtype, q_min, q_max, a, b):
    lo, hi = min(a, b), max(a, b)
    assume(max(hi, 0.0) - min(lo, 0.0) > TINY)
    scale, zero_point = cost.affine_qparams(lo, hi, q_min, q_max)
    observer = MinMaxObserver(dtype=dtype, qscheme=torch.per_tensor_affine, quant_min=q_min, quant_max=q_max)
    [s], [z] = qparams(observer, [lo, hi])
    assert scale == pytest.approx(s, rel=1e-6)
    if near_tie(min(lo, 0.0) / scale):
        assert abs(zero_point - z) <= 1  # a tie: float32 breaks it by the last bit
    else:
        assert zero_point == z
    assert isinstance(zero_point, int) and q_min <= zero_point <= q_max


def test_affine_qparams_examples():
    assert cost.affine_qparams(-1.2, 5.2) == (pytest.approx(6.4 / 255), 48)  # exercise 09_1
    assert cost.affine_qparams(-1.0, 3.0) == (pytest.approx(4 / 255), 64)
    assert cost.affine_qparams(0.5, 2.0) == (pytest.approx(2 / 255), 0)      # widened to hold 0
    assert cost.affine_qparams(-2.0, -0.5) == (pytest.approx(2 / 255), 255)
    assert cost.affine_qparams(-1.0, 1.0)[1] == 128  # -127.5 rounds half to even, to -128
    assert cost.affine_qparams(-1.2, 5.2, 0, 127)[1] == 24  # positional, as the exercises call it


@FAST
@given(a=values, b=values)
def test_symmetric_scale_equals_the_per_tensor_symmetric_observer(a, b):
    max_abs = max(abs(a), abs(b))
    assume(max_abs > TINY)
    [s], [z] = qparams(MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric), [a, b])
    assert cost.symmetric_scale(max_abs) == pytest.approx(s, rel=1e-6) and z == 0
    assert cost.symmetric_scale(max_abs) == max_abs / 127.5


@FAST
@given(channels=st.lists(st.tuples(values, values), min_size=1, max_size=6))
def test_symmetric_scale_equals_the_per_channel_observer(channels):
    assume(all(max(abs(a), abs(b)) > TINY for a, b in channels))
    observer = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
    scales, zero_points = qparams(observer, channels)
    expected = [cost.symmetric_scale(max(abs(a), abs(b))) for a, b in channels]
    assert expected == pytest.approx(scales, rel=1e-6) and set(zero_points) == {0}


def test_signed_range():
    assert [cost.signed_range(b) for b in (2, 4, 8, 16)] == [(-2, 1), (-8, 7), (-128, 127), (-32768, 32767)]
    assert cost.signed_range(8) == (torch.iinfo(torch.int8).min, torch.iinfo(torch.int8).max)


# ---------------------------------------------------------------- codes used

@FAST
@given(max_abs=st.floats(1e-2, 1e2), steps=st.floats(0.05, 300), bits=st.sampled_from([2, 3, 4, 8]))
def test_int8_levels_count_the_codes_fake_quantization_uses(max_abs, steps, bits):
    """``steps`` = max_abs / scale; the grid is finer than the scale, so it hits every code in reach."""
    assume(not near_tie(steps, 1e-3))
    q_min, q_max = cost.signed_range(bits)
    scale = max_abs / steps
    grid = torch.linspace(-max_abs, max_abs, 20001)
    used = torch.fake_quantize_per_tensor_affine(grid, scale, 0, q_min, q_max).unique().numel()
    assert cost.int8_levels(max_abs, scale, q_min, q_max) == used


def test_int8_levels_examples():
    assert cost.int8_levels(0.9, cost.symmetric_scale(24.0)) == 11  # exercise 09_2: codes -5..5
    assert cost.int8_levels(0.0, 0.1) == 1
    # the tensor's own max|w| / scale is 127.5: -max|w| ties, rounds to -128, +max|w| to 128 -> 127
    assert cost.int8_levels(12.0, cost.symmetric_scale(12.0)) == 256
    assert cost.int8_levels(1.0, 1e-9) == 256 and cost.int8_levels(1.0, 1e-9, -8, 7) == 16  # clipped


# ---------------------------------------------------------------- the error of a uniform range

def fake_quantized(max_abs, scale, q_min, q_max, n=1_000_000):
    """Midpoints of a fine grid over [-max_abs, max_abs] (float32) and their fake-quantized values (float64)."""
    x = (-max_abs + (torch.arange(n, dtype=torch.float64) + 0.5) * (2 * max_abs / n)).float()
    return x.double(), torch.fake_quantize_per_tensor_affine(x, scale, 0, q_min, q_max).double()


CASES = [  # (bits, max_abs, max_abs / scale): full range, between cells, coarse, clipped, mostly clipped
    (8, 1.0, 127.5), (8, 0.7, 40.3), (8, 2.5, 0.3), (8, 1.0, 300.0), (8, 0.05, 2000.0),
    (4, 1.0, 7.5), (4, 3.0, 5.2), (4, 1.0, 11.0), (2, 1.0, 1.5), (2, 1.0, 1.83), (2, 0.4, 0.7),
    (3, 1.0, 40.0), (12, 1.0, 2047.5), (12, 1.0, 900.2), (16, 1.0, 40000.0),
]


@pytest.mark.parametrize("bits, max_abs, steps", CASES)
def test_uniform_error_equals_fake_quantization_of_a_fine_grid(bits, max_abs, steps):
    q_min, q_max = cost.signed_range(bits)
    scale = max_abs / steps
    x, q = fake_quantized(max_abs, scale, q_min, q_max)
    mse = ((x - q) ** 2).mean().item()
    assert cost.uniform_mse(max_abs, scale, q_min, q_max) == pytest.approx(mse, rel=1e-3)
    sqnr = 10 * math.log10((x ** 2).mean().item() / mse)
    assert cost.uniform_sqnr_db(max_abs, scale, q_min, q_max) == pytest.approx(sqnr, abs=0.01)
    clipped = ((x - q).abs() > scale / 2 * (1 + 1e-4)).double().mean().item()
    assert cost.uniform_clipped_share(max_abs, scale, q_min, q_max) == pytest.approx(clipped, abs=1e-4)


def test_uniform_error_closed_forms():
    for bits in range(2, 17):
        q_min, q_max = cost.signed_range(bits)
        half = (q_max - q_min) / 2
        # the range spans whole cells: error s^2 / 12, SQNR 20 log10(2^bits - 1), about 6 dB a bit
        assert cost.uniform_mse(half, 1.0, q_min, q_max) == pytest.approx(1 / 12, rel=1e-9)
        assert cost.uniform_sqnr_db(half, 1.0, q_min, q_max) == pytest.approx(20 * math.log10(2 ** bits - 1))
        assert cost.uniform_clipped_share(half, 1.0, q_min, q_max) == 0
    assert cost.uniform_mse(0.3, 1.0) == 0.3 ** 2 / 3 and cost.uniform_sqnr_db(0.3, 1.0) == 0.0  # all round to 0
    assert cost.uniform_mse(0.0, 1.0) == 0.0 and cost.uniform_clipped_share(0.0, 1.0) == 0.0
    # the scale's range cut to half of [-1, 1]: clipped above 127.5 s = 0.5 and below -128.5 s
    assert cost.uniform_clipped_share(1.0, 0.5 / 127.5) == pytest.approx((0.5 + (1 - 128.5 / 255)) / 2)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, args, error, words", [
    (cost.affine_qparams, (2.0, 1.0), ValueError, ["x_min must be <= x_max", "2.0", "1.0"]),
    (cost.affine_qparams, (0.0, 0.0), ValueError, ["[0.0, 0.0]", "no scale"]),
    (cost.affine_qparams, ("a", 1.0), TypeError, ["x_min", "'a'"]),
    (cost.affine_qparams, (-1.0, math.nan), ValueError, ["x_max", "nan"]),
    (cost.affine_qparams, (-1.0, 1.0, 5, 5), ValueError, ["q_min must be < q_max", "q_min=5", "q_max=5"]),
    (cost.affine_qparams, (-1.0, 1.0, 0, 255.0), TypeError, ["q_max", "255.0", "integer"]),
    (cost.symmetric_scale, (0.0,), ValueError, ["max_abs", "0.0", "> 0"]),
    (cost.symmetric_scale, (-1.0,), ValueError, ["max_abs", "-1.0"]),
    (cost.symmetric_scale, (1.0, 127, -128), ValueError, ["q_min must be < q_max"]),
    (cost.signed_range, (1,), ValueError, ["bits", "2 to 16", "1"]),
    (cost.signed_range, (17,), ValueError, ["bits", "17"]),
    (cost.signed_range, (8.0,), TypeError, ["bits", "8.0"]),
    (cost.signed_range, (True,), TypeError, ["bits", "True"]),
    (cost.int8_levels, (1.0, 0.0), ValueError, ["scale", "> 0", "0.0"]),
    (cost.int8_levels, (-1.0, 0.1), ValueError, ["max_abs", ">= 0", "-1.0"]),
    (cost.int8_levels, (1.0, 0.1, 1, 255), ValueError, ["include 0", "q_min=1"]),
    (cost.uniform_mse, (1.0, -0.1), ValueError, ["scale", "-0.1"]),
    (cost.uniform_mse, (1.0, 0.1, 0, 0), ValueError, ["q_min must be < q_max"]),
    (cost.uniform_sqnr_db, (0.0, 0.1), ValueError, ["max_abs", "> 0", "no signal"]),
    (cost.uniform_sqnr_db, (1.0, math.inf), ValueError, ["scale", "inf"]),
    (cost.uniform_clipped_share, (None, 0.1), TypeError, ["max_abs", "None"]),
])
def test_bad_input_is_refused_by_name(call, args, error, words):
    with pytest.raises(error) as info:
        call(*args)
    for word in words:
        assert re.search(re.escape(word), str(info.value)), (word, str(info.value))
