"""Installing the package on Colab changes nothing Colab preinstalled (a dry run, no download).

`make test-colab` and `make test-min` build the real environments; this is the
cheap guard that runs with every `make test` (scripts/compat_env.py).
"""

import importlib.util
import pathlib
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("compat_env", ROOT / "scripts" / "compat_env.py")
compat_env = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat_env)


def test_colab_keeps_every_preinstalled_package():
    assert compat_env.guard() == []


def test_colab_constraints_cover_every_dependency_and_satisfy_its_bound():
    from packaging.version import Version

    pins, bounds = compat_env.read_pins(), compat_env.lower_bounds()
    assert set(bounds) <= set(pins), f"Colab pins missing: {set(bounds) - set(pins)}"
    for name, bound in bounds.items():
        assert Version(pins[name]) >= Version(bound), (name, pins[name], bound)


def fake_wheel(directory, name, version):
    """A minimal installable wheel, so the test can offer an upgrade without an index."""
    path = directory / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    return path


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
