"""Grade a class's notebooks: ``lightnets-edu grade SUBMISSIONS --chapter N --out grades.csv``.

Each submitted notebook is graded on its own, and nothing a student sent is
ever modified:

1. it is copied into a fresh temporary folder, which becomes the working
   directory and ``HOME`` of a child process;
2. the child executes the copy top to bottom in a fresh kernel (nbclient),
   going on after a cell that raises, under a wall-clock limit for the whole
   notebook, a memory limit (``RLIMIT_AS``) and, where the system allows it,
   in a network namespace of its own (``unshare --net``: no network at all);
3. every checker the notebook calls appends its verdict to a log named by
   ``LIGHTNETS_GRADE_LOG`` (see :mod:`lightnets_edu.exercises._catalog`);
4. the log and the executed copy become one row per exercise of the chapter's
   catalogue: file, exercise, kind, points earned, points possible, verdict,
   message. A notebook that is not valid JSON, crashes, runs out of time or
   never calls a checker gets rows that say so; one bad submission never stops
   the run.

The remaining risk: a submission runs with the grader's user id, so it can
read and write what that user can (the folder is temporary, not a jail), and
without ``unshare`` it can reach the network. For a class you do not trust,
run the grader in a container with no network and only the submissions
mounted, e.g. ``docker run --rm --network none -v "$PWD":/work -w /work IMAGE
lightnets-edu grade submissions --chapter 2 --out grades.csv``.
"""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .exercises import _catalog

__all__ = ["Row", "grade", "grade_notebook", "FIELDS"]

FIELDS = ["file", "exercise", "kind", "points_earned", "points_possible", "verdict", "message"]
TOTAL_FIELDS = ["file", "points_earned", "points_possible", "status"]


@dataclass
class Row:
    """One line of grades.csv: one student's result on one exercise."""

    file: str
    exercise: str
    kind: str
    points_earned: object  # a number, or "" for an exercise graded by hand
    points_possible: int
    verdict: str           # correct / partial / incorrect / missing / by hand
    message: str


