"""The ``lightnets-edu`` command: model summaries and student notebooks.

Most tests call ``main([...])`` in-process; two run the installed command and
``python -m lightnets_edu`` for real. Every error must be one line on stderr,
exit status 2, and never a traceback.
"""

import copy
import json
import pathlib
import shutil
import subprocess
import sys

import pytest
import torch
import torchvision

from lightnets_edu import cli, models
from lightnets_edu.cli import main, strip_solutions

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def run(capsys, *argv):
    """``(exit status, stdout, stderr)`` of ``lightnets-edu *argv``."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status, err, *words):
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("lightnets-edu: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


# ---------------------------------------------------------------- summary and list

def test_summary_of_a_torchvision_model(capsys):
    status, out, err = run(capsys, "summary", "squeezenet1_1", "--input-size", "64")
    expected = sum(p.numel() for p in torchvision.models.squeezenet1_1().parameters())
    assert status == 0 and err == ""
    assert out.startswith("squeezenet1_1 (torchvision)")
    assert "features.3.expand3x3" in out and "Conv2d" in out  # the per-layer table
    assert "9,280" in out  # thousands separators: 64 * 16 * 3 * 3 + 16 weights and biases
    assert f"input (1, 3, 64, 64): {expected:,} params" in out  # the totals come last


def test_summary_of_a_lightnets_model(capsys):
    name = models.list_models()[0]
    status, out, _ = run(capsys, "summary", name, "--input-size", "64")
    expected = sum(p.numel() for p in models.get_model(name).parameters())
    assert status == 0 and out.startswith(f"{name} (lightnets_edu)")
    assert f"{expected:,} params" in out


def test_list_shows_both_sources(capsys):
    status, out, _ = run(capsys, "list")
    assert status == 0
    assert "lightnets_edu models" in out and "torchvision classification models" in out
    for name in models.list_models() + ["squeezenet1_1", "mobilenet_v2"]:
        assert f"  {name}\n" in out or f"  {name}  (" in out


def test_unknown_model_suggests_close_names(capsys):
    status, _, err = run(capsys, "summary", "squeezenet1_2")
    assert_one_line_error(status, err, "'squeezenet1_2'", "squeezenet1_1", "lightnets-edu list")


def test_unknown_model_in_the_chosen_source(capsys):
    status, _, err = run(capsys, "summary", "squeezenet1_1", "--from", "lightnets_edu")
    assert_one_line_error(status, err, "unknown model 'squeezenet1_1' in lightnets_edu")


@pytest.mark.parametrize("size, words", [
    ("0", ["positive integer", "0"]),
    ("-3", ["positive integer", "-3"]),
    ("abc", ["--input-size", "'abc'"]),
    ("8", ["(1, 3, 8, 8)", "too small"]),  # squeezenet's pooling shrinks 8 pixels to nothing
])
def test_bad_input_size(capsys, size, words):
    status, _, err = run(capsys, "summary", "squeezenet1_1", "--input-size", size)
    assert_one_line_error(status, err, *words)


class FixedSize(torch.nn.Module):
    """Asserts its input size, as torchvision's ViTs do."""

    def forward(self, x):
        assert x.shape[-1] == 224, f"Wrong image width! Expected 224 but got {x.shape[-1]}!"
        return x


def test_input_size_a_model_asserts_on(capsys, monkeypatch):
    monkeypatch.setattr(cli, "build_model", lambda name, origin: (FixedSize(), "torchvision"))
    status, _, err = run(capsys, "summary", "vit_b_32", "--input-size", "64")
    assert_one_line_error(status, err, "input_size=(1, 3, 64, 64) does not fit the model: Wrong image width!")


@pytest.mark.parametrize("argv", [[], ["summary"], ["fly"], ["summary", "resnet18", "--depth", "3"]])
def test_bad_command_lines(capsys, argv):
    status, _, err = run(capsys, *argv)
    assert_one_line_error(status, err, "--help")


# ---------------------------------------------------------------- strip_solutions

def markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def code(text, count=None, output=None):
    outputs = [] if output is None else [{"output_type": "stream", "name": "stdout", "text": [output]}]
    return {"cell_type": "code", "execution_count": count, "metadata": {"tags": ["keep-me"]},
            "outputs": outputs, "source": text}


