"""Pin the course to a release: the package version and the tag students install.

    python scripts/set_release.py 0.3.0

Each chapter's Colab bootstrap cell installs the package from the repository
at the tag ``v<version>``, so that what students install (and are graded
against) cannot change in the middle of a term. This script writes the version
into ``pyproject.toml``, the tag into every bootstrap cell and into the book's
pages that quote it, touching nothing else; tests/test_notebooks.py checks
that they agree. Then commit, and tag the commit: ``git tag v0.3.0``, and push
the tag to the repository the bootstrap installs from.
"""

import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
VERSION_LINE = re.compile(r'^version = "([^"]+)"$', re.M)
# "lightnets-edu @ git+URL@TAG", or with an extra: "lightnets-edu[deploy] @ git+URL@TAG" (chapters 8 and 9)
BOOTSTRAP_REF = re.compile(r'(lightnets-edu(?:\[\w+\])? @ git\+\S+?@)([\w.]+)(")')
BOOK_TAG = re.compile(r"(@)v\d+\.\d+\.\d+\b")
PAGES = ("book/instructors.md", "book/how-to-use.md", "README.md")


def main(version, root=ROOT):
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        sys.exit(f"set_release: error: expected a version MAJOR.MINOR.PATCH such as 0.3.0, got {version!r}")
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    old = VERSION_LINE.search(text).group(1)
    pyproject.write_text(VERSION_LINE.sub(f'version = "{version}"', text, count=1))
    tag = f"v{version}"
    for path in sorted((root / "notebooks").glob("[0-9]*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["source"] = [BOOTSTRAP_REF.sub(rf"\g<1>{tag}\g<3>", line) for line in cell["source"]]
        # sorted keys and indent 1, as nbformat writes notebooks
        path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n")
    for name in PAGES:
        page = root / name
        if page.exists():
            page.write_text(BOOK_TAG.sub(rf"\g<1>{tag}", page.read_text()))
    print(f"release: {old} -> {version}; bootstrap cells install @{tag} (now tag that commit: git tag {tag})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
