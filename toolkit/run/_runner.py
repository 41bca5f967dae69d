"""Parameterised runs: strict parameter checks, papermill per zone, reports per run.

papermill executes notebooks but only warns on unknown parameters, does not check
types, changes the working directory when asked to and gives no cross-run summary.
:func:`run_study` adds what a zone office needs around it:

1. the study configuration and every supplied parameter are validated against each
   target notebook's ``parameters`` cell *before* any kernel starts (unknown names,
   wrong types, zones not in the study, values that are not plain literals);
2. ingestion runs once and writes the analytical database;
3. each (notebook, zone) pair runs in a process pool with an explicit kernel and
   absolute paths — the working directory is never changed;
4. one failure does not stop the others; a failed notebook is kept with its error
   visible, and the run ends with a summary table and a non-zero exit;
5. outputs go to ``reports/<run-id>/`` (written in a temporary folder and renamed
   when complete, so concurrent runs never share a folder): per zone the executed
   notebooks, an HTML rendering without code, ``figures/`` and ``tables/`` and one
   XLSX workbook; ``manifest.json``; ``index.html``; ``reports/latest``.
"""

from __future__ import annotations

import ast
import concurrent.futures as cf
import datetime as dt
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from toolkit import __version__
from toolkit.errors import ParameterError, StudyConfigError
from toolkit.frame import ZONES
from toolkit.ingest import file_sha256
from toolkit.run._study import Study, load_study, process_study

__all__ = [
    "ALL_ZONES",
    "KERNEL_NAME",
    "REQUIREMENTS",
    "RunSummary",
    "TaskResult",
    "check_parameters",
    "find_notebook",
    "init_study",
    "list_notebooks",
    "missing_requirements",
    "notebook_parameters",
    "notebook_requirements",
    "notebooks_dir",
    "parse_param_values",
    "run_study",
]

#: Kernel every notebook runs with (the Python of the running toolkit).
KERNEL_NAME = "python3"
#: Value of the ``zone`` parameter for the all-zones report.
ALL_ZONES = "all"
_RESERVED = ("study", "zone", "output_dir")
_PACKAGES = (
    "nsmap-toolkit",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbformat",
    "nbconvert",
    "ipykernel",
    "pyarrow",
    "openpyxl",
    "pyxform",
)


# -- notebooks and their parameters -------------------------------------------------------
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
    "interviews": "an interview codebook and coded segments (paths.interviews.codebook and "
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
                hint=f"default is {default!r}: {table.at[name, 'help']}",
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


# -- one task ---------------------------------------------------------------------------
@dataclass
class TaskResult:
    """Outcome of one (notebook, zone) execution."""

    zone: str
    notebook: str
    status: str
    seconds: float
    failing_cell: int | None = None
    error: str = ""
    output: str = ""
    html: str = ""


