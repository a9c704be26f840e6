"""Build the environments students and maintainers meet, and run the course in them.

    python scripts/compat_env.py guard    # seconds, no download: what would Colab install?
    python scripts/compat_env.py colab    # make test-colab
    python scripts/compat_env.py min      # make test-min

guard   Plans (``pip install --dry-run --report``) the package's installation
        into an empty environment that holds only stand-ins for Colab's
        preinstalled distributions (``tests/colab-constraints.txt``): the plan
        must install lightnets-edu and nothing Colab already has. Then it plans
        ``lightnets-edu[deploy]`` (the bootstrap of chapters 8 and 9) for Colab's Python,
        against stand-ins of what PyPI offers (``PYPI_STAND_INS``, no index): it
        may add packages (listed) but never replace one Colab has. Run by
        ``make test`` (tests/test_compat.py); no network. ``guard --online``
        plans the extra against the real index instead, to refresh the stand-ins.
colab   A virtual environment with Colab's versions really installed (Python
        3.12 where available, as on Colab); then the package is installed the
        way each chapter's bootstrap cell installs it, from a git URL (a
        throwaway git copy of this checkout); ``pip freeze`` before and after
        must differ only by lightnets-edu; if a chapter's bootstrap installs an
        extra (chapters 8 and 9: ``[deploy]``), that install, in the same environment
        as a student running the chapters in order, may only add what the
        extra requires; then every chapter notebook runs top to bottom with
        nbclient, with no error and nothing on stderr.
min     The same with every dependency, and the extras', at the lower bound
        ``pyproject.toml`` declares, on the oldest Python it declares: the unit
        tests, then every notebook.

The environments live in ``.venv-colab`` and ``.venv-min`` and are reused while
their pins are unchanged. Notebooks run on copies: nothing in the checkout is
written. Exit status 0 only if every check passed.
"""

import argparse
import contextlib
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
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLAB_PINS = ROOT / "tests" / "colab-constraints.txt"
# What the notebook runner and the unit tests need, beyond the package itself.
RUNNER = ["ipykernel<7", "nbclient", "nbformat"]  # Colab runs ipykernel 6; 7 can hang on widget cells
COLAB_PYTHON = "3.12"  # the runtime tests/colab-constraints.txt describes
# What PyPI offers for the deploy extra that Colab lacks, as pip picks it for Colab (Python 3.12,
# manylinux x86_64): version, Requires-Python and Requires-Dist from the wheel's METADATA
# (onnxruntime-1.32.0-cp312-cp312-manylinux_2_28_x86_64.whl, uploaded 2026-11-13). The guard plans
# against stand-in wheels of these, so it needs no network; `compat_env.py guard --online` plans
# against PyPI itself: update this when it finds newer versions or other requirements.
PYPI_STAND_INS = {
    "onnxruntime": ("1.32.0", ">=3.11", ["flatbuffers", "numpy>=1.21.6", "packaging", "protobuf>=4.25.8",
                                         'sympy; extra == "symbolic"', 'ml_dtypes; extra == "quantization"']),
    # onnx-1.22.0-cp312-abi3-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl: the newest below the
    # extra's bound (1.23 needs protobuf>=6.31.1)
    "onnx": ("1.22.0", ">=3.10", ["numpy>=1.23.2", "protobuf>=4.25.1", "typing_extensions>=4.15.0",
                                  "ml_dtypes>=0.5.4"]),
}
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


def requirements(pyproject=ROOT / "pyproject.toml", extra=None):
    """The package's requirement strings: its dependencies, or those of the extra ``extra``."""
    # read without tomllib (Python 3.11+) so this runs on 3.10 too
    text, key = pyproject.read_text(), "dependencies"
    if extra is not None:  # the array named ``extra`` in [project.optional-dependencies], up to the next table
        section = re.split(r"^\[project\.optional-dependencies\]\s*$", text, flags=re.M)
        text, key = re.split(r"^\[", section[-1] if len(section) > 1 else "", flags=re.M)[0], re.escape(extra)
    block = re.search(rf"^{key}\s*=\s*\[(.*?)\]\s*$", text, flags=re.M | re.S)
    if block is None:
        raise ValueError(f"{pyproject.name}: no extra {extra!r} in [project.optional-dependencies]")
    return re.findall(r'"([^"]+)"', block.group(1))


