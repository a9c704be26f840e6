"""Chapter notebooks carry what the book shows and what nbval re-checks.

nbval in strict mode passes a notebook that has no stored outputs at all, so
this file checks that the outputs are really committed, in order, error-free,
and that every chapter keeps the course's anatomy (one H1, the Colab bootstrap,
auto-checked exercises with hidden solutions).
"""

import json
import pathlib
import re

import pytest
import yaml

import lightnets_edu.exercises as exercises

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REPO_URL = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def cells(path, kind):
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == kind]


def source(cell):
    return "".join(cell["source"])


def test_there_are_chapter_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no chapter notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_committed_in_order(path):
    code = [c for c in cells(path, "code") if source(c).strip()]
    counts = [c["execution_count"] for c in code]
    assert None not in counts, "some code cells were never executed: run `make notebooks`"
    assert counts == list(range(1, len(code) + 1)), "re-run top to bottom in a fresh kernel"
    assert sum(bool(c["outputs"]) for c in code) >= len(code) // 3, "too few outputs stored"
    errors = [source(c)[:60] for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, f"cells with error outputs: {errors}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_metadata_and_single_title(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert nb["metadata"]["language_info"]["name"] == "python"
    markdown = "\n".join(source(c) for c in cells(path, "markdown"))
    outside_fences = re.sub(r"```.*?```", "", markdown, flags=re.S)
    titles = re.findall(r"^# \S", outside_fences, flags=re.M)
    assert len(titles) == 1, f"a chapter has exactly one H1, found {len(titles)}"
    assert source(cells(path, "markdown")[0]).startswith("# ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_bootstrap_installs_only_when_missing(path):
    boot = next(source(c) for c in cells(path, "code") if "%pip install" in source(c))
    assert 'find_spec("lightnets_edu") is None' in boot
    assert f"git+{REPO_URL}" in boot, f"the bootstrap must install from _config.yml's repository url {REPO_URL}"
    assert "torch" not in boot.replace("lightnets", ""), "the bootstrap never (re)installs torch"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_are_checked_and_solutions_hidden(path):
    chapter = path.name[:2]
    markdown = "\n".join(source(c) for c in cells(path, "markdown"))
    labels = re.findall(r"\{exercise\}\s*\n:label:\s*(\S+)", markdown)
    assert len(labels) >= 4, "each chapter ends with at least 4 exercises"
    assert len(set(labels)) == len(labels)
    for label in labels:
        assert re.search(r"\{solution-start\}\s+" + re.escape(label) + r"\s*\n:class: dropdown", markdown), label
    assert markdown.count("{solution-start}") == markdown.count("{solution-end}")
    code = "\n".join(source(c) for c in cells(path, "code"))
    checkers = [name for name in dir(exercises) if name.startswith(f"check_{chapter}_")]
    assert len(checkers) >= len(labels)
    for name in checkers:
        assert f"{name}(" in code, f"{name} is never used in {path.name}"


def test_set_repository_url_rewrites_config_and_bootstraps(tmp_path):
    import importlib.util
    import shutil

    spec = importlib.util.spec_from_file_location("set_url", ROOT / "scripts" / "set_repository_url.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    original = (ROOT / "_config.yml").read_text()
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    script.main("https://github.com/someone/fork", root=tmp_path)
    config = yaml.safe_load((tmp_path / "_config.yml").read_text())
    assert config["repository"]["url"] == "https://github.com/someone/fork"
    for path in sorted((tmp_path / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = path.read_text()
        assert "git+https://github.com/someone/fork@v" in text and REPO_URL not in text
    assert (ROOT / "_config.yml").read_text() == original  # the repository's own copy is untouched


def release_tag():
    version = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    return f"v{version}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_bootstrap_installs_the_release_not_a_branch(path):
    """What students install cannot change mid-term: the tag of pyproject.toml's version."""
    boot = next(source(c) for c in cells(path, "code") if "%pip install" in source(c))
    assert f'git+{REPO_URL}@{release_tag()}"' in boot, f"the bootstrap must install @{release_tag()}"


def test_the_book_quotes_the_release_the_notebooks_install():
    page = (ROOT / "book" / "instructors.md").read_text()
    assert f"@{release_tag()}" in page
    assert set(re.findall(r"@v\d+\.\d+\.\d+", page)) == {f"@{release_tag()}"}


def test_set_release_rewrites_version_bootstraps_and_book(tmp_path):
    import importlib.util
    import shutil

    spec = importlib.util.spec_from_file_location("set_release", ROOT / "scripts" / "set_release.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    (tmp_path / "book").mkdir()
    shutil.copy(ROOT / "book" / "instructors.md", tmp_path / "book" / "instructors.md")
    script.main("9.8.7", root=tmp_path)
    assert 'version = "9.8.7"' in (tmp_path / "pyproject.toml").read_text()
    for path in sorted((tmp_path / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        boot = next(source(c) for c in cells(path, "code") if "%pip install" in source(c))
        assert f'git+{REPO_URL}@v9.8.7"' in boot
    assert "@v9.8.7" in (tmp_path / "book" / "instructors.md").read_text()
    assert f"@{release_tag()}" not in (tmp_path / "book" / "instructors.md").read_text()
    with pytest.raises(SystemExit, match="expected a version MAJOR.MINOR.PATCH such as 0.3.0, got 'v1'"):
        script.main("v1", root=tmp_path)


NOISE = ("ERROR", "Traceback", "Warning")
# calls whose results depend on the CPU's float kernels: training and timing
MEASUREMENTS = re.compile(r"\b(fit|fit_seeds|latency)\(")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stderr_noise_is_committed(path):
    """Colab and GitHub show committed outputs to every student: no error or warning text on stderr."""
    noisy = [(i, "".join(o.get("text", ""))[:120]) for i, c in enumerate(cells(path, "code")) for o in c["outputs"]
             if o.get("name") == "stderr" and any(word in "".join(o.get("text", "")) for word in NOISE)]
    assert not noisy, f"code cells (index, stderr) with noise to fix at its source: {noisy}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbval_markers_are_tags_not_visible_comments(path):
    shown = [i for i, c in enumerate(cells(path, "code")) if re.search(r"#\s*NBVAL_", source(c))]
    assert not shown, f"code cells {shown} show an nbval marker comment in the book; use the cell tag nbval-ignore-output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_measurement_cells_are_tagged(path):
    """A cell that trains or times depends on the CPU: its output is shown, not compared byte-for-byte."""
    untagged = [i for i, c in enumerate(cells(path, "code"))
                if MEASUREMENTS.search(source(c)) and "nbval-ignore-output" not in c["metadata"].get("tags", [])]
    assert not untagged, f"code cells {untagged} train or time without the tag nbval-ignore-output"


# --------------------------------------------------------------------------
# what the book shows (issue 15): one table style, no NaN, figures with alt text


def _outputs(path):
    for i, c in enumerate(cells(path, "code")):
        for o in c["outputs"]:
            yield i, c, o


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_tables_use_the_course_style(path):
    """A bare pandas DataFrame prints raw integers and NaN; show_table is the book's one style."""
    bare = [i for i, _, o in _outputs(path) if 'class="dataframe' in "".join(o.get("data", {}).get("text/html", ""))]
    assert not bare, f"code cells {bare} display a bare DataFrame: end them with show_table(frame)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_nan_is_shown(path):
    shown = [i for i, _, o in _outputs(path)
             if re.search(r"\bNaN\b|\bnan\b", "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/html", "")))]
    assert not shown, f"code cells {shown} show NaN: a missing value is a blank (show_table does it)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_alt_text_and_fits_the_column(path):
    import base64
    import struct

    for i, c, o in _outputs(path):
        png = o.get("data", {}).get("image/png")
        if not png:
            continue
        alt = c["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt.split()) >= 6, f"code cell {i}: its figure needs alt text (metadata mystnb.image.alt)"
        width = struct.unpack(">I", base64.b64decode(png)[16:20])[0]  # the PNG header's width
        assert width <= 720, f"code cell {i}: figure {width} px wide; the column is 690 (display.new_figure)"
