"""The checkers of implement exercises: they find the first disagreement and say it kindly."""

import pytest
import torch
from torch import nn

from lightnets_edu.exercises import _catalog
from lightnets_edu.exercises._grading import UNANSWERED
from lightnets_edu.exercises._implement import STILL_A_STUB, check_function, check_module
from lightnets_edu.layers.shuffle import channel_shuffle

HINT = "view as (B, g, C/g, H, W), swap axes 1 and 2, view back."
CONCEPT = "a channel shuffle is a transpose of a g x (C/g) grid of channels."


def cases():
    g = torch.Generator().manual_seed(0)
    return [(f"x of shape {shape} and groups={groups}", (torch.randn(*shape, generator=g), groups))
            for shape, groups in [((1, 6, 2, 2), 3), ((2, 12, 3, 3), 4), ((1, 8, 1, 1), 2)]]


def inverse_shuffle(x, groups):
    return channel_shuffle(x, x.shape[1] // groups)


def check(candidate, **kwargs):
    return check_function(candidate, channel_shuffle, cases(), hint=HINT, concept=CONCEPT,
                          mistakes=[(inverse_shuffle, "That is the inverse shuffle: you split into C/g groups.")],
                          **kwargs)


def test_a_correct_function_passes():
    def mine(x, groups):
        b, c, h, w = x.shape
        return x.reshape(b, groups, c // groups, h, w).transpose(1, 2).reshape(b, c, h, w)

    verdict = check(mine)
    assert verdict and verdict.message.startswith("Correct: your function agrees with the reference on all 3 cases")


def test_the_stub_and_blanks_are_not_tries():
    def stub(x, groups):
        raise NotImplementedError

    for answer, message in [(stub, STILL_A_STUB), (None, UNANSWERED), (..., UNANSWERED)]:
        verdict = check(answer)
        assert not verdict and verdict.message == message and not verdict.counts_as_try


def test_wrong_shape_is_reported_with_both_shapes():
    verdict = check(lambda x, groups: x.flatten(2))
    assert not verdict
    assert "for x of shape (1, 6, 2, 2) and groups=3, your output has shape (1, 6, 4), expected (1, 6, 2, 2)" \
        in verdict.message


def test_wrong_values_name_the_first_index_and_both_values():
    verdict = check(lambda x, groups: x)  # no shuffle at all
    assert "values differ; the first at index (0, 1, 0, 0): you have" in verdict.message


def test_wrong_dtype_and_non_tensors_are_named():
    assert "dtype torch.float64, expected torch.float32" in check(lambda x, g: channel_shuffle(x, g).double()).message
    assert "you returned a list, expected a tensor of shape (1, 6, 2, 2)" in check(lambda x, g: [1]).message
    assert "Expected a function, got an int (3)" in check(3).message


def test_an_exception_in_student_code_is_reported_not_raised():
    verdict = check(lambda x, groups: x.view(-1, groups, 5))
    assert not verdict and "your code raised RuntimeError" in verdict.message


def test_a_known_wrong_implementation_gets_its_message_on_the_second_try():
    token = _catalog._TRY.set(2)
    try:
        verdict = check(inverse_shuffle)
    finally:
        _catalog._TRY.reset(token)
    assert "That is the inverse shuffle" in verdict.message and HINT not in verdict.message


def test_student_code_cannot_change_the_reference_inputs():
    def in_place(x, groups):
        x.zero_()
        return channel_shuffle(x, groups)

    assert not check(in_place)
    assert check(channel_shuffle)  # the cases are unharmed for the next check


class Block(nn.Module):
    """A depthwise separable block, as a stub would name its parts."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.depthwise = nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False)
        self.pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return torch.relu(self.bn(self.pointwise(self.depthwise(x))))


CONFIGS = [("c_in=4, c_out=8", {"c_in": 4, "c_out": 8}), ("c_in=6, c_out=3", {"c_in": 6, "c_out": 3})]


def make_input(kwargs, seed):
    return torch.randn(2, kwargs["c_in"], 5, 5, generator=torch.Generator().manual_seed(seed))


def check_block(candidate):
    return check_module(candidate, Block, CONFIGS, make_input, hint="groups=c_in in the depthwise conv.",
                        concept="a depthwise separable block.")


def test_a_correct_module_passes():
    class Mine(Block):
        def forward(self, x):
            return self.bn(self.pointwise(self.depthwise(x))).clamp(min=0)

    assert check_block(Mine)


def test_a_module_without_groups_names_the_tensor_and_the_count():
    class Dense(Block):
        def __init__(self, c_in, c_out):
            super().__init__(c_in, c_out)
            self.depthwise = nn.Conv2d(c_in, c_in, 3, padding=1, bias=False)

    message = check_block(Dense).message
    assert "your module has 192 parameters, expected 84: depthwise.weight has shape (4, 4, 3, 3), " \
           "expected (4, 1, 3, 3)" in message


def test_renamed_parts_are_named():
    class Renamed(nn.Module):
        def __init__(self, c_in, c_out):
            super().__init__()
            self.dw = nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False)
            self.pointwise = nn.Conv2d(c_in, c_out, 1, bias=False)
            self.bn = nn.BatchNorm2d(c_out)

    message = check_block(Renamed).message
    assert "arranged differently" in message and "missing depthwise.weight; unexpected dw.weight" in message


def test_a_forward_that_forgets_the_activation_is_caught_on_values():
    class NoReLU(Block):
        def forward(self, x):
            return self.bn(self.pointwise(self.depthwise(x)))

    assert "values differ" in check_block(NoReLU).message


@pytest.mark.parametrize("answer", [Block(4, 8), "Block", 3, lambda x: x])
def test_an_instance_or_junk_is_not_a_class(answer):
    verdict = check_block(answer)
    assert not verdict and "Expected an nn.Module class (the class itself, not an instance)" in verdict.message


def test_a_stub_module_and_a_crashing_constructor():
    class Stub(Block):
        def forward(self, x):
            raise NotImplementedError

    class Crashes(Block):
        def __init__(self, c_in, c_out):
            raise ValueError("oops")

    assert check_block(Stub).message == STILL_A_STUB
    assert "building it for c_in=4, c_out=8 raised ValueError: oops" in check_block(Crashes).message


def test_a_known_wrong_module_is_named_on_the_second_try():
    class NoReLU(Block):
        def forward(self, x):
            return self.bn(self.pointwise(self.depthwise(x)))

    class StudentNoReLU(Block):
        def forward(self, x):
            return self.bn(self.pointwise(self.depthwise(x)))

    token = _catalog._TRY.set(2)
    try:
        verdict = check_module(StudentNoReLU, Block, CONFIGS, make_input, hint="h", concept="c",
                               mistakes=[(NoReLU, "You left out the ReLU.")])
    finally:
        _catalog._TRY.reset(token)
    assert not verdict and "You left out the ReLU." in verdict.message


def test_lists_and_tuples_compare_alike():
    verdict = check_function(lambda n: [[i, i] for i in range(n)], lambda n: tuple((i, i) for i in range(n)),
                             [("n=3", (3,))], hint="h")
    assert verdict
