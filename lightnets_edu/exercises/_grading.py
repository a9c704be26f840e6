"""The machinery behind every ``check_<chapter>_<n>`` function.

A checker never raises on a student's answer: whatever it is given (a string,
a list, a tensor, ``None``), it returns a :class:`Verdict` that shows a short,
kind message in a notebook and is truthy only when the answer is right, so an
instructor's grading script can simply test ``bool(check_01_1(answer))``.

Hints are graduated, so that one wrong try does not give the answer away. A
checker given a ``concept`` answers the first wrong try with it (the idea and
where in the chapter it is derived); the second with the message of the slip
the answer shows (``mistakes``, or a wrong option's own hint), else the concept
again; only the third and later show ``hint``, the formula with the numbers.
The tries are counted per exercise in the student's kernel (``_catalog``).
"""

import math
import textwrap
from fractions import Fraction
from numbers import Real

from ._catalog import current_try

__all__ = ["Verdict", "check_number", "check_choice", "distinct_mistakes", "not_a_module"]

UNANSWERED = "No answer yet: replace the three dots (...) with your answer and run the cell again."


class Verdict:
    """The outcome of one check: ``correct`` (bool), a ``message`` to show, and a
    ``score`` in [0, 1] (1 or 0 unless a design exercise gives partial credit)."""

    def __init__(self, correct, message, score=None, counts_as_try=True):
        self.correct = bool(correct)
        self.message = message
        self.score = float(self.correct) if score is None else min(1.0, max(0.0, float(score)))
        self.counts_as_try = counts_as_try  # False for "no answer yet" and unreadable input

    def __bool__(self):
        return self.correct

    def __repr__(self):
        return self.message

    def _repr_pretty_(self, printer, cycle):
        """What a notebook shows: the message wrapped to 78 columns, so it fits the book's column."""
        printer.text(wrap(self.message))


def not_a_module(design, noun, example):
    """A design exercise's answer that is not a module yet: the verdict to return, else None.

    ``design`` still ``...`` (or None) is no answer yet; anything but an ``nn.Module``
    instance (a class, a function, a number) is unreadable; neither counts as a try.
    ``noun`` ("module", "network") and ``example`` ("nn.Sequential(...)") word the message.
    """
    from torch import nn

    if design is None or design is Ellipsis:
        return Verdict(False, f"No answer yet: replace the three dots (...) with your {noun} (an instance, e.g. "
                              f"{example}) and run the cell again.", counts_as_try=False)
    if not isinstance(design, nn.Module):
        return Verdict(False, f"Expected an nn.Module instance such as {example}, got {type(design).__name__}.",
                       counts_as_try=False)
    return None


def first_line(err):
    """The first line of an exception's message (its type's name when it has none)."""
    return (str(err).strip() or type(err).__name__).splitlines()[0]


def run_design(design, shape, classes, measure):
    """Run a design exercise's network once: ``(measure(design), None)`` when it maps a zero batch of
    ``shape`` to ``(1, classes)`` scores, else ``(None, verdict)`` saying why not. A student's module
    may fail in any way, in the forward pass or in ``measure``: it is reported, never raised."""
    import copy

    import torch

    unreadable = not_a_module(design, "network", "nn.Sequential(...)")
    if unreadable is not None:
        return None, unreadable
    try:
        with torch.no_grad():
            out = copy.deepcopy(design).eval()(torch.zeros(shape))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (1, classes):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            return None, Verdict(False, f"Not quite: on a {shape} input your network returns {got}; it must "
                                        f"return (1, {classes}), one score per class. End with a global pool, a "
                                        f"flatten and nn.Linear(channels, {classes}).")
        return measure(design), None
    except Exception as err:  # a student's module may fail in any way: say so, never raise
        return None, Verdict(False, f"Not quite: running your network raised {type(err).__name__}: "
                                    f"{first_line(err)}.")


def wrap(text, width=78):
    """``text`` with each line wrapped at ``width`` columns, keeping its indentation and line breaks."""
    lines = []
    for line in text.splitlines() or [""]:
        indent = line[: len(line) - len(line.lstrip())]
        lines.append(textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False) if line.strip() else line)
    return "\n".join(lines)


