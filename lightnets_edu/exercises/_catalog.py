"""The exercise catalogue, and the log that lets ``lightnets-edu grade`` see verdicts.

Every exercise is one :class:`Exercise` record: chapter, number, title, kind,
points, the learning objective it serves and an estimated time. A checker
registers its record with the :func:`exercise` decorator; an ``explain``
exercise, graded by hand, has a record and no checker (:func:`by_hand`).
:func:`catalog` lists them all: the instructors' page and the grader are built
from it.

When the environment variable ``LIGHTNETS_GRADE_LOG`` names a file (only
``lightnets-edu grade`` sets it), every call of a checker appends one JSON line
there: the exercise, whether the answer was right, the score and the message.
In a student's notebook the variable is unset and nothing is written.
"""

import contextvars
import functools
import json
import os
from dataclasses import dataclass

__all__ = ["Exercise", "KINDS", "GRADE_LOG", "exercise", "by_hand", "catalog", "current_try", "reset_tries"]

KINDS = ("number", "choice", "implement", "design", "explain")
GRADE_LOG = "LIGHTNETS_GRADE_LOG"


@dataclass(frozen=True)
class Exercise:
    """One exercise of the course, as the catalogue lists it."""

    chapter: int
    number: int
    title: str
    kind: str        # one of KINDS
    points: int
    objective: str   # the learning objective it serves
    minutes: int     # estimated time for a student
    checker: object  # the check function's name; None for "explain" (graded by hand)

    @property
    def key(self):
        """``"02_3"`` for chapter 2, exercise 3: the suffix of its checker and answer names."""
        return f"{self.chapter:02d}_{self.number}"


_CATALOG = {}
# Wrong tries so far, per exercise, in this Python process (a student's kernel):
# hints get more specific with each wrong try (see _grading.check_number).
_WRONG_TRIES = {}
_TRY = contextvars.ContextVar("lightnets_try", default=None)


def current_try():
    """Which wrong try the answer being checked would be (1, 2, 3, ...); None outside a checker."""
    return _TRY.get()


def reset_tries():
    """Forget every wrong try (a fresh kernel does the same)."""
    _WRONG_TRIES.clear()


def exercise(chapter, number, *, title, kind, points, objective, minutes):
    """Register the decorated ``check_<chapter>_<number>`` and log its verdicts when graded."""
    def register(check):
        record = Exercise(chapter, number, title, kind, points, objective, minutes, check.__name__)
        if check.__name__ != f"check_{record.key}":  # checked first: a misnamed checker registers nothing
            raise ValueError(f"the checker of exercise {record.key} must be named check_{record.key}, "
                             f"got {check.__name__}")
        _add(record)

        @functools.wraps(check)
        def checked(*args, **kwargs):
            token = _TRY.set(_WRONG_TRIES.get(record.key, 0) + 1)
            try:
                verdict = check(*args, **kwargs)
            finally:
                _TRY.reset(token)
            if verdict:
                _WRONG_TRIES.pop(record.key, None)
            elif getattr(verdict, "counts_as_try", True):  # "no answer yet" is not a try
                _WRONG_TRIES[record.key] = _WRONG_TRIES.get(record.key, 0) + 1
            _log(record, verdict)
            return verdict
        checked.exercise = record
        return checked
    return register


def by_hand(chapter, number, *, title, points, objective, minutes):
    """Register an ``explain`` exercise: a written answer that an instructor grades."""
    return _add(Exercise(chapter, number, title, "explain", points, objective, minutes, None))


def catalog(chapter=None):
    """Every exercise (or one chapter's), ordered by chapter and number."""
    records = sorted(_CATALOG.values(), key=lambda e: (e.chapter, e.number))
    if chapter is None:
        return records
    return [e for e in records if e.chapter == chapter]


def _add(record):
    if record.kind not in KINDS:
        raise ValueError(f"kind={record.kind!r} of exercise {record.key} is not one of {KINDS}")
    for name in ("chapter", "number", "points", "minutes"):
        value = getattr(record, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}={value!r} of exercise {record.key} must be a positive integer")
    if (record.kind == "explain") != (record.checker is None):
        raise ValueError(f"exercise {record.key}: only 'explain' exercises are graded by hand (no checker)")
    if record.key in _CATALOG:
        raise ValueError(f"exercise {record.key} is registered twice")
    _CATALOG[record.key] = record
    return record


def _log(record, verdict):
    path = os.environ.get(GRADE_LOG)
    if not path:
        return
    line = {"exercise": record.key, "correct": bool(verdict), "score": float(getattr(verdict, "score", bool(verdict))),
            "message": str(getattr(verdict, "message", verdict))}
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")
