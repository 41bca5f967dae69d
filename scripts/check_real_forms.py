"""Check :func:`toolkit.instrument.read_xlsform` against pyxform on a corpus of real forms.

For every ``.xls`` / ``.xlsx`` / ``.xlsm`` file under ``CORPUS_DIR`` (recursively) the
script runs, in a forked child process with a memory limit and a time-out, pyxform
(``pyxform.xls2xform.convert``, the XLSForm reference implementation) and
:func:`read_xlsform`, and prints one line per file: whether pyxform accepted it (and
with how many warnings), whether read_xlsform read it (and with how many warnings),
the seconds and the peak memory of read_xlsform, and the error of either side.

Peak memory is the growth of the child's resident set (``VmHWM`` after resetting it
through ``/proc/self/clear_refs``; ``ru_maxrss`` where that is not available), so it
counts the memory of C extensions (lxml, openpyxl's parser) too; the peak of Python
allocations (tracemalloc, from a second read) is printed beside it.

The totals say how many files pyxform accepts and how many of those are read (the
target is all of them), with the same figures over distinct files (by content: the
same fixture is often committed to several repositories).  A file pyxform rejects
should get an ``InstrumentError``, except one whose only fault is duplicate choice
names (old KoboToolbox forms): it must be read with a warning that lists the
duplicates; such files are marked ``ONLY DUPLICATE CHOICE NAMES``.

Usage::

    .venv/bin/python scripts/check_real_forms.py CORPUS_DIR [--tsv OUT.tsv] [--all]

When ``CORPUS_DIR`` (or a parent) holds a ``MANIFEST.tsv`` with ``local_path`` and
``kind`` columns, only files of kind ``form`` are checked (``--all``: every workbook);
data exports are not XLSForms and pyxform rejects them.  Exit status: 1 if a file
pyxform accepts is not read, a duplicate-names-only form is not read with a warning,
or read_xlsform fails with anything other than ``InstrumentError``; else 0.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import multiprocessing
import multiprocessing.connection
import resource
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from toolkit.errors import InstrumentError
from toolkit.instrument import load_instrument, read_xlsform

SUFFIXES = {".xls", ".xlsx", ".xlsm"}
MEMORY_LIMIT = 4 * 2**30  # address space of the child process checking one file
TIMEOUT = 600.0  # seconds per file
DUPLICATES = "ONLY DUPLICATE CHOICE NAMES"


@dataclass
class Result:
    """What both readers made of one file."""

    path: str
    kind: str
    sha256: str
    pyxform_ok: bool
    pyxform_warnings: int
    pyxform_error: str
    read_ok: bool
    read_error: str
    error_class: str
    seconds: float
    peak_mb: float
    py_peak_mb: float
    n_questions: int
    n_warnings: int
    duplicate_warning: bool

    @property
    def only_duplicates(self) -> bool:
        """Whether pyxform rejects the file only for duplicate choice names."""
        return self.pyxform_error.startswith(DUPLICATES)


def _one_line(text: object, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _manifest_kinds(corpus: Path) -> dict[Path, str] | None:
    for folder in (corpus, *corpus.parents):
        manifest = folder / "MANIFEST.tsv"
        if manifest.is_file():
            with manifest.open(encoding="utf-8", newline="") as fh:
                rows = csv.DictReader(fh, delimiter="\t")
                return {
                    (folder / r["local_path"]).resolve(): r.get("kind", "") or ""
                    for r in rows
                    if r.get("local_path")
                }
    return None


def _only_duplicates(path: Path) -> bool:
    """Whether pyxform converts the form once duplicate choice names are allowed."""
    data = get_xlsform(xlsform=str(path))
    settings = [dict(r) for r in (data.settings or [{}])] or [{}]
    header = [dict(r) for r in (data.settings_header or [{}])] or [{}]
    settings[0]["allow_choice_duplicates"] = "yes"
    header[0]["allow_choice_duplicates"] = None
    try:
        convert(
            xlsform={**dataclasses.asdict(data), "settings": settings, "settings_header": header}
        )
    except Exception:  # another fault
        return False
    return True


def _rss_kib(field: str) -> int | None:
    """A ``VmHWM`` / ``VmRSS`` line of /proc/self/status in KiB (None off Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # resets VmHWM to the current resident set
    except OSError:
        return False
    return True


def _pyxform(path: Path) -> tuple[bool, int, str]:
    found: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            convert(xlsform=str(path), warnings=found)
    except Exception as exc:  # pyxform raises many types on bad input
        err = f"{type(exc).__name__}: {exc}"
        if "Choice names must be unique" in err and _only_duplicates(path):
            err = f"{DUPLICATES}: {err}"
        return False, 0, err
    return True, len(found), ""


@dataclass
class _Read:
    ok: bool
    error: str
    error_class: str
    seconds: float
    peak_mb: float
    py_peak_mb: float
    n_questions: int
    n_warnings: int
    duplicate_warning: bool


def _read(path: Path) -> _Read:
    """read_xlsform on one workbook, timed, with its peak memory."""
    ok, err, err_class, n_q, n_w, dup_w = False, "", "", 0, 0, False
    use_hwm = _reset_peak()
    before = _rss_kib("VmRSS") if use_hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            inst = read_xlsform(path)
        texts = [str(w) for w in inst.warnings] + [str(c.message) for c in caught]
        ok, n_q, n_w = True, len(inst.questions), len(inst.warnings)
        dup_w = any("duplicate" in t.lower() for t in texts)
    except InstrumentError as exc:
        err, err_class = str(exc), "InstrumentError"
    except Exception as exc:  # reported as a failure of the reader
        err, err_class = f"{type(exc).__name__}: {exc}", type(exc).__name__
    seconds = time.perf_counter() - start
    after = _rss_kib("VmHWM") if use_hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = max(0, (after or 0) - (before or 0)) / 1024
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read_xlsform(path)
    except Exception:  # already recorded above
        pass
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return _Read(ok, err, err_class, seconds, peak_mb, py_peak / 2**20, n_q, n_w, dup_w)


def _child(func: Any, path: Path, conn: multiprocessing.connection.Connection) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    conn.send(func(path))
    conn.close()


def _isolated(func: Any, path: Path) -> tuple[Any, str, float]:
    """``func(path)`` in a forked child with a memory limit and a time-out.

    Returns the answer (None if the child died or timed out), why not, and the seconds.
    """
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(func, path, child))
    start = time.perf_counter()
    proc.start()
    child.close()
    answer = None
    if parent.poll(TIMEOUT):
        try:
            answer = parent.recv()
        except EOFError:  # the child died before answering
            answer = None
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join()
    why = f"the check died (exit code {proc.exitcode}) or took over {TIMEOUT:.0f} s"
    return answer, why, time.perf_counter() - start


