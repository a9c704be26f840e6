"""Installing the package on Colab changes nothing Colab preinstalled (a dry run, no download).

`make test-colab` and `make test-min` build the real environments; this is the
cheap guard that runs with every `make test` (scripts/compat_env.py).
"""

import importlib.util
import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("compat_env", ROOT / "scripts" / "compat_env.py")
compat_env = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat_env)


def test_colab_keeps_every_preinstalled_package():
    problems, additions = compat_env.survey()
    assert problems == []
    # the bootstrap of chapters 8 and 9, lightnets-edu[deploy], adds onnx and onnxruntime to Colab and nothing else
    assert sorted(additions) == [(name, compat_env.PYPI_STAND_INS[name][0]) for name in ("onnx", "onnxruntime")]


def test_colab_constraints_cover_every_dependency_and_satisfy_its_bound():
    from packaging.version import Version

    pins, bounds = compat_env.read_pins(), compat_env.lower_bounds()
    assert set(bounds) <= set(pins), f"Colab pins missing: {set(bounds) - set(pins)}"
    for name, bound in bounds.items():
        assert Version(pins[name]) >= Version(bound), (name, pins[name], bound)


def fake_wheel(directory, name, version):
    """A minimal installable wheel, so the test can offer an upgrade without an index."""
    return compat_env.stand_in_wheel(directory, name, version)


def test_guard_reports_a_preinstalled_package_it_would_replace(tmp_path):
    pins = compat_env.read_pins()
    pins["tqdm"] = "4.0.0"  # below the package's bound: pip must upgrade it
    fake_wheel(tmp_path, "tqdm", "4.99.0")
    problems = compat_env.guard(pins, extra_args=["--no-index", "--find-links", str(tmp_path)])
    assert problems == ["would replace Colab's tqdm 4.0.0 with 4.99.0"]


def test_guard_reports_a_package_colab_lacks(tmp_path):
    pins = compat_env.read_pins()
    del pins["tqdm"]
    fake_wheel(tmp_path, "tqdm", "4.99.0")
    (problem,) = compat_env.guard(pins, extra_args=["--no-index", "--find-links", str(tmp_path)])
    assert problem.startswith("would install tqdm 4.99.0, which Colab does not preinstall")


def test_guard_reports_a_preinstalled_package_the_deploy_extra_would_replace():
    pins = compat_env.read_pins()
    pins["protobuf"] = "3.19.6"  # Colab's in 2023, below what onnxruntime requires
    (problem,) = compat_env.guard(pins)
    assert problem.startswith("lightnets-edu[deploy] needs protobuf>=4.25.")  # from onnx or onnxruntime
    assert problem.endswith("which Colab's protobuf 3.19.6 does not satisfy: pip would replace it")


def test_guard_names_a_deploy_requirement_nobody_recorded():
    error = "No matching distribution found for onnx>=1.17 (from onnxruntime==1.99.0)"
    name, problem = compat_env.failed_plan("lightnets-edu[deploy]", error, compat_env.read_pins())
    assert name == "onnx"
    assert problem.startswith("lightnets-edu[deploy] needs onnx>=1.17 (from onnxruntime==1.99.0), which Colab "
                              "does not preinstall and compat_env.PYPI_STAND_INS does not record")


def test_the_deploy_extra_and_its_lower_bound_are_read_from_pyproject(tmp_path):
    assert compat_env.requirements(extra="deploy") == ["onnxruntime>=1.19", "onnx>=1.17,<1.23"]
    assert compat_env.lower_bounds(extra="deploy") == {"onnxruntime": "1.19", "onnx": "1.17"}
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\ndependencies = ["numpy>=1.24"]\n')
    with pytest.raises(ValueError, match="no extra 'deploy' in \\[project.optional-dependencies\\]"):
        compat_env.requirements(path, extra="deploy")


def test_requirement_closure_follows_installed_metadata_but_not_extras():
    pytest.importorskip("onnxruntime")
    closure = compat_env.requirement_closure(sys.executable, ["onnxruntime>=1.19"])
    assert {"onnxruntime", "numpy", "protobuf", "flatbuffers", "packaging"} <= closure
    assert "ml-dtypes" not in closure  # only onnxruntime[quantization] requires it


def test_bootstraps_are_read_with_their_extra(tmp_path):
    for name, request in [("01_a.ipynb", "lightnets-edu"), ("08_b.ipynb", "lightnets-edu[deploy]")]:
        (tmp_path / name).write_text(json.dumps(notebook(request, "v0.2.0")))
    assert compat_env.bootstraps(sorted(tmp_path.glob("*.ipynb"))) == {
        "01_a.ipynb": (None, "v0.2.0"), "08_b.ipynb": ("deploy", "v0.2.0")}


def test_set_release_rewrites_a_bootstrap_that_installs_an_extra(tmp_path):
    spec = importlib.util.spec_from_file_location("set_release", ROOT / "scripts" / "set_release.py")
    set_release = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(set_release)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "lightnets-edu"\nversion = "0.2.0"\n')
    (tmp_path / "notebooks").mkdir()
    for name, request in [("01_a.ipynb", "lightnets-edu"), ("08_b.ipynb", "lightnets-edu[deploy]")]:
        (tmp_path / "notebooks" / name).write_text(json.dumps(notebook(request, "v0.2.0")))
    set_release.main("9.8.7", root=tmp_path)
    assert compat_env.bootstraps(sorted((tmp_path / "notebooks").glob("*.ipynb"))) == {
        "01_a.ipynb": (None, "v9.8.7"), "08_b.ipynb": ("deploy", "v9.8.7")}


def notebook(request, tag):
    """A notebook whose only code cell is a bootstrap installing ``request`` at ``tag``."""
    line = f'    %pip install --quiet "{request} @ git+https://github.com/lightnets-course/lightnets@{tag}"\n'
    source = ["import importlib.util\n", 'if importlib.util.find_spec("lightnets_edu") is None:\n', line]
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_bad_constraints_line_is_named(tmp_path):
    path = tmp_path / "pins.txt"
    path.write_text("# ok\ntorch>=2.1\n")
    with pytest.raises(ValueError, match=r"pins.txt:2: expected 'name==version', got 'torch>=2.1'"):
        compat_env.read_pins(path)


def test_every_dependency_declares_a_plain_lower_bound(tmp_path):
    assert set(compat_env.lower_bounds()) >= {"torch", "torchvision", "numpy", "ipywidgets"}
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\ndependencies = ["numpy<3"]\n')
    with pytest.raises(ValueError, match="'numpy<3' has no plain '>=' lower bound"):
        compat_env.lower_bounds(path)


def test_freeze_comparison_names_every_change():
    before = ["ipywidgets==7.7.1", "torch==2.9.1", "zlib==1"]
    after = ["ipywidgets==8.1.9", "lightnets-edu @ git+file:///x@abc", "new==1.0", "torch==2.9.1"]
    assert compat_env.compare_freeze(before, after) == [
        "changed ipywidgets==7.7.1 -> ipywidgets==8.1.9", "installed new==1.0", "removed zlib==1"]


def test_freeze_comparison_accepts_only_additions_of_the_extra():
    before = ["numpy==2.0.2", "protobuf==5.29.6"]
    after = ["coloredlogs==15.0.1", "new==1.0", "numpy==2.0.2", "onnxruntime==1.32.0", "protobuf==6.33.0"]
    may_add = {"onnxruntime", "coloredlogs", "protobuf", "numpy"}
    assert compat_env.compare_freeze(before, after, may_add) == [
        "installed new==1.0", "changed protobuf==5.29.6 -> protobuf==6.33.0"]
