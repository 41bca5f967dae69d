"""Executing one (notebook, zone) task: papermill in a worker process, then HTML.

:func:`_execute` runs in a process of the runner's pool.  It never raises for a
failing notebook: the outcome, the failing cell (numbered as the analyst sees it)
and the error are returned as a :class:`TaskResult`.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

__all__ = ["KERNEL_NAME", "TaskResult", "warm_up"]

#: Kernel every notebook runs with (the Python of the running toolkit).
KERNEL_NAME = "python3"


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
    reused: bool = False
    reused_from: str = ""
    key: str = ""


def _execute(
    notebook: str,
    output: str,
    parameters: dict[str, Any],
    zone: str,
    timeout: int,
    mark: str = "",
    trace: dict[str, str] | None = None,
    spare: bool = False,
) -> TaskResult:
    """Run one notebook with papermill (in a worker process) and render it to HTML.

    With ``mark`` (an internal run), the executed notebook and its HTML open with it
    as a heading.  ``trace`` (the settings of :mod:`toolkit.run._trace`) is given to
    the kernel so that it records the files the notebook reads and writes.  The
    kernel is the one this worker started ahead, if any (:mod:`toolkit.run._kernels`);
    with ``spare``, the kernel of the worker's next notebook is started now.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from toolkit.run._kernels import take_kernel

    start = time.perf_counter()
    status, cell, error = "ok", None, ""
    # papermill's own messages and the kernel's chatter go to a log file, so that the
    # terminal shows only the progress and the summary.
    log_path = Path(output).with_suffix(".log")
    saved_fd = os.dup(2)
    kernel = take_kernel(KERNEL_NAME, spare=spare)
    saved_env: dict[str, str | None] = {}
    if kernel is not None:
        kernel.assign(trace)
    else:  # papermill starts the kernel, which inherits this process's environment
        saved_env = {k: os.environ.get(k) for k in trace or {}}
        os.environ.update(trace or {})
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
                # Every cell has finished and its files are written (atomically) when
                # the kernel is stopped: stop it at once instead of waiting ~0.5 s for
                # a graceful exit.
                shutdown_kernel="immediate",
                km=None if kernel is None else kernel.manager,
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
            for k, v in saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    if kernel is not None:  # papermill stops only the kernels it started
        kernel.stop(log_path)
    seconds = time.perf_counter() - start
    html = ""
    if Path(output).exists() and mark:
        _add_heading(Path(output), mark)
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
    added = {"injected-parameters", "papermill-error-cell-tag", "nsmap-mark"}
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


def _add_heading(notebook: Path, mark: str) -> None:
    """Put ``mark`` as the first cell (a heading) of an executed notebook."""
    from nbformat.v4 import new_markdown_cell

    nb = nbformat.read(notebook, as_version=4)
    cell = new_markdown_cell(f"# {mark}", metadata={"tags": ["nsmap-mark"]})
    nb.cells.insert(0, cell)
    tmp = notebook.with_name(f".{notebook.name}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, notebook)


def warm_up() -> None:
    """Import what executing a notebook needs, load the HTML templates and start the
    kernel of the worker's first notebook (a worker's first task, run while the study
    is ingested)."""
    import papermill  # noqa: F401

    from toolkit.run._kernels import start_spare

    _exporter()
    start_spare(KERNEL_NAME)


@lru_cache(maxsize=1)
def _exporter() -> Any:
    """The HTML exporter of this worker (its templates loaded once)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def _render_html(notebook: Path, html: Path) -> None:
    body, _ = _exporter().from_filename(str(notebook))
    tmp = html.with_name(f".{html.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, html)