def lower_bounds(pyproject=ROOT / "pyproject.toml", extra=None):
    """The declared lower bounds, {name: version}, of the dependencies (or the extra's); each must have one."""
    bounds = {}
    for requirement in requirements(pyproject, extra):
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([\w.]+)(\s*,\s*<\s*[\w.]+)?", requirement.split(";")[0].strip())
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


def stand_in_wheel(directory, name, version, requires_python=None, requires=()):
    """A wheel with nothing in it but metadata: what pip's resolver reads from an index."""
    path = pathlib.Path(directory) / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += f"Requires-Python: {requires_python}\n" if requires_python else ""
    metadata += "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{info}/METADATA", metadata)
        wheel.writestr(f"{info}/WHEEL",
                       "Wheel-Version: 1.0\nGenerator: stand-in\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    return path


class PlanFailed(Exception):
    """pip found no installation plan; the message is pip's error."""


def dry_run(python, target, args):
    """What ``pip install target`` would install into ``python``'s environment: [(name, version)]."""
    with tempfile.TemporaryDirectory() as tmp:
        report = pathlib.Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--dry-run", "--quiet",
                   "--report", str(report), *args, target]
        print("+", " ".join(command), flush=True)
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode:
            raise PlanFailed(" ".join(line[len("ERROR: "):] for line in result.stderr.splitlines()
                                      if line.startswith("ERROR: ")) or result.stderr[-500:])
        return [(normalize(item["metadata"]["name"]), item["metadata"]["version"])
                for item in json.loads(report.read_text())["install"]]


def failed_plan(target, error, pins, online=False):
    """From pip's reason for finding no plan: (the package it could not find or None, the problem in words)."""
    missing = re.search(r"No matching distribution found for (([A-Za-z0-9_.-]+)\S*)( \(from [^)]*\))?", str(error))
    if missing is None or online:
        where = " from PyPI (is it reachable?)" if online else ""
        return None, f"pip finds no way to install {target}{where}: {error}"
    requirement, name, source = missing.group(1), normalize(missing.group(2)), missing.group(3) or ""
    if name in pins:
        return name, (f"{target} needs {requirement}{source}, which Colab's {name} {pins[name]} does not satisfy: "
                      "pip would replace it")
    return name, (f"{target} needs {requirement}{source}, which Colab does not preinstall and "
                  "compat_env.PYPI_STAND_INS does not record (`compat_env.py guard --online` shows what PyPI offers)")


def survey(pins=None, extra_args=(), online=False):
    """Problems with installing the package on Colab, and what the deploy extra adds: (problems, [(name, version)]).

    Two plans next to stand-ins of Colab's packages: ``lightnets-edu`` (every
    chapter's bootstrap) must install nothing but itself; ``lightnets-edu[deploy]``
    (chapters 8 and 9), for Colab's Python, may add packages but replace none. The
    second plans against stand-in wheels of PYPI_STAND_INS and no index, or
    against the real index when ``online``. ``extra_args`` go to both plans.
    """
    pins = read_pins() if pins is None else pins
    problems, additions = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        wheel = build_wheel(tmp / "wheel")
        python = stand_in_environment(tmp / "env", pins)
        (tmp / "pypi").mkdir()
        for name, (version, requires_python, requires) in PYPI_STAND_INS.items():
            stand_in_wheel(tmp / "pypi", name, version, requires_python, requires)
        colab = ["--python-version", COLAB_PYTHON, "--only-binary", ":all:"]  # the wheels pip picks on Colab
        pypi = [] if online else ["--no-index", "--find-links", str(tmp / "pypi")]
        plans = {"lightnets-edu": (str(wheel), [*extra_args]),
                 "lightnets-edu[deploy]": (f"{wheel}[deploy]", [*colab, *pypi, *extra_args])}
        reported = {"lightnets-edu"}  # the deploy plan repeats the plain one: report each package once
        for request, (target, args) in plans.items():
            try:
                plan = dry_run(python, target, args)
            except PlanFailed as error:
                name, problem = failed_plan(request, error, pins, online and request != "lightnets-edu")
                if name not in reported:  # the plain plan may have reported it already
                    problems.append(problem)
                continue
            for name, version in plan:
                if name in reported:
                    continue
                reported.add(name)
                if name in pins:
                    problems.append(f"would replace Colab's {name} {pins[name]} with {version}")
                elif request == "lightnets-edu":
                    problems.append(f"would install {name} {version}, which Colab does not preinstall "
                                    "(add it to tests/colab-constraints.txt if Colab has it)")
                else:  # what the extra adds: new to Colab, which is allowed
                    additions.append((name, version))
    return problems, additions


