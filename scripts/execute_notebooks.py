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
"""

import pathlib
import sys
import time

import nbclient
import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ROOT = pathlib.Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 180  # seconds; far above any cell of a notebook that must finish in 90 s
ATTEMPTS = 2


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
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main(args):
    paths = [pathlib.Path(a) for a in args] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path in paths:
        print(f"{path}: executed in {execute(path.resolve()):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
