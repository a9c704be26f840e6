"""The exercise checkers' machinery: right answers pass, anything else gets a kind message.

A checker must never raise on what a student types: ``None``, text, a list, a
tensor... Each gives a falsy :class:`Verdict` whose message a student can read.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from lightnets_edu.exercises._grading import UNANSWERED, Verdict, check_choice, check_number, not_a_module

HINT = "multiply the kernel area by the channels and the output size."
EXPECTED = 1234


def short(value):
    """A test id: the answer's repr, cut short."""
    return repr(value)[:24]


def number(answer, **kwargs):
    return check_number(answer, EXPECTED, hint=HINT, **kwargs)


def choice(answer):
    return check_choice(answer, "b", ["a", "b", "c"], hint=HINT, explain="b is the one.")


def assert_readable(verdict):
    """A Verdict with a one-line message a student can read, never a traceback."""
    assert isinstance(verdict, Verdict)
    message = repr(verdict)
    assert isinstance(message, str) and message.strip() and "\n" not in message
    assert "Traceback" not in message and str(verdict) == message


# ---------------------------------------------------------------- check_number

@pytest.mark.parametrize("answer", [
    1234, 1234.0, "1234", " 1,234 ", "1_234", "1.234e3", Fraction(1234),
    np.int64(1234), np.float32(1234), torch.tensor(1234), torch.tensor(1234.0),
], ids=short)
def test_number_right_answers(answer):
    verdict = number(answer)
    assert verdict and repr(verdict).startswith("Correct")
    assert "1,234" in repr(verdict)


def test_number_explain_follows_a_right_answer():
    assert repr(number(1234, explain="Well done.")) == "Correct: 1,234. Well done."


def test_number_wrong_answer_gets_the_hint():
    verdict = number(1000)
    assert not verdict and repr(verdict).startswith("Not quite") and HINT in repr(verdict)
    assert_readable(verdict)


def test_number_known_mistake_gets_its_message():
    mistakes = {2 * EXPECTED: "That is FLOPs: one MAC is two FLOPs.", EXPECTED + 16: "No bias here."}
    verdict = number("2,468", mistakes=mistakes)
    assert not verdict and "That is FLOPs" in repr(verdict) and HINT not in repr(verdict)
    assert "No bias here." in repr(number(1250, mistakes=mistakes))


def test_number_relative_tolerance():
    assert number(1234.5, rel_tol=1e-3)
    assert not number(1234.5)  # exact by default
    assert not number(1250, rel_tol=1e-3)


@pytest.mark.parametrize("answer", [
    None, ..., "", "abc", "12 34", "nan", "inf", "1/0", [1, 2], [1234], (1234,), {}, {1234}, float("nan"),
    float("inf"), -float("inf"), True, False, torch.tensor([1234, 1]), torch.tensor(float("nan")),
    torch.zeros(0), np.array([1, 2]), np.float64("nan"), object(), int, b"1234", 1233, -1234, "1e999",
    10 ** 400,
], ids=short)
def test_number_bad_answers_are_wrong_not_errors(answer):
    verdict = number(answer)
    assert not verdict
    assert_readable(verdict)


@pytest.mark.parametrize("answer", [None, ...])
def test_number_unanswered(answer):
    assert repr(number(answer)) == UNANSWERED


def test_number_thousands_separators_are_read():
    assert number("1,234") and not number("1,235")


@pytest.mark.parametrize("answer, expected", [
    (np.True_, 1), (torch.tensor(True), 1), (1 + 0j, 1), (np.complex128(1234), EXPECTED),
], ids=short)
def test_number_bools_and_complex_in_disguise_are_not_numbers(answer, expected):
    assert not check_number(answer, expected, hint=HINT)


@pytest.mark.parametrize("answer, kwargs, expected_words", [
    ("1/0", {}, "Expected a number"),
    ("1e999", {}, "finite"),
    (10 ** 400, {"rel_tol": 1e-3}, "Not quite"),
], ids=short)
def test_number_messages_are_plain_language(answer, kwargs, expected_words):
    message = repr(number(answer, **kwargs))
    assert expected_words in message and "Error" not in message


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.fractions(), st.decimals(),
                 st.complex_numbers(), st.text(max_size=20), st.binary(max_size=8),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)))
