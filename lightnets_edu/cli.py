"""The ``lightnets-edu`` command: profile a model, make student notebooks.

    lightnets-edu list                                    # model names, by source
    lightnets-edu summary squeezenet1_1 --input-size 64   # per-layer table and totals
    lightnets-edu student-notebooks student/              # notebooks without solutions
    lightnets-edu grade submissions/ --chapter 2 --out grades.csv   # grade a class

``python -m lightnets_edu`` runs the same command. Every expected problem (an
unknown model, an input too small for it, a notebook with unbalanced solution
markers, a file that already exists) ends with one line on stderr,
``lightnets-edu: error: ...``, and exit status 2: never a traceback.

**Solution markers** (sphinx-exercise syntax, in markdown cells, with backtick
or colon fences of any length):

* gated: the cell holding a ```{solution-start} LABEL``` fence (with or
  without ``:class: dropdown``) opens a solution and the cell holding a
  ```{solution-end}``` fence closes it. The student copy loses both fences and
  every cell between them; text before the start fence or after the end fence
  in those two cells stays (a cell left blank goes).
* plain: a ```{solution} LABEL``` ... ```` ``` ```` block is cut out of its
  markdown cell; the rest of the cell stays.

Fences inside other fenced blocks (a ```` ```md ```` example of the syntax)
are left alone. ``{exercise}`` cells and every other cell are kept.
"""

import argparse
import copy
import difflib
import json
import os
import re
import sys
import warnings
from pathlib import Path

__all__ = ["main", "build_parser", "strip_solutions", "format_table"]

PROG = "lightnets-edu"
ORIGINS = ("auto", "lightnets_edu", "torchvision")


class UsageError(Exception):
    """A bad command line (argparse's complaint), reported in one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error raises instead of printing usage and exiting."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


# ---------------------------------------------------------------- models

def torchvision_names():
    """torchvision's classification builders (no detection, video...)."""
    import torchvision

    return torchvision.models.list_models(module=torchvision.models)


def lightnets_names():
    """The builders registered in :mod:`lightnets_edu.models`."""
    from . import models

    return models.list_models()


def build_model(name, origin="auto"):
    """Build ``name`` with random weights; return ``(model, origin)``.

    ``origin="auto"`` prefers our registry, then torchvision. Pretrained
    weights are never downloaded: the counts do not depend on them.
    """
    ours = lightnets_names() if origin in ("auto", "lightnets_edu") else []
    theirs = torchvision_names() if origin in ("auto", "torchvision") else []
    if name in ours:
        from . import models

        return models.get_model(name), "lightnets_edu"
    if name in theirs:
        import torchvision

        with warnings.catch_warnings():  # GoogLeNet/Inception warn about a future init change
            warnings.simplefilter("ignore", FutureWarning)
            return torchvision.models.get_model(name, weights=None), "torchvision"
    raise ValueError(_unknown_model_message(name, ours + theirs, origin))


def _unknown_model_message(name, known, origin):
    where = "" if origin == "auto" else f" in {origin}"
    close = difflib.get_close_matches(name.lower(), sorted(set(known)), n=3, cutoff=0.6)
    guess = f"; did you mean {', '.join(close)}?" if close else ""
    return f"unknown model {name!r}{where}{guess} (run '{PROG} list' to see every name)"


def profile_model(model, input_size):
    """:func:`lightnets_edu.profile.profile` on one ``input_size`` x ``input_size`` RGB image."""
    from .profile import profile

    # a size the model cannot take is profile's ValueError, reported in one line
    return profile(model, (1, 3, input_size, input_size))


def format_table(table):
    """The profile table as text: counts with thousands separators, text left-aligned."""
    import pandas as pd

    shown = {}
    for column in table.columns:
        if column in ("call", "params", "macs", "ops"):
            values, align = table[column].map("{:,}".format), str.rjust
        else:
            values, align = table[column].map(lambda v: "-" if v is None else str(v)), str.ljust
        width = max([len(column), *values.str.len()])
        shown[align(column, width)] = values.map(lambda v: align(v, width))
    return pd.DataFrame(shown).to_string(index=False, justify="left")


def cmd_list(args):
    """Print every model name ``summary`` accepts, grouped by where it comes from."""
    ours = lightnets_names()
    theirs = torchvision_names()
    print(f"lightnets_edu models ({len(ours)}):")
    for name in ours:
        print(f"  {name}")
    if not ours:
        print("  (none registered yet)")
    print(f"torchvision classification models ({len(theirs)}, built without pretrained weights):")
    for name in theirs:
        shadowed = "  (lightnets_edu's is used; add --from torchvision for this one)" if name in ours else ""
        print(f"  {name}{shadowed}")


def cmd_summary(args):
    """Print a model's per-layer table, then its totals."""
    if args.input_size < 1:  # before building a possibly large model
        raise ValueError(f"--input-size must be a positive integer, got {args.input_size}")
    model, origin = build_model(args.model, args.origin)
    report = profile_model(model, args.input_size)
    print(f"{args.model} ({origin})")
    print(format_table(report.table))
    print()
    print(report.summary())