def notebook(*cells):
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index}"
    widgets = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0}}
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "widgets": widgets}
    return {"cells": list(cells), "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def chapter():
    """A small chapter with every kind of solution marker. SECRET marks solution text."""
    return notebook(
        markdown("# A chapter\n\nSome prose."),
        code("x = 1\nprint(x)", count=1, output="1\n"),
        markdown("## Exercises\n\n```{exercise}\n:label: ch99-ex1\n\nHow many MACs?\n```"),
        code("answer = ...  # your answer\ncheck_99_1(answer)", count=2, output="No answer yet\n"),
        markdown("```{solution-start} ch99-ex1\n:class: dropdown\n```\n\nSECRET lead-in:"),
        code("SECRET_MACS = 3 * 3 * 16 * 16 * 8 * 8", count=3),
        code("print(SECRET_MACS)", count=4, output="147456\n"),
        markdown("```{solution-end}\n```"),
        markdown(":::{exercise}\n:label: ch99-ex2\nWhy?\n:::\n\n```{solution} ch99-ex2\n"
                 ":class: dropdown\nSECRET because.\n```\n\nText after the solution stays."),
        markdown("::::{solution} ch99-ex3\nSECRET $1/N + 1/K^2$\n::::"),
        code("answer_2 = ...", count=5),
    )


def sources(nb):
    return ["".join(cell["source"]) for cell in nb["cells"]]


def test_strip_solutions_removes_solutions_and_outputs():
    original = chapter()
    untouched = copy.deepcopy(original)
    student, removed = strip_solutions(original)

    assert original == untouched  # a pure function
    assert removed == 3  # one gated solution, two plain ones
    assert not any("SECRET" in text or "{solution" in text for text in sources(student))
    assert sources(student) == [
        "# A chapter\n\nSome prose.",
        "x = 1\nprint(x)",
        "## Exercises\n\n```{exercise}\n:label: ch99-ex1\n\nHow many MACs?\n```",
        "answer = ...  # your answer\ncheck_99_1(answer)",
        ":::{exercise}\n:label: ch99-ex2\nWhy?\n:::\n\nText after the solution stays.",
        "answer_2 = ...",
    ]
    for cell in student["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
            assert cell["metadata"] == {"tags": ["keep-me"]}
    assert "widgets" not in student["metadata"] and "kernelspec" in student["metadata"]


def test_text_around_gated_markers_stays():
    nb = notebook(
        markdown("Try it first.\n\n````{solution-start} ex\n:class: dropdown\n````\nSECRET"),
        code("SECRET = 1"),
        markdown("SECRET\n:::{solution-end}\n:::\n\nNext section."),
    )
    student, removed = strip_solutions(nb)
    assert removed == 1
    assert sources(student) == ["Try it first.", "Next section."]


def test_markers_shown_inside_a_code_fence_are_text():
    text = "The syntax:\n\n`````md\n```{solution-start} ex\n```\n```{solution} ex\n```\n`````"
    student, removed = strip_solutions(notebook(markdown(text), code("'{solution-end}'")))
    assert removed == 0 and sources(student) == [text, "'{solution-end}'"]


@pytest.mark.parametrize("cells, words", [
    ([markdown("```{solution-start} ex\n```"), code("x")], ["cell 0", "no matching {solution-end}"]),
    ([code("x"), markdown("```{solution-end}\n```")], ["cell 1", "without a {solution-start}"]),
    ([markdown("```{solution-start} a\n```"), markdown("```{solution-start} b\n```"),
      markdown("```{solution-end}\n```")], ["cell 1", "cell 0 is still open"]),
])
def test_unbalanced_markers(cells, words):
    with pytest.raises(ValueError) as error:
        strip_solutions(notebook(*cells), name="ch.ipynb")
    for word in ["ch.ipynb", *words]:
        assert word in str(error.value)


# ---------------------------------------------------------------- student-notebooks command

@pytest.fixture
def source(tmp_path):
    """A notebooks folder with two chapters."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        (folder / name).write_text(json.dumps(chapter(), indent=1), encoding="utf-8")
    return folder


def snapshot(folder):
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def test_student_notebooks_written(capsys, source, tmp_path):
    before = snapshot(source)
    out_dir = tmp_path / "student" / "fall"
    status, out, _ = run(capsys, "student-notebooks", str(out_dir), "--source", str(source))

    assert status == 0
    assert out.splitlines() == [f"{out_dir / name}: removed 3 solutions (5 cells)" for name in before]
    assert snapshot(source) == before  # the originals, byte for byte
    for name in before:
        student = json.loads((out_dir / name).read_text(encoding="utf-8"))
        assert student == strip_solutions(chapter())[0]


def test_default_source_is_notebooks_here(capsys, source, monkeypatch):
    monkeypatch.chdir(source.parent)
    status, out, _ = run(capsys, "student-notebooks", "student")
    assert status == 0 and (source.parent / "student" / "01_a.ipynb").exists()


def test_no_overwrite_without_force(capsys, source, tmp_path):
    out_dir = tmp_path / "student"
    out_dir.mkdir()
    (out_dir / "02_b.ipynb").write_text("my edits")
    status, _, err = run(capsys, "student-notebooks", str(out_dir), "--source", str(source))

    assert_one_line_error(status, err, "02_b.ipynb already exists", "--force")
    assert snapshot(out_dir) == {"02_b.ipynb": b"my edits"}  # 01_a.ipynb was not written either

    status, out, _ = run(capsys, "student-notebooks", str(out_dir), "--source", str(source), "--force")
    assert status == 0 and len(out.splitlines()) == 2
    assert json.loads((out_dir / "02_b.ipynb").read_text()) == strip_solutions(chapter())[0]


def test_unbalanced_notebook_writes_nothing(capsys, source, tmp_path):
    (source / "03_c.ipynb").write_text(json.dumps(notebook(markdown("```{solution-start} x\n```"))))
    out_dir = tmp_path / "student"
    status, _, err = run(capsys, "student-notebooks", str(out_dir), "--source", str(source))
    assert_one_line_error(status, err, "03_c.ipynb, cell 0", "{solution-start}")
    assert not out_dir.exists()


@pytest.mark.parametrize("out_dir", ["{source}", "{source}/../notebooks", "{source}/", "{source}/student", "link"])
def test_out_dir_cannot_be_the_source(capsys, source, out_dir, tmp_path):
    (tmp_path / "link").symlink_to(source, target_is_directory=True)
    before = snapshot(source)
    out_dir = out_dir.format(source=source) if "{" in out_dir else str(tmp_path / out_dir)
    status, _, err = run(capsys, "student-notebooks", out_dir, "--source", str(source), "--force")
    assert_one_line_error(status, err, "inside the source directory")
    assert snapshot(source) == before


def test_force_replaces_a_link_instead_of_writing_through_it(capsys, source, tmp_path):
    before = snapshot(source)
    out_dir = tmp_path / "student"
    out_dir.mkdir()
    (out_dir / "01_a.ipynb").symlink_to(source / "01_a.ipynb")
    status, _, _ = run(capsys, "student-notebooks", str(out_dir), "--source", str(source), "--force")
    assert status == 0 and snapshot(source) == before
    assert not (out_dir / "01_a.ipynb").is_symlink()


def test_missing_source(capsys, tmp_path):
    status, _, err = run(capsys, "student-notebooks", str(tmp_path / "out"), "--source", str(tmp_path / "nope"))
    assert_one_line_error(status, err, "nope", "not found")


def test_not_a_notebook(capsys, source, tmp_path):
    (source / "03_c.ipynb").write_text("{ this is not json")
    status, _, err = run(capsys, "student-notebooks", str(tmp_path / "out"), "--source", str(source))
    assert_one_line_error(status, err, "03_c.ipynb is not a notebook")


@pytest.mark.skipif(not CHAPTERS, reason="no chapter notebooks yet")
def test_real_chapters(capsys, tmp_path):
    status, _, err = run(capsys, "student-notebooks", str(tmp_path), "--source", str(ROOT / "notebooks"))
    assert status == 0, err
    for path in CHAPTERS:
        original = "\n".join(sources(json.loads(path.read_text(encoding="utf-8"))))
        student = json.loads((tmp_path / path.name).read_text(encoding="utf-8"))
        text = "\n".join(sources(student))
        assert "{solution-start}" not in text and "{solution}" not in text, path.name
        assert text.count("{exercise}") == original.count("{exercise}"), path.name
        assert all(not cell.get("outputs") and cell.get("execution_count") is None
                   for cell in student["cells"]), path.name


# ---------------------------------------------------------------- the real command

def test_console_script(source, tmp_path):
    script = shutil.which("lightnets-edu", path=str(pathlib.Path(sys.executable).parent))
    if script is None:
        pytest.skip("the lightnets-edu script is not installed next to this Python")
    result = subprocess.run([script, "student-notebooks", str(tmp_path / "out"), "--source", str(source)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_python_dash_m_error():
    result = subprocess.run([sys.executable, "-m", "lightnets_edu", "summary", "resnet18", "--input-size", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "lightnets-edu: error: --input-size must be a positive integer, got 0\n"
