"""Re-execute chapter notebooks in place, top to bottom in a fresh kernel.

    python scripts/execute_notebooks.py                      # every notebook
    python scripts/execute_notebooks.py notebooks/01_*.ipynb # some

The stored outputs are what the book shows and what nbval re-checks in CI, so
run this after changing the package and commit code and outputs together.
Widget state is saved so the book can render the widgets' views.

A notebook runs in well under 90 s, so a cell that takes more than
``CELL_TIMEOUT`` seconds means the kernel hung (seen occasionally on a loaded
machine, with the kernel idle): the run is abandoned and retried once in a
fresh kernel, and the notebook file is written only after a complete run.

The kernel runs with a pinned configuration (``PINNED`` below, unless the
caller's environment already sets those variables): ATen, oneDNN and MKL held
to AVX2 kernels and one thread. Seeded training digits depend on the CPU's
kernels; pinning them means that re-running a notebook on another x86 machine
rewrites as few digits of the measurement cells as possible. (Derivation cells
are identical on every CPU anyway; nbval checks that.)
"""

import os
import pathlib
import sys
import time

import nbclient
import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ROOT = pathlib.Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 180  # seconds; far above any cell of a notebook that must finish in 90 s
ATTEMPTS = 2
PINNED = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "DNNL_MAX_CPU_ISA": "AVX2",
          "OMP_NUM_THREADS": "1", "LIGHTNETS_THREADS": "1"}


def execute(path):
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _execute_once(path)
        except (CellTimeoutError, DeadKernelError) as error:
            if attempt == ATTEMPTS:
                raise
            print(f"{path}: {type(error).__name__}; retrying in a fresh kernel", flush=True)


def _execute_once(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # per-cell timestamps would only add noise to diffs
        cell.metadata.pop("execution", None)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True, record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},  # run where nbval runs it
    )
    start = time.perf_counter()
    client.execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def coalesce_streams(outputs):
    """Consecutive prints to one stream as one output, as nbval compares them: how the
    kernel chunks a cell's output depends on timing, not on the code."""
    merged = []
    for out in outputs:
        if merged and out.output_type == "stream" == merged[-1].output_type and out.name == merged[-1].name:
            merged[-1].text += out.text
        else:
            merged.append(out)
    return merged


def main(args):
    for name, value in PINNED.items():  # the kernel inherits this process's environment
        os.environ.setdefault(name, value)
    paths = [pathlib.Path(a) for a in args] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path in paths:
        print(f"{path}: executed in {execute(path.resolve()):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
