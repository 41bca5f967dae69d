"""Fuzzing the export and XLSForm readers with seeded mutations of valid files.

Bad input must never crash ingestion (issue 10, item 6): every input gives an
``IngestResult`` whose rows reconcile (rows in = accepted + quarantined), or a
``ToolkitError`` whose message names the file, within a time limit.  The seeds are
valid files made from the bundled instrument and the synthetic demo export (written by
``toolkit.synth``): a KoboToolbox semicolon CSV with group paths and wide repeat
columns, the same as an XLSX with a sheet per repeat group, an ODK Central CSV (UTF-8
BOM, CRLF, ``-`` paths) alone and in a ``.csv.zip``, a full-width CSV and the bundled
XLSForm; and the test fixtures of real export shapes (``tests/data/real/exports/own``:
a household form with nested repeats as wide columns, KoboToolbox sheets and a Central
zip with one CSV per repeat).  The narrow seeds (six submissions) are read against the
bundled form cut to one question of each kind (``_fuzz_cases._compact_form``), so that
a case takes a fraction of a second; the full-width seed against the whole form.  Half
of the demo exports are read as records (``read_export(path, instrument)``), half as a
mapping study (``unit`` and ``society`` ``ns_iso3``, matched through the crosswalk).

Each case applies one to three seeded mutations (``benchmarks/_fuzz_mutators.py``):
byte flips, truncation, NUL bytes, huge cells, stray quotes, delimiter and encoding
changes (UTF-16 with and without BOM, UTF-32, cp1252), dropped / duplicated header
cells, dropped and shuffled columns, mixed line endings, title rows, duplicated lines,
garbage, tricky values, wrong suffixes; for workbooks and archives also zip truncation
and corruption, lying zip sizes, huge sheet dimensions, XML entity bombs and damaged
members; for the XLSForm, damaged cells and sheets.  Each case is drawn from its own
random stream, so case ``i`` of ``--seed s`` is the same input on every run.

The corpus (seed files, parsed instruments, the frame) is built once; ``--jobs``
forked worker processes (one by default) share it and run the cases one after the
other, each with its address space capped (``--memory-gib`` more than at the fork).
A case over ``--timeout`` seconds is a hang (an alarm stops it; a worker the alarm
cannot stop is killed and replaced).  The summary counts the outcomes and lists the
slowest reads, those that needed most memory and the causes of failures.
``--seed s --case i`` replays case ``i`` alone, writes the input to the temporary
folder and prints the traceback.  ``tests/test_ingest_fuzz.py`` runs 200 ``--quick``
cases (no full-width seed, cells up to 600 kB).

Usage::

    nice .venv/bin/python benchmarks/fuzz_exports.py --n 10000 --seed 1 [--jobs 2]
    .venv/bin/python benchmarks/fuzz_exports.py --seed 1 --case 1234
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing as mp
import re
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _fuzz_cases import (
    OUTCOMES,
    Case,
    Corpus,
    build_corpus,
    make_case,
    memory_limit,
    run_case,
)

__all__ = [
    "Report",
    "build_corpus",
    "main",
    "make_case",
    "print_report",
    "replay",
    "run_case",
    "run_cases",
]


# -- the run ------------------------------------------------------------------------------------
@dataclass
class Report:
    """What a run of cases gave."""

    n: int
    seed: int
    counts: Counter[str]
    failures: list[tuple[int, str, str]]  # (case, seed file + mutations, detail)
    seconds: float
    cost: list[tuple[float, float, int, str]]  # (seconds, MiB grown, case, what) of each read


def _worker(
    conn: Connection,
    corpus: Corpus,
    seed: int,
    cases: range,
    timeout: float,
    memory: int,
    directory: Path,
) -> None:
    """Run ``cases`` one after the other in ``directory``, reporting each (a forked child:
    ``corpus`` is shared)."""
    with open("/proc/self/statm") as fh:
        current = int(fh.read().split()[0]) * resource.getpagesize()
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    cap = current + memory if hard == resource.RLIM_INFINITY else min(current + memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    for i in cases:
        conn.send(("begin", i))
        t, what, base = time.perf_counter(), "?", 0
        try:
            case = make_case(corpus, seed, i)
            what = case.what
            conn.send(("case", i, what))
            t, base = time.perf_counter(), _reset_peak()
            outcome, detail = run_case(corpus, case, directory, timeout)
        except Exception:
            outcome, detail = "crash", "in the harness:\n" + traceback.format_exc()
        grown = max(0, _status_kib("VmHWM") - base) / 1024 if base else 0.0
        conn.send(("end", i, outcome, detail, what, time.perf_counter() - t, grown))


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        return next((int(ln.split()[1]) for ln in fh if ln.startswith(field + ":")), 0)


def _reset_peak() -> int:
    """Reset this process's peak resident size; its resident size in KiB (0: cannot reset)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return 0
    return _status_kib("VmRSS")


