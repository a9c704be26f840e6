"""Re-execute chapter notebooks in place, top to bottom in a fresh kernel.

    python scripts/execute_notebooks.py                      # every notebook
    python scripts/execute_notebooks.py notebooks/01_*.ipynb # some

The stored outputs are what the book shows and what nbval re-checks in CI, so
run this after changing the package and commit code and outputs together.
Widget state is saved so the book can render the widgets' views.
"""

import pathlib
import sys
import time

import nbclient
import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent


def execute(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:  # per-cell timestamps would only add noise to diffs
        cell.metadata.pop("execution", None)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", store_widget_state=True, record_timing=False,
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