def _as_number(answer):
    """A plain int/float/Fraction from what a student typed, or an explanation why not."""
    if answer is None or answer is Ellipsis:
        return None, UNANSWERED
    if hasattr(answer, "numel") and hasattr(answer, "item"):  # a torch tensor
        if answer.numel() != 1:
            return None, f"Expected a single number, got a tensor of shape {tuple(answer.shape)}."
        answer = answer.item()
    elif hasattr(answer, "item") and getattr(answer, "size", 1) == 1:  # a NumPy scalar
        answer = answer.item()
    if isinstance(answer, bool):  # checked after unwrapping: np.True_ and tensor(True) too
        return None, f"Expected a number, got {answer!r} (a bool)."
    if isinstance(answer, str):
        text = answer.strip().replace(",", "").replace("_", "")
        try:
            answer = Fraction(text) if "/" in text else float(text) if any(c in text for c in ".eE") else int(text)
        except (ValueError, ZeroDivisionError):
            return None, f"Expected a number, got the text {answer!r}."
    if isinstance(answer, (list, tuple, set, dict)):
        return None, f"Expected a single number, got a {type(answer).__name__} of {len(answer)} items."
    if isinstance(answer, Real):
        if isinstance(answer, float) and not math.isfinite(answer):
            return None, f"Expected a finite number, got {answer!r}."
        return answer, None
    return None, f"Expected a number, got a {type(answer).__name__}."


def _close(a, b, rel_tol):
    if rel_tol == 0:
        return a == b
    a, b = Fraction(a), Fraction(b)  # exact: no overflow for huge integers
    return abs(a - b) <= Fraction(rel_tol) * max(abs(a), abs(b))


def distinct_mistakes(expected, **slips):
    """``{wrong value: message}`` from named ``(value, message)`` slips.

    Asserts that no slip equals the answer or another slip, so each message
    can only be shown for the mistake it describes.
    """
    values = [value for value, _ in slips.values()]
    assert expected not in values and len(set(values)) == len(values), "ambiguous mistakes"
    return dict(slips.values())


def check_number(answer, expected, *, hint, concept=None, mistakes=None, rel_tol=0.0, explain=""):
    """Compare a numeric answer with ``expected`` (exactly, or within ``rel_tol``).

    ``concept`` names the idea and where the chapter derives it (first wrong
    try); ``mistakes`` maps values a student is likely to give by a known slip
    (FLOPs instead of MACs, a forgotten bias...) to a message for that slip
    (second try); ``hint``, the formula with the numbers, comes third.
    ``explain`` is shown after a right answer.
    """
    verdict = _number_verdict(answer, expected, hint, concept, mistakes, rel_tol, explain)
    verdict.expected, verdict.rel_tol = expected, rel_tol  # for tests (is the answer printed on the page?)
    return verdict


def _number_verdict(answer, expected, hint, concept, mistakes, rel_tol, explain):
    try:
        value, problem = _as_number(answer)
        if problem:
            return Verdict(False, problem, counts_as_try=False)
        if _close(value, expected, rel_tol):
            return Verdict(True, f"Correct: {_fmt(expected)}. {explain}".strip())
        slip = next((message for wrong, message in (mistakes or {}).items() if _close(value, wrong, rel_tol)), None)
        return Verdict(False, f"Not quite: {_fmt(value)}{'' if slip else ' is not the answer'}. "
                              + _graduated(concept, slip, hint))
    except Exception as err:  # a checker must never show a traceback
        return Verdict(False, f"Could not read that answer ({type(err).__name__}). Hint: {concept or hint}",
                       counts_as_try=False)


def _graduated(concept, slip, hint):
    """The help for a wrong answer, more specific with each wrong try (see the module's docstring)."""
    tries = current_try()
    if concept is None or tries is None:  # outside a registered checker: everything at once
        return slip or f"Hint: {hint}"
    if tries == 1:
        return f"Hint: {concept} (Another wrong try shows a more specific hint.)"
    if tries == 2:
        return slip or f"Hint: {concept} (One more wrong try shows the formula.)"
    return f"{slip + ' ' if slip else ''}Hint: {hint}"


def check_choice(answer, expected, options, *, hint, concept=None, option_hints=None, explain=""):
    """Multiple choice: ``answer`` is one of ``options`` (letters or words, any case).

    ``option_hints`` maps a wrong option to why it is wrong (the second try's
    hint); ``concept`` and ``hint`` are as in :func:`check_number`.
    """
    try:
        if answer is None or answer is Ellipsis:
            return Verdict(False, UNANSWERED, counts_as_try=False)
        expected_one = f"Expected one of {', '.join(map(repr, options))}, got {answer!r}."
        if not isinstance(answer, str) or answer.strip().lower() not in [o.lower() for o in options]:
            return Verdict(False, expected_one, counts_as_try=False)
        choice = answer.strip().lower()
        if choice == expected.lower():
            return Verdict(True, f"Correct: {expected!r}. {explain}".strip())
        slip = {o.lower(): message for o, message in (option_hints or {}).items()}.get(choice)
        return Verdict(False, f"Not quite: {answer!r}. " + _graduated(concept, slip, hint))
    except Exception as err:
        return Verdict(False, f"Could not read that answer ({type(err).__name__}). Hint: {concept or hint}",
                       counts_as_try=False)


def _fmt(value):
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