def test_number_never_raises(answer):
    verdict = number(answer, mistakes={2 * EXPECTED: "FLOPs, not MACs."})
    assert_readable(verdict)
    if isinstance(answer, int) and not isinstance(answer, bool):
        assert bool(verdict) == (answer == EXPECTED)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_tolerance_never_raises(answer):
    verdict = number(answer, rel_tol=1e-3)
    assert_readable(verdict)
    assert bool(verdict) == math.isclose(answer, EXPECTED, rel_tol=1e-3)


# ---------------------------------------------------------------- check_choice

@pytest.mark.parametrize("answer", ["b", "B", " b ", np.str_("b")], ids=short)
def test_choice_right_answers(answer):
    verdict = choice(answer)
    assert verdict and repr(verdict) == "Correct: 'b'. b is the one."


def test_choice_wrong_option_gets_the_hint():
    verdict = choice("a")
    assert not verdict and HINT in repr(verdict)
    assert_readable(verdict)


def test_choice_words_as_options():
    options = ["depthwise", "pointwise"]
    assert check_choice("Pointwise", "pointwise", options, hint=HINT)
    assert not check_choice("depthwise", "pointwise", options, hint=HINT)


@pytest.mark.parametrize("answer", [
    None, ..., "", "d", "ab", "1,234", 2, 1.0, True, ["b"], {"b"}, {}, float("nan"), torch.tensor([1, 2]),
    torch.tensor(1), np.int64(1), object(), b"b",
], ids=short)
def test_choice_bad_answers_are_wrong_not_errors(answer):
    verdict = choice(answer)
    assert not verdict
    assert_readable(verdict)


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                 st.lists(st.text(max_size=2), max_size=3)))
def test_choice_never_raises(answer):
    verdict = choice(answer)
    assert_readable(verdict)
    assert bool(verdict) == (isinstance(answer, str) and answer.strip().lower() == "b")


def test_verdict_is_truthy_only_when_correct():
    assert Verdict(True, "Correct: 1.") and not Verdict(False, "Not quite.")
    assert repr(Verdict(False, "Not quite.")) == "Not quite."


# ---------------------------------------------------------------- every chapter's checkers

import lightnets_edu.exercises as exercises  # noqa: E402

ALL_CHECKERS = [getattr(exercises, name) for name in sorted(dir(exercises)) if name.startswith("check_0")]
JUNK = [None, ..., "", "twelve", "1e400", float("nan"), float("inf"), True, [1, 2], (3,), {"a": 1},
        object(), torch.ones(2), torch.tensor(float("nan")), -1, 0, 10 ** 30, "1/0", b"12",
        lambda *args, **kwargs: None, lambda *args, **kwargs: 0, print, int, object]  # callables and classes: wrong code


@pytest.mark.parametrize("checker", ALL_CHECKERS, ids=lambda c: c.__name__)
def test_every_checker_survives_junk_and_is_never_fooled(checker):
    assert "No answer yet" in repr(checker(...))
    for junk in JUNK:
        verdict = checker(junk)
        assert not verdict, junk
        assert isinstance(verdict.message, str) and verdict.message


# ---------------------------------------------------------------- graduated hints

def _at_try(n, check, *args, **kwargs):
    from lightnets_edu.exercises import _catalog

    token = _catalog._TRY.set(n)
    try:
        return check(*args, **kwargs)
    finally:
        _catalog._TRY.reset(token)


def test_hints_get_more_specific_with_each_wrong_try():
    kwargs = dict(concept="the output size, derived in 'Output size'.", mistakes={2 * EXPECTED: "That is FLOPs."})
    first = _at_try(1, check_number, 2 * EXPECTED, EXPECTED, hint=HINT, **kwargs).message
    second = _at_try(2, check_number, 2 * EXPECTED, EXPECTED, hint=HINT, **kwargs).message
    third = _at_try(3, check_number, 2 * EXPECTED, EXPECTED, hint=HINT, **kwargs).message
    assert "Output size" in first and "FLOPs" not in first and HINT not in first
    assert "FLOPs" in second and HINT not in second
    assert "FLOPs" in third and HINT in third
    other = _at_try(2, check_number, 7, EXPECTED, hint=HINT, **kwargs).message  # no known slip: the concept again
    assert "Output size" in other and HINT not in other


