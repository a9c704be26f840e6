"""Point the book and the notebooks at another repository (for a fork).

    python scripts/set_repository_url.py https://github.com/you/lightnets

The repository URL lives in _config.yml (``repository.url``: launch buttons and
the repository button). Each chapter's Colab bootstrap cell installs the package
from the same URL, and book/instructors.md quotes that install line; this
script rewrites all three, touching nothing else, and tests/test_notebooks.py
checks that they agree. (The release tag is set by scripts/set_release.py.)
"""

import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
URL_LINE = re.compile(r"^(\s*url:\s*)(\S+)\s*$", re.M)


def main(new_url, root=ROOT):
    if not re.fullmatch(r"https://[\w.-]+/[\w.-]+/[\w.-]+", new_url):
        sys.exit(f"set_repository_url: error: expected https://HOST/OWNER/REPO, got {new_url!r}")
    config = root / "_config.yml"
    text = config.read_text()
    old_url = URL_LINE.search(text.split("repository:", 1)[1]).group(2)
    config.write_text(text.replace(f"url: {old_url}", f"url: {new_url}", 1))
    for path in sorted((root / "notebooks").glob("[0-9]*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["source"] = [line.replace(f"git+{old_url}@", f"git+{new_url}@") for line in cell["source"]]
        # sorted keys and indent 1, as nbformat writes notebooks
        path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
    page = root / "book" / "instructors.md"  # quotes the bootstrap's install line
    if page.exists():
        page.write_text(page.read_text().replace(f"git+{old_url}@", f"git+{new_url}@"))
    print(f"repository url: {old_url} -> {new_url}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
