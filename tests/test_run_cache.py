"""Incremental runs (toolkit.run._cache, toolkit.run._trace): what is reused, and when not.

The fast tests run two tiny notebooks that open the study like every report does
(``open_report``): ``91_responses`` reads the ``responses`` table and writes a table,
``92_frame`` reads only the frame (``societies``) and writes a figure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from toolkit import run
from toolkit.run._cache import CACHE_DIR, RunCache
from toolkit.run._trace import read_trace

_PARAMS = (
    'study = ""  # study\nzone = "all"  # zone\noutput_dir = ""  # outputs\naudience = ""  # tier\n'
)
_OPEN = (
    "from toolkit.run import open_report\nreport = open_report(study, zone, output_dir, audience)\n"
)


def _notebook(path: Path, params: str, body: str) -> Path:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Test notebook"),
            new_code_cell(params, metadata={"tags": ["parameters"]}),
            new_code_cell(body),
        ],
        metadata={
            "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}
        },
    )
    nbformat.write(nb, path)
    return path


def _study(folder: Path, demo_dir: Path) -> Path:
    shutil.copytree(demo_dir, folder / "study", ignore=shutil.ignore_patterns("truth"))
    path = folder / "study" / "study.yaml"
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    cfg["paths"]["processed"] = str(folder / "processed")
    cfg["paths"]["reports"] = str(folder / "reports")
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("notebooks")
    return [
        _notebook(
            folder / "91_responses.ipynb",
            _PARAMS + "mult = 1  # multiplier",
            "import pandas as pd\n" + _OPEN + "n = len(report['responses']) * mult\n"
            "report.save_table(pd.DataFrame({'zone': [zone], 'n': [n]}), '91_counts', "
            "index=False, hxl=False)\nprint(zone, n)",
        ),
        _notebook(
            folder / "92_frame.ipynb",
            _PARAMS + "size = 2  # figure size",
            "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
            "from toolkit import figures\n"
            + _OPEN
            + "fig, ax = plt.subplots(figsize=(size, size))\n"
            "ax.bar(['n'], [len(report.frame)])\n"
            "figures.caption(fig, n=1, response_rate=0.5, source='test')\n"
            "report.save_figure(fig, '92_frame', alt_text='Bar of the frame size.')",
        ),
    ]


@pytest.fixture(scope="module")
def first(tmp_path_factory, demo_dir, notebooks):
    """A study, its database and a first run of both notebooks for europe and all."""
    folder = tmp_path_factory.mktemp("cached")
    study = _study(folder, demo_dir)
    summary = run.run_study(
        study, zones="europe,all", notebooks=notebooks, jobs=2, briefs=False, run_id="first"
    )
    assert summary.ok and summary.manifest["ingest_reused"] is False
    return study, summary


@pytest.fixture()
def reports(tmp_path, first) -> Path:
    """A copy of the first run's reports folder (its cache index included)."""
    _study_path, summary = first
    target = tmp_path / "reports"
    shutil.copytree(summary.run_dir.parent, target, symlinks=True)
    return target


def _run(study: Path, notebooks: list[Path], reports: Path, **kw):
    kw.setdefault("zones", "europe,all")
    return run.run_study(study, notebooks=notebooks, jobs=2, briefs=False, output=reports, **kw)


def _reused(summary) -> dict[tuple[str, str], bool]:
    return {(n["notebook"], n["zone"]): n["reused"] for n in summary.manifest["notebooks"]}


def _execution_files(run_dir: Path) -> dict[str, bytes]:
    """Every file a notebook execution wrote (not the run's pages and workbooks)."""
    return {
        str(p.relative_to(run_dir)): p.read_bytes()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file() and p.parent != run_dir and p.suffix != ".xlsx"
    }