def _execute(
    notebook: str, output: str, parameters: dict[str, Any], zone: str, timeout: int
) -> TaskResult:
    """Run one notebook with papermill (in a worker process) and render it to HTML."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    status, cell, error = "ok", None, ""
    # The kernel inherits this process's stderr: send its chatter to a log file so the
    # terminal shows only the progress and the summary.
    log_path = Path(output).with_suffix(".log")
    saved_fd = os.dup(2)
    with log_path.open("w", encoding="utf-8") as log:
        os.dup2(log.fileno(), 2)
        try:
            pm.execute_notebook(
                notebook,
                output,
                parameters=parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                cwd=None,
                execution_timeout=timeout,
                request_save_on_cell_execute=False,
            )
        except PapermillExecutionError as exc:
            status, cell = "failed", _code_cell_number(output, exc.cell_index)
            error = f"{exc.ename}: {exc.evalue}"[:500]
        except Exception as exc:  # kernel death, timeout, unreadable notebook
            status, error = "failed", f"{type(exc).__name__}: {exc}"[:500]
        finally:
            sys.stderr.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
    seconds = time.perf_counter() - start
    html = ""
    if Path(output).exists():
        html = str(Path(output).with_suffix(".html"))
        try:
            _render_html(Path(output), Path(html))
        except Exception as exc:  # keep the run going; the notebook itself is kept
            html = ""
            error = error or f"HTML rendering failed: {exc}"
    return TaskResult(
        zone, Path(notebook).stem, status, round(seconds, 2), cell, error, output, html
    )


def _code_cell_number(output: str, cell_index: int) -> int:
    """1-based number of the failing cell in the *original* notebook.

    papermill adds cells (the injected parameters and error banners); they are not
    counted, so the number is the one the analyst sees in JupyterLab.
    """
    added = {"injected-parameters", "papermill-error-cell-tag"}
    try:
        nb = nbformat.read(output, as_version=4)
    except Exception:
        return cell_index + 1
    number = 0
    for cell in nb.cells:
        if added & set(cell.get("metadata", {}).get("tags", [])):
            continue
        number += 1
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return number
    return cell_index + 1


def _render_html(notebook: Path, html: Path) -> None:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_filename(str(notebook))
    tmp = html.with_name(f".{html.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, html)


# -- the run ----------------------------------------------------------------------------
@dataclass
class RunSummary:
    """What a run did.

    Attributes
    ----------
    run_id : str
    run_dir : Path
    results : list of TaskResult
    index_html : Path
    manifest : dict
    """

    run_id: str
    run_dir: Path
    results: list[TaskResult] = field(default_factory=list)
    index_html: Path | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every notebook that ran succeeded (skipped ones do not count)."""
        return all(r.status in ("ok", "skipped") for r in self.results)

    def table(self) -> pd.DataFrame:
        """Summary table: zone, notebook, status, seconds, failing cell, error."""
        return pd.DataFrame(
            [
                {
                    "zone": r.zone,
                    "notebook": r.notebook,
                    "status": r.status,
                    "seconds": r.seconds,
                    "failing_cell": "" if r.failing_cell is None else r.failing_cell,
                    "error": r.error,
                }
                for r in self.results
            ],
            columns=["zone", "notebook", "status", "seconds", "failing_cell", "error"],
        )


def _resolve_zones(spec: str | Sequence[str], study: Study) -> list[str]:
    items = [spec] if isinstance(spec, str) else list(spec)
    parts = [z.strip() for item in items for z in str(item).split(",") if z.strip()]
    if not parts or parts == [ALL_ZONES]:
        return [*study.zones, ALL_ZONES]
    for z in parts:
        if z != ALL_ZONES and z not in study.zones:
            hint = f"use 'all' or a comma-separated list of {', '.join(study.zones)}"
            if z in ZONES:
                hint = f"'{z}' is not listed under 'zones' in {study.path.name}; " + hint
            raise ParameterError(
                f"zone {z!r} is not a zone of this study.",
                column="--zone",
                value=z,
                hint=hint + ".",
            )
    return list(dict.fromkeys(parts))


def _new_run_id() -> str:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