def check_file(path: Path, kind: str = "") -> Result:
    """Run read_xlsform (timed, memory measured) and pyxform on one workbook, each in a
    forked child with a memory limit and a time-out.

    A side that exhausts the memory limit or the time-out is reported as failed
    (error class ``Crash`` for read_xlsform).

    Parameters
    ----------
    path : Path
        The workbook.
    kind : str, optional
        What the corpus manifest says the file is.

    Returns
    -------
    Result
    """
    read, why, spent = _isolated(_read, path)
    if not isinstance(read, _Read):
        read = _Read(False, why, "Crash", spent, 0.0, 0.0, 0, 0, False)
    pyx, why, _ = _isolated(_pyxform, path)
    pyx_ok, pyx_w, pyx_err = pyx if isinstance(pyx, tuple) else (False, 0, why)
    return Result(
        path=str(path),
        kind=kind,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest()[:16],
        pyxform_ok=pyx_ok,
        pyxform_warnings=pyx_w,
        pyxform_error=pyx_err,
        read_ok=read.ok,
        read_error=read.error,
        error_class=read.error_class,
        seconds=read.seconds,
        peak_mb=read.peak_mb,
        py_peak_mb=read.py_peak_mb,
        n_questions=read.n_questions,
        n_warnings=read.n_warnings,
        duplicate_warning=read.duplicate_warning,
    )


def _status(res: Result) -> str:
    if res.pyxform_ok and not res.read_ok:
        return f"NOT READ: {res.read_error}"
    if res.only_duplicates:
        verdict = "read with a duplicate warning" if res.duplicate_warning else "NOT AS REQUIRED"
        ours = "READ" if res.read_ok else res.read_error
        return f"{verdict} | pyxform: {res.pyxform_error} | read_xlsform: {ours}"
    if not res.pyxform_ok:
        ours = f"read_xlsform: {res.read_error}" if res.read_error else "read_xlsform: READ"
        return f"pyxform: {res.pyxform_error} | {ours}"
    return f"{res.n_warnings} warning(s)" if res.n_warnings else ""


