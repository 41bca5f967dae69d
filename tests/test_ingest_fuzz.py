"""Seeded fuzzing of export and XLSForm reading: no input crashes or hangs (issue 10, item 6).

A quick run of ``benchmarks/fuzz_exports.py`` (which runs 10,000 inputs): valid seed
exports made from the bundled instrument and the synthetic demo export, and the XLSForm
itself, each mutated one to three times (byte flips, truncation, NULs, huge cells, stray
quotes, delimiter and encoding changes, header and column damage, mixed line endings,
garbage, zip corruption, huge sheet dimensions, entity bombs, ...).  Every input must
give an ``IngestResult`` that reconciles (rows in = accepted + quarantined) or an
``Instrument``, or a ``ToolkitError`` naming the file, within 20 seconds, in a worker
process whose address space is capped.  The corpus (seed files and parsed instruments)
is built once; two forked workers (one per core, at most two) share the cases.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

N_CASES = 200
SEED = 2026
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz_exports.py"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the harness uses fork, SIGALRM and /proc"
)


@pytest.fixture(scope="module")
def fuzz():
    saved = list(sys.path)
    spec = importlib.util.spec_from_file_location("fuzz_exports", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def corpus(fuzz):
    return fuzz.build_corpus(quick=True)


def test_mutated_inputs_give_a_result_or_a_toolkit_error(fuzz, corpus):
    jobs = min(2, os.cpu_count() or 1)
    report = fuzz.run_cases(corpus, N_CASES, SEED, timeout=20, memory=3 << 30, jobs=jobs)
    shown = [
        f"case {i}: {what}\nreplay: {fuzz.replay(SEED, i, quick=True)}\n{detail}"
        for i, what, detail in report.failures[:5]
    ]
    assert not report.failures, (
        f"{len(report.failures)} of {N_CASES} inputs failed:\n\n" + "\n\n".join(shown)
    )
    assert sum(report.counts.values()) == N_CASES, report.counts
    # both outcomes are exercised
    assert report.counts["result"] >= N_CASES // 5, report.counts
    assert report.counts["toolkit_error"] >= N_CASES // 5, report.counts


def test_cases_are_reproducible(fuzz, corpus):
    for i in (0, 17, 101):
        a, b = fuzz.make_case(corpus, SEED, i), fuzz.make_case(corpus, SEED, i)
        assert (a.data, a.mutations, a.suffix, a.study) == (b.data, b.mutations, b.suffix, b.study)
    assert fuzz.make_case(corpus, SEED, 1).data != fuzz.make_case(corpus, SEED + 1, 1).data


def test_the_harness_reports_crashes_and_hangs(fuzz, corpus, monkeypatch):
    """A raw exception, an error not naming the file, a hang the alarm stops, one it
    cannot stop and a dead worker are each counted; the run goes on after each."""
    import re
    import signal
    import time

    import toolkit.ingest
    import toolkit.instrument
    from toolkit.errors import ExportReadError

    def fake(path, *args, **kwargs):
        case = int(re.search(r"case(\d+)", Path(path).name).group(1))
        if case == 0:
            raise KeyError("boom")
        if case == 1:
            raise ExportReadError("no file named", file="elsewhere.csv")
        if case == 2:
            while True:
                pass
        if case == 3:  # the alarm cannot reach it: the worker is killed and replaced
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(60)
        if case == 4:
            os._exit(3)
        raise ExportReadError("fine", file=path)

    monkeypatch.setattr(toolkit.ingest, "read_export", fake)
    monkeypatch.setattr(toolkit.instrument, "read_xlsform", fake)
    report = fuzz.run_cases(corpus, 7, SEED, timeout=1, memory=1 << 30, grace=1)
    assert dict(report.counts) == {"crash": 3, "hang": 2, "toolkit_error": 2}, report.counts
    assert [i for i, _, _ in report.failures] == [0, 1, 2, 3, 4]
    details = [d for _, _, d in report.failures]
    assert "KeyError: 'boom'" in details[0]
    assert "does not name the file" in details[1]
    assert "over 1 s" in details[2]
    assert "killed" in details[3]
    assert "exit code 3" in details[4]