# ---------------------------------------------------------------- student notebooks

# A fence line: 3+ backticks or colons, then an optional info string such as
# "{solution-start} ch01_ex1". Indentation is allowed so that no marker is missed.
_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|:{3,})[ \t]*(?P<info>[^\n]*)")
_DIRECTIVE = re.compile(r"\{(?P<name>[\w-]+)\}")


def _fenced_blocks(lines):
    """Yield ``(first, end, directive)`` for each top-level fenced block.

    ``lines[first:end]`` is the block, fences included; ``directive`` is the
    name in ``{...}`` right after the opening fence, or None. An unclosed
    fence runs to the end of the cell, as in CommonMark.
    """
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence = opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j + 1 for j in range(i + 1, len(lines)) if closing.match(lines[j])), len(lines))
        directive = _DIRECTIVE.match(opening["info"])
        yield i, end, directive and directive["name"]
        i = end


class _Stripper:
    """Walks a notebook's cells, tracking whether a gated solution is open."""

    def __init__(self, name):
        self.name = name
        self.open_since = None  # index of the cell whose {solution-start} is still open
        self.solutions = 0

    def where(self, index):
        return f"{self.name}, cell {index}"

    def markdown(self, text, index):
        """``text`` without the solution parts of it."""
        lines = text.splitlines(keepends=True)
        kept, done = [], 0  # kept lines, with None where something was cut out
        for first, end, directive in _fenced_blocks(lines):
            if self.open_since is None:
                kept += lines[done:first]
            done = end
            if directive == "solution-start":
                if self.open_since is not None:
                    raise ValueError(f"{self.where(index)}: {{solution-start}} while the solution opened "
                                     f"in cell {self.open_since} is still open (add its {{solution-end}})")
                self.open_since = index
                kept.append(None)
            elif directive == "solution-end":
                if self.open_since is None:
                    raise ValueError(f"{self.where(index)}: {{solution-end}} without a {{solution-start}}")
                self.open_since = None
                self.solutions += 1
                kept.append(None)
            elif self.open_since is None:
                if directive == "solution":
                    self.solutions += 1
                    kept.append(None)
                else:
                    kept += lines[first:end]
        if self.open_since is None:
            kept += lines[done:]
        return _join(kept)

    def finish(self):
        if self.open_since is not None:
            raise ValueError(f"{self.where(self.open_since)}: {{solution-start}} has no matching {{solution-end}}")


def _join(lines):
    """Join kept lines, leaving one blank line where something was cut out."""
    text, after_cut = "", False
    for line in lines:
        if line is None:
            text, after_cut = (text.rstrip() + "\n\n" if text.strip() else ""), True
        elif not (after_cut and not line.strip()):
            text, after_cut = text + line, False
    return text


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _clear_outputs(cell):
    """Outputs, execution counts and run timings go; tags and other metadata stay."""
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    for key in ("execution", "ExecuteTime"):
        cell.get("metadata", {}).pop(key, None)


def strip_solutions(nb, name="notebook"):
    """Return ``(student_nb, solutions_removed)`` for a notebook given as a JSON dict.

    The copy has no solutions (see the module docstring for the markers), no
    outputs, no execution counts and no saved widget state; ``nb`` itself is
    not changed. ``name`` is used in error messages, which name the cell:
    unbalanced gated markers raise ``ValueError``.
    """
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{name} is not a notebook: it has no list of cells")
    student = copy.deepcopy(nb)
    stripper = _Stripper(name)
    cells = []
    for index, cell in enumerate(student["cells"]):
        was_open = stripper.open_since is not None
        if cell.get("cell_type") == "markdown":
            text = _source(cell)
            stripped = stripper.markdown(text, index)
            if stripped != text or was_open:
                if not stripped.strip():
                    continue
                stripped = stripped.rstrip()
                cell["source"] = stripped.splitlines(keepends=True) if isinstance(cell["source"], list) else stripped
        elif was_open:
            continue
        _clear_outputs(cell)
        cells.append(cell)
    stripper.finish()
    student["cells"] = cells
    student.get("metadata", {}).pop("widgets", None)
    return student, stripper.solutions


def _read_notebook(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not a notebook (not JSON: {err})") from None


def _write_notebook(path, nb):
    """Write through a temporary file, so a link at ``path`` is replaced, not followed."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _check_targets(out_dir, targets, force):
    """Raise before anything is written if a target cannot or may not be written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} exists and is not a directory")
    for target in targets:
        if target.is_dir():
            raise FileExistsError(f"{target} is a directory")
        if target.exists() and not force:
            raise FileExistsError(f"{target} already exists; pass --force to overwrite it")


