"""Check :func:`toolkit.instrument.read_xlsform` against pyxform on a corpus of real forms.

For every ``.xls`` / ``.xlsx`` / ``.xlsm`` file under ``CORPUS_DIR`` (recursively) the
script runs pyxform (``pyxform.xls2xform.convert``, the XLSForm reference
implementation) and :func:`read_xlsform`, and prints one line per file: whether
pyxform accepted it, whether read_xlsform read it, the seconds and peak Python memory
(tracemalloc) of read_xlsform, and the error of either side.  The totals at the end
say how many files pyxform accepts and how many of those are read; the target is all
of them.  A file pyxform rejects should get an ``InstrumentError``, except one whose
only fault is duplicate choice names (old KoboToolbox forms), which is read with a
warning; such files are marked ``ONLY DUPLICATE CHOICE NAMES``.

Usage::

    .venv/bin/python scripts/check_real_forms.py CORPUS_DIR [--tsv OUT.tsv]

When ``CORPUS_DIR`` (or a parent) holds a ``MANIFEST.tsv`` with ``local_path`` and
``kind`` columns, each file's kind (``form``, ``export`` ...) is shown; data exports
are not XLSForms and pyxform rejects them.  Exit status: 1 if a file pyxform accepts
is not read (or read_xlsform fails with anything other than ``InstrumentError``),
else 0.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import multiprocessing
import multiprocessing.connection
import resource
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from pathlib import Path

from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from toolkit.errors import InstrumentError
from toolkit.instrument import read_xlsform

SUFFIXES = {".xls", ".xlsx", ".xlsm"}
MEMORY_LIMIT = 4 * 2**30  # address space of the child process checking one file
TIMEOUT = 600.0  # seconds per file


@dataclass
class Result:
    """What both readers made of one file."""

    path: str
    kind: str
    pyxform_ok: bool
    pyxform_error: str
    read_ok: bool
    read_error: str
    error_class: str
    seconds: float
    peak_mb: float
    n_questions: int
    n_warnings: int


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _manifest_kinds(corpus: Path) -> dict[Path, str]:
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
    return {}


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


def check_file(path: Path, kind: str = "") -> Result:
    """Run pyxform and read_xlsform on one workbook.

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
    try:
        convert(xlsform=str(path), warnings=[])
        pyx_ok, pyx_err = True, ""
    except Exception as exc:  # pyxform raises many types on bad input
        pyx_ok, pyx_err = False, f"{type(exc).__name__}: {exc}"
        if "Choice names must be unique" in pyx_err and _only_duplicates(path):
            pyx_err = "ONLY DUPLICATE CHOICE NAMES: " + pyx_err
    read_ok, read_err, err_class, n_q, n_w = False, "", "", 0, 0
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inst = read_xlsform(path)
        read_ok, n_q, n_w = True, len(inst.questions), len(inst.warnings)
    except InstrumentError as exc:
        read_err, err_class = str(exc), "InstrumentError"
    except Exception as exc:  # reported as a failure of the reader
        read_err, err_class = f"{type(exc).__name__}: {exc}", type(exc).__name__
    seconds = time.perf_counter() - start
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read_xlsform(path)
    except Exception:  # already recorded above
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Result(
        path=str(path),
        kind=kind,
        pyxform_ok=pyx_ok,
        pyxform_error=pyx_err,
        read_ok=read_ok,
        read_error=read_err,
        error_class=err_class,
        seconds=seconds,
        peak_mb=peak / 2**20,
        n_questions=n_q,
        n_warnings=n_w,
    )


def _child(path: Path, kind: str, conn: multiprocessing.connection.Connection) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    conn.send(check_file(path, kind))
    conn.close()


def check_isolated(path: Path, kind: str = "") -> Result:
    """:func:`check_file` in a forked child with a memory limit and a time-out.

    A file that exhausts the memory limit or the time-out is reported as not read
    (and not accepted by pyxform when pyxform did not finish either).
    """
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(path, kind, child))
    proc.start()
    child.close()
    result = None
    if parent.poll(TIMEOUT):
        try:
            result = parent.recv()
        except EOFError:  # the child died before answering
            result = None
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join()
    if isinstance(result, Result):
        return result
    why = f"the check died (exit code {proc.exitcode}) or took over {TIMEOUT:.0f} s"
    return Result(str(path), kind, False, why, False, why, "Crash", TIMEOUT, 0.0, 0, 0)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder searched recursively for workbooks")
    parser.add_argument("--tsv", type=Path, help="also write the per-file results here")
    args = parser.parse_args(argv)
    corpus: Path = args.corpus
    kinds = _manifest_kinds(corpus.resolve())
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    results = []
    print("pyxform\tread\tseconds\tpeak_MB\tkind\tfile\terror")
    for path in files:
        res = check_isolated(path, kinds.get(path.resolve(), ""))
        results.append(res)
        if res.pyxform_ok and not res.read_ok:
            err = f"NOT READ: {res.read_error}"
        elif not res.pyxform_ok:
            ours = f"read_xlsform: {res.read_error}" if res.read_error else "read_xlsform: READ"
            err = f"pyxform: {res.pyxform_error} | {ours}"
        else:
            err = f"{res.n_warnings} warning(s)" if res.n_warnings else ""
        print(
            f"{'yes' if res.pyxform_ok else 'no'}\t{'yes' if res.read_ok else 'no'}\t"
            f"{res.seconds:.3f}\t{res.peak_mb:.1f}\t{res.kind or '-'}\t"
            f"{path.relative_to(corpus)}\t{_one_line(err)}",
            flush=True,
        )
    accepted = [r for r in results if r.pyxform_ok]
    read = [r for r in accepted if r.read_ok]
    rejected = [r for r in results if not r.pyxform_ok]
    rej_error = [r for r in rejected if r.error_class == "InstrumentError"]
    rej_read = [r for r in rejected if r.read_ok]
    crashed = [r for r in results if r.error_class not in ("", "InstrumentError")]
    dup_only = [r for r in rejected if r.pyxform_error.startswith("ONLY DUPLICATE")]
    print()
    print(f"files: {len(results)}")
    print(f"accepted by pyxform: {len(accepted)}; of those read by read_xlsform: {len(read)}")
    print(
        f"rejected by pyxform: {len(rejected)}; of those InstrumentError: {len(rej_error)}, "
        f"read anyway: {len(rej_read)}"
    )
    print(
        f"  of the rejected, only for duplicate choice names (read with a warning by "
        f"design): {len(dup_only)}, of those read: {sum(r.read_ok for r in dup_only)}"
    )
    print(f"read_xlsform failures other than InstrumentError: {len(crashed)}")
    if results:
        slow = max(results, key=lambda r: r.seconds)
        big = max(results, key=lambda r: r.peak_mb)
        print(f"slowest: {slow.seconds:.3f} s ({slow.path})")
        print(f"largest peak memory: {big.peak_mb:.1f} MB ({big.path})")
    if args.tsv:
        with args.tsv.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter="\t")
            writer.writerow(list(Result.__dataclass_fields__))
            for r in results:
                writer.writerow([_one_line(v, 1000) for v in vars(r).values()])
    return 1 if len(read) < len(accepted) or crashed else 0


if __name__ == "__main__":
    sys.exit(main())
