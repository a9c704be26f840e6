"""Build the environments students and maintainers meet, and run the course in them.

    python scripts/compat_env.py guard    # seconds, no download: what would Colab install?
    python scripts/compat_env.py colab    # make test-colab
    python scripts/compat_env.py min      # make test-min

guard   Plans (``pip install --dry-run --report``) the package's installation
        into an empty environment that holds only stand-ins for Colab's
        preinstalled distributions (``tests/colab-constraints.txt``): the plan
        must install lightnets-edu and nothing Colab already has. Run by
        ``make test`` (tests/test_compat.py).
colab   A virtual environment with Colab's versions really installed (Python
        3.12 where available, as on Colab); then the package is installed the
        way each chapter's bootstrap cell installs it, from a git URL (a
        throwaway git copy of this checkout); ``pip freeze`` before and after
        must differ only by lightnets-edu; then every chapter notebook runs top
        to bottom with nbclient, with no error and nothing on stderr.
min     The same with every dependency at the lower bound ``pyproject.toml``
        declares, on the oldest Python it declares: the unit tests, then every
        notebook.

The environments live in ``.venv-colab`` and ``.venv-min`` and are reused while
their pins are unchanged. Notebooks run on copies: nothing in the checkout is
written. Exit status 0 only if every check passed.
"""

import argparse
import difflib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLAB_PINS = ROOT / "tests" / "colab-constraints.txt"
# What the notebook runner and the unit tests need, beyond the package itself.
RUNNER = ["ipykernel<7", "nbclient", "nbformat"]  # Colab runs ipykernel 6; 7 can hang on widget cells
TESTER = ["pytest", "pyyaml", "nbval", "hypothesis"]
PINNED_KERNELS = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "DNNL_MAX_CPU_ISA": "AVX2",
                  "OMP_NUM_THREADS": "1", "LIGHTNETS_THREADS": "1"}


# ---------------------------------------------------------------- the pins

def read_pins(path=COLAB_PINS):
    """``name==version`` lines of a constraints file, as {normalized name: version}."""
    pins = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([\w.+]+)", line)
        if not match:
            raise ValueError(f"{path}:{number}: expected 'name==version', got {line!r}")
        pins[normalize(match.group(1))] = match.group(2)
    return pins


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def lower_bounds(pyproject=ROOT / "pyproject.toml"):
    """The package's declared lower bounds, {name: version}; every dependency must have one."""
    bounds = {}
    # the [project] dependencies array, read without tomllib (Python 3.11+) so this runs on 3.10 too
    block = re.search(r"^dependencies\s*=\s*\[(.*?)\]\s*$", pyproject.read_text(), flags=re.M | re.S).group(1)
    for requirement in re.findall(r'"([^"]+)"', block):
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([\w.]+)", requirement.split(";")[0].strip())
        if not match:
            raise ValueError(f"pyproject.toml: dependency {requirement!r} has no plain '>=' lower bound")
        bounds[normalize(match.group(1))] = match.group(2)
    return bounds


# ---------------------------------------------------------------- the guard

def build_wheel(dest):
    """Build lightnets-edu's wheel from a copy of the checkout (the build leaves files behind)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = pathlib.Path(tmp) / "src"
        source.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(ROOT / name, source / name)
        shutil.copytree(ROOT / "lightnets_edu", source / "lightnets_edu",
                        ignore=shutil.ignore_patterns("__pycache__"))
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--wheel-dir", str(dest), str(source)])
    return next(pathlib.Path(dest).glob("lightnets_edu-*.whl"))


def stand_in_environment(directory, pins):
    """An empty virtual environment whose site-packages claims the pinned distributions.

    Each stand-in is a bare ``.dist-info`` (name and version, no files, no
    requirements): to pip's resolver the distribution is installed, exactly as
    on Colab, where its own dependencies are installed too.
    """
    run([sys.executable, "-m", "venv", "--without-pip", str(directory)])
    purelib = subprocess.run([str(directory / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    for name, version in pins.items():
        info = pathlib.Path(purelib) / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "INSTALLER").write_text("stand-in\n")
        (info / "RECORD").write_text("")
    return directory / "bin" / "python"


def planned_installs(pins, extra_args=()):
    """What ``pip install`` of the package would install next to ``pins``: [(name, version)]."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        wheel = build_wheel(tmp / "wheel")
        python = stand_in_environment(tmp / "env", pins)
        report = tmp / "report.json"
        run([sys.executable, "-m", "pip", "--python", str(python), "install", "--dry-run", "--quiet",
             "--report", str(report), *extra_args, str(wheel)])
        return [(normalize(item["metadata"]["name"]), item["metadata"]["version"])
                for item in json.loads(report.read_text())["install"]]


def guard(pins=None, extra_args=()):
    """Problems with installing the package on Colab (an empty list when there are none)."""
    pins = read_pins() if pins is None else pins
    problems = []
    for name, version in planned_installs(pins, extra_args):
        if name in pins:
            problems.append(f"would replace Colab's {name} {pins[name]} with {version}")
        elif name != "lightnets-edu":
            problems.append(f"would install {name} {version}, which Colab does not preinstall "
                            "(add it to tests/colab-constraints.txt if Colab has it)")
    return problems


