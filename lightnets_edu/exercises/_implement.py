"""Checking code a student wrote: a function, or an ``nn.Module`` class, against the reference.

An *implement* exercise hands the student a stub (``raise NotImplementedError``)
and a checker that runs their code next to the package's own on several random
inputs and configurations, and reports the first disagreement in words: which
case, then shape, dtype or values (where and by how much), or for a module its
parameter count and the tensor that differs. Like every checker it never
raises, whatever it is given.

``mistakes`` lists known wrong implementations, ``(wrong_callable, message)``:
a student's code that behaves exactly like one of them gets that message on the
second try (the graduated hints of :mod:`._grading`).
"""

import torch
from torch import nn

from ._grading import UNANSWERED, Verdict, _graduated

__all__ = ["check_function", "check_module"]

STILL_A_STUB = ("Your code still raises NotImplementedError: replace the stub's raise NotImplementedError line "
                "with your implementation and run the cell again.")


def check_function(candidate, reference, cases, *, hint, concept=None, mistakes=(), explain="",
                   rtol=1e-5, atol=1e-6):
    """Compare ``candidate(*args)`` with ``reference(*args)`` for every ``(description, args)`` in ``cases``."""
    try:
        if candidate is None or candidate is Ellipsis:
            return Verdict(False, UNANSWERED, counts_as_try=False)
        if not callable(candidate):
            return Verdict(False, f"Expected a function, got {_kind(candidate)}.", counts_as_try=False)
        for description, args in cases:
            problem = _disagreement(candidate, reference, args, rtol, atol)
            if problem is STILL_A_STUB:
                return Verdict(False, STILL_A_STUB, counts_as_try=False)
            if problem:
                slip = _known_slip(candidate, mistakes, cases, rtol, atol)
                return Verdict(False, f"Not quite: for {description}, {problem}. " + _graduated(concept, slip, hint))
        return Verdict(True, f"Correct: your function agrees with the reference on all {len(cases)} cases. "
                             f"{explain}".strip())
    except Exception as err:  # a checker must never show a traceback
        return Verdict(False, f"Could not check that ({type(err).__name__}: {err}). Hint: {concept or hint}")


def check_module(candidate_cls, reference_cls, configs, make_input, *, hint, concept=None, mistakes=(),
                 explain="", rtol=1e-5, atol=1e-6):
    """Build ``candidate_cls(**kwargs)`` and ``reference_cls(**kwargs)`` for every ``(description, kwargs)``
    in ``configs``; compare their parameters (names and shapes, as the stub names them), then, with the
    reference's weights loaded into the student's module, their outputs in eval mode on
    ``make_input(kwargs, seed)``. ``mistakes`` lists ``(wrong_class, message)``: known wrong modules,
    named on the second try when the student's module behaves exactly like one of them."""
    try:
        if candidate_cls is None or candidate_cls is Ellipsis:
            return Verdict(False, UNANSWERED, counts_as_try=False)
        if not (isinstance(candidate_cls, type) and issubclass(candidate_cls, nn.Module)):
            return Verdict(False, f"Expected an nn.Module class (the class itself, not an instance), "
                                  f"got {_kind(candidate_cls)}.", counts_as_try=False)
        for seed, (description, kwargs) in enumerate(configs):
            torch.manual_seed(seed)
            reference = reference_cls(**kwargs).eval()
            try:
                torch.manual_seed(seed)
                student = candidate_cls(**kwargs).eval()
            except NotImplementedError:
                return Verdict(False, STILL_A_STUB, counts_as_try=False)
            except Exception as err:
                return Verdict(False, f"Not quite: building it for {description} raised "
                                      f"{type(err).__name__}: {err}. " + _graduated(concept, None, hint))
            problem = _parameter_difference(student, reference)
            if problem is None:
                student.load_state_dict(reference.state_dict())
                x = make_input(kwargs, seed)
                problem = _disagreement(student, reference, (x,), rtol, atol)
                if problem is STILL_A_STUB:
                    return Verdict(False, STILL_A_STUB, counts_as_try=False)
            if problem:
                slip = _known_module_slip(candidate_cls, mistakes, configs, make_input, rtol, atol)
                return Verdict(False, f"Not quite: for {description}, {problem}. " + _graduated(concept, slip, hint))
        return Verdict(True, f"Correct: your module matches the reference in all {len(configs)} configurations "
                             f"(parameters and outputs). {explain}".strip())
    except Exception as err:
        return Verdict(False, f"Could not check that ({type(err).__name__}: {err}). Hint: {concept or hint}")