def _totals(results: list[Result], label: str) -> list[str]:
    accepted = [r for r in results if r.pyxform_ok]
    read = [r for r in accepted if r.read_ok]
    rejected = [r for r in results if not r.pyxform_ok]
    dup_only = [r for r in rejected if r.only_duplicates]
    others = [r for r in rejected if not r.only_duplicates]
    return [
        f"{label}: {len(results)}",
        f"  accepted by pyxform: {len(accepted)} "
        f"({sum(r.pyxform_warnings > 0 for r in accepted)} with pyxform warnings); "
        f"read by read_xlsform: {len(read)} of {len(accepted)}",
        f"  rejected by pyxform only for duplicate choice names: {len(dup_only)}; read with a "
        f"duplicate warning: {sum(r.read_ok and r.duplicate_warning for r in dup_only)}",
        f"  rejected by pyxform otherwise: {len(others)}; InstrumentError: "
        f"{sum(r.error_class == 'InstrumentError' for r in others)}, read anyway: "
        f"{sum(r.read_ok for r in others)}, other exception: "
        f"{sum(r.error_class not in ('', 'InstrumentError') for r in others)}",
    ]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder searched recursively for workbooks")
    parser.add_argument("--tsv", type=Path, help="also write the per-file results here")
    parser.add_argument("--all", action="store_true", help="check workbooks of every kind")
    args = parser.parse_args(argv)
    corpus: Path = args.corpus
    kinds = _manifest_kinds(corpus.resolve())
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if kinds is not None and not args.all:
        files = [p for p in files if kinds.get(p.resolve()) == "form"]
    with warnings.catch_warnings():  # imports and caches, so that a child's peak is the form's
        warnings.simplefilter("ignore")
        load_instrument()
    results = []
    print("pyxform\tread\tseconds\tpeak_MB\tpy_peak_MB\tkind\tfile\terror")
    for path in files:
        res = check_file(path, (kinds or {}).get(path.resolve(), ""))
        results.append(res)
        pyx = ("yes" if res.pyxform_ok else "no") + (
            f" ({res.pyxform_warnings}w)" if res.pyxform_warnings else ""
        )
        print(
            f"{pyx}\t{'yes' if res.read_ok else 'no'}\t{res.seconds:.3f}\t{res.peak_mb:.1f}\t"
            f"{res.py_peak_mb:.1f}\t{res.kind or '-'}\t{path.relative_to(corpus)}\t"
            f"{_one_line(_status(res))}",
            flush=True,
        )
    distinct = list({r.sha256: r for r in results}.values())
    print()
    for line in [*_totals(results, "files"), *_totals(distinct, "distinct files (by content)")]:
        print(line)
    for r in results:
        if (r.pyxform_ok and not r.read_ok) or r.error_class not in ("", "InstrumentError"):
            print(f"FAILURE {Path(r.path).relative_to(corpus)}: {_one_line(r.read_error, 300)}")
    if results:
        slow = max(results, key=lambda r: r.seconds)
        big = max(results, key=lambda r: r.peak_mb)
        print(
            f"slowest: {slow.seconds:.3f} s, peak {slow.peak_mb:.1f} MB "
            f"({Path(slow.path).relative_to(corpus)})"
        )
        print(
            f"largest peak memory: {big.peak_mb:.1f} MB resident, {big.py_peak_mb:.1f} MB "
            f"Python, {big.seconds:.3f} s ({Path(big.path).relative_to(corpus)})"
        )
    if args.tsv:
        with args.tsv.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter="\t")
            writer.writerow(list(Result.__dataclass_fields__))
            for r in results:
                writer.writerow([_one_line(v, 1000) for v in vars(r).values()])
    failed = [r for r in results if r.pyxform_ok and not r.read_ok]
    failed += [r for r in results if r.only_duplicates and not (r.read_ok and r.duplicate_warning)]
    failed += [r for r in results if r.error_class not in ("", "InstrumentError")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