def guard(pins=None, extra_args=(), online=False):
    """Problems with installing the package, or its deploy extra, on Colab (an empty list when there are none)."""
    return survey(pins, extra_args, online)[0]


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
    stamp, baseline = directory / ".compat-stamp", directory / ".compat-baseline"
    signature = json.dumps({"python": python, "pins": wanted, "extras": extras})
    if stamp.exists() and baseline.exists() and stamp.read_text() == signature:
        env_python = directory / "bin" / "python"
        # undo what an earlier run added (the package, an extra's requirements); if it changed more, rebuild
        kept = {freeze_name(line) for line in baseline.read_text().splitlines()}
        added = [name for name in map(freeze_name, freeze(env_python)) if name not in kept]
        if added:
            run([env_python, "-m", "pip", "uninstall", "--quiet", "--yes", *added])
        if freeze(env_python) == baseline.read_text().splitlines():
            print(f"{directory.name}: reusing (pins unchanged)")
            return env_python
        print(f"{directory.name}: rebuilding (an earlier run changed more than it added)")
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
    baseline.write_text("".join(f"{line}\n" for line in freeze(env_python)))
    stamp.write_text(signature)
    return env_python


def freeze(python):
    out = subprocess.run([str(python), "-m", "pip", "freeze", "--all"], check=True, capture_output=True, text=True).stdout
    return sorted(line for line in out.splitlines() if not line.startswith("-e "))


def freeze_name(line):
    """The normalized name in a ``pip freeze`` line (``name==version`` or ``name @ url``)."""
    return normalize(re.split(r"==| @ ", line)[0])


# a chapter's bootstrap: the package, or the package with an extra (chapters 8 and 9: [deploy]), at a release tag
BOOTSTRAP_LINE = re.compile(r'%pip install --quiet "lightnets-edu(?:\[(\w+)\])? @ git\+(\S+)@([\w.]+)"')


def bootstraps(notebooks=None):
    """Each chapter's bootstrap install, {notebook name: (extra or None, release tag)}."""
    found = {}
    for path in notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        command = next(("".join(c["source"]) for c in cells
                        if c["cell_type"] == "code" and "%pip install" in "".join(c["source"])), "")
        match = BOOTSTRAP_LINE.search(command)
        if not match:
            raise SystemExit(f"compat_env: {path.name}'s bootstrap cell has no recognisable install line:\n{command}")
        found[path.name] = (match.group(1), match.group(3))
    return found


@contextlib.contextmanager
def git_copy(tag):
    """A throwaway git repository of this checkout (tracked and untracked files), tagged ``tag``: its URL."""
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
        if tag != "main":  # the release tag the bootstraps install
            run([*git, "-C", str(repo), "tag", tag])
        yield f"git+file://{repo}"


REQUIREMENT_CLOSURE = r"""
import importlib.metadata, json, re, sys
todo, seen = sys.argv[1:], set()
while todo:
    name = re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", todo.pop()).group()).lower()
    if name not in seen:
        seen.add(name)
        try:  # every requirement but those of the installed distributions' own extras
            todo += [r for r in importlib.metadata.requires(name) or [] if not re.search(r"\bextra\s*==", r)]
        except importlib.metadata.PackageNotFoundError:
            pass
print(json.dumps(sorted(seen)))
"""


def requirement_closure(python, requirements):
    """The names of ``requirements`` and of everything they require, as installed in ``python``'s environment."""
    out = subprocess.run([str(python), "-c", REQUIREMENT_CLOSURE, *requirements], check=True, capture_output=True,
                         text=True).stdout
    return set(json.loads(out))