def _disagreement(candidate, reference, args, rtol, atol):
    """None when the two agree on ``args``; else the first difference, in words."""
    with torch.no_grad():
        expected = reference(*_copies(args))
    try:
        with torch.no_grad():
            got = candidate(*_copies(args))
    except NotImplementedError:
        return STILL_A_STUB
    except Exception as err:
        return f"your code raised {type(err).__name__}: {err}"
    return _compare(got, expected, rtol, atol)


def _compare(got, expected, rtol, atol):
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"you returned {_kind(got)}, expected a tensor of shape {tuple(expected.shape)}"
        if got.shape != expected.shape:
            return f"your output has shape {tuple(got.shape)}, expected {tuple(expected.shape)}"
        if got.dtype != expected.dtype:
            return f"your output has dtype {got.dtype}, expected {expected.dtype}"
        close = torch.isclose(got, expected, rtol=rtol, atol=atol)
        if not bool(close.all()):
            index = tuple(int(i) for i in (~close).nonzero()[0])
            wrong = int((~close).sum())
            return (f"{wrong:,} of {expected.numel():,} values differ; the first at index {index}: "
                    f"you have {got[index].item():.6g}, expected {expected[index].item():.6g}")
        return None
    if _plain(got) != _plain(expected):
        return f"you returned {got!r}, expected {expected!r}"
    return None


def _plain(value):
    """Lists and tuples compared alike: [[1, 2]] is (1, 2),) for a checker."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value


def _parameter_difference(student, reference):
    """None when both modules have the same parameter and buffer names and shapes; else the first difference."""
    ours = {name: tuple(t.shape) for name, t in student.state_dict().items()}
    theirs = {name: tuple(t.shape) for name, t in reference.state_dict().items()}
    count = sum(p.numel() for p in student.parameters())
    expected = sum(p.numel() for p in reference.parameters())
    if count != expected:
        lead = f"your module has {count:,} parameters, expected {expected:,}"
    else:
        lead = "your module's parameters are arranged differently"
    missing = [name for name in theirs if name not in ours]
    extra = [name for name in ours if name not in theirs]
    if missing or extra:
        return (f"{lead}: the stub's names are {', '.join(theirs) or 'none'}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unexpected {', '.join(extra)}" if extra else ""))
    for name, shape in theirs.items():
        if ours[name] != shape:
            return f"{lead}: {name} has shape {ours[name]}, expected {shape}"
    return None


def _known_slip(candidate, mistakes, cases, rtol, atol):
    """The message of the first known wrong implementation that behaves exactly like ``candidate``."""
    for wrong, message in mistakes:
        try:
            if all(_disagreement(candidate, wrong, args, rtol, atol) is None for _, args in cases):
                return message
        except Exception:
            continue
    return None


def _known_module_slip(candidate_cls, mistakes, configs, make_input, rtol, atol):
    """The message of the first known wrong module class that behaves exactly like the student's."""
    for wrong_cls, message in mistakes:
        try:
            if all(_same_module(candidate_cls, wrong_cls, kwargs, make_input(kwargs, seed), seed, rtol, atol)
                   for seed, (_, kwargs) in enumerate(configs)):
                return message
        except Exception:
            continue
    return None


def _same_module(candidate_cls, wrong_cls, kwargs, x, seed, rtol, atol):
    torch.manual_seed(seed)
    wrong = wrong_cls(**kwargs).eval()
    torch.manual_seed(seed)
    student = candidate_cls(**kwargs).eval()
    if _parameter_difference(student, wrong) is not None:
        return False
    student.load_state_dict(wrong.state_dict())
    return _disagreement(student, wrong, (x,), rtol, atol) is None


def _copies(args):
    """Fresh copies of tensor arguments: an in-place operation in one call must not leak into the next."""
    return tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)


def _kind(value):
    name = type(value).__name__
    article = "an" if name[0].lower() in "aeiou" else "a"
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, nn.Module):
        return f"{article} {name} instance"
    return f"{article} {name} ({value!r})" if isinstance(value, (int, float, str)) else f"{article} {name}"
