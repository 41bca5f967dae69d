"""Project-level checks: README commands, CI script, dependency lists, notebooks."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```[^\n]*\n(.*?)```", text, re.S)
    assert block, "README.md has no fenced code block"
    return [ln for ln in block.group(1).splitlines() if ln.strip()]


def test_readme_starts_with_two_commands():
    commands = _readme_commands()
    assert len(commands) == 2
    setup_and_run, setup_and_test = commands
    assert "nsmap run data/raw/demo/study.yaml" in setup_and_run
    assert "pytest" in setup_and_test
    for cmd in commands:
        assert cmd.startswith("python3 -m venv .venv && ")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_commands()[1] in ci.splitlines()


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ ;\[]", spec, maxsplit=1)[0].strip().lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(d): d.replace(" ", "") for d in project["dependencies"]}
    for extra in project.get("optional-dependencies", {}).values():
        wanted.update({_name(d): d.replace(" ", "") for d in extra})
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    got = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and _name(dep) not in ("python", "pip"):
            got[_name(dep)] = dep.replace(" ", "")
    assert got == wanted
    python = next(d for d in env["dependencies"] if isinstance(d, str) and _name(d) == "python")
    assert python.replace(" ", "") == "python" + project["requires-python"]


def test_package_exposes_an_explicit_api():
    for path in sorted((ROOT / "toolkit").glob("*.py")):
        if path.name.startswith("_") and path.name != "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [t.id for node in tree.body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)]
        assert "__all__" in names, f"{path.name} has no __all__"


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_are_committed_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    source = "".join(tagged[0]["source"])
    for node in ast.parse(source).body:  # literals only
        assert isinstance(node, ast.Assign)
        ast.literal_eval(node.value)
    assert nb["cells"][0]["cell_type"] == "markdown"
    assert nb["cells"][0]["source"][0].startswith("# ") if isinstance(
        nb["cells"][0]["source"], list) else nb["cells"][0]["source"].startswith("# ")
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_notebooks_keep_logic_in_the_toolkit():
    """Notebook code cells call the toolkit; they define no functions or classes."""
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            tree = ast.parse("".join(cell["source"]))
            defs = [n for n in ast.walk(tree)
                    if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))]
            assert not defs, f"{path.name} defines {defs[0].name}: move it into toolkit/"