# -- same key, same outputs ----------------------------------------------------------------
def test_second_run_reuses_everything_byte_identical(first, notebooks, reports):
    study, one = first
    two = _run(study, notebooks, reports)
    assert two.ok and set(_reused(two).values()) == {True}
    assert two.manifest["ingest_reused"] is True
    for n in two.manifest["notebooks"]:
        assert n["reused_from"] == "first" and len(n["key"]) == 64
    assert [n["key"] for n in two.manifest["notebooks"]] == [
        n["key"] for n in one.manifest["notebooks"]
    ]
    files = _execution_files(two.run_dir)
    assert files == _execution_files(reports / "first")
    assert "europe/figures/92_frame.svg" in files and "all/tables/91_counts.csv" in files
    # the disclosure records of reused tables reach the run's disclosure.json
    disclosure = json.loads((two.run_dir / "disclosure.json").read_text(encoding="utf-8"))
    assert {t["table"] for t in disclosure["tables"]} == {"91_counts"}
    # a third run reuses them too, still from the run that executed them
    three = _run(study, notebooks, reports)
    assert {n["reused_from"] for n in three.manifest["notebooks"]} == {"first"}


# -- a changed input re-runs what reads it -------------------------------------------------
def test_changed_parameter_reruns_only_that_notebook_and_zone(first, notebooks, reports):
    study, _ = first
    two = _run(study, notebooks, reports, zones="europe", params=["mult=2"])
    assert _reused(two) == {("91_responses", "europe"): False, ("92_frame", "europe"): True}
    csv = (two.run_dir / "europe" / "tables" / "91_counts.csv").read_text(encoding="utf-8")
    assert csv.splitlines()[1].startswith("europe,") and csv != (
        reports / "first" / "europe" / "tables" / "91_counts.csv"
    ).read_text(encoding="utf-8")
    # back to the first parameters: everything is reused again
    three = _run(study, notebooks, reports)
    assert set(_reused(three).values()) == {True}


def test_edited_export_reruns_what_reads_the_changed_tables(tmp_path, demo_dir, notebooks):
    study = _study(tmp_path, demo_dir)
    one = run.run_study(study, zones="europe", notebooks=notebooks, jobs=2, briefs=False)
    assert one.ok
    # correct one answer of a responding Society (not who responded): the responses
    # change, the frame does not
    export = study.parent / "exports" / "kobo_export_2026-05-04.csv"
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(";")
    col = header.index("society/report_date")
    row = lines[1].rstrip("\n").split(";")
    assert row[col] == "2026-04-26"
    row[col] = "2026-04-27"
    lines[1] = ";".join(row) + "\n"
    export.write_text("".join(lines), encoding="utf-8")
    two = run.run_study(study, zones="europe", notebooks=notebooks, jobs=2, briefs=False)
    assert two.manifest["ingest_reused"] is False
    assert _reused(two) == {("91_responses", "europe"): False, ("92_frame", "europe"): True}


# -- a corrupted cache entry is re-executed, never trusted -----------------------------------
def test_altered_or_missing_outputs_are_rerun(first, notebooks, reports):
    study, _ = first
    table = reports / "first" / "europe" / "tables" / "91_counts.csv"
    table.write_text(table.read_text(encoding="utf-8") + "tampered,1\n", encoding="utf-8")
    (reports / "first" / "all" / "figures" / "92_frame.png").unlink()
    two = _run(study, notebooks, reports)
    assert _reused(two) == {
        ("91_responses", "europe"): False,
        ("91_responses", "all"): True,
        ("92_frame", "europe"): True,
        ("92_frame", "all"): False,
    }
    new = (two.run_dir / "europe" / "tables" / "91_counts.csv").read_text(encoding="utf-8")
    assert "tampered" not in new
    assert (two.run_dir / "all" / "figures" / "92_frame.png").is_file()


def test_corrupt_index_is_treated_as_empty(first, notebooks, reports):
    study, _ = first
    index = reports / CACHE_DIR / "index.json"
    assert RunCache(reports).index["executions"]
    for text in ("{not json", "[]", '{"format": 1, "executions": 3}'):
        index.write_text(text, encoding="utf-8")
        cache = RunCache(reports)
        assert cache.index["executions"] == [] and not cache.ingest_fresh(run.load_study(study))
    # an entry whose fields are malformed is skipped, not trusted
    good = json.loads((reports / "first" / "manifest.json").read_text(encoding="utf-8"))
    base_key = good["notebooks"][0]["key"]
    index.write_text(
        json.dumps(
            {
                "format": 1,
                "ingest": {},
                "briefs": {},
                "executions": [{"base": "x", "key": base_key, "inputs": 5, "outputs": None}],
            }
        ),
        encoding="utf-8",
    )
    assert RunCache(reports).find("x") is None