_MAKING = 120.0  # seconds a worker may take to start or to make a case (harness work)


class _Lane:
    """One worker process running a contiguous block of cases; restarted after a hang."""

    def __init__(self, cases: range, directory: Path) -> None:
        self.next, self.stop = cases.start, cases.stop
        self.directory = directory  # where the worker writes its inputs
        self.proc: BaseProcess | None = None
        self.conn: Connection | None = None
        self.deadline = 0.0
        self.what = "?"  # the case being run

    def start(
        self, ctx: Any, corpus: Corpus, seed: int, timeout: float, memory: int, grace: float
    ) -> None:
        self.conn, child = ctx.Pipe(duplex=False)
        cases = range(self.next, self.stop)
        self.proc = ctx.Process(
            target=_worker,
            args=(child, corpus, seed, cases, timeout, memory, self.directory),
            daemon=True,
        )
        self.proc.start()
        child.close()
        self.deadline = time.monotonic() + _MAKING + grace

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
        if self.conn is not None:
            self.conn.close()
        self.proc = self.conn = None


def run_cases(
    corpus: Corpus,
    n: int,
    seed: int,
    *,
    timeout: float = 60.0,
    memory: int = 3 << 30,
    jobs: int = 1,
    progress: int = 0,
    grace: float = 30.0,
) -> Report:
    """Run cases ``0 .. n-1`` in ``jobs`` forked worker processes, each reused across cases.

    Each worker's address space is capped at its size when forked plus ``memory`` bytes
    and each case has ``timeout`` seconds (an alarm in the worker; a worker the alarm
    cannot stop is killed ``grace`` seconds later and replaced, and the case counts as
    a hang).  ``progress``: print the counts every so many cases.
    """
    counts: Counter[str] = Counter()
    failures: list[tuple[int, str, str]] = []
    cost: list[tuple[float, float, int, str]] = []
    t0 = time.perf_counter()
    ctx = mp.get_context("fork")  # the workers share the parsed corpus
    tmp = tempfile.TemporaryDirectory(prefix="fuzz-")  # removed even if a worker is killed
    bounds = [n * k // jobs for k in range(jobs + 1)]
    lanes = [
        _Lane(range(lo, hi), Path(tmp.name)) for lo, hi in itertools.pairwise(bounds) if hi > lo
    ]
    try:
        for lane in lanes:
            lane.start(ctx, corpus, seed, timeout, memory, grace)

        def lost(lane: _Lane, outcome: str, detail: str) -> None:
            counts[outcome] += 1
            failures.append((lane.next, lane.what, detail))
            lane.kill()
            lane.next += 1
            if lane.next < lane.stop:
                lane.start(ctx, corpus, seed, timeout, memory, grace)

        done = 0
        while any(lane.conn is not None for lane in lanes):
            live = [lane for lane in lanes if lane.conn is not None]
            wait = max(0.0, min(lane.deadline for lane in live) - time.monotonic())
            ready = mp_wait([lane.conn for lane in live if lane.conn is not None], timeout=wait)
            for lane in live:
                if lane.conn is None:
                    continue
                if lane.conn not in ready:
                    if time.monotonic() > lane.deadline:  # stuck where the alarm cannot reach
                        lost(lane, "hang", "worker killed: the alarm did not stop the case")
                    continue
                try:
                    msg = lane.conn.recv()
                except EOFError:  # the worker died (killed by the kernel?) or finished
                    if lane.next < lane.stop:
                        if lane.proc is not None:
                            lane.proc.join(5)
                        code = lane.proc.exitcode if lane.proc else None
                        lost(lane, "crash", f"the worker died (exit code {code})")
                    else:
                        lane.kill()
                    continue
                if msg[0] == "begin":
                    lane.deadline = time.monotonic() + _MAKING + grace
                    lane.what = "(making the case)"
                    continue
                if msg[0] == "case":  # the case is made: the read has timeout + grace seconds
                    lane.deadline = time.monotonic() + timeout + grace
                    lane.what = msg[2]
                    continue
                _, idx, outcome, detail, what, secs, grown = msg
                counts[outcome] += 1
                cost.append((secs, grown, idx, what))
                if outcome in ("crash", "hang"):
                    failures.append((idx, what, detail))
                    if progress:
                        last = (detail.strip().splitlines() or ["?"])[-1][:150]
                        print(f"  case {idx} ({what}): {outcome}: {last}", flush=True)
                lane.next, done = idx + 1, done + 1
                if progress and done % progress == 0:
                    elapsed = time.perf_counter() - t0
                    print(f"  {done:>6} inputs, {elapsed:6.0f} s: {dict(counts)}", flush=True)
    finally:
        for lane in lanes:
            lane.kill()
        tmp.cleanup()
    failures.sort()
    return Report(n, seed, counts, failures, time.perf_counter() - t0, cost)


def print_report(report: Report, show: int = 5, quick: bool = False) -> None:
    """The counts of outcomes, the causes of failures and the first ``show`` in full."""
    n, seconds = report.n, report.seconds
    print(
        f"\n{n} inputs, seed {report.seed}: {seconds:.0f} s ({seconds / max(n, 1) * 1000:.0f} ms per input)"
    )
    for name in OUTCOMES:
        print(f"  {name:<14} {report.counts[name]:>6}")
    by_time = sorted(report.cost, key=lambda c: -c[0])[:5]
    by_memory = sorted(report.cost, key=lambda c: -c[1])[:5]
    for label, top in (("slowest", by_time), ("most memory", by_memory)):
        print(f"  {label}:")
        for secs, grown, idx, what in top:
            print(f"    case {idx:>5}: {secs:5.1f} s, +{grown:5.0f} MiB  {what[:90]}")
    last = [(d.strip().splitlines() or ["?"])[-1] for _, _, d in report.failures]
    causes = Counter(re.sub(r"\S*case\d+\S*", "<input>", line)[:110] for line in last)
    for cause, count in causes.most_common():
        print(f"  {count:>6} x {cause}")
    for idx, what, detail in report.failures[:show]:
        print(f"\n--- case {idx}: {what}\n    replay: {replay(report.seed, idx, quick)}\n{detail}")
    if len(report.failures) > show:
        rest = [f[0] for f in report.failures[show:]]
        print(f"\n... and {len(rest)} more: cases {rest}")


def replay(seed: int, case: int, quick: bool = False) -> str:
    """The command that replays one case alone, with its traceback."""
    flag = " --quick" if quick else ""
    return f".venv/bin/python benchmarks/fuzz_exports.py{flag} --seed {seed} --case {case}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="number of inputs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--case", type=int, help="replay one case in this process")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the test's corpus (no full-width seed, cells up to 600 kB)",
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per input")
    parser.add_argument(
        "--memory-gib", type=float, default=3.0, help="address space a case may add"
    )
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--show", type=int, default=5, help="failures to print in full")
    args = parser.parse_args(argv)
    memory = int(args.memory_gib * 2**30)
    corpus = build_corpus(args.quick)
    if args.case is None:
        report = run_cases(
            corpus,
            args.n,
            args.seed,
            timeout=args.timeout,
            memory=memory,
            jobs=args.jobs,
            progress=500,
        )
        print_report(report, args.show, args.quick)
        return 0 if report.counts["crash"] + report.counts["hang"] == 0 else 1
    case = make_case(corpus, args.seed, args.case)
    keep = Path(tempfile.gettempdir()) / f"fuzz-{args.seed}-{args.case}{case.suffix}"
    keep.write_bytes(case.data)
    with memory_limit(memory):
        return _replay(corpus, case, keep, args.timeout)


def _replay(corpus: Corpus, case: Case, keep: Path, timeout: float) -> int:
    print(f"case {case.index}: {case.what}; input: {keep}")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        outcome, detail = run_case(corpus, case, Path(tmp), timeout)
    print(f"{outcome} in {time.perf_counter() - t:.2f} s: {detail}")
    return 0 if outcome in ("result", "toolkit_error") else 1


if __name__ == "__main__":
    sys.exit(main())