def run_study(
    study: str | Path | Study,
    *,
    zones: str | Sequence[str] = ALL_ZONES,
    notebooks: Sequence[str | Path] | None = None,
    jobs: int | None = None,
    params: Sequence[str] | Mapping[str, Any] = (),
    output: str | Path | None = None,
    run_id: str | None = None,
    progress: bool = False,
    timeout: int = 900,
    ingest: bool = True,
) -> RunSummary:
    """Run the report notebooks of a study for each zone.

    Parameters
    ----------
    study : str, Path or Study
        ``study.yaml`` (or its folder, or a loaded :class:`~toolkit.run.Study`).
    zones : str or sequence of str, default "all"
        ``"all"`` runs every zone of the study plus the all-zones report; otherwise a
        comma-separated list or a sequence of zones (``"all"`` may be among them).
    notebooks : sequence of str or Path, optional
        Notebooks to run (paths, file names or stems); every notebook by default.
    jobs : int, optional
        Notebooks executed at once (default: number of CPU cores).
    params : sequence of "name=value" or mapping
        Extra parameters; each must be declared by at least one selected notebook and
        is passed to the notebooks that declare it, type-checked.
    output : str or Path, optional
        Reports folder (default: ``paths.reports`` of the study).
    run_id : str, optional
        Name of the run folder (default: timestamp plus a random suffix).
    progress : bool, default False
        Print a progress line per finished notebook to stderr.
    timeout : int, default 900
        Seconds allowed per cell.
    ingest : bool, default True
        Ingest the exports and write the analytical database before running.

    Returns
    -------
    RunSummary

    Raises
    ------
    StudyConfigError, ParameterError
        Before any kernel starts, for an invalid study or parameter.
    """
    study = study if isinstance(study, Study) else load_study(study)
    zone_list = _resolve_zones(zones, study)
    nb_paths = [find_notebook(n) for n in notebooks] if notebooks else list_notebooks()
    if not nb_paths:
        raise StudyConfigError(
            "no report notebooks were found.",
            file=notebooks_dir(),
            hint="reinstall the toolkit or pass --notebook paths.",
        )
    user = dict(params) if isinstance(params, Mapping) else parse_param_values(params)
    for reserved in _RESERVED:
        if reserved in user:
            raise ParameterError(
                f"parameter '{reserved}' is set by the runner.",
                column=reserved,
                hint="use --zone / the study argument.",
            )
    declared = {nb: notebook_parameters(nb) for nb in nb_paths}
    for name in user:
        if not any(name in set(t["name"]) for t in declared.values()):
            raise ParameterError(
                f"unknown parameter '{name}': no selected notebook declares it.",
                column=name,
                value=user[name],
                hint="see 'nsmap params <notebook>' for each notebook's parameters.",
            )
    tasks = []
    for nb in nb_paths:
        names = set(declared[nb]["name"])
        for zone in zone_list:
            values = {k: v for k, v in user.items() if k in names}
            values.update({"study": str(study.path), "zone": zone})
            tasks.append((nb, zone, values))
    for nb, _zone, values in tasks:
        check_parameters(
            nb,
            {k: v for k, v in values.items() if k != "output_dir"},
            zones=study.zones,
            declared=declared[nb],
        )

    reports = Path(output).resolve() if output is not None else study.reports
    reports.mkdir(parents=True, exist_ok=True)
    run_id = run_id or _new_run_id()
    final = reports / run_id
    if final.exists():
        raise StudyConfigError(
            f"run folder {final} already exists.",
            column="--run-id",
            value=run_id,
            hint="choose another run id or omit it.",
        )
    work = reports / f".{run_id}.partial"
    work.mkdir()
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    ingest_seconds = 0.0
    if ingest:
        t_ing = time.perf_counter()
        process_study(study)
        ingest_seconds = round(time.perf_counter() - t_ing, 2)

    jobs = max(1, jobs or os.cpu_count() or 1)
    results: list[TaskResult] = []
    submitted = []
    skipped: list[TaskResult] = []
    unmet = {nb: missing_requirements(nb, study) for nb in nb_paths}
    for nb, zone, values in tasks:
        if unmet[nb]:
            skipped.append(
                TaskResult(
                    zone,
                    nb.stem,
                    "skipped",
                    0.0,
                    None,
                    "the study has no " + "; no ".join(unmet[nb]),
                )
            )
            continue
        zone_dir = work / zone
        zone_dir.mkdir(exist_ok=True)
        out = zone_dir / nb.name
        values = (
            {**values, "output_dir": str(zone_dir)}
            if "output_dir" in set(declared[nb]["name"])
            else values
        )
        submitted.append((str(nb), str(out), values, zone))
    ctx = multiprocessing.get_context("spawn")
    results.extend(skipped)
    with cf.ProcessPoolExecutor(
        max_workers=max(1, min(jobs, len(submitted))), mp_context=ctx
    ) as pool:
        futures = {
            pool.submit(_execute, nb, out, values, zone, timeout): (nb, zone)
            for nb, out, values, zone in submitted
        }
        for k, fut in enumerate(cf.as_completed(futures), start=1):
            nb, zone = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # worker crashed
                res = TaskResult(
                    zone, Path(nb).stem, "failed", 0.0, None, f"{type(exc).__name__}: {exc}"
                )
            results.append(res)
            if progress:
                print(
                    f"[{k}/{len(futures)}] {res.zone:<13} {res.notebook:<28} {res.status:<6} "
                    f"{res.seconds:6.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
    order = {(nb.stem, zone): i for i, (nb, zone, _) in enumerate(tasks)}
    results.sort(key=lambda r: order.get((r.notebook, r.zone), 0))
    for zone in zone_list:
        _zone_workbook(work / zone, zone, study)
    summary = RunSummary(run_id, final, results)
    summary.manifest = _manifest(
        study, summary, tasks, started, time.perf_counter() - t0, ingest_seconds, jobs
    )
    for r in results:  # paths as they will be after the final rename
        r.output = r.output.replace(str(work), str(final))
        r.html = r.html.replace(str(work), str(final))
    _write_json(work / "manifest.json", summary.manifest)
    _write_index(work, summary, study, zone_list)
    os.replace(work, final)
    summary.index_html = final / "index.html"
    _point_latest(reports, run_id)
    return summary


def _zone_workbook(zone_dir: Path, zone: str, study: Study) -> Path | None:
    """One XLSX workbook per zone: a README sheet and one sheet per CSV table."""
    tables = sorted((zone_dir / "tables").glob("*.csv")) if (zone_dir / "tables").is_dir() else []
    if not tables:
        return None
    path = zone_dir / f"{zone}_tables.xlsx"
    tmp = zone_dir / f".{zone}_tables.tmp.xlsx"
    readme = pd.DataFrame(
        {
            "item": ["study", "zone", "synthetic", "tables", "note"],
            "value": [
                study.name,
                zone,
                str(bool(study.config["study"].get("synthetic"))),
                ", ".join(t.stem for t in tables),
                "One sheet per table; the same tables are in tables/ "
                "as CSV. The row under each header holds HXL hashtags "
                "(hxlstandard.org) for the Humanitarian Data Exchange. "
                "Shares based on fewer responding Societies than the "
                "disclosure minimum are suppressed and marked.",
            ],
        }
    )
    used: set[str] = set()
    with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        readme.to_excel(xl, sheet_name="README", index=False)
        for t in tables:
            df = pd.read_csv(t, dtype=str, keep_default_na=False)
            name = t.stem[:31]
            k = 1
            while name in used:
                k += 1
                name = f"{t.stem[:28]}_{k}"
            used.add(name)
            df.to_excel(xl, sheet_name=name, index=False)
    os.replace(tmp, path)
    return path


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "toolkit", "notebooks"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip() or None
    return f"{commit}+dirty" if commit and dirty.stdout.strip() else commit


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    out["nsmap-toolkit"] = __version__
    return out


def _manifest(
    study: Study,
    summary: RunSummary,
    tasks: list[tuple[Path, str, dict[str, Any]]],
    started: dt.datetime,
    seconds: float,
    ingest_seconds: float,
    jobs: int,
) -> dict[str, Any]:
    from toolkit.frame import bundled_frame_path
    from toolkit.instrument import bundled_instrument_path

    inputs = {}
    for f in study.input_files():
        inputs[str(f)] = file_sha256(f)
    for f in (bundled_frame_path(), bundled_instrument_path()):
        inputs.setdefault(str(f), file_sha256(f))
    return {
        "run_id": summary.run_id,
        "study": study.name,
        "study_file": str(study.path),
        "synthetic": bool(study.config["study"].get("synthetic")),
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 2),
        "ingest_seconds": ingest_seconds,
        "jobs": jobs,
        "kernel": KERNEL_NAME,
        "git_commit": _git_commit(),
        "versions": _versions(),
        "inputs_sha256": inputs,
        "analytical_database": str(study.processed),
        "notebooks": [
            {
                "notebook": r.notebook,
                "zone": r.zone,
                "status": r.status,
                "seconds": r.seconds,
                "failing_cell": r.failing_cell,
                "error": r.error,
                "parameters": next(
                    (v for nb, z, v in tasks if nb.stem == r.notebook and z == r.zone), {}
                ),
            }
            for r in summary.results
        ],
    }


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _write_index(work: Path, summary: RunSummary, study: Study, zones: list[str]) -> None:
    from html import escape

    rows = []
    for zone in zones:
        zdir = work / zone
        links = []
        for r in (r for r in summary.results if r.zone == zone):
            name = Path(r.output).name if r.output else ""
            html = f"{zone}/{Path(r.html).name}" if r.html else ""
            label = escape(r.notebook)
            if r.status == "skipped":
                links.append(f"<li>{label}: skipped ({escape(r.error)})</li>")
                continue
            status = (
                ""
                if r.status == "ok"
                else f' <strong class="failed">failed: {escape(r.error)}</strong>'
            )
            links.append(
                f'<li><a href="{escape(html)}">{label}</a> '
                f'(<a href="{escape(zone)}/{escape(name)}">notebook</a>){status}</li>'
            )
        figs = sorted((zdir / "figures").glob("*.png")) if (zdir / "figures").is_dir() else []
        tabs = sorted((zdir / "tables").glob("*.csv")) if (zdir / "tables").is_dir() else []
        xlsx = sorted(zdir.glob("*_tables.xlsx"))
        fig_links = (
            " · ".join(
                f'<a href="{zone}/figures/{escape(f.name)}">{escape(f.stem)}</a>'
                f' (<a href="{zone}/figures/{escape(f.stem)}.svg">svg</a>)'
                for f in figs
            )
            or "none"
        )
        tab_links = (
            " · ".join(
                f'<a href="{zone}/tables/{escape(t.name)}">{escape(t.stem)}</a>' for t in tabs
            )
            or "none"
        )
        book = "".join(
            f' · workbook: <a href="{zone}/{escape(x.name)}">{escape(x.name)}</a>' for x in xlsx
        )
        title = "All zones" if zone == ALL_ZONES else zone.replace("_", " ").title()
        rows.append(
            f"<section><h2>{escape(title)}</h2><ul>{''.join(links)}</ul>"
            f"<p><b>Figures:</b> {fig_links}</p><p><b>Tables:</b> {tab_links}{book}"
            f"</p></section>"
        )
    banner = (
        '<p class="synthetic">SYNTHETIC DATA: this run uses generated demo data, '
        "not real National Society data.</p>"
        if study.config["study"].get("synthetic")
        else ""
    )
    failed = sum(r.status == "failed" for r in summary.results)
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(study.name)}: run {summary.run_id}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}}
.synthetic{{background:#fde9c8;padding:.5em;border-left:4px solid #e69f00}}
.failed{{color:#b00}}</style></head><body>
<h1>{escape(study.name)}</h1>{banner}
<p>Run <code>{summary.run_id}</code>: {len(summary.results)} notebooks, {failed} failed.
See <a href="manifest.json">manifest.json</a> for inputs (SHA-256), versions and timings.</p>
{"".join(rows)}
</body></html>
"""
    (work / "index.html").write_text(html, encoding="utf-8")


def _point_latest(reports: Path, run_id: str) -> None:
    link = reports / "latest"
    tmp = reports / f".latest.{uuid.uuid4().hex[:6]}"
    try:
        os.symlink(run_id, tmp, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:  # no symlinks (e.g. Windows without developer mode)
        if tmp.is_symlink():
            tmp.unlink()
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link, ignore_errors=True)
        _atomic_text(reports / "LATEST", run_id + "\n")


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# -- new studies --------------------------------------------------------------------------
def init_study(directory: str | Path, *, name: str | None = None, year: int | None = None) -> Path:
    """Create a new study folder.

    Writes ``study.yaml`` (to be completed with the export paths), a copy of the
    bundled instrument, a dated snapshot of the membership frame and empty
    ``data/raw`` and ``data/processed`` folders.

    Returns
    -------
    Path
        The new ``study.yaml``.

    Raises
    ------
    StudyConfigError
        If the folder already holds a ``study.yaml``.
    """
    import yaml

    from toolkit.frame import FRAME_DATE, bundled_frame_path
    from toolkit.instrument import bundled_instrument_path

    root = Path(directory)
    if (root / "study.yaml").exists():
        raise StudyConfigError(
            "a study already exists here.", file=root / "study.yaml", hint="choose an empty folder."
        )
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (root / "data" / "processed").mkdir(parents=True, exist_ok=True)
    frame_name = f"membership_{FRAME_DATE}.csv"
    shutil.copyfile(bundled_frame_path(), root / frame_name)
    shutil.copyfile(bundled_instrument_path(), root / "instrument.xlsx")
    year = year or dt.date.today().year
    config = {
        "study": {"name": name or f"Migration mapping {year}", "year": year},
        "paths": {
            "frame": frame_name,
            "instrument": "instrument.xlsx",
            "exports": ["data/raw/REPLACE_WITH_YOUR_EXPORT.csv"],
            "processed": "data/processed",
            "reports": "reports",
        },
        "unit": "ns_iso3",
        "zones": list(ZONES),
        "weighting": {"method": "class", "classes": ["zone"]},
        "disclosure": {"min_cell": 3},
        "privacy": {"key_env": "NSMAP_PSEUDONYM_KEY"},
    }
    text = (
        "# Study configuration. Paths are relative to this file.\n"
        "# 1. Download your KoboToolbox/ODK export into data/raw/ (never edit it).\n"
        "# 2. List it under paths.exports below.\n"
        "# 3. Run: nsmap run study.yaml --zone <your zone>\n"
        + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    )
    _atomic_text(root / "study.yaml", text)
    return root / "study.yaml"