def compare_freeze(before, after, may_add=()):
    """Problems in the before/after ``pip freeze``: anything changed or removed, anything added but the
    package and the names in ``may_add``."""
    problems = []
    old = {freeze_name(line): line for line in before}
    old.pop("lightnets-edu", None)  # the package itself may be there from an earlier run
    for line in after:
        name = freeze_name(line)
        if name == "lightnets-edu":
            continue
        if name not in old:
            if name not in may_add:
                problems.append(f"installed {line}")
        elif old[name] != line:
            problems.append(f"changed {old[name]} -> {line}")
    names_after = {freeze_name(line) for line in after}
    problems += [f"removed {line}" for name, line in old.items() if name not in names_after]
    return problems


def bootstrap_installs(python):
    """Install the package as the chapters' bootstrap cells do, in order in one runtime: problems in pip freeze.

    First as every chapter installs it: pip freeze may gain lightnets-edu only.
    Then with each extra a chapter's bootstrap asks for (chapters 8 and 9: deploy), as a
    student who ran an earlier chapter in the same runtime installs it: pip
    freeze may gain only what the extra requires, and change nothing.
    """
    wanted = bootstraps()
    tags = {tag for _, tag in wanted.values()}
    if len(tags) != 1:
        raise SystemExit(f"compat_env: the bootstrap cells install different releases: {wanted}")
    tag, problems = tags.pop(), []
    with git_copy(tag) as url:
        requests = [("lightnets-edu", [])] + [(f"lightnets-edu[{extra}]", requirements(extra=extra))
                                              for extra in sorted({extra for extra, _ in wanted.values() if extra})]
        for request, extra_requirements in requests:
            before = freeze(python)
            run([str(python), "-m", "pip", "install", "--quiet", f"{request} @ {url}@{tag}"])
            after = freeze(python)
            print(f"pip freeze, before -> after installing {request}:")
            print("\n".join(difflib.unified_diff(before, after, "before", "after", lineterm="", n=0)) or "(identical)")
            may_add = requirement_closure(python, extra_requirements) if extra_requirements else ()
            problems += [f"the bootstrap install of {request} {change}"
                         for change in compare_freeze(before, after, may_add)]
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
        python = interpreter(COLAB_PYTHON, "COLAB_PYTHON")  # as on Colab
        extras = RUNNER
        directory = ROOT / ".venv-colab"
    else:
        pins = {**lower_bounds(), **lower_bounds(extra="deploy")}  # chapters 8 and 9 run onnxruntime too
        python = interpreter("3.10", "MIN_PYTHON")  # requires-python's floor
        extras = RUNNER + TESTER
        directory = ROOT / ".venv-min"
    env_python = make_env(directory, python, pins, extras)
    version = subprocess.run([str(env_python), "--version"], capture_output=True, text=True).stdout.strip()
    problems = []
    if kind == "colab":
        problems += bootstrap_installs(env_python)  # make_env took away what an earlier run installed
    else:
        before = freeze(env_python)
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
    parser.add_argument("--online", action="store_true", help="guard: plan the deploy extra against PyPI itself")
    args = parser.parse_args(argv)
    if args.kind == "guard":
        start = time.perf_counter()
        problems, additions = survey(online=args.online)
        for problem in problems:
            print(f"PROBLEM: {problem}")
        print("guard: lightnets-edu[deploy] adds " + (", ".join(f"{n} {v}" for n, v in additions) or "nothing")
              + (" (PyPI)" if args.online else " (compat_env.PYPI_STAND_INS)"))
        stale = [f"{n} {v}" for n, v in additions if PYPI_STAND_INS.get(n, (None,))[0] != v]
        if args.online and stale:
            print(f"guard: PYPI_STAND_INS is out of date: PyPI offers {', '.join(stale)}")
        print(f"guard: {time.perf_counter() - start:.1f} s; "
              + ("FAILED" if problems else "Colab keeps every preinstalled package"))
        return 1 if problems else 0
    return check_environment(args.kind)


if __name__ == "__main__":
    sys.exit(main())
