"""`lightnets-edu grade` on a synthetic class: every kind of submission gets its rows.

The class answers chapter 1: the solved notebook is the chapter itself and
the student copy is what `student-notebooks` makes of it; to keep the test
quick the other submissions hold only its import cell and exercises section.
The endless loop is graded on its own with a short time limit.
"""

import copy
import csv
import json
import pathlib

import nbformat
import pytest

from lightnets_edu import exercises
from lightnets_edu.cli import main, strip_solutions
from lightnets_edu.exercises import _catalog

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTER_1 = ROOT / "notebooks" / "01_cost_of_convolution.ipynb"
TIMEOUT = 150  # the whole chapter runs in about 25 s on an idle 2-core machine


def exercises_section(nb):
    """The import cell and everything from the Exercises heading on."""
    cells = nb.cells
    imports = next(c for c in cells if c.cell_type == "code" and "from lightnets_edu" in c.source)
    start = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## Exercises"))
    short = copy.deepcopy(nb)
    short.cells = [copy.deepcopy(imports)] + copy.deepcopy(cells[start:])
    return short


def answer_cells(nb):
    """``{n: the cell calling check_01_n}`` of a notebook without solutions."""
    return {n: c for c in nb.cells if c.cell_type == "code" for n in range(1, 11) if f"check_01_{n}(" in c.source}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    solved = nbformat.read(CHAPTER_1, as_version=4)
    student = nbformat.reads(json.dumps(strip_solutions(json.loads(nbformat.writes(solved)))[0]), as_version=4)
    subs, alone = tmp_path_factory.mktemp("class"), tmp_path_factory.mktemp("alone")

    def save(name, nb, folder=subs):
        nbformat.write(nb, folder / name)

    save("solved.ipynb", solved)
    save("student_copy.ipynb", student)
    partial = exercises_section(student)  # right answers to 1 and 2, a wrong one to 3, a wrong shape in 8
    cells = answer_cells(partial)
    cells[1].source = "answer_01_1 = cost.conv2d(64, 128, 3, 29).macs\ncheck_01_1(answer_01_1)"
    cells[2].source = "answer_01_2 = cost.conv2d(128, 256, 3, 1).params + 2 * 256\ncheck_01_2(answer_01_2)"
    cells[3].source = "answer_01_3 = 12345\ncheck_01_3(answer_01_3)"
    cells[8].source = ("def my_pointwise_conv(x, weight):\n    return x.permute(0, 2, 3, 1) @ weight.T  # channels last\n\n"
                       "check_01_8(my_pointwise_conv)")
    save("partial.ipynb", partial)
    crashing = copy.deepcopy(partial)  # a crash between exercises 1 and 2: the run goes on
    crashing.cells.insert(crashing.cells.index(answer_cells(crashing)[2]), nbformat.v4.new_code_cell("1 / 0"))
    save("crashing.ipynb", crashing)
    looping = copy.deepcopy(partial)  # an endless loop after exercise 1
    looping.cells.insert(looping.cells.index(answer_cells(looping)[2]), nbformat.v4.new_code_cell("while True:\n    pass"))
    save("looping.ipynb", looping, alone)
    (subs / "corrupted.ipynb").write_text('{"cells": [')
    renamed = copy.deepcopy(partial)  # exercise 2's answer under another name
    answer_cells(renamed)[2].source = "my_params = 256\ncheck_01_2(answer_01_2)"
    save("renamed.ipynb", renamed)
    empty = nbformat.v4.new_notebook()  # nothing but a markdown cell
    empty.cells = [nbformat.v4.new_markdown_cell("I did not do the exercises.")]
    (subs / "nested").mkdir()  # submissions may sit in one folder per student
    save("nested/empty.ipynb", empty)
    forged = exercises_section(student)  # writes a forged line into the log, answers nothing
    forged.cells.insert(1, nbformat.v4.new_code_cell(
        "import os\nopen(os.environ.get('LIGHTNETS_GRADE_LOG', '/dev/null'), 'a').write('not json\\n')"))
    save("forged.ipynb", forged)

    before = {p: p.read_bytes() for p in subs.rglob("*.ipynb")}
    out = tmp_path_factory.mktemp("grades") / "grades.csv"
    assert main(["grade", str(subs), "--chapter", "1", "--out", str(out), "--timeout", str(TIMEOUT), "--jobs", "2"]) == 0
    assert {p: p.read_bytes() for p in subs.rglob("*.ipynb")} == before  # no submission was modified
    assert main(["grade", str(alone), "--chapter", "1", "--out", str(out.with_name("loop.csv")), "--timeout", "20"]) == 0
    rows, totals = {}, {}
    for name in ("grades", "loop"):
        rows.update({(r["file"], r["exercise"]): r for r in csv.DictReader(out.with_name(f"{name}.csv").open())})
        totals.update({r["file"]: r for r in csv.DictReader(out.with_name(f"{name}-totals.csv").open())})
    return rows, totals, out


