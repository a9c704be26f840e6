"""Bad input gets a ValueError/TypeError naming the argument, the value and what was expected."""

import pytest
import torch
from torch import nn

from lightnets_edu import cost
from lightnets_edu.models import get_model
from lightnets_edu.profile import profile

CASES = [
    # (function, args, kwargs, exception, words the message must contain)
    (cost.conv2d, (0, 8, 3, 7), {}, ValueError, ["c_in", "0", "positive"]),
    (cost.conv2d, (8, -4, 3, 7), {}, ValueError, ["c_out", "-4"]),
    (cost.conv2d, (8.0, 8, 3, 7), {}, TypeError, ["c_in", "8.0", "integer"]),
    (cost.conv2d, (True, 8, 3, 7), {}, TypeError, ["c_in", "True"]),
    (cost.conv2d, (6, 8, 3, 7), {"groups": 4}, ValueError, ["groups=4", "c_in=6"]),
    (cost.conv2d, (8, 6, 3, 7), {"groups": 4}, ValueError, ["groups=4", "c_out=6"]),
    (cost.conv2d, (8, 8, (3, 3, 3), 7), {}, TypeError, ["kernel", "(3, 3, 3)", "pair"]),
    (cost.conv2d, (8, 8, 3, (7, 0)), {}, ValueError, ["out_hw[1]", "0"]),
    (cost.conv2d, (8, 8, "3", 7), {}, TypeError, ["kernel", "'3'"]),
    (cost.conv2d, (8, 8, 3, 7), {"bias": 1}, TypeError, ["bias", "1", "True or False"]),
    (cost.depthwise_conv, (0, 3, 7), {}, ValueError, ["channels", "0"]),
    (cost.pointwise_conv, (8, 0, 7), {}, ValueError, ["c_out", "0"]),
    (cost.depthwise_separable, (8, 16, 0, 7), {}, ValueError, ["kernel[0]", "0"]),
    (cost.linear, (0, 10), {}, ValueError, ["in_features", "0"]),
    (cost.linear, (10, None), {}, TypeError, ["out_features", "None"]),
    (cost.batchnorm, (-1,), {}, ValueError, ["channels", "-1"]),
    (cost.separable_ratio, (0, 3), {}, ValueError, ["c_out", "0"]),
    (cost.conv_out_size, (5, 7), {}, ValueError, ["kernel=7", "size=5", "larger"]),
    (cost.conv_out_size, (5, 3), {"dilation": 3}, ValueError, ["dilation=3", "larger"]),
    (cost.conv_out_size, (5, 3), {"stride": 0}, ValueError, ["stride", "0"]),
    (cost.conv_out_size, (5, 3), {"padding": -1}, ValueError, ["padding", "-1"]),
    (cost.Cost, (-1, 0), {}, ValueError, ["params", "-1"]),
    (profile, ("not a model",), {}, TypeError, ["model", "str", "nn.Module"]),
    (profile, (nn.Conv2d(3, 8, 3), (1, 3, 0, 8)), {}, ValueError, ["input_size[2]", "0"]),
    (profile, (nn.Conv2d(3, 8, 3), 224), {}, TypeError, ["input_size", "224"]),
    (profile, (nn.Conv2d(3, 8, 3), (3, 224, 224, 1, 1)), {}, ValueError, ["input_size", "does not fit"]),
    (profile, (nn.Conv2d(3, 8, 3), (1, 4, 32, 32)), {}, ValueError, ["input_size=(1, 4, 32, 32)", "does not fit"]),
    (profile, (nn.Conv2d(3, 8, 5), (1, 3, 2, 2)), {}, ValueError, ["input_size", "does not fit"]),
    (get_model, ("mobilenet_v9",), {}, ValueError, ["name='mobilenet_v9'", "known models"]),
]


@pytest.mark.parametrize("func, args, kwargs, exc, words", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_bad_input_is_rejected_clearly(func, args, kwargs, exc, words):
    with pytest.raises(exc) as info:
        func(*args, **kwargs)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_enough_bad_input_cases():
    assert len(CASES) >= 15


def test_profile_error_does_not_leave_hooks_behind():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError):
        profile(conv, (1, 4, 8, 8))
    assert not conv._forward_hooks and not conv._forward_pre_hooks
    assert conv(torch.zeros(1, 3, 8, 8)).shape == (1, 8, 6, 6)
