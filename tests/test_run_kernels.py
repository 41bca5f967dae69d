"""Kernels started ahead by a pool worker (toolkit.run._kernels) and their traces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from toolkit.run import _execute, _kernels
from toolkit.run._trace import read_trace


def _alive(kernel: _kernels.Kernel) -> bool:
    from jupyter_core.utils import run_sync

    return bool(run_sync(kernel.manager.is_alive)())


def test_the_trace_settings_come_from_the_file_when_the_variables_are_unset(tmp_path):
    root, out = tmp_path / "study", tmp_path / "out"
    root.mkdir()
    out.mkdir()
    (root / "a.csv").write_text("x\n1\n", encoding="utf-8")
    settings = tmp_path / "settings.json"
    trace = tmp_path / "trace.txt"
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from toolkit.run import _trace
        assert _trace.start()
        Path({str(root / "a.csv")!r}).read_text()
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NSMAP_TRACE")}
    env["NSMAP_TRACE_SETTINGS"] = str(settings)
    # written after the process that will read it was started, as a worker does
    settings.write_text(
        json.dumps(
            {"NSMAP_TRACE": str(trace), "NSMAP_TRACE_ROOTS": str(root), "NSMAP_TRACE_OUT": str(out)}
        ),
        encoding="utf-8",
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert read_trace(trace) == (True, [str((root / "a.csv").resolve())], [])
    # an empty settings file (a notebook run without tracing) records nothing
    settings.write_text("{}", encoding="utf-8")
    code_off = "from toolkit.run import _trace\nassert not _trace.start()\n"
    subprocess.run([sys.executable, "-c", code_off], check=True, env=env)


@pytest.fixture()
def worker(monkeypatch):
    """This process as a pool worker: its own spare kernel, stopped afterwards."""
    monkeypatch.setattr(_kernels, "_spare", None)
    monkeypatch.setattr(_kernels, "_folder", None)
    yield
    _kernels._shutdown()


def _notebook(tmp_path: Path, data: Path) -> Path:
    nb = new_notebook(
        cells=[
            new_code_cell('zone = "all"', metadata={"tags": ["parameters"]}),
            new_code_cell(
                "import os\n"
                "from pathlib import Path\n"
                "from toolkit.run import _trace\n"
                "assert _trace.start()\n"
                f"print(Path({str(data)!r}).read_text(), zone, os.getpid())"
            ),
        ],
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
    )
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def _printed(output: Path) -> str:
    nb = nbformat.read(output, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def _pid(output: Path) -> int:
    return int(_printed(output).split()[-1])


@pytest.mark.slow
def test_a_worker_runs_each_notebook_in_the_kernel_it_started_ahead(tmp_path, worker):
    data = tmp_path / "study" / "data.txt"
    data.parent.mkdir()
    data.write_text("hello", encoding="utf-8")
    nb = _notebook(tmp_path, data)
    traces, outs = [], []
    for i, zone in enumerate(["africa", "europe", "mena"]):
        out = tmp_path / zone
        out.mkdir()
        traces.append(tmp_path / f"{zone}.trace")
        outs.append(out / "nb.ipynb")
        env = {
            "NSMAP_TRACE": str(traces[-1]),
            "NSMAP_TRACE_ROOTS": str(data.parent),
            "NSMAP_TRACE_OUT": str(out),
        }
        spare_before = _kernels._spare
        res = _execute._execute(str(nb), str(outs[-1]), {"zone": zone}, zone, 60, "", env, i < 2)
        assert res.status == "ok", res.error
        if i > 0:  # the kernel started during the previous notebook ran this one
            assert spare_before is not None and not _alive(spare_before)
        if i < 2:  # the next one's kernel is up, not yet used
            assert _kernels._spare is not None and _alive(_kernels._spare)
        else:
            assert _kernels._spare is None
    for zone, trace, out in zip(["africa", "europe", "mena"], traces, outs, strict=True):
        assert read_trace(trace) == (True, [str(data.resolve())], []), zone
        assert f"hello {zone}" in _printed(out)
        assert "Kernel" in out.with_suffix(".log").read_text()  # the kernel's own log
    assert len({_pid(o) for o in outs}) == 3  # a new kernel for every notebook


def test_a_kernel_that_cannot_start_leaves_papermill_to_start_one(tmp_path, worker, monkeypatch):
    monkeypatch.setattr(_kernels, "start_kernel", lambda name: None)
    data = tmp_path / "data.txt"
    data.write_text("hi", encoding="utf-8")
    nb = _notebook(tmp_path, data)
    trace = tmp_path / "t.trace"
    env = {"NSMAP_TRACE": str(trace), "NSMAP_TRACE_ROOTS": str(tmp_path), "NSMAP_TRACE_OUT": ""}
    res = _execute._execute(str(nb), str(tmp_path / "out.ipynb"), {}, "all", 60, "", env, True)
    assert res.status == "ok", res.error
    assert read_trace(trace)[0] is True
    assert "NSMAP_TRACE" not in os.environ  # the worker's environment is restored


def test_a_worker_stops_its_unused_kernel_when_it_ends(worker):
    _kernels.start_spare("python3")
    spare = _kernels._spare
    assert spare is not None and _alive(spare)
    folder = _kernels._folder
    _kernels._shutdown()
    assert not _alive(spare) and folder is not None and not folder.exists()
