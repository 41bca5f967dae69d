"""Reading whole corpora of real exports with ``scripts/check_real_exports.py``.

The committed corpus (``data/real/exports``: ODK Briefcase's test exports and the
synthetic fixtures) is read on every run.  A local corpus of real exports that cannot
be committed (AGPL/GPL code, real field data) is read when ``NSMAP_REAL_CORPUS``
points at it (a folder such as the one described by its ``MANIFEST.tsv``); the test
is skipped otherwise.  Either way: no export may crash the reader, and every export
read must reconcile (rows in = accepted + quarantined, for repeat groups too).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = Path(__file__).parent / "data" / "real" / "exports"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_real_exports", ROOT / "scripts" / "check_real_exports.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_committed_corpus_is_read_completely():
    lines = _script().check_corpus(COMMITTED, [COMMITTED])
    by_source = {line.source: line for line in lines}
    assert all(line.status == "ok" for line in lines), [
        (line.source, line.status) for line in lines if line.status != "ok"
    ]
    nested = by_source["briefcase/nested-repeats/nested-repeats.csv"]
    assert (nested.tool, nested.format) == ("Briefcase", "CSV")
    assert nested.repeats == "g1 3/3, g2 4/4, g3 5/5"
    assert "briefcase/nested-repeats/nested-repeats-g1.csv" not in by_source  # read with its main
    central = by_source["own/household.csv.zip"]
    assert (central.tool, central.format, central.rows_in, central.accepted) == (
        "Central",
        "zip",
        3,
        2,
    )
    assert central.repeats == "children 3/3, vaccines 3/3"
    assert {line.tool for line in lines} >= {"Briefcase", "Central", "Kobo"}


@pytest.mark.slow
def test_local_real_corpus_never_crashes_the_reader():
    corpus = os.environ.get("NSMAP_REAL_CORPUS")
    if not corpus:
        pytest.skip("set NSMAP_REAL_CORPUS to a folder of real exports to run this test")
    if not Path(corpus).is_dir():
        pytest.skip(f"NSMAP_REAL_CORPUS={corpus} is not a folder")
    lines = _script().check_corpus(Path(corpus), [COMMITTED])
    bad = [
        (line.source, line.status) for line in lines if line.status.startswith(("CRASH", "DOES"))
    ]
    assert not bad
    assert any(line.status == "ok" for line in lines)


def test_script_prints_one_line_per_export(capsys):
    assert _script().main([str(COMMITTED / "own")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("source | repository | tool | format | rows_in | accepted")
    assert any(line.startswith("household.csv.zip | ") for line in out)
    assert out[-1].startswith("4 exports: 4 read, 0 crashed")