# ---------------------------------------------------------------- real environments

def run(command, **kwargs):
    print("+", " ".join(map(str, command)), flush=True)
    return subprocess.run(command, check=True, **kwargs)


def interpreter(version, variable):
    """A working ``python<version>`` ($variable, PATH, pyenv), else the running interpreter."""
    candidates = [os.environ.get(variable), shutil.which(f"python{version}"),
                  *sorted(map(str, pathlib.Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}")))]
    for path in filter(None, candidates):
        if subprocess.run([path, "--version"], capture_output=True).returncode == 0:
            return path  # a pyenv shim on PATH may exist and still refuse to run
    print(f"compat_env: no working python{version}; using {sys.executable} (set {variable} to choose)")
    return sys.executable


def make_env(directory, python, pins, extras):
    """Create (or reuse, when the stamp matches) a venv holding exactly ``pins`` plus ``extras``."""
    wanted = [f"{name}=={version}" for name, version in sorted(pins.items())]
    stamp = directory / ".compat-stamp"
    signature = json.dumps({"python": python, "pins": wanted, "extras": extras})
    if stamp.exists() and stamp.read_text() == signature:
        print(f"{directory.name}: reusing (pins unchanged)")
        return directory / "bin" / "python"
    shutil.rmtree(directory, ignore_errors=True)
    run([python, "-m", "venv", str(directory)])
    env_python = directory / "bin" / "python"
    run([env_python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        constraints.write("\n".join(wanted) + "\n")
    # the pins first, then the tools without moving a pin
    run([env_python, "-m", "pip", "install", "--quiet", *wanted])
    run([env_python, "-m", "pip", "install", "--quiet", "-c", constraints.name, *extras])
    os.unlink(constraints.name)
    stamp.write_text(signature)
    return env_python


def freeze(python):
    out = subprocess.run([str(python), "-m", "pip", "freeze", "--all"], check=True, capture_output=True, text=True).stdout
    return sorted(line for line in out.splitlines() if not line.startswith("-e "))


def bootstrap_install(python):
    """Install the package as a chapter's bootstrap cell does, from a git URL of this checkout."""
    cells = json.loads((ROOT / "notebooks" / "01_cost_of_convolution.ipynb").read_text())["cells"]
    command = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    match = re.search(r'%pip install (--quiet) "lightnets-edu @ git\+(\S+)@([\w.]+)"', command)
    if not match:
        raise SystemExit(f"compat_env: the bootstrap cell has no recognisable install line:\n{command}")
    with tempfile.TemporaryDirectory() as tmp:
        repo = pathlib.Path(tmp) / "lightnets"
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                               check=True, capture_output=True).stdout.decode().split("\0")
        for name in filter(None, files):
            if (ROOT / name).is_file():
                (repo / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, repo / name)
        git = ["git", "-c", "user.name=compat", "-c", "user.email=compat@localhost"]
        run([*git, "init", "--quiet", "--initial-branch", "main", str(repo)])
        run([*git, "-C", str(repo), "add", "-A"])
        run([*git, "-C", str(repo), "commit", "--quiet", "-m", "checkout under test"])
        if match.group(3) != "main":  # the release tag the bootstrap installs
            run([*git, "-C", str(repo), "tag", match.group(3)])
        run([str(python), "-m", "pip", "install", "--quiet", f"lightnets-edu @ git+file://{repo}@{match.group(3)}"])


def compare_freeze(before, after):
    """Problems in the before/after ``pip freeze``: anything changed or removed, anything added but the package."""
    problems = []
    old = {normalize(re.split(r"==| @ ", line)[0]): line for line in before}
    old.pop("lightnets-edu", None)  # the package itself may be there from an earlier run
    for line in after:
        name = normalize(re.split(r"==| @ ", line)[0])
        if name == "lightnets-edu":
            continue
        if name not in old:
            problems.append(f"installed {line}")
        elif old[name] != line:
            problems.append(f"changed {old[name]} -> {line}")
    names_after = {normalize(re.split(r"==| @ ", line)[0]) for line in after}
    problems += [f"removed {line}" for name, line in old.items() if name not in names_after]
    return problems


NOTEBOOK_RUNNER = r"""
import json, pathlib, sys, time
import nbclient, nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
CELL_TIMEOUT, ATTEMPTS = 180, 3  # a cell of a 90 s notebook never needs 180 s: past that the kernel hung
failures = []
for path in map(pathlib.Path, sys.argv[1:]):
    for attempt in range(1, ATTEMPTS + 1):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        try:
            nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                    resources={"metadata": {"path": str(path.parent)}}).execute()
            error = None
            break
        except (CellTimeoutError, DeadKernelError) as err:  # now and then a widget cell waits forever
            error = err
            print(f"{path.name}: {type(err).__name__} after {time.perf_counter() - start:.1f} s "
                  f"(attempt {attempt} of {ATTEMPTS})", flush=True)
        except Exception as err:
            error = err
            break
    if error is not None:
        failures.append(f"{path.name}: {type(error).__name__}: {str(error)[-1500:]}")
        print(f"{path.name}: FAILED after {time.perf_counter() - start:.1f} s", flush=True)
        continue
    noise = [f"{path.name} cell {i}: {''.join(out.get('text', ''))[:300]!r}"
             for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             for out in cell.get("outputs", []) if out.get("name") == "stderr"]
    failures += noise
    retried = f", after {attempt - 1} hung attempt(s)" if attempt > 1 else ""
    print(f"{path.name}: ran in {time.perf_counter() - start:.1f} s{retried}, {len(noise)} stderr output(s)",
          flush=True)
print(json.dumps(failures))
sys.exit(1 if failures else 0)
"""


def run_notebooks(python):
    """Execute copies of every chapter notebook in the environment; return the failures."""
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
            copies.append(pathlib.Path(tmp) / path.name)
            shutil.copy(path, copies[-1])
        env = {**os.environ, **PINNED_KERNELS, "HOME": os.environ.get("HOME", tmp)}
        # stderr (the runner's and its kernels' logs) goes to a file: a pipe read only at the
        # end fills up and blocks whoever writes to it, which looks exactly like a hung cell
        with tempfile.TemporaryFile("w+") as err:
            runner = subprocess.Popen([str(python), "-c", NOTEBOOK_RUNNER, *map(str, copies)], env=env, cwd=tmp,
                                      stdout=subprocess.PIPE, stderr=err, text=True)
            lines = []
            for line in runner.stdout:  # one line per notebook as it finishes, then the failures as JSON
                lines.append(line.rstrip("\n"))
                if not line.startswith("["):
                    print(lines[-1], flush=True)
            runner.wait()
            err.seek(0)
            stderr = err.read()
        if not lines or not lines[-1].startswith("["):
            return [f"the notebook runner failed (exit {runner.returncode}): {stderr[-2000:]}"]
        return json.loads(lines[-1])


def check_environment(kind):
    start = time.perf_counter()
    if kind == "colab":
        pins = read_pins()
        python = interpreter("3.12", "COLAB_PYTHON")  # as on Colab
        extras = RUNNER
        directory = ROOT / ".venv-colab"
    else:
        pins = lower_bounds()
        python = interpreter("3.10", "MIN_PYTHON")  # requires-python's floor
        extras = RUNNER + TESTER
        directory = ROOT / ".venv-min"
    env_python = make_env(directory, python, pins, extras)
    version = subprocess.run([str(env_python), "--version"], capture_output=True, text=True).stdout.strip()
    problems = []
    before = freeze(env_python)
    if kind == "colab":
        subprocess.run([str(env_python), "-m", "pip", "uninstall", "--quiet", "--yes", "lightnets-edu"],
                       capture_output=True)
        before = freeze(env_python)
        bootstrap_install(env_python)
        after = freeze(env_python)
        changes = compare_freeze(before, after)
        print("pip freeze, before -> after:")
        print("\n".join(difflib.unified_diff(before, after, "before", "after", lineterm="", n=0)) or "(identical)")
        problems += [f"the bootstrap install {change}" for change in changes]
    else:
        with tempfile.TemporaryDirectory() as tmp:  # with its dependencies: they must be the pins already there
            # a reused environment holds a wheel of the same version from an older checkout,
            # which pip would call satisfied and keep: remove it first
            run([env_python, "-m", "pip", "uninstall", "--quiet", "--yes", "lightnets-edu"])
            run([env_python, "-m", "pip", "install", "--quiet", str(build_wheel(pathlib.Path(tmp)))])
        after = freeze(env_python)
        changes = compare_freeze(before, after)
        problems += [f"installing the package {change}" for change in changes]
        # test_compat builds a wheel with this checkout's build tools: it belongs to the main environment
        tests = subprocess.run([str(env_python), "-m", "pytest", "-q", "tests", "-p", "no:cacheprovider",
                                "-o", "addopts=", "--ignore=tests/test_compat.py"], cwd=ROOT)
        if tests.returncode:
            problems.append(f"unit tests failed (exit {tests.returncode})")
    problems += run_notebooks(env_python)
    print(f"\n{kind}: {version}; " + ", ".join(f"{n} {v}" for n, v in sorted(pins.items())))
    print(f"{kind}: {time.perf_counter() - start:.0f} s")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"{kind}: {'FAILED' if problems else 'passed'}")
    return 1 if problems else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["guard", "colab", "min"])
    kind = parser.parse_args(argv).kind
    if kind == "guard":
        problems = guard()
        for problem in problems:
            print(f"PROBLEM: {problem}")
        print("guard: " + ("FAILED" if problems else "Colab keeps every preinstalled package"))
        return 1 if problems else 0
    return check_environment(kind)


if __name__ == "__main__":
    sys.exit(main())