def test_choice_hints_per_wrong_option_on_the_second_try():
    kwargs = dict(concept="see 'Channel shuffle'.", option_hints={"a": "a mixes nothing.", "c": "c is too costly."})
    assert "Channel shuffle" in _at_try(1, check_choice, "a", "b", ["a", "b", "c"], hint=HINT, **kwargs).message
    assert "a mixes nothing." in _at_try(2, check_choice, "a", "b", ["a", "b", "c"], hint=HINT, **kwargs).message
    assert "c is too costly." in _at_try(2, check_choice, "C", "b", ["a", "b", "c"], hint=HINT, **kwargs).message
    assert HINT in _at_try(3, check_choice, "a", "b", ["a", "b", "c"], hint=HINT, **kwargs).message


def test_a_registered_checker_counts_wrong_tries_but_not_blank_ones():
    from lightnets_edu.exercises import _catalog, check_01_1

    _catalog.reset_tries()
    check_01_1(...)  # no answer yet: not a try
    assert _catalog._WRONG_TRIES.get("01_1", 0) == 0
    check_01_1(1)
    check_01_1(2)
    assert _catalog._WRONG_TRIES["01_1"] == 2
    assert check_01_1(check_01_1(...).expected)  # right: the count starts over
    assert "01_1" not in _catalog._WRONG_TRIES
    _catalog.reset_tries()


def test_a_notebook_shows_the_verdict_wrapped_to_the_book_column():
    from IPython.lib.pretty import pretty

    from lightnets_edu.exercises._grading import wrap

    long = "Correct: 57,802,752. " + "The output is 28 x 28; each of its values costs a sum. " * 5
    verdict = Verdict(True, long + "\n  an indented second line")
    shown = pretty(verdict)
    assert all(len(line) <= 78 for line in shown.splitlines())
    assert " ".join(shown.split()) == " ".join(verdict.message.split())  # same words, only re-wrapped
    assert repr(verdict) == verdict.message  # scripts and graders see the message as it is
    assert wrap("a\n\n  b c", width=3) == "a\n\n  b\n  c"
    assert "`" not in UNANSWERED


@pytest.mark.parametrize("design, words", [
    (..., ["No answer yet", "your network (an instance, e.g. nn.Sequential(...))"]),
    (None, ["No answer yet"]),
    (torch.nn.Sequential, ["Expected an nn.Module instance such as nn.Sequential(...), got type."]),
    (lambda x: x, ["got function."]),
    (3, ["got int."]),
])
def test_a_design_that_is_not_a_module_yet_is_named_and_not_a_try(design, words):
    verdict = not_a_module(design, "network", "nn.Sequential(...)")
    assert not verdict and not verdict.counts_as_try and verdict.score == 0
    assert all(word in verdict.message for word in words), verdict.message


def test_a_module_design_goes_on_to_the_checks():
    assert not_a_module(torch.nn.Conv2d(3, 8, 3), "module", "nn.Sequential(...)") is None


def test_run_design_measures_a_working_network_and_reports_the_rest():
    from torch import nn

    from lightnets_edu.exercises._grading import run_design

    measured = []
    good = nn.Sequential(nn.Flatten(), nn.Linear(12, 10))
    found, unfit = run_design(good, (1, 3, 2, 2), 10, lambda net: measured.append(net) or "report")
    assert (found, unfit) == ("report", None) and measured == [good]
    for design, words in [(..., "No answer yet"), (nn.Linear, "Expected an nn.Module instance"),
                          (nn.Flatten(), "returns (1, 12)"), (nn.Sequential(nn.Linear(5, 10)), "raised RuntimeError")]:
        found, unfit = run_design(design, (1, 3, 2, 2), 10, lambda net: "report")
        assert found is None and not unfit and words in unfit.message, unfit.message

    def broken(net):
        raise ValueError("cannot fold\nsecond line")
    _, unfit = run_design(good, (1, 3, 2, 2), 10, broken)
    assert unfit.message == "Not quite: running your network raised ValueError: cannot fold."