def test_every_submission_gets_one_row_per_exercise(graded):
    rows, totals, _ = graded
    keys = [e.key for e in exercises.catalog(1)]
    files = {"solved.ipynb", "student_copy.ipynb", "partial.ipynb", "crashing.ipynb", "looping.ipynb",
             "corrupted.ipynb", "renamed.ipynb", "nested/empty.ipynb", "forged.ipynb"}
    assert set(totals) == files
    assert set(rows) == {(f, k) for f in files for k in keys}
    possible = sum(e.points for e in exercises.catalog(1))
    assert all(int(t["points_possible"]) == possible for t in totals.values())


def test_solved_gets_full_marks_and_student_copy_zero_without_errors(graded):
    rows, totals, _ = graded
    assert float(totals["solved.ipynb"]["points_earned"]) == float(totals["solved.ipynb"]["points_possible"])
    assert all(rows["solved.ipynb", e.key]["verdict"] == "correct" for e in exercises.catalog(1))
    assert float(totals["student_copy.ipynb"]["points_earned"]) == 0
    assert totals["student_copy.ipynb"]["status"] == "ok"
    assert all(rows["student_copy.ipynb", e.key]["message"].startswith(("No answer yet", "Your code still raises"))
               for e in exercises.catalog(1))


def test_partial_answers_score_per_exercise(graded):
    rows, totals, _ = graded
    assert [rows["partial.ipynb", f"01_{n}"]["verdict"] for n in (1, 2, 3)] == ["correct", "correct", "incorrect"]
    points = sum(e.points for e in exercises.catalog(1)[:2])
    assert float(totals["partial.ipynb"]["points_earned"]) == points
    assert rows["partial.ipynb", "01_3"]["message"].startswith("Not quite: 12,345")
    assert rows["partial.ipynb", "01_8"]["verdict"] == "incorrect"  # an implement exercise, wrong shape
    assert "your output has shape (1, 4, 4, 5), expected (1, 5, 4, 4)" in rows["partial.ipynb", "01_8"]["message"]


def test_a_crash_does_not_stop_the_notebook(graded):
    rows, totals, _ = graded
    assert rows["crashing.ipynb", "01_2"]["verdict"] == "correct"
    assert totals["crashing.ipynb"]["points_earned"] == totals["partial.ipynb"]["points_earned"]


def test_an_endless_loop_hits_the_time_limit_and_keeps_what_ran(graded):
    rows, totals, _ = graded
    assert rows["looping.ipynb", "01_1"]["verdict"] == "correct"
    assert rows["looping.ipynb", "01_2"]["verdict"] == "missing"
    assert "limit" in rows["looping.ipynb", "01_2"]["message"]
    assert totals["looping.ipynb"]["status"].startswith("stopped")


def test_a_corrupted_file_gets_rows_saying_so(graded):
    rows, totals, _ = graded
    assert totals["corrupted.ipynb"]["status"].startswith("not a readable notebook")
    assert all(r["verdict"] == "missing" and "not a readable notebook" in r["message"]
               for (f, _), r in rows.items() if f == "corrupted.ipynb")


def test_renamed_answers_and_missing_cells_are_explained(graded):
    rows, _, _ = graded
    assert "NameError" in rows["renamed.ipynb", "01_2"]["message"]
    assert "answer_01_2" in rows["renamed.ipynb", "01_2"]["message"]
    assert "never called" in rows["nested/empty.ipynb", "01_1"]["message"]


def test_a_forged_log_line_is_ignored(graded):
    rows, totals, _ = graded
    assert float(totals["forged.ipynb"]["points_earned"]) == 0


def test_grades_are_never_overwritten(graded, capsys):
    _, _, out = graded
    before = out.read_bytes()
    assert main(["grade", str(out.parent), "--chapter", "1", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err and out.read_bytes() == before


@pytest.mark.parametrize("argv, words", [
    (["grade", "no/such/dir", "--chapter", "1", "--out", "g.csv"], "not a folder"),
    (["grade", ".", "--chapter", "99", "--out", "g.csv"], "chapter=99 has no exercises"),
    (["grade", ".", "--chapter", "1", "--out", "g.csv", "--timeout", "0"], "--timeout"),
])
def test_bad_grade_command_lines(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_catalogue_lists_every_checker_once():
    checkers = sorted(n for n in dir(exercises) if n.startswith("check_") and n[6:8].isdigit())
    listed = sorted(e.checker for e in exercises.catalog() if e.checker)
    assert listed == checkers
    for e in exercises.catalog():
        assert e.kind in _catalog.KINDS and e.points >= 1 and e.minutes >= 1 and e.title and e.objective


def test_catalogue_rejects_bad_records():
    with pytest.raises(ValueError, match="kind"):
        _catalog._add(_catalog.Exercise(99, 1, "t", "essay", 1, "o", 5, "check_99_1"))
    with pytest.raises(ValueError, match="graded by hand"):
        _catalog._add(_catalog.Exercise(99, 1, "t", "number", 1, "o", 5, None))
    with pytest.raises(ValueError, match="registered twice"):
        _catalog._add(exercises.catalog(1)[0])
    with pytest.raises(ValueError, match="named check_99_2"):
        _catalog.exercise(99, 2, title="t", kind="number", points=1, objective="o", minutes=5)(lambda a: a)
    assert not exercises.catalog(99)  # nothing was registered by the failed calls


def test_instructors_tables_match_the_catalogue():
    import subprocess
    import sys
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "instructors_tables.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