def grade(submissions, chapter, out, timeout=300, memory_mb=8192, jobs=1, force=False):
    """Grade every ``*.ipynb`` under ``submissions``; write ``out`` and ``<out>-totals.csv``.

    ``jobs`` notebooks run at a time. Returns the list of per-student totals
    (dicts with ``TOTAL_FIELDS``). Refuses to overwrite an existing ``out``
    unless ``force``.
    """
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise ValueError(f"SUBMISSIONS={str(submissions)!r} is not a folder of notebooks")
    exercises = _catalog.catalog(chapter)
    if not exercises:
        raise ValueError(f"chapter={chapter!r} has no exercises; expected one of "
                         f"{sorted({e.chapter for e in _catalog.catalog()})}")
    totals_path = out.with_name(out.stem + "-totals.csv")
    for path in (out, totals_path):
        if path.exists() and not force:
            raise FileExistsError(f"{path} exists; pass --force to replace it")
    notebooks = sorted(p for p in submissions.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not notebooks:
        raise ValueError(f"no .ipynb file under {submissions}")
    names = [str(path.relative_to(submissions)) for path in notebooks]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:  # threads: each run is a child process
        results = list(pool.map(lambda p, n: grade_notebook(p, exercises, n, timeout, memory_mb), notebooks, names))
    rows, totals = [], []
    for name, (student_rows, status) in zip(names, results):
        rows += student_rows
        graded = [r for r in student_rows if r.kind != "explain"]
        totals.append({"file": name, "points_earned": round(sum(r.points_earned for r in graded), 2),
                       "points_possible": sum(r.points_possible for r in graded), "status": status})
    _write_csv(out, FIELDS, [vars(r) for r in rows])
    _write_csv(totals_path, TOTAL_FIELDS, totals)
    return totals


def grade_notebook(path, exercises, name, timeout, memory_mb):
    """The rows of one submission, and a one-line status of its run."""
    try:
        json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        status = f"not a readable notebook ({type(err).__name__}: {_first_line(err)})"
        return [_missing(name, e, status) for e in exercises], status
    with tempfile.TemporaryDirectory(prefix="lightnets-grade-") as tmp:
        tmp = Path(tmp)
        work, home = tmp / "work", tmp / "home"
        work.mkdir()
        home.mkdir()
        copy = work / "submission.ipynb"
        shutil.copyfile(path, copy)
        log, executed = tmp / "verdicts.jsonl", tmp / "executed.ipynb"
        status = _run_child(copy, executed, log, work, home, timeout, memory_mb)
        verdicts = _read_log(log)
        errors = _checker_cell_errors(executed if executed.exists() else copy)
    rows = []
    for e in exercises:
        if e.kind == "explain":
            rows.append(Row(name, e.key, e.kind, "", e.points, "by hand",
                            "graded by hand: read the student's written answer"))
        elif e.key in verdicts:
            v = verdicts[e.key]  # the last call counts
            verdict = "correct" if v["correct"] else "partial" if v["score"] > 0 else "incorrect"
            rows.append(Row(name, e.key, e.kind, round(e.points * v["score"], 2), e.points, verdict, v["message"]))
        else:
            rows.append(_missing(name, e, errors.get(e.checker) or (
                status if status != "ok" else f"{e.checker} was never called: the exercise cell is missing")))
    return rows, status


def _missing(name, e, why):
    if e.kind == "explain":
        return Row(name, e.key, e.kind, "", e.points, "by hand", f"graded by hand ({why})")
    return Row(name, e.key, e.kind, 0, e.points, "missing", why)


# ---------------------------------------------------------------- the child process

def _run_child(notebook, executed, log, work, home, timeout, memory_mb):
    """Execute ``notebook`` in a child process; return "ok" or what went wrong."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "JUPYTER_"))}
    env.update({"HOME": str(home), _catalog.GRADE_LOG: str(log), "MPLBACKEND": "Agg",
                "PYTHONDONTWRITEBYTECODE": "1"})
    command = [sys.executable, "-m", "lightnets_edu.grade", "--execute", str(notebook), str(executed), str(timeout)]
    command = _without_network() + command
    limit = memory_mb * 2 ** 20

    def limits():  # in the child, before it runs: a memory ceiling that the kernel inherits
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    process = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=limits)
    try:
        output, _ = process.communicate(timeout=timeout + 30)  # the child stops itself at `timeout`
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the child and its kernel
        process.communicate()
        return f"stopped: the notebook ran past the {timeout} s limit"
    finally:
        _kill_group(process.pid)
    text = output.decode(errors="replace").strip()
    if process.returncode == 0:
        return "ok"
    if "CellTimeoutError" in text or "TimeoutError" in text:
        return f"stopped: a cell ran past the {timeout} s limit (an endless loop?)"
    if "DeadKernelError" in text or process.returncode < 0:
        return "the kernel died (out of memory?)"
    return f"could not run the notebook: {text.splitlines()[-1] if text else 'no output'}"


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


_NETWORK_PREFIX = None


def _without_network():
    """``unshare`` arguments for a private network namespace, if this system allows them."""
    global _NETWORK_PREFIX
    if _NETWORK_PREFIX is None:
        _NETWORK_PREFIX = []
        unshare = shutil.which("unshare")
        for prefix in ([unshare, "--net"], [unshare, "--user", "--map-root-user", "--net"]) if unshare else ():
            try:
                if subprocess.run(prefix + ["true"], capture_output=True, timeout=10).returncode == 0:
                    _NETWORK_PREFIX = prefix
                    break
            except (OSError, subprocess.TimeoutExpired):
                continue
    return list(_NETWORK_PREFIX)


def _execute(notebook, executed, timeout):
    """In the child: run every cell (going on after errors) and save the result."""
    import nbclient
    import nbformat
    from jupyter_client.manager import KernelManager

    nb = nbformat.read(notebook, as_version=4)
    # Unix sockets, not TCP: in a fresh network namespace even the loopback is down.
    km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(notebook).parent / "kernel"))
    client = nbclient.NotebookClient(nb, km=km, timeout=int(timeout), allow_errors=True,
                                     resources={"metadata": {"path": str(Path(notebook).parent)}})
    def out_of_time(signum, frame):
        raise TimeoutError(f"the notebook ran past its {timeout} s limit")

    signal.signal(signal.SIGALRM, out_of_time)  # the whole notebook, not just one cell
    signal.alarm(int(timeout))
    try:
        client.execute()
    finally:
        signal.alarm(0)
        nbformat.write(nb, executed)


# ---------------------------------------------------------------- reading the results

def _read_log(log):
    verdicts = {}
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                verdicts[record["exercise"]] = record
            except (ValueError, KeyError, TypeError):
                continue  # a line a submission forged or cut short: ignore it
    return verdicts


def _checker_cell_errors(notebook):
    """``{checker name: "the cell calling it raised NameError: ..."}`` from error outputs."""
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    errors = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                for checker in re.findall(r"\b(check_\d\d_\d+)\s*\(", source):
                    errors.setdefault(checker, f"the cell calling {checker} raised {output.get('ename')}: "
                                               f"{_first_line(output.get('evalue', ''))}")
    return errors


def _first_line(text):
    text = str(text).strip()
    return (text.splitlines() or [""])[0][:200]


def _write_csv(path, fields, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--execute":
    _execute(sys.argv[2], sys.argv[3], sys.argv[4])
