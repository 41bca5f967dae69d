"""Project-level checks: README commands, CI script, dependency lists, notebooks."""

from __future__ import annotations

import ast
import importlib
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


def _public_modules() -> list[Path]:
    """Top-level public modules and every package's ``__init__.py``."""
    top = [
        p
        for p in (ROOT / "toolkit").glob("*.py")
        if not p.name.startswith("_") or p.name == "__init__.py"
    ]
    return sorted(top + list((ROOT / "toolkit").glob("*/__init__.py")))


def test_package_exposes_an_explicit_api():
    for path in _public_modules():
        if path.parent.name == "toolkit" and path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)
        ]
        assert "__all__" in names, f"{path.relative_to(ROOT)} has no __all__"
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        mod = importlib.import_module(module)
        missing = [n for n in mod.__all__ if not hasattr(mod, n)]
        assert not missing, f"{module}.__all__ names what it lacks: {missing}"


def test_private_modules_live_inside_their_package():
    assert sorted(p.name for p in (ROOT / "toolkit").glob("_*.py")) == [
        "__init__.py",
        "__main__.py",
    ]


def test_no_module_is_over_500_lines():
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in (ROOT / "toolkit").rglob("*.py")
    }
    assert {p: n for p, n in sizes.items() if n > 500} == {}


# Steps of the data flow, in order; a module may import only from its own step or an
# earlier one (errors and the package root come first, run last).
LAYERS = [
    {"toolkit", "errors"},
    {"instrument"},
    {"frame"},  # reads workbooks with the instrument's Excel reader
    {"ingest", "synth"},
    {"store"},
    {"survey"},
    {"nonresponse"},
    {"mapping", "sampling", "interviews"},
    {"figures", "publish"},
    {"run"},
    {"__main__"},
]


def _step(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "toolkit"


def _rank(step: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if step in layer)


def test_imports_follow_the_data_flow():
    problems = []
    for path in sorted((ROOT / "toolkit").rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        here = rel.parts[1] if len(rel.parts) > 1 else "toolkit"
        here = "toolkit" if here == "__init__" else here
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:  # relative import: inside the same package
                    continue
                targets = [node.module or ""]
                if node.module == "toolkit":
                    targets = [f"toolkit.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                if target.split(".")[0] != "toolkit" or target == "toolkit.__version__":
                    continue
                step = _step(target)
                same_layer_other = _rank(step) == _rank(here) and step != here and here != "toolkit"
                if _rank(step) > _rank(here) or same_layer_other:
                    problems.append(f"{rel}:{node.lineno} imports {target}")
    assert problems == []


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
    assert (
        nb["cells"][0]["source"][0].startswith("# ")
        if isinstance(nb["cells"][0]["source"], list)
        else nb["cells"][0]["source"].startswith("# ")
    )
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_notebooks_keep_logic_in_the_toolkit():
    """Notebook code cells call the toolkit; they define no functions or classes."""
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] != "code":
                continue
            tree = ast.parse("".join(cell["source"]))
            defs = [
                n
                for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            ]
            assert not defs, f"{path.name} defines {defs[0].name}: move it into toolkit/"
