"""Which files a report notebook reads and writes, recorded make/ccache-style.

The runner (:mod:`toolkit.run._runner`) sets three environment variables for each
notebook execution:

``NSMAP_TRACE``
    the trace file, one line per file: ``R<TAB>path`` (read), ``W<TAB>path``
    (written) or ``X<TAB>path`` (a file of its zone folder it read but did not
    write);
``NSMAP_TRACE_ROOTS``
    the folders whose files count as inputs (the study folder, the analytical
    database, the folders of the study's other input files), joined by
    :data:`os.pathsep`;
``NSMAP_TRACE_OUT``
    the folder the notebook writes to (its zone folder): files written there are its
    outputs, files read there are not inputs.

A kernel started before its notebook was known gets them from the JSON file named by
``NSMAP_TRACE_SETTINGS`` instead (:mod:`toolkit.run._kernels`).

:func:`start` (called by :func:`~toolkit.run.open_report`, the first thing every
report notebook does) installs a :func:`sys.addaudithook` hook in the kernel that
records every file opened under those folders, whatever reads it (the analytical
database through :func:`toolkit.store.read_store`, ``study.yaml``, interview and
earlier-round files, pandas, openpyxl).  Without ``NSMAP_TRACE`` (a notebook opened
in JupyterLab) nothing is installed.  :func:`wrote` records an output explicitly
(:meth:`Report.save_figure`, :meth:`Report.save_table`) and :func:`read` a
file read where the hook cannot see it (Parquet, read by pyarrow's own I/O).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from toolkit.store import LazyTables, Store

__all__ = ["TRACE_ENV", "read", "read_trace", "start", "traced_store", "wrote"]

TRACE_ENV = "NSMAP_TRACE"
ROOTS_ENV = "NSMAP_TRACE_ROOTS"
OUT_ENV = "NSMAP_TRACE_OUT"
#: A JSON file holding the three settings above, for a kernel started before its
#: notebook was known (:mod:`toolkit.run._kernels`); read when the variables are unset.
SETTINGS_ENV = "NSMAP_TRACE_SETTINGS"
#: First line of a trace: the notebook's reads were recorded from the start.
STARTED = "S\tstarted\n"

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class _Tracer:
    def __init__(self, trace: str, roots: list[str], out: str) -> None:
        self.fd = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.roots = [r.rstrip(os.sep) + os.sep for r in roots if r]
        self.out = out.rstrip(os.sep) + os.sep if out else ""
        self.seen: set[tuple[str, str]] = set()
        self.busy = threading.local()
        os.write(self.fd, STARTED.encode())

    def note(self, kind: str, raw: Any) -> None:
        if getattr(self.busy, "on", False):
            return
        self.busy.on = True
        try:
            if isinstance(raw, bytes):
                raw = os.fsdecode(raw)
            if not isinstance(raw, str | os.PathLike):
                return  # a file descriptor
            path = os.path.realpath(os.fspath(raw))
            if self.out and path.startswith(self.out):
                if kind == "R" and (("W", path) in self.seen or not os.path.isfile(path)):
                    return  # its own output (show_figure reads the PNG it wrote)
                # a file of the zone folder it did not write: another notebook's output
                kind = "W" if kind == "W" else "X"
            elif kind == "R" and any(path.startswith(r) for r in self.roots):
                if not os.path.isfile(path):
                    return
            else:
                return
            if (kind, path) not in self.seen:
                self.seen.add((kind, path))
                os.write(self.fd, f"{kind}\t{path}\n".encode())
        except Exception:  # tracing must never break a notebook
            pass
        finally:
            self.busy.on = False

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = (*args, None, None, None)[:3]
            if path is None:
                return
            writes = (isinstance(flags, int) and bool(flags & _WRITE_FLAGS)) or (
                isinstance(mode, str) and any(c in mode for c in "wax+")
            )
            self.note("W" if writes else "R", path)
        elif event == "os.rename" and len(args) >= 2:
            self.note("W", args[1])
        elif event == "sqlite3.connect" and args:  # study.sqlite, read natively
            self.note("R", args[0])


_TRACER: _Tracer | None = None


def start() -> bool:
    """Start recording the files this process reads and writes (once per process).

    Returns
    -------
    bool
        Whether a trace is being recorded (``NSMAP_TRACE`` is set).
    """
    global _TRACER
    given: dict[str, str] = dict(os.environ)
    if not given.get(TRACE_ENV) and given.get(SETTINGS_ENV):  # a kernel started ahead
        try:
            given = json.loads(Path(given[SETTINGS_ENV]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            given = {}
    trace = given.get(TRACE_ENV)
    if not trace:
        return False
    if _TRACER is None:
        roots = [os.path.realpath(r) for r in given.get(ROOTS_ENV, "").split(os.pathsep) if r]
        out = given.get(OUT_ENV, "")
        _TRACER = _Tracer(trace, roots, os.path.realpath(out) if out else "")
        sys.addaudithook(_TRACER.hook)
    return True


def wrote(paths: Iterable[str | Path]) -> None:
    """Record files written by the report (its figures and tables)."""
    if _TRACER is not None:
        for p in paths:
            _TRACER.note("W", str(p))


def read(path: str | Path) -> None:
    """Record a file read by a reader the audit hook does not see (pyarrow)."""
    if _TRACER is not None:
        _TRACER.note("R", str(path))


class _TracedManifest(dict[str, object]):
    """A database's ``manifest.json``, in the trace only once it is used (it changes
    with every ingestion, unlike most tables)."""

    def __init__(self, store: Store) -> None:
        super().__init__(store.manifest)
        self._path = store.path / "manifest.json"

    def _used(self) -> None:
        read(self._path)

    def __getitem__(self, key: str) -> object:
        self._used()
        return super().__getitem__(key)

    def get(self, key: str, default: object = None) -> object:
        self._used()
        return super().get(key, default)

    def __iter__(self) -> Iterator[str]:
        self._used()
        return super().__iter__()

    def __contains__(self, key: object) -> bool:
        self._used()
        return super().__contains__(key)

    def items(self) -> Any:
        self._used()
        return super().items()

    def values(self) -> Any:
        self._used()
        return super().values()


def _traced_tables(store: Store) -> LazyTables:
    """``store.tables``, recording each table's Parquet file in the trace when read
    (pyarrow reads it, unseen by the audit hook)."""

    def load(name: str) -> pd.DataFrame:
        read(store.path / "parquet" / f"{name}.parquet")
        return store.tables[name]

    return LazyTables({name: partial(load, name) for name in store.tables})


def traced_store(store: Store) -> Store:
    """``store`` recording in the trace each table read (pyarrow reads Parquet files,
    unseen by the audit hook) and its ``manifest.json`` once used."""
    return Store(store.path, _traced_tables(store), _TracedManifest(store))


def read_trace(path: str | Path) -> tuple[bool, list[str], list[str]]:
    """Read a trace file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    complete : bool
        Whether the trace tells everything the notebook read: it started tracing (it
        called ``open_report``) and read no file of its zone folder that it had not
        written itself (another notebook's output, which the trace cannot key).
    reads, writes : list of str
        Absolute paths, each once, in the order first seen.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return False, [], []
    complete = bool(lines) and lines[0] == STARTED.rstrip("\n")
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    for line in lines[1:]:
        kind, _, p = line.partition("\t")
        if kind == "R":
            reads[p] = None
        elif kind == "W":
            writes[p] = None
        elif kind == "X":
            complete = False
    return complete, list(reads), list(writes)
