"""The package keeps its one-way flow, and the README's commands are what CI runs."""

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lightnets_edu"


def imports_of(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
    return names


def test_cost_never_imports_torch():
    for path in (PACKAGE / "cost").glob("*.py"):
        assert not any(name.split(".")[0] == "torch" for name in imports_of(path)), path


def test_nothing_imports_cli():
    for path in PACKAGE.rglob("*.py"):
        if path.name not in ("cli.py", "__main__.py"):
            assert not any(name.endswith("cli") for name in imports_of(path)), path


def test_profile_knows_nothing_of_our_models():
    assert not any("models" in name or "layers" in name for name in imports_of(PACKAGE / "profile.py"))


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^\s*(make \w+)\s*$", readme.split("## Quick start")[1].split("\n## ")[0], flags=re.M)
    assert commands == ["make book", "make test"]
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), flags=re.M)


def test_torch_is_only_lower_bounded():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if re.match(r"torch(vision)?\b", line):
            assert re.fullmatch(r"torch(vision)?>=[\d.]+", line.strip()), line
