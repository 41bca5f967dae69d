"""Report notebooks: finding them, their requirements and their ``parameters`` cell.

Every report notebook has one code cell tagged ``parameters`` holding only
``name = literal`` lines, each with its help text as a trailing comment.  This module
reads that cell, parses ``name=value`` strings from the command line and checks
supplied values against the declared ones (names, types, zones) before any kernel
starts.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from toolkit.errors import ParameterError
from toolkit.run._study import Study

__all__ = [
    "ALL_ZONES",
    "REQUIREMENTS",
    "check_parameters",
    "find_notebook",
    "list_notebooks",
    "missing_requirements",
    "notebook_parameters",
    "notebook_requirements",
    "notebooks_dir",
    "parse_param_values",
]

#: Value of the ``zone`` parameter for the all-zones report.
ALL_ZONES = "all"


def notebooks_dir() -> Path:
    """Folder of the toolkit's report notebooks.

    The notebooks ship inside the wheel (``toolkit/_notebooks``); in a development
    checkout they are read from the repository's ``notebooks/`` folder.
    """
    packaged = Path(str(resources.files("toolkit") / "_notebooks"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "notebooks"


def list_notebooks(directory: Path | None = None) -> list[Path]:
    """Report notebooks in run order (file name order, ``NN_name.ipynb``)."""
    folder = directory or notebooks_dir()
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def find_notebook(name: str | Path) -> Path:
    """Resolve a notebook given as a path, a file name or a stem.

    Raises
    ------
    ParameterError
        If no notebook matches.
    """
    p = Path(name)
    if p.suffix == ".ipynb" and p.exists():
        return p.resolve()
    stem = p.stem if p.suffix == ".ipynb" else str(name)
    hits = [
        nb
        for nb in list_notebooks()
        if nb.stem == stem
        or nb.stem.split("_", 1)[-1] == stem
        or nb.stem.startswith(stem + "_")
        or nb.stem[:2] == stem
    ]
    if len(hits) != 1:
        known = ", ".join(nb.stem for nb in list_notebooks())
        raise ParameterError(
            f"no single notebook matches {str(name)!r}.",
            value=str(name),
            hint=f"use one of: {known}.",
        )
    return hits[0]


#: Inputs a notebook may require (``metadata.nsmap.requires``) and how to tell whether
#: a study has them.
REQUIREMENTS: dict[str, str] = {
    "interviews": "interview codebook and coded segments (paths.interviews.codebook and "
    "paths.interviews.segments in study.yaml)",
}


def notebook_requirements(path: str | Path) -> list[str]:
    """Inputs a notebook needs besides the questionnaire exports
    (``metadata.nsmap.requires``, e.g. ``["interviews"]``)."""
    nb = nbformat.read(Path(path), as_version=4)
    return list(nb.metadata.get("nsmap", {}).get("requires", []))


def missing_requirements(path: str | Path, study: Study) -> list[str]:
    """Requirements of a notebook that the study does not meet, described."""
    inter = study.config["paths"].get("interviews") or {}
    have = {"interviews": bool(inter.get("codebook") and inter.get("segments"))}
    return [REQUIREMENTS.get(r, r) for r in notebook_requirements(path) if not have.get(r)]


def _parameters_cell(nb: nbformat.NotebookNode, path: Path) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(
            f"the notebook has {len(cells)} cells tagged 'parameters' (exactly one is needed).",
            file=path,
            hint="tag one code cell 'parameters' in JupyterLab's property inspector.",
        )
    return cells[0]


def notebook_parameters(path: str | Path) -> pd.DataFrame:
    """Read a notebook's parameters cell.

    Each parameter is one assignment of a literal, with its help text as a trailing
    comment::

        zone = "all"  # zone to report on: all, africa, ...

    Parameters
    ----------
    path : str or Path
        The notebook.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``type`` (of the default), ``default`` (repr) and ``help``,
        and the Python value in ``value``.

    Raises
    ------
    ParameterError
        If the notebook has no single parameters cell, or the cell holds anything but
        assignments of literals.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    cell = _parameters_cell(nb, path)
    source = cell.source
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(
            f"the parameters cell is not valid Python ({exc.msg}).", file=path, row=exc.lineno
        ) from exc
    lines = source.splitlines()
    rows = []
    for node in tree.body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            raise ParameterError(
                "the parameters cell may hold only 'name = literal' lines.",
                file=path,
                row=node.lineno,
                hint="move logic out of the parameters cell.",
            )
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError(
                f"parameter '{node.targets[0].id}' is not a plain literal.",
                file=path,
                row=node.lineno,
                column=node.targets[0].id,
                hint="defaults must be literals (strings, numbers, True/False/None, lists, dicts).",
            ) from None
        line = lines[node.lineno - 1]
        help_ = (
            line.split("#", 1)[1].strip() if "#" in line[node.value.end_col_offset or 0 :] else ""
        )
        rows.append(
            {
                "name": node.targets[0].id,
                "type": type(value).__name__,
                "default": repr(value),
                "help": help_,
                "value": value,
            }
        )
    return pd.DataFrame(rows, columns=["name", "type", "default", "help", "value"])


def parse_param_values(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``name=value`` strings; values must be Python literals.

    A value that is not a literal but a bare word (``zone=europe``) is taken as a
    string; anything with code in it (calls, names with dots, operators) is refused.

    Raises
    ------
    ParameterError
        Naming the parameter, for a missing ``=``, a bad name or a non-literal value.
    """
    out: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ParameterError(
                f"'{item}' is not of the form name=value.",
                value=item,
                hint="write e.g. --param min_cell=5",
            )
        text = text.strip()
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            if text.replace("_", "").replace("-", "").isalnum():
                value = text  # a bare word is a string
            else:
                raise ParameterError(
                    f"the value of parameter '{name}' is not a plain literal.",
                    column=name,
                    value=text,
                    hint="use a number, a quoted string, True/False/None, or a list of those.",
                ) from None
        out[name] = value
    return out


def _type_ok(value: Any, default: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def check_parameters(
    notebook: Path,
    values: Mapping[str, Any],
    *,
    zones: Sequence[str],
    declared: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Check supplied parameters against one notebook's parameters cell.

    Parameters
    ----------
    notebook : Path
    values : mapping
        Parameters to inject.
    zones : sequence of str
        Zones of the study (``zone`` must be one of them or ``"all"``).
    declared : pandas.DataFrame, optional
        The notebook's :func:`notebook_parameters`, when already read.

    Returns
    -------
    dict
        The values, unchanged, once checked.

    Raises
    ------
    ParameterError
        Naming the parameter: unknown name, wrong type, zone not in the study.
    """
    table = (notebook_parameters(notebook) if declared is None else declared).set_index("name")
    for name, value in values.items():
        if name not in table.index:
            raise ParameterError(
                f"unknown parameter '{name}' for notebook {notebook.name}.",
                column=name,
                value=value,
                hint=f"its parameters are {', '.join(table.index)} "
                f"(see 'nsmap params {notebook.stem}').",
            )
        default = table.at[name, "value"]
        if not _type_ok(value, default):
            raise ParameterError(
                f"parameter '{name}' of {notebook.name} must be {type(default).__name__}, "
                f"not {type(value).__name__}.",
                column=name,
                value=value,
                hint=f"default is {default!r}: {table.at[name, 'help']!s}",
            )
    zone = values.get("zone")
    if zone is not None and zone != ALL_ZONES and zone not in zones:
        raise ParameterError(
            f"zone {zone!r} is not a zone of this study.",
            column="zone",
            value=zone,
            hint=f"use 'all' or one of {', '.join(zones)}.",
        )
    return dict(values)