def cmd_student_notebooks(args):
    """Write a copy of every notebook in ``--source`` without solutions or outputs."""
    source, out_dir = Path(args.source), Path(args.out_dir)
    if not source.is_dir():
        raise FileNotFoundError(f"source directory {str(source)!r} not found "
                                "(run from the repository root or pass --source DIR)")
    if out_dir.resolve().is_relative_to(source.resolve()):
        raise ValueError(f"OUT_DIR {str(out_dir)!r} is inside the source directory {str(source)!r}: "
                         "the student copies go elsewhere, the originals are never overwritten")
    paths = sorted(p for p in source.glob("*.ipynb") if not p.name.startswith("."))
    if not paths:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {source}")

    students = []  # every notebook is read and stripped before anything is written
    for path in paths:
        nb = _read_notebook(path)
        student, solutions = strip_solutions(nb, name=str(path))
        students.append((out_dir / path.name, student, solutions, len(nb["cells"]) - len(student["cells"])))
    _check_targets(out_dir, [target for target, *_ in students], args.force)

    out_dir.mkdir(parents=True, exist_ok=True)
    for target, student, solutions, cells in students:
        _write_notebook(target, student)
        print(f"{target}: removed {_plural(solutions, 'solution')} ({_plural(cells, 'cell')})")


# ---------------------------------------------------------------- grading

def cmd_grade(args):
    """Execute every submitted notebook in isolation and write the grades (see lightnets_edu.grade)."""
    from .grade import grade

    if args.timeout < 1 or args.memory_mb < 512 or args.jobs < 1:
        raise ValueError(f"--timeout must be >= 1 s, --memory-mb >= 512 and --jobs >= 1, "
                         f"got {args.timeout}, {args.memory_mb} and {args.jobs}")
    totals = grade(args.submissions, args.chapter, args.out, timeout=args.timeout,
                   memory_mb=args.memory_mb, jobs=args.jobs, force=args.force)
    width = max(len(t["file"]) for t in totals)
    for t in totals:
        print(f"{t['file']:<{width}}  {t['points_earned']:>6g} / {t['points_possible']:<4}  {t['status']}")
    out = Path(args.out)
    print(f"{_plural(len(totals), 'notebook')} graded: {out} (one row per exercise), "
          f"{out.with_name(out.stem + '-totals.csv')} (one row per notebook)")


# ---------------------------------------------------------------- command line

def build_parser():
    """The argument parser, one sub-command per task."""
    parser = _Parser(prog=PROG, description="Tools of the LightNets course.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="print the model names that summary accepts")
    listing.set_defaults(run=cmd_list)

    summary = commands.add_parser("summary", help="per-layer params and MACs of a model",
                                  description="Profile MODEL on one RGB image: a per-layer table, then totals.")
    summary.add_argument("model", metavar="MODEL", help=f"a model name (see '{PROG} list')")
    summary.add_argument("--input-size", type=int, default=224, metavar="N",
                         help="image height and width (default: 224)")
    summary.add_argument("--from", dest="origin", choices=ORIGINS, default="auto",
                         help="where to look MODEL up (default: lightnets_edu first, then torchvision)")
    summary.set_defaults(run=cmd_summary)

    students = commands.add_parser("student-notebooks", help="copies of the notebooks without solutions",
                                   description="Write student copies of the chapter notebooks: "
                                               "solutions removed, outputs cleared. The originals are never "
                                               "changed, and files already in OUT_DIR only with --force.")
    students.add_argument("out_dir", metavar="OUT_DIR", help="where to write the copies (created if needed)")
    students.add_argument("--source", default="notebooks", metavar="DIR",
                          help="the chapter notebooks (default: ./notebooks)")
    students.add_argument("--force", action="store_true", help="overwrite notebooks already in OUT_DIR")
    students.set_defaults(run=cmd_student_notebooks)

    grading = commands.add_parser("grade", help="grade a folder of submitted notebooks",
                                  description="Run each submitted notebook in a fresh kernel, in a temporary "
                                              "copy (the submissions are never changed), with time and memory "
                                              "limits and no network where the system allows it; write one row "
                                              "per student and exercise to OUT and a total per student to "
                                              "OUT's name with -totals.")
    grading.add_argument("submissions", metavar="SUBMISSIONS", help="a folder of .ipynb files (searched recursively)")
    grading.add_argument("--chapter", type=int, required=True, metavar="N", help="the chapter the notebooks answer")
    grading.add_argument("--out", required=True, metavar="CSV", help="the grades file to write")
    grading.add_argument("--timeout", type=int, default=300, metavar="S",
                         help="seconds allowed for each notebook (default: 300)")
    grading.add_argument("--memory-mb", type=int, default=8192, metavar="MB",
                         help="address-space limit of each run (default: 8192)")
    grading.add_argument("--jobs", type=int, default=1, metavar="J", help="notebooks run at a time (default: 1)")
    grading.add_argument("--force", action="store_true", help="replace OUT if it exists")
    grading.set_defaults(run=cmd_grade)
    return parser


def _plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _one_line(err):
    text = " ".join(line.strip() for line in str(err).splitlines() if line.strip())
    return text or type(err).__name__


def main(argv=None):
    """Run ``lightnets-edu`` with ``argv`` (default: the command line); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
    except BrokenPipeError:  # `lightnets-edu summary ... | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (UsageError, ValueError, TypeError, OSError) as err:
        print(f"{PROG}: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
