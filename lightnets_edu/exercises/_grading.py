"""The machinery behind every ``check_<chapter>_<n>`` function.

A checker never raises on a student's answer: whatever it is given (a string,
a list, a tensor, ``None``), it returns a :class:`Verdict` that shows a short,
kind message in a notebook and is truthy only when the answer is right, so an
instructor's grading script can simply test ``bool(check_01_1(answer))``.
"""

import math
from fractions import Fraction
from numbers import Real

__all__ = ["Verdict", "check_number", "check_choice", "distinct_mistakes"]

UNANSWERED = "No answer yet: replace the `...` with your answer and run the cell again."


class Verdict:
    """The outcome of one check: ``correct`` (bool), a ``message`` to show, and a
    ``score`` in [0, 1] (1 or 0 unless a design exercise gives partial credit)."""

    def __init__(self, correct, message, score=None):
        self.correct = bool(correct)
        self.message = message
        self.score = float(self.correct) if score is None else min(1.0, max(0.0, float(score)))

    def __bool__(self):
        return self.correct

    def __repr__(self):
        return self.message


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


def check_number(answer, expected, *, hint, mistakes=None, rel_tol=0.0, explain=""):
    """Compare a numeric answer with ``expected`` (exactly, or within ``rel_tol``).

    ``mistakes`` maps values a student is likely to give by a known slip
    (FLOPs instead of MACs, a forgotten bias...) to a message for that slip.
    ``hint`` is shown for any other wrong answer, ``explain`` after a right one.
    """
    try:
        value, problem = _as_number(answer)
        if problem:
            return Verdict(False, problem)
        if _close(value, expected, rel_tol):
            return Verdict(True, f"Correct: {_fmt(expected)}. {explain}".strip())
        for wrong, message in (mistakes or {}).items():
            if _close(value, wrong, rel_tol):
                return Verdict(False, f"Not quite: {_fmt(value)}. {message}")
        return Verdict(False, f"Not quite: {_fmt(value)} is not the answer. Hint: {hint}")
    except Exception as err:  # a checker must never show a traceback
        return Verdict(False, f"Could not read that answer ({type(err).__name__}). Hint: {hint}")


def check_choice(answer, expected, options, *, hint, explain=""):
    """Multiple choice: ``answer`` is one of ``options`` (letters or words, any case)."""
    try:
        if answer is None or answer is Ellipsis:
            return Verdict(False, UNANSWERED)
        if not isinstance(answer, str):
            return Verdict(False, f"Expected one of {', '.join(map(repr, options))}, got {answer!r}.")
        choice = answer.strip().lower()
        if choice not in [o.lower() for o in options]:
            return Verdict(False, f"Expected one of {', '.join(map(repr, options))}, got {answer!r}.")
        if choice == expected.lower():
            return Verdict(True, f"Correct: {expected!r}. {explain}".strip())
        return Verdict(False, f"Not quite: {answer!r}. Hint: {hint}")
    except Exception as err:
        return Verdict(False, f"Could not read that answer ({type(err).__name__}). Hint: {hint}")


def _fmt(value):
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
