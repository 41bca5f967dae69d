"""Tests of toolkit.run and the nsmap command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from toolkit import run
from toolkit.errors import ParameterError
from toolkit.run import _pool, _runner


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


@pytest.fixture()
def tiny_study(tmp_path, demo_dir) -> Path:
    """The demo study with its outputs redirected into tmp_path."""
    folder = tmp_path / "study"
    shutil.copytree(demo_dir, folder, ignore=shutil.ignore_patterns("truth"))
    cfg = yaml.safe_load((folder / "study.yaml").read_text(encoding="utf-8"))
    cfg["paths"]["processed"] = str(tmp_path / "processed")
    cfg["paths"]["reports"] = str(tmp_path / "reports")
    (folder / "study.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return folder / "study.yaml"


@pytest.fixture()
def flaky_notebook(tmp_path) -> Path:
    return _notebook(
        tmp_path / "07_flaky.ipynb",
        'study = ""  # study file\nzone = "all"  # zone\noutput_dir = ""  # outputs\n'
        'threshold = 0.5  # a float parameter\nlabel = "x"  # a text parameter',
        "import pathlib\n"
        "if zone == 'mena':\n"
        "    raise ValueError('no data for mena')\n"
        "pathlib.Path(output_dir, 'tables').mkdir(parents=True, exist_ok=True)\n"
        "pathlib.Path(output_dir, 'tables', 'counts.csv').write_text('zone,n\\n' + zone + ',1\\n')\n"
        "print(zone, threshold, label)",
    )


# -- parameters --------------------------------------------------------------------------
def test_parameters_cell_is_read_with_types_and_help():
    table = run.notebook_parameters(run.find_notebook("01_data_quality"))
    assert table["name"].tolist()[:3] == ["study", "zone", "output_dir"]
    assert set(table["type"]) == {"str"}
    assert table["help"].str.len().min() > 5


def test_parameters_cell_with_logic_is_refused(tmp_path):
    nb = _notebook(tmp_path / "bad.ipynb", "import os\nzone = os.environ['Z']", "pass")
    with pytest.raises(ParameterError, match="only 'name = literal'"):
        run.notebook_parameters(nb)
    nb = _notebook(tmp_path / "bad2.ipynb", "zone = str(5)", "pass")
    with pytest.raises(ParameterError, match="not a plain literal"):
        run.notebook_parameters(nb)


@pytest.mark.parametrize(
    "items, match",
    [
        (["no_equals"], "not of the form"),
        (["x=__import__('os').system('echo pwned')"], "not a plain literal"),
        (["x=open('/etc/passwd')"], "not a plain literal"),
        (["x=1+1"], "not a plain literal"),
        (["1x=3"], "not of the form"),
    ],
)
def test_hostile_or_malformed_values_are_refused(items, match):
    with pytest.raises(ParameterError, match=match):
        run.parse_param_values(items)


def test_literals_and_bare_words_are_parsed():
    assert run.parse_param_values(
        ["a=5", "b='x y'", "c=europe", "d=[1, 2]", "e=None", "f=True"]
    ) == {"a": 5, "b": "x y", "c": "europe", "d": [1, 2], "e": None, "f": True}


@pytest.mark.parametrize(
    "params, match",
    [
        (["nonsense=1"], "unknown parameter 'nonsense'"),
        (["threshold='high'"], "parameter 'threshold' .* must be float, not str"),
        (["label=3"], "must be str, not int"),
        (["zone=europe"], "set by the runner"),
        (["audience='internal'"], "set by the runner"),
    ],
)
def test_bad_parameters_fail_before_any_kernel(
    tiny_study, flaky_notebook, monkeypatch, params, match
):
    def forbidden(*args, **kwargs):
        raise AssertionError("nothing may run before parameters are valid")

    monkeypatch.setattr(_runner, "process_study", forbidden)
    monkeypatch.setattr(_pool.TaskPool, "start", forbidden)  # no worker, no kernel
    monkeypatch.setattr(_pool.TaskPool, "run", forbidden)
    with pytest.raises(ParameterError, match=match):
        run.run_study(tiny_study, zones="europe", notebooks=[flaky_notebook], params=params)
    assert not (tiny_study.parent.parent / "reports").exists() or not any(
        (tiny_study.parent.parent / "reports").iterdir()
    )


def test_zone_not_in_study_is_refused(tiny_study, flaky_notebook, monkeypatch):
    cfg = yaml.safe_load(tiny_study.read_text(encoding="utf-8"))
    cfg["zones"] = ["africa", "europe"]
    tiny_study.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    monkeypatch.setattr(_runner, "process_study", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(ParameterError, match="not listed under 'zones'"):
        run.run_study(tiny_study, zones="europe,mena", notebooks=[flaky_notebook])
    with pytest.raises(ParameterError, match="'narnia' is not a zone"):
        run.run_study(tiny_study, zones="narnia", notebooks=[flaky_notebook])
    with pytest.raises(ParameterError, match="zone 'mena' is not a zone of this study"):
        run.check_parameters(flaky_notebook, {"zone": "mena"}, zones=["africa"])


# -- runs -----------------------------------------------------------------------------------
def test_one_failing_zone_does_not_stop_the_others(tiny_study, flaky_notebook, tmp_path):
    summary = run.run_study(
        tiny_study,
        zones="europe,mena,all",
        notebooks=[flaky_notebook],
        jobs=2,
        params=["threshold=2", "label='run'"],
        ingest=False,
    )
    table = summary.table().set_index("zone")
    assert table.loc["europe", "status"] == "ok" and table.loc["all", "status"] == "ok"
    assert table.loc["mena", "status"] == "failed"
    assert table.loc["mena", "failing_cell"] == 3
    assert "ValueError: no data for mena" in table.loc["mena", "error"]
    assert not summary.ok
    # the failed notebook is kept, with its error visible
    failed = nbformat.read(summary.run_dir / "mena" / "07_flaky.ipynb", as_version=4)
    outputs = [o for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any(o.get("ename") == "ValueError" for o in outputs)
    assert (summary.run_dir / "mena" / "07_flaky.html").exists()
    # html without code cells
    html = (summary.run_dir / "europe" / "07_flaky.html").read_text(encoding="utf-8")
    assert "pathlib.Path(output_dir" not in html and "europe 2 run" in html
    # per-zone workbook from the tables, manifest, index, latest
    assert (summary.run_dir / "europe" / "europe_tables.xlsx").exists()
    manifest = json.loads((summary.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == summary.run_id
    assert {n["zone"] for n in manifest["notebooks"]} == {"europe", "mena", "all"}
    europe = next(n for n in manifest["notebooks"] if n["zone"] == "europe")
    assert europe["parameters"]["threshold"] == 2 and europe["seconds"] > 0
    assert str(tiny_study.resolve()) in manifest["inputs_sha256"]
    assert all(len(v) == 64 for v in manifest["inputs_sha256"].values())
    assert manifest["versions"]["pandas"] and "git_commit" in manifest
    index = (summary.run_dir / "index.html").read_text(encoding="utf-8")
    assert "Reports that failed: 1 of 3." in index and "SYNTHETIC" in index
    analysts = (summary.run_dir / "analysts.html").read_text(encoding="utf-8")
    assert 'href="europe/07_flaky.html"' in analysts and "failed: ValueError" in analysts
    # no analytical database (ingest=False): the briefs are skipped, and the run says why
    assert summary.briefs == [] and "analytical database" in manifest["briefs"]["skipped"]
    latest = summary.run_dir.parent / "latest"
    assert latest.resolve() == summary.run_dir.resolve()
    # no partial folders left
    assert not list(summary.run_dir.parent.glob(".*partial"))


def test_two_runs_never_share_a_folder(tiny_study, flaky_notebook):
    a = run.run_study(tiny_study, zones="europe", notebooks=[flaky_notebook], ingest=False)
    b = run.run_study(tiny_study, zones="europe", notebooks=[flaky_notebook], ingest=False)
    assert a.run_dir != b.run_dir and a.run_dir.exists() and b.run_dir.exists()
    with pytest.raises(Exception, match="already exists"):
        run.run_study(
            tiny_study, zones="europe", notebooks=[flaky_notebook], ingest=False, run_id=a.run_id
        )


def test_cli_exit_codes(tiny_study, flaky_notebook, capsys):
    args = ["run", str(tiny_study), "--zone", "mena", "--notebook", str(flaky_notebook)]
    assert run.main([*args, "--quiet", "--no-briefs"]) == run.EXIT_FAILED_RUNS
    out = capsys.readouterr().out
    assert "failed" in out and "index.html" in out and "policy briefs: none" in out
    runs = sorted((tiny_study.parent.parent / "reports").iterdir())
    assert run.main([*args, "--lang", "fr,xx"]) == run.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "'xx'" in err and "en, fr, es, ar" in err and "--lang" in err
    assert sorted((tiny_study.parent.parent / "reports").iterdir()) == runs  # nothing ran
    assert (
        run.main(["run", str(tiny_study), "--zone", "atlantis", "--notebook", str(flaky_notebook)])
        == run.EXIT_BAD_INPUT
    )
    assert "atlantis" in capsys.readouterr().err
    assert run.main(["params", str(flaky_notebook)]) == run.EXIT_OK
    assert "threshold" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        run.main(["--help"])
    assert exc.value.code == 0
    assert "exit codes" in capsys.readouterr().out


def test_internal_run_is_marked_everywhere(tiny_study, flaky_notebook, capsys):
    nb = nbformat.read(flaky_notebook, as_version=4)
    nb.cells[1].source += '\naudience = ""  # tier'
    nb.cells[2].source += "\nprint('tier', audience)"
    nbformat.write(nb, flaky_notebook)
    code = run.main(
        [
            "run",
            str(tiny_study),
            "--zone",
            "europe",
            "--notebook",
            str(flaky_notebook),
            "--audience",
            "internal",
            "--quiet",
        ]
    )
    assert code == run.EXIT_OK
    out = capsys.readouterr().out
    assert "audience: internal (INTERNAL — not for publication)" in out
    run_dir = sorted((tiny_study.parent.parent / "reports").glob("*-internal"))[-1]
    mark = "INTERNAL — not for publication"
    assert mark in (run_dir / "index.html").read_text(encoding="utf-8")
    assert mark in (run_dir / "analysts.html").read_text(encoding="utf-8")
    # the briefs of an internal run carry the mark too (in English by default)
    assert mark in (run_dir / "europe" / "brief.en.html").read_text(encoding="utf-8")
    assert "policy briefs: 1 of 1 zones in en" in out
    html = (run_dir / "europe" / "07_flaky.html").read_text(encoding="utf-8")
    assert mark in html and "tier internal" in html
    executed = nbformat.read(run_dir / "europe" / "07_flaky.ipynb", as_version=4)
    assert executed.cells[0].source == f"# {mark}"
    import pandas as pd

    readme = pd.read_excel(run_dir / "europe" / "europe_tables.xlsx", sheet_name="README")
    assert readme.iloc[0].tolist() == ["marking", mark]
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["disclosure"]["audience"] == "internal"
    assert manifest["notebooks"][0]["parameters"]["audience"] == "internal"
    assert json.loads((run_dir / "disclosure.json").read_text(encoding="utf-8"))["mark"] == mark
    # the public tier (the default) is not marked
    public = run.run_study(
        tiny_study, zones="europe", notebooks=[flaky_notebook], ingest=False, briefs=False
    )
    assert mark not in (public.run_dir / "index.html").read_text(encoding="utf-8")
    assert public.manifest["disclosure"]["audience"] == "public"
    assert not public.run_id.endswith("internal")


def test_init_then_validate(tmp_path, demo_csv, capsys):
    path = run.init_study(tmp_path / "mine", name="Test study", year=2026)
    assert (path.parent / "instrument.xlsx").exists()
    assert list(path.parent.glob("membership_*.csv"))
    shutil.copy(demo_csv, path.parent / "data" / "raw" / "export.csv")
    text = path.read_text(encoding="utf-8").replace("REPLACE_WITH_YOUR_EXPORT.csv", "export.csv")
    path.write_text(text, encoding="utf-8")
    assert run.main(["validate", str(path)]) == run.EXIT_OK
    out = capsys.readouterr().out
    assert "accepted" in out and "reconciled" in out
    with pytest.raises(Exception, match="already exists"):
        run.init_study(tmp_path / "mine")


@pytest.mark.slow
def test_every_notebook_runs_for_two_zones_on_the_demo(tiny_study):
    summary = run.run_study(tiny_study, zones="europe,mena", jobs=2)
    table = summary.table()
    assert summary.ok, table.to_string()
    assert set(table["notebook"]) == {p.stem for p in run.list_notebooks()}
    for zone in ("europe", "mena"):
        zdir = summary.run_dir / zone
        assert list((zdir / "figures").glob("*.png")) and list((zdir / "figures").glob("*.svg"))
        assert list((zdir / "tables").glob("*.csv"))
        assert (zdir / f"{zone}_tables.xlsx").exists()


def test_notebooks_whose_inputs_are_missing_are_skipped(tiny_study, flaky_notebook):
    nb = nbformat.read(flaky_notebook, as_version=4)
    nb.metadata["nsmap"] = {"requires": ["interviews"]}
    nbformat.write(nb, flaky_notebook)
    cfg = yaml.safe_load(tiny_study.read_text(encoding="utf-8"))
    assert run.missing_requirements(flaky_notebook, run.load_study(tiny_study)) == []
    cfg["paths"].pop("interviews")
    tiny_study.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    summary = run.run_study(tiny_study, zones="europe", notebooks=[flaky_notebook], ingest=False)
    row = summary.table().iloc[0]
    assert row["status"] == "skipped" and "interview codebook" in row["error"]
    assert summary.ok
    analysts = (summary.run_dir / "analysts.html").read_text(encoding="utf-8")
    assert "skipped: the study has no" in analysts and "interview codebook" in analysts