def test_force_reruns_everything(first, notebooks, reports):
    study, _ = first
    two = _run(study, notebooks, reports, force=True)
    assert two.ok and set(_reused(two).values()) == {False}
    assert two.manifest["ingest_reused"] is False and two.manifest["force"] is True
    # the forced run's executions are cached in turn
    three = _run(study, notebooks, reports)
    assert {n["reused_from"] for n in three.manifest["notebooks"]} == {two.run_id}


def test_cli_force_flag(first, notebooks, reports, capsys):
    study, _ = first
    args = ["run", str(study), "--zone", "europe", "--output", str(reports), "--no-briefs"]
    args += [a for nb in notebooks for a in ("--notebook", str(nb))]
    assert run.main([*args, "--quiet"]) == run.EXIT_OK
    assert "2 of 2 notebook runs reused" in capsys.readouterr().out
    assert run.main([*args, "--quiet", "--force"]) == run.EXIT_OK
    assert "reused" not in capsys.readouterr().out


# -- the trace ----------------------------------------------------------------------------
def test_trace_records_reads_under_the_roots_and_writes_in_the_output(tmp_path):
    root, out, other = tmp_path / "study", tmp_path / "out", tmp_path / "elsewhere"
    for d in (root, out, other):
        d.mkdir()
    (root / "a.csv").write_text("x\n1\n", encoding="utf-8")
    (other / "b.txt").write_text("b", encoding="utf-8")
    (out / "c.csv").write_text("c", encoding="utf-8")  # as if another notebook wrote it
    trace = tmp_path / "trace.txt"
    code = textwrap.dedent(
        f"""
        import os, pandas as pd
        from pathlib import Path
        from toolkit.run import _trace
        assert _trace.start()
        pd.read_csv({str(root / "a.csv")!r})
        Path({str(other / "b.txt")!r}).read_text()
        Path({str(out / "t.csv")!r}).write_text("t")
        tmp = Path({str(out / ".f.tmp")!r}); tmp.write_text("f")
        os.replace(tmp, {str(out / "f.svg")!r})
        Path({str(out / "t.csv")!r}).read_text()  # its own output: not an input
        """
    )
    env = {
        "NSMAP_TRACE": str(trace),
        "NSMAP_TRACE_ROOTS": str(root),
        "NSMAP_TRACE_OUT": str(out),
    }
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, **env})
    complete, reads, writes = read_trace(trace)
    assert complete
    assert reads == [str((root / "a.csv").resolve())]
    assert str((out / "t.csv").resolve()) in writes and str((out / "f.svg").resolve()) in writes
    # reading a file of the zone folder it did not write makes the trace incomplete
    subprocess.run(
        [sys.executable, "-c", code + f"\nPath({str(out / 'c.csv')!r}).read_text()\n"],
        check=True,
        env={**os.environ, **env, "NSMAP_TRACE": str(tmp_path / "trace2.txt")},
    )
    assert read_trace(tmp_path / "trace2.txt")[0] is False
    assert read_trace(tmp_path / "missing.txt") == (False, [], [])


# -- the real notebooks --------------------------------------------------------------------
@pytest.mark.slow
def test_report_notebooks_and_briefs_are_reused_on_an_unchanged_study(tmp_path, demo_dir):
    study = _study(tmp_path, demo_dir)
    one = run.run_study(study, zones="europe", jobs=2, languages="en")
    assert one.ok
    two = run.run_study(study, zones="europe", jobs=2, languages="en")
    assert two.ok and two.manifest["ingest_reused"] is True
    assert {n["reused_from"] for n in two.manifest["notebooks"]} == {one.run_id}
    assert two.manifest["briefs"]["reused_from"] == one.run_id
    assert _execution_files(two.run_dir) == _execution_files(one.run_dir)
    assert (two.run_dir / "europe" / "brief.en.pdf").read_bytes() == (
        one.run_dir / "europe" / "brief.en.pdf"
    ).read_bytes()
